"""The terminal: its devices, its outbox and the citizen flow, joined by one event queue.

`kiosk.compose.build_terminal` builds one from config.

Threads: every device has its own worker; the outbox writes on one storage thread. Their results
are queued here and applied to the flow on the owner's thread (the Qt GUI thread in `kiosk run`,
the caller's thread in tests and the rig) when it calls `process_events()`. The owner learns
that events are waiting through the wakeup callback.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from drivers.base import DeviceEvent
from drivers.idcard.icao import MrzKey
from drivers.idcard.mrzkey import MrzKeyHolder
from drivers.status import DeviceStatus
from kiosk.config import KioskConfig
from kiosk.devices import Devices
from kiosk.lookupjobs import LookupJobs
from kiosk.printjobs import PrintJournal, duplicate_receipt, recover_print_jobs
from kiosk.session import Flow, ViewState
from kiosk.storage import STORAGE_RESULT, Event, StorageThread
from kiosk.voiceguide import VoiceGuide
from kiosk.workdays import WorkCalendar
from offline_cache import Outbox

if TYPE_CHECKING:  # requests costs ~0.1 s at start; only terminals with an intake need it
    from offline_cache.client import IntakeClient
    from offline_cache.sync import SyncWorker

log = logging.getLogger("kiosk.terminal")


class Terminal:
    """One kiosk: its devices, its outbox and the citizen flow, wired together."""

    def __init__(
        self,
        config: KioskConfig,
        *,
        outbox: Outbox,
        devices: Devices,
        connectivity: str = "offline",
        clock: Callable[[], float] = time.monotonic,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.devices = devices
        self._connectivity = connectivity
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._wakeup: Callable[[], None] | None = None
        self._storage = StorageThread(outbox, self._post, self._wake_sync)
        # Online lookups (enterprises, e-certificates): never on the GUI thread.
        self._lookups = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-lookup")
        self._lookup_jobs = LookupJobs(
            self._lookups,
            lambda: self.intake,
            lambda payload: self._post(Event("intake", "lookup_result", payload)),
        )
        self._print_journal = PrintJournal(outbox)
        self.flow = Flow(config, self, clock=clock, calendar=calendar)
        self._tick_hooks: list[Callable[[], None]] = []
        self._intent_observers: list[Callable[[str, Mapping[str, Any], str, str], None]] = []
        self._print_observers: list[Callable[[str, str, Any], None]] = []
        self._device_observers: list[Callable[[DeviceEvent], None]] = []  # maintenance tests
        self._config_listeners: list[Callable[[KioskConfig], None]] = []  # UI display settings
        self._started = False
        self.recovered_prints: list[Any] = []
        self.sync: SyncWorker | None = None  # set by build_terminal when [intake] url is set
        self.intake: IntakeClient | None = None  # shared by the sync worker and the lookups
        self._health_provider: Callable[[], Mapping[str, Any]] | None = None
        self.guide = VoiceGuide(self.flow, lambda: self.config)
        self._started_at = time.monotonic()

    # -- owner-thread API ----------------------------------------------------------------------
    @property
    def view(self) -> ViewState:
        """The flow's current view state."""
        return self.flow.view

    def intent(self, name: str, payload: Mapping[str, Any] | None = None) -> None:
        """Forward a citizen's action to the flow."""
        before = self.flow.screen
        self.flow.intent(name, payload)
        for observer in list(self._intent_observers):
            observer(name, payload or {}, before, self.flow.screen)

    def observe_intents(self, observer: Callable[[str, Mapping[str, Any], str, str], None]) -> None:
        """Call `observer(name, payload, screen_before, screen_after)` after each intent."""
        self._intent_observers.append(observer)

    def observe_prints(self, observer: Callable[[str, str, Any], None]) -> None:
        """Call `observer(kind, transaction_id, document)` for each print request (the rig)."""
        self._print_observers.append(observer)

    def subscribe(self, listener: Callable[[ViewState], None]) -> None:
        """Call `listener` on the owner's thread after each view change."""
        self.flow.subscribe(listener)

    def set_wakeup(self, callback: Callable[[], None]) -> None:
        """`callback` is called from any thread when events wait for process_events()."""
        self._wakeup = callback

    def process_events(self) -> int:
        """Apply waiting events to the flow; returns how many were applied."""
        count = 0
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return count
            count += 1
            if event.source == STORAGE_RESULT:  # run_storage: hand the result back
                event.payload["done"](event.payload["result"], event.payload["error"])
                continue
            self.flow.on_event(event.source, event.kind, event.payload)

    def run_storage(
        self, fn: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        """Run `fn` on the storage thread (outbox reads off the GUI thread); then, on the
        owner's thread at the next process_events(), `done(result, error)`."""
        self._storage.run(fn, done)

    def observe_device_events(self, observer: Callable[[DeviceEvent], None]) -> None:
        """Call `observer(event)` for every device event, on the device's worker thread."""
        self._device_observers.append(observer)

    def tick(self) -> None:
        """Drive timeouts; call a few times a second."""
        self.flow.tick()
        for hook in list(self._tick_hooks):
            hook()

    def add_tick_hook(self, hook: Callable[[], None]) -> None:
        """Call `hook` on the owner's thread after every tick (config applier, maintenance)."""
        self._tick_hooks.append(hook)

    def add_config_listener(self, listener: Callable[[KioskConfig], None]) -> None:
        """Call `listener(config)` on the owner's thread after `apply_config` (UI settings that
        are not part of the view, e.g. night blanking)."""
        self._config_listeners.append(listener)

    @property
    def session_active(self) -> bool:
        """True while a citizen is using the terminal."""
        return self.flow.session_active

    def apply_config(self, config: KioskConfig, calendar: WorkCalendar) -> list[str]:
        """Switch to a new config between sessions; returns the sections needing a restart."""
        old = self.config
        restart = [
            name
            for name in ("devices", "outbox", "metrics", "fleet")
            if getattr(config, name) != getattr(old, name)
        ]
        if (config.terminal.id, config.terminal.state_dir) != (
            old.terminal.id,
            old.terminal.state_dir,
        ):
            restart.insert(0, "terminal")
        self.config = config
        # Republishes: the attract screen and the service list come from the config.
        self.flow.set_config(config, calendar)
        for listener in list(self._config_listeners):
            listener(config)
        return restart

    def inject(self, device_class: str, word: str, *args: str) -> None:
        """Send a fault or simulator word to a device (rig, tests, maintenance)."""
        device = self.devices.get(device_class)
        if device is None:
            raise KeyError(f"no {device_class} device is fitted")
        device.inject(word, *args)

    def run_until(
        self, predicate: Callable[[ViewState], bool], timeout: float = 5.0, step: float = 0.005
    ) -> ViewState:
        """Process events until `predicate(view)` holds (headless runs: tests, rig, bench)."""
        deadline = time.monotonic() + timeout
        while True:
            self.process_events()
            self.tick()
            if predicate(self.view):
                return self.view
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"condition not met within {timeout} s; screen={self.view.screen} "
                    f"message={self.view.message}"
                )
            time.sleep(step)

    def start(self) -> None:
        """Start every device, then settle print jobs a previous run left open (no reprint)."""
        for device in self.devices.values():
            device.start()
        self._started = True
        self.recovered_prints = recover_print_jobs(self.outbox, self.device_status)
        if self.sync is not None:
            self.sync.start()

    def reprint_receipt(self, transaction_id: str) -> None:
        """Print a transaction's receipt again, marked 补打 (explicit citizen/technician action)."""
        # The same calendar as the original, so the duplicate shows the same deadline.
        blocks = duplicate_receipt(
            self.config, self.outbox, transaction_id, calendar=self.flow.calendar
        )
        self.print("receipt", transaction_id, blocks)

    def stop(self) -> None:
        """Stop devices and the storage thread, then close the outbox."""
        if self._started:
            for device in self.devices.values():
                device.stop()
            self._started = False
        self.stop_speaking()
        self._storage.shutdown()
        self._lookups.shutdown(wait=False, cancel_futures=True)  # a lookup times out by itself
        if self.sync is not None:
            self.sync.stop()
        if self.intake is not None:
            self.intake.close()
        self.outbox.close()

    # -- voice guidance (accessibility) -------------------------------------------------------
    @property
    def voice(self) -> Any | None:
        """The voice device (drivers.voice.EspeakVoice); None: no voice."""
        return self.guide.voice

    def attach_voice(self, voice: Any | None) -> None:
        """Use `voice` (speak/stop/speaking) for guidance."""
        self.guide.attach(voice)

    def speak(self, text: str) -> bool:
        """Read `text` aloud, without the citizen's personal data; False without a voice."""
        return self.guide.speak(text)

    def stop_speaking(self) -> None:
        """Stop voice guidance now."""
        self.guide.stop()

    @property
    def speaking(self) -> bool:
        """True while voice guidance is playing."""
        return self.guide.speaking

    # -- FlowPorts (called by the flow on the owner's thread; never block) ------------------------
    def device_status(self, device_class: str) -> DeviceStatus | None:
        """Status of a fitted device, None when none is configured."""
        device = self.devices.get(device_class)
        return device.status if device is not None else None

    def connectivity(self) -> str:
        """'online', 'offline' or 'degraded' (the intake API, as the sync worker sees it)."""
        return self._connectivity

    def set_connectivity(self, state: str) -> None:
        """Change the connectivity state (sync worker, rig)."""
        if state != self._connectivity:
            log.info("connectivity: %s", state)
            self._connectivity = state
            self._post(Event("intake", "status_changed", {"state": state}))

    def start_face(self, reference_photo: bytes | None) -> None:
        """Ask the camera to verify the citizen against the document photo."""
        camera = self.devices.camera
        if camera is None:
            self._post(Event("camera", "face_result", {"match": False, "reason": "no_camera"}))
            return
        camera.start_verification(reference_photo)

    def set_camera_preview(self, listener: Callable[[Any, Any, str], None] | None) -> bool:
        """Hand camera preview frames to `listener(frame, face_box, hint)` (camera thread).

        The frame is a BGR array lent for the call (copy it to keep it); face_box is (x, y, w, h)
        in fractions of the frame or None. False when the fitted camera has no preview (sim).
        """
        from drivers.camera.opencv import OpencvCamera  # only a real camera has a preview

        camera = self.devices.camera
        if not isinstance(camera, OpencvCamera):
            return False
        camera.set_preview_listener(listener)
        return True

    def supports_mrz(self) -> bool:
        """True when the fitted ID reader takes an MRZ key (reads travel documents)."""
        return isinstance(self.devices.idcard, MrzKeyHolder)

    def set_mrz(self, key: MrzKey) -> None:
        """Give the ID reader the citizen's MRZ key; a key it refuses is access_denied."""
        reader = self.devices.idcard
        if not isinstance(reader, MrzKeyHolder):
            return
        try:
            reader.set_mrz(key)
        except ValueError:
            # The reader's own check failed (the message may quote the key: not logged).
            log.info("idcard: MRZ key refused by the reader")
            self._post(Event("idcard", "card_error", {"reason": "access_denied"}))

    def clear_mrz(self) -> None:
        """Make the ID reader forget the citizen's MRZ key."""
        reader = self.devices.idcard
        if isinstance(reader, MrzKeyHolder):
            reader.clear_mrz()

    def stop_face(self) -> None:
        """Stop face verification."""
        camera = self.devices.camera
        if camera is not None:
            camera.stop_verification()

    def submit(self, service_id: str, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Store the transaction on the storage thread; the flow hears back as an event."""
        self._storage.submit(service_id, payload, personal)

    def lookup(self, kind: str, holder_id: str, request: int) -> None:
        """Ask the intake for the holder's `kind` ("enterprises", "certificates") off the GUI
        thread; the answer is an ("intake", "lookup_result") event carrying `request`."""
        self._lookup_jobs.submit(kind, holder_id, request)

    def cancel_lookup(self) -> None:
        """Drop the queued lookup; a running one is not answered any more."""
        self._lookup_jobs.cancel()

    def record_rating(self, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Queue a 好差评 rating as its own transaction (storage thread; answers with an event)."""
        self._storage.record_rating(payload, personal)

    def print(self, kind: str, transaction_id: str, document: Any) -> None:
        """Journal the print job, then hand it to the printer."""
        for observer in list(self._print_observers):
            observer(kind, transaction_id, document)
        self._storage.call(self._print, kind, transaction_id, document)

    # -- worker-thread side ----------------------------------------------------------------------
    def _wake_sync(self) -> None:
        if self.sync is not None:
            self.sync.wake()

    def _post(self, event: Event) -> None:
        self._events.put(event)
        wakeup = self._wakeup
        if wakeup is not None:
            wakeup()

    def _on_device_event(self, event: DeviceEvent) -> None:
        for observer in list(self._device_observers):
            try:
                observer(event)
            except Exception:
                log.exception("device event observer failed")
        payload = dict(event.payload)
        if event.kind in ("printed", "print_failed"):
            payload.update(self._print_journal.settle(event))
        self._post(Event(event.device, event.kind, payload))

    def set_health_provider(self, provider: Callable[[], Mapping[str, Any]]) -> None:
        """Let the heartbeat carry a richer snapshot (kiosk.health.Health.snapshot)."""
        self._health_provider = provider

    def health_snapshot(self) -> dict[str, Any]:
        """What the heartbeat reports besides the queue (called on the sync thread)."""
        from kiosk import __version__

        if self._health_provider is not None:
            extra = dict(self._health_provider())
        else:
            uptime = round(time.monotonic() - self._started_at, 1)
            extra = {"devices": self.devices.health(), "uptime_s": uptime}
        return {"app_version": __version__, "config_version": config_version(self.config), **extra}

    def _print(self, kind: str, transaction_id: str, document: Any) -> None:
        printer = self.devices.receipt if kind == "receipt" else self.devices.licence
        if not self._print_journal.send(kind, transaction_id, document, printer):
            self._post(Event(kind, "print_failed", {"transaction_id": transaction_id}))


def config_version(config: KioskConfig) -> str:
    """A short fingerprint of the effective config (reported in the heartbeat)."""
    import hashlib

    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:12]
