"""The composition root: builds a Terminal (devices, outbox, flow) from config.

Threads: every device has its own worker; the outbox writes on one storage thread. Their results
are queued here and applied to the flow on the owner's thread (the Qt GUI thread in `kiosk run`,
the caller's thread in tests and the rig) when it calls `process_events()`. The owner learns
that events are waiting through the wakeup callback.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.base import Device, DeviceEvent
from drivers.registry import create_device
from kiosk.config import KioskConfig
from kiosk.flow import Flow, ViewState
from kiosk.lookup import LOOKUP_READ_TIMEOUT_S
from kiosk.printjobs import duplicate_receipt, recover_print_jobs
from kiosk.workdays import WorkCalendar
from offline_cache import Outbox, OutboxError, StorageFull

if TYPE_CHECKING:  # requests costs ~0.1 s at start; only terminals with an intake need it
    from offline_cache.sync import SyncWorker

log = logging.getLogger("kiosk.terminal")

DEVICE_CLASSES = ("idcard", "receipt", "licence", "camera")


_STORAGE_RESULT = "storage_result"  # Event.source of run_storage results


@dataclass(frozen=True)
class Event:
    """A device or outbox result waiting to be applied to the flow."""

    source: str
    kind: str
    payload: Mapping[str, Any]


class Terminal:
    """One kiosk: its devices, its outbox and the citizen flow, wired together."""

    def __init__(
        self,
        config: KioskConfig,
        *,
        outbox: Outbox,
        devices: Mapping[str, Device],
        connectivity: str = "offline",
        clock: Callable[[], float] = time.monotonic,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.devices = dict(devices)
        self._connectivity = connectivity
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._wakeup: Callable[[], None] | None = None
        self._storage = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-storage")
        # Online lookups (enterprises, e-certificates): never on the GUI thread (issue 9).
        self._lookups = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-lookup")
        self._lookup_future: Future[None] | None = None
        self._lookup_live: int | None = None  # the one request still allowed to run and answer
        self._print_jobs: dict[str, tuple[str, str]] = {}  # job id -> (kind, transaction id)
        self._lock = threading.Lock()
        self.flow = Flow(config, self, clock=clock, calendar=calendar)
        self._tick_hooks: list[Callable[[], None]] = []
        self._intent_observers: list[Callable[[str, Mapping[str, Any], str, str], None]] = []
        self._print_observers: list[Callable[[str, str, Any], None]] = []
        self._device_observers: list[Callable[[DeviceEvent], None]] = []  # maintenance tests
        self._config_listeners: list[Callable[[KioskConfig], None]] = []  # UI display settings
        self._started = False
        self.recovered_prints: list[Any] = []
        self.sync: SyncWorker | None = None  # set by build_terminal when [intake] url is set
        self._health_provider: Callable[[], Mapping[str, Any]] | None = None
        self.voice: Any | None = None  # drivers.voice.EspeakVoice (attach_voice); None: no voice
        self._voice_key = (self.flow.view.screen, self.flow.view.session)
        self.flow.subscribe(self._hush_on_new_screen)
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
            if event.source == _STORAGE_RESULT:  # run_storage: hand the result back
                event.payload["done"](event.payload["result"], event.payload["error"])
                continue
            self.flow.on_event(event.source, event.kind, event.payload)

    def run_storage(
        self, fn: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        """Run `fn` on the storage thread (outbox reads off the GUI thread); then, on the
        owner's thread at the next process_events(), `done(result, error)`."""

        def task() -> None:
            try:
                result, error = fn(), None
            except Exception as exc:
                log.warning("storage query failed: %s", type(exc).__name__)
                result, error = None, exc
            payload = {"done": done, "result": result, "error": error}
            self._post(Event(_STORAGE_RESULT, "done", payload))

        try:
            self._storage.submit(task)
        except RuntimeError as exc:  # the terminal is stopping: no storage thread any more
            done(None, exc)

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
        self._storage.shutdown(wait=True)
        self._lookups.shutdown(wait=False, cancel_futures=True)  # a lookup times out by itself
        if self.sync is not None:
            self.sync.stop()
        self.outbox.close()

    # -- voice guidance (accessibility) -------------------------------------------------------
    def attach_voice(self, voice: Any | None) -> None:
        """Use `voice` (speak/stop/speaking, e.g. drivers.voice.EspeakVoice) for guidance."""
        if self.voice is not None:
            self.voice.stop()
        self.voice = voice

    def speak(self, text: str) -> bool:
        """Read `text` aloud in the session's language and volume; False if there is no voice.

        Personal data of the current citizen and number-like runs are removed first: guidance
        reads titles and instructions only.
        """
        from kiosk.accessibility import ELDERLY_RATE_FACTOR, speakable

        if self.voice is None or self.config.accessibility.voice == "off":
            return False
        for secret in sorted(self.flow.personal_strings(), key=len, reverse=True):
            text = text.replace(secret, " ")
        modes = self.flow.accessibility
        rate = self.config.accessibility.voice_rate_wpm
        if modes.get("elderly"):
            rate = round(rate * ELDERLY_RATE_FACTOR)
        self.voice.speak(
            speakable(text),
            language=self.flow.view.language,
            volume=int(modes.get("volume", 70)),
            rate_wpm=rate,
        )
        return True

    def stop_speaking(self) -> None:
        """Stop voice guidance now."""
        if self.voice is not None:
            self.voice.stop()

    @property
    def speaking(self) -> bool:
        """True while voice guidance is playing."""
        return self.voice is not None and bool(self.voice.speaking)

    def _hush_on_new_screen(self, view: ViewState) -> None:
        key = (view.screen, view.session)
        if key != self._voice_key:
            self._voice_key = key
            self.stop_speaking()

    # -- FlowPorts (called by the flow on the owner's thread; never block) ------------------------
    def device_status(self, device_class: str) -> Any | None:
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
        camera = self.devices.get("camera")
        if camera is None:
            self._post(Event("camera", "face_result", {"match": False, "reason": "no_camera"}))
            return
        camera.start_verification(reference_photo)  # type: ignore[attr-defined]

    def set_camera_preview(self, listener: Callable[[Any, Any, str], None] | None) -> bool:
        """Hand camera preview frames to `listener(frame, face_box, hint)` (camera thread).

        The frame is a BGR array lent for the call (copy it to keep it); face_box is (x, y, w, h)
        in fractions of the frame or None. False when the fitted camera has no preview (sim).
        """
        setter = getattr(self.devices.get("camera"), "set_preview_listener", None)
        if setter is None:
            return False
        setter(listener)
        return True

    def supports_mrz(self) -> bool:
        """True when the fitted ID reader takes an MRZ key (reads travel documents)."""
        return callable(getattr(self.devices.get("idcard"), "set_mrz", None))

    def set_mrz(self, document_number: str, birth_date: str, expiry_date: str) -> None:
        """Give the ID reader the citizen's MRZ key; a key it refuses is access_denied."""
        setter = getattr(self.devices.get("idcard"), "set_mrz", None)
        if setter is None:
            return
        try:
            setter(f"{document_number},{birth_date},{expiry_date}")
        except ValueError:
            # The reader's own check failed (the message may quote the key: not logged).
            log.info("idcard: MRZ key refused by the reader")
            self._post(Event("idcard", "card_error", {"reason": "access_denied"}))

    def clear_mrz(self) -> None:
        """Make the ID reader forget the citizen's MRZ key."""
        clear = getattr(self.devices.get("idcard"), "clear_mrz", None)
        if clear is not None:
            clear()

    def stop_face(self) -> None:
        """Stop face verification."""
        camera = self.devices.get("camera")
        if camera is not None:
            camera.stop_verification()  # type: ignore[attr-defined]

    def submit(self, service_id: str, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Store the transaction on the storage thread; the flow hears back as an event."""
        self._storage.submit(self._enqueue, service_id, payload, personal)

    def lookup(self, kind: str, holder_id: str, request: int) -> None:
        """Ask the intake for the holder's `kind` ("enterprises", "certificates") off the GUI
        thread; the answer is an ("intake", "lookup_result") event carrying `request`."""
        with self._lock:
            self._lookup_live = request
            self._lookup_future = self._lookups.submit(self._lookup, kind, holder_id, request)

    def cancel_lookup(self) -> None:
        """Drop the queued lookup (it holds the citizen's ID number); a running one is not
        answered any more."""
        with self._lock:
            self._lookup_live = None
            future, self._lookup_future = self._lookup_future, None
        if future is not None:
            future.cancel()

    def _lookup_current(self, request: int) -> bool:
        with self._lock:
            return self._lookup_live == request

    def _lookup(self, kind: str, holder_id: str, request: int) -> None:
        if not self._lookup_current(request):
            return  # the session ended (or a newer lookup began) before this one ran
        try:
            from kiosk.lookup import fetch  # requests is imported only when a lookup runs

            intake = self.config.intake
            base = self.config.terminal.state_dir
            result = fetch(
                intake.url,
                kind,
                holder_id,
                token_path=None if intake.token_file is None else base / intake.token_file,
                ca_bundle=None if intake.ca_bundle is None else base / intake.ca_bundle,
                client_cert=None if intake.client_cert is None else base / intake.client_cert,
                client_key=None if intake.client_key is None else base / intake.client_key,
                connect_timeout_s=intake.connect_timeout_s,
                read_timeout_s=min(intake.read_timeout_s, LOOKUP_READ_TIMEOUT_S),
            )
        except Exception as exc:  # the citizen must hear back, never hang on "loading"
            # The type only: a message could carry the holder's data.
            log.error("lookup %s failed: %s", kind, type(exc).__name__)
            result = {"ok": False, "reason": "error"}
        if not self._lookup_current(request):
            return  # the session ended while the intake answered
        self._post(Event("intake", "lookup_result", {"kind": kind, "request": request, **result}))

    def record_rating(self, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Queue a 好差评 rating as its own transaction (storage thread; answers with an event)."""
        self._storage.submit(self._enqueue_rating, payload, personal)

    def print(self, kind: str, transaction_id: str, document: Any) -> None:
        """Journal the print job, then hand it to the printer."""
        for observer in list(self._print_observers):
            observer(kind, transaction_id, document)
        self._storage.submit(self._print, kind, transaction_id, document)

    # -- worker-thread side ----------------------------------------------------------------------
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
            payload.update(self._settle_print(event))
        self._post(Event(event.device, event.kind, payload))

    def _enqueue(self, service_id: str, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        try:
            done = self.outbox.enqueue(service_id, payload, personal)
        except StorageFull:
            log.error("outbox: storage full, transaction not stored")
            self._post(Event("outbox", "failed", {"reason": "storage_full"}))
            return
        except OutboxError as exc:
            log.error("outbox: transaction not stored: %s", type(exc).__name__)
            self._post(Event("outbox", "failed", {"reason": "error"}))
            return
        self._post(
            Event(
                "outbox",
                "enqueued",
                {"transaction_id": done.transaction_id, "receipt_number": done.receipt_number},
            )
        )
        if self.sync is not None:
            self.sync.wake()

    def _enqueue_rating(self, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        from kiosk.flow import RATING_SERVICE_ID

        try:
            done = self.outbox.enqueue(RATING_SERVICE_ID, payload, personal)
        except OutboxError as exc:  # StorageFull included: the citizen has finished anyway
            log.error("outbox: rating not stored: %s", type(exc).__name__)
            self._post(Event("outbox", "rating_failed", {"reason": type(exc).__name__}))
            return
        self._post(Event("outbox", "rating_stored", {"transaction_id": done.transaction_id}))
        if self.sync is not None:
            self.sync.wake()

    def set_health_provider(self, provider: Callable[[], Mapping[str, Any]]) -> None:
        """Let the heartbeat carry a richer snapshot (kiosk.health.Health.snapshot)."""
        self._health_provider = provider

    def health_snapshot(self) -> dict[str, Any]:
        """What the heartbeat reports besides the queue (called on the sync thread)."""
        from kiosk import __version__

        if self._health_provider is not None:
            return {
                "app_version": __version__,
                "config_version": config_version(self.config),
                **self._health_provider(),
            }
        devices = {}
        for name, device in self.devices.items():
            status = device.status
            devices[name] = {
                "availability": str(status.availability),
                "state": status.state,
                "status": str(status.status),
                "severity": str(status.severity),
            }
        return {
            "app_version": __version__,
            "config_version": config_version(self.config),
            "devices": devices,
            "uptime_s": round(time.monotonic() - self._started_at, 1),
        }

    def _print(self, kind: str, transaction_id: str, document: Any) -> None:
        printer = self.devices.get(kind)
        try:
            job_id = self.outbox.record_print(transaction_id, kind)
        except OutboxError:
            log.exception("print journal failed")
            self._post(Event(kind, "print_failed", {"transaction_id": transaction_id}))
            return
        if printer is None:
            self.outbox.mark_print(job_id, "failed", "not_fitted")
            self._post(Event(kind, "print_failed", {"transaction_id": transaction_id}))
            return
        with self._lock:
            self._print_jobs[job_id] = (kind, transaction_id)
        self.outbox.mark_print(job_id, "sent")
        printer.print_document(job_id, document)  # type: ignore[attr-defined]

    def _settle_print(self, event: DeviceEvent) -> dict[str, Any]:
        job_id = str(event.payload.get("job_id", ""))
        with self._lock:
            job = self._print_jobs.pop(job_id, None)
        if job is None:
            return {}
        ok = event.kind == "printed"
        reason = None if ok else str(event.payload.get("reason", "unknown"))
        try:
            self.outbox.mark_print(job_id, "confirmed" if ok else "failed", reason)
        except OutboxError:
            log.exception("print journal update failed for job %s", job_id)
        return {"transaction_id": job[1]}


def build_terminal(
    config: KioskConfig,
    *,
    sim: bool = False,
    state_dir: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
    calendar: WorkCalendar | None = None,
) -> Terminal:
    """Build a terminal from config; `sim` replaces every device with its simulator."""
    outbox_path = config.outbox_path()
    key_path = config.outbox_key_path()
    if state_dir is not None:
        outbox_path = state_dir / "outbox.sqlite3"
        key_path = state_dir / "outbox.key"
    outbox = Outbox(outbox_path, config.terminal.id, key_path=key_path)
    holder: list[Terminal] = []

    def on_event(event: DeviceEvent) -> None:
        holder[0]._on_device_event(event)

    devices: dict[str, Device] = {}
    for device_class in DEVICE_CLASSES:
        settings = getattr(config.devices, device_class)
        if not settings.enabled:
            continue
        backend = "sim" if sim else settings.backend
        options = dict(settings.options)
        if settings.faults:
            options["faults"] = list(settings.faults)
        devices[device_class] = create_device(device_class, backend, on_event, **options)
    if calendar is None:
        from kiosk.config.holidays import calendar_layers, load_calendar

        calendar = load_calendar(
            calendar_layers(config.sources, development=config.terminal.profile == "development")
        )
    terminal = Terminal(config, outbox=outbox, devices=devices, clock=clock, calendar=calendar)
    holder.append(terminal)
    terminal.attach_voice(make_voice(config))
    # Without an intake URL the terminal stays honestly offline: online-only services show as
    # unavailable with that reason, everything else works and queues.
    if config.intake.url:
        terminal.sync = make_sync_worker(config, outbox, terminal)
    return terminal


def make_voice(config: KioskConfig) -> Any | None:
    """The voice guidance device of `[accessibility]`; None when off or not installed."""
    if config.accessibility.voice == "off":
        return None
    from drivers.voice import EspeakVoice, VoiceUnavailable

    try:
        return EspeakVoice(rate_wpm=config.accessibility.voice_rate_wpm)
    except VoiceUnavailable as exc:
        log.warning("voice guidance unavailable: %s", exc)
        return None


def config_version(config: KioskConfig) -> str:
    """A short fingerprint of the effective config (reported in the heartbeat)."""
    import hashlib

    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:12]


def make_sync_worker(config: KioskConfig, outbox: Outbox, terminal: Terminal) -> SyncWorker:
    """The sync worker of `[intake]`; relative paths are under state_dir."""
    from offline_cache.sync import SyncWorker

    intake = config.intake
    assert intake.url is not None
    base = config.terminal.state_dir

    def path(p: Path | None) -> str | None:
        return None if p is None else str(base / p)

    token = None
    if intake.token_file is not None:
        try:
            token = (base / intake.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            # The terminal still works offline; the intake answers 401 and health says why.
            log.error("intake token file unreadable: %s", exc.strerror)
    cert_path = path(intake.client_cert)
    cert: str | tuple[str, str] | None = cert_path
    if cert_path is not None and intake.client_key is not None:
        cert = (cert_path, str(base / intake.client_key))
    return SyncWorker(
        outbox,
        intake.url,
        terminal_id=config.terminal.id,
        token=token,
        ca_bundle=path(intake.ca_bundle),
        client_cert=cert,
        batch_size=intake.batch_size,
        heartbeat_s=intake.heartbeat_s,
        connect_timeout_s=intake.connect_timeout_s,
        read_timeout_s=intake.read_timeout_s,
        health=terminal.health_snapshot,
        on_state=terminal.set_connectivity,
    )
