"""What the maintenance screens show (devices, queue, config, logs) and the tests they run."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kiosk import logbundle
from kiosk.config.schema import MaintenanceSettings
from kiosk.logring import RingLogHandler
from kiosk.maintenance.paper import PaperCounters
from kiosk.maintenance.samples import (
    masked_identity,
    sample_licence_document,
    sample_receipt_blocks,
)

__all__ = ["DEVICE_TESTS", "MaintenanceConsole"]

log = logging.getLogger("kiosk.maintenance")

# Tests a technician can run from the device screen: injection words the simulators and the
# rig share (DEVICES.md); real backends refuse words they do not support, and the UI says so.
DEVICE_TESTS: dict[str, tuple[str, ...]] = {
    "idcard": ("card_insert", "card_remove", "reset"),
    "receipt": ("paper_low", "paper_empty", "media_taken", "reset"),
    "licence": ("paper_empty", "toner_low", "reset"),
    "camera": ("camera_stall", "reset"),
}


class MaintenanceConsole:
    """The data and actions of the maintenance screens, over a terminal and its health.

    Outbox reads and writes (queue figures, retry, the log bundle) run on the terminal's
    storage thread (`Terminal.run_storage`); their results come back on the owner's thread.
    """

    def __init__(
        self,
        terminal: Any,
        health: Any,
        *,
        config_status: Callable[[], Mapping[str, Any]] | None = None,
        settings: MaintenanceSettings | None = None,
        paper: PaperCounters | None = None,
        logs: RingLogHandler | None = None,
        mounts_file: Path = logbundle.MOUNTS_FILE,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.terminal = terminal
        self.health = health
        self._config_status = config_status
        self.settings = settings or MaintenanceSettings()
        self.paper = paper or PaperCounters(None)
        self.logs = logs
        self.mounts_file = mounts_file  # /proc/self/mountinfo; tests point it at their own
        self.fs_types = logbundle.STICK_FS  # the file systems a stick may have (vfat, exFAT)
        self._wall = wall_clock
        self._tests_lock = threading.Lock()
        self._tests: dict[str, dict[str, Any]] = {}  # device -> the last test and its result
        self._jobs = 0
        observe = getattr(terminal, "observe_device_events", None)
        if observe is not None:
            observe(self._on_device_event)

    # -- devices ----------------------------------------------------------------------------------
    def devices(self, io_limit: int = 40) -> list[dict[str, Any]]:
        """Each device: state, status, severity, action, last error, I/O ring, tests."""
        self.health.observe()
        paper = self.paper.snapshot()
        out = []
        for name, device in sorted(self.terminal.devices.items()):
            st = device.status
            ring = getattr(device, "io", None)
            out.append(
                {
                    "device": name,
                    "availability": str(st.availability),
                    "state": st.state,
                    "status": str(st.status),
                    "severity": str(st.severity),
                    "action": str(st.action),
                    "detail": st.detail,
                    "last_error": self.health.last_error.get(name),
                    "history": list(self.health.history.get(name, ())),
                    "tests": list(DEVICE_TESTS.get(name, ())),
                    "io": [r.as_dict() for r in ring.snapshot(io_limit)] if ring else [],
                    "io_total": ring.total if ring else 0,
                    "paper": paper.get(name),
                    "test": self.test_result(name),
                }
            )
        return out

    def io_rings(self) -> dict[str, list[dict[str, Any]]]:
        """Every device's whole I/O ring (for the log bundle)."""
        out = {}
        for name, device in sorted(self.terminal.devices.items()):
            ring = getattr(device, "io", None)
            out[name] = [r.as_dict() for r in ring.snapshot()] if ring else []
        return out

    # -- queue (storage thread) ---------------------------------------------------------------
    def queue(self) -> dict[str, Any]:
        """Depth, oldest age, dead letters with their reasons (ids only, no personal data).

        Reads SQLite: call it on the storage thread (`queue_async`), not the GUI thread.
        """
        outbox = self.terminal.outbox
        counts = outbox.counts()
        oldest = outbox.oldest_age()
        dead = [
            {
                "transaction_id": item.transaction_id,
                "service_id": item.service_id,
                "reason": item.last_error,
            }
            for item in outbox.items("rejected", limit=50)
        ]
        return {
            "depth": counts.get("queued", 0) + counts.get("sending", 0),
            "oldest_age_s": None if oldest is None else round(oldest),
            "counts": counts,
            "dead_letters": dead,
            "connectivity": self.terminal.connectivity(),
        }

    def _on_storage(self, fn: Callable[[], Any], done: Callable[[Any, str | None], None]) -> None:
        run = getattr(self.terminal, "run_storage", None)
        if run is None:  # a terminal without a storage thread (fakes): inline
            try:
                done(fn(), None)
            except Exception as exc:
                done(None, type(exc).__name__)
            return

        def finished(result: Any, error: BaseException | None) -> None:
            done(result, None if error is None else type(error).__name__)

        run(fn, finished)

    def queue_async(self, done: Callable[[dict[str, Any] | None, str | None], None]) -> None:
        """Read the queue figures on the storage thread; `done(figures, error)` on the owner's."""
        self._on_storage(self.queue, done)

    def retry(self, transaction_id: str) -> str:
        """Put a dead letter back in the queue; returns the state it had (storage thread)."""
        log.info("maintenance: retry of dead letter %s", transaction_id)
        return str(self.terminal.outbox.requeue(transaction_id))

    def retry_async(
        self, transaction_id: str, done: Callable[[str | None, str | None], None]
    ) -> None:
        """`retry` on the storage thread; `done(previous_state, error)` on the owner's thread."""
        self._on_storage(lambda: self.retry(transaction_id), done)

    # -- config -----------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """Applied version, source files, last refused bundle and why."""
        status = dict(self._config_status()) if self._config_status else {}
        status["sources"] = [str(p) for p in self.terminal.config.sources]
        status["terminal_id"] = self.terminal.config.terminal.id
        status["profile"] = self.terminal.config.terminal.profile
        return status

    # -- device tests ---------------------------------------------------------------------------
    def run_test(self, device: str, word: str) -> str | None:
        """Run a device test word (fault injection); None when sent, else why not."""
        if word not in DEVICE_TESTS.get(device, ()):
            return f"unknown test {word!r} for {device}"
        try:
            if word == "card_insert":
                self.terminal.inject(device, word, "resident")
            else:
                self.terminal.inject(device, word)
        except (KeyError, ValueError) as exc:
            return str(exc)
        log.info("maintenance: test %s on %s", word, device)
        return None

    def test_result(self, device: str) -> dict[str, Any] | None:
        """The last functional test of `device`: state (waiting/ok/failed), masked result."""
        with self._tests_lock:
            entry = self._tests.get(device)
            return None if entry is None else {k: v for k, v in entry.items() if k != "job"}

    def _set_test(self, device: str, **entry: Any) -> None:
        with self._tests_lock:
            self._tests[device] = {"at": self._wall(), **entry}

    def test_card(self) -> str | None:
        """Wait for the next card read and show its result masked; on a simulator, insert one."""
        reader = self.terminal.devices.get("idcard")
        if reader is None:
            return "no ID card reader fitted"
        self._set_test("idcard", state="waiting")
        log.info("maintenance: card read test started")
        if "card_insert" in getattr(reader, "injections", ()):
            try:
                self.terminal.inject("idcard", "card_insert", "resident")
            except (KeyError, ValueError) as exc:
                return str(exc)
        return None

    def test_print(self, kind: str) -> tuple[str | None, bytes | None]:
        """Print a test receipt / A4 page; returns (problem or None, preview PNG or None).

        The preview is the printer's own `preview_png(document)` (what it is sent, rendered to
        an image; a slow render: call this on the storage thread, `test_print_async`). The
        sample content is fictional and marked as a test.
        """
        printer = self.terminal.devices.get(kind)
        if printer is None:
            return f"no {kind} printer fitted", None
        self._jobs += 1
        job_id = f"maintenance-test-{int(self._wall())}-{self._jobs}"
        document: Any = (
            sample_receipt_blocks(self.terminal.config.terminal.id, self._wall())
            if kind == "receipt"
            else sample_licence_document(self.terminal.config.terminal.id, self._wall())
        )
        try:
            preview_png = getattr(printer, "preview_png", None)
            preview = preview_png(document) if preview_png is not None else None
        except Exception as exc:  # a preview problem must not keep the page from printing
            log.warning("maintenance: %s preview failed: %s", kind, type(exc).__name__)
            preview = None
        self._set_test(kind, state="waiting", job=job_id)
        log.info("maintenance: test print on %s (%s)", kind, job_id)
        try:
            printer.print_document(job_id, document)
        except Exception as exc:
            self._set_test(kind, state="failed", reason=type(exc).__name__)
            return f"{kind}: {type(exc).__name__}", preview
        return None, preview

    def test_print_async(
        self, kind: str, done: Callable[[tuple[str | None, bytes | None] | None, str | None], None]
    ) -> None:
        """`test_print` (rendering the preview takes a while) on the storage thread;
        `done((problem, png), error)` on the owner's thread."""
        self._on_storage(lambda: self.test_print(kind), done)

    def _on_device_event(self, event: Any) -> None:
        """Device events (worker threads): results of the tests that are waiting."""
        device, kind, payload = event.device, event.kind, event.payload
        with self._tests_lock:
            waiting = self._tests.get(device)
            if waiting is None or waiting.get("state") != "waiting":
                return
        if device == "idcard" and kind == "card_read":
            record = payload.get("record")
            if record is None:
                self._set_test(device, state="failed", reason="unreadable")
                return
            self._set_test(device, state="ok", masked=masked_identity(record))
        elif device == "idcard" and kind == "card_error":
            self._set_test(device, state="failed", reason=str(payload.get("reason", "error")))
        elif kind in ("printed", "print_failed") and payload.get("job_id") == waiting.get("job"):
            if kind == "printed":
                self._set_test(device, state="ok")
            else:
                self._set_test(device, state="failed", reason=str(payload.get("reason", "error")))

    def camera_preview(self, seconds: float = 20.0) -> str | None:
        """Start the camera's live preview with the face box; None when started, else why not."""
        camera = self.terminal.devices.get("camera")
        if camera is None:
            return "no camera fitted"
        start = getattr(camera, "start_preview", None)
        if start is None:
            return "this camera has no preview (simulated)"
        start(seconds)
        log.info("maintenance: camera preview for %.0f s", seconds)
        return None

    def stop_camera_preview(self) -> None:
        """End the camera preview early."""
        camera = self.terminal.devices.get("camera")
        stop = getattr(camera, "stop_verification", None)
        if stop is not None:
            stop()

    # -- paper --------------------------------------------------------------------------------
    def paper_replaced(self, kind: str, by: str | None = None) -> dict[str, Any]:
        """The technician put in a new receipt roll ("receipt") or A4 paper ("licence")."""
        return self.paper.replaced(kind, by)

    def paper_replaced_async(
        self, kind: str, by: str | None, done: Callable[[Any, str | None], None]
    ) -> None:
        """`paper_replaced` on the storage thread (the counter file is fsynced);
        `done(entry, error)` on the owner's thread, error "ValueError: message" when refused."""

        def work() -> Any:
            try:
                return self.paper_replaced(kind, by)
            except ValueError as exc:
                return exc

        def finished(result: Any, error: str | None) -> None:
            if isinstance(result, ValueError):
                done(None, f"ValueError: {result}")
            else:
                done(result, error)

        self._on_storage(work, finished)

    # -- logs ----------------------------------------------------------------------------------
    def recent_logs(self, limit: int = 200, min_level: int = logging.INFO) -> list[dict[str, Any]]:
        """The last log records (no personal data by policy)."""
        if self.logs is None:
            return []
        return self.logs.records(limit, min_level)

    def export_dir(self) -> Path:
        """Where a bundle would go now (ExportRefused when nowhere)."""
        return logbundle.find_export_dir(
            self.settings.export_dir,
            self.settings.usb_roots,
            self.mounts_file,
            fs_types=self.fs_types,
        )

    def export_logs(self) -> Path:
        """Write the log bundle to the USB stick (call on the storage thread); its path."""
        from kiosk import __version__

        target = self.export_dir()
        path = logbundle.export_bundle(
            target,
            terminal_id=self.terminal.config.terminal.id,
            parts={
                "health": self.health.snapshot,
                "config": self.config,
                "queue": self.queue,
                "devices": lambda: {
                    "status": [
                        {k: v for k, v in d.items() if k not in ("io", "test")}
                        for d in self.devices(io_limit=0)
                    ],
                    "io": self.io_rings(),
                },
                "paper": self.paper.snapshot,
            },
            logs=self.logs.text() if self.logs is not None else "",
            version=__version__,
            wall_clock=self._wall,
            mounts_file=self.mounts_file,
            fs_types=self.fs_types,
        )
        log.info("maintenance: log bundle written to %s", path.parent)
        return path

    def export_logs_async(self, done: Callable[[Any, str | None], None]) -> None:
        """`export_logs` on the storage thread; `done(path, error)` on the owner's thread.

        A refusal (no stick, write error) comes back as the error "ExportRefused: message".
        """

        def work() -> Any:
            try:
                return self.export_logs()
            except logbundle.ExportRefused as exc:
                return exc

        def finished(result: Any, error: str | None) -> None:
            if isinstance(result, logbundle.ExportRefused):
                done(None, f"ExportRefused: {result}")
            else:
                done(result, error)

        self._on_storage(work, finished)
