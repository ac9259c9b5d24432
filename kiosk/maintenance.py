"""Technician maintenance mode, Qt-free: gesture, PIN, lockout, session gating, auto-exit.

`Maintenance` is a small state machine the UI renders (`view()`) and drives (`tap`,
`enter_pin`, `activity`, `exit`, `tick`):

    closed --gesture--> pin --right PIN--> open --exit / inactivity--> closed
              │          └─wrong PIN x max_failures--> locked --lockout_s--> closed
              └─(citizen session running)--> waiting --session ends--> pin

PINs are stored in config as scrypt hashes (`hash_pin`); every attempt is logged with the PIN
id on success and never with the PIN. The lockout survives a restart (a JSON file in the state
directory), so pulling the plug does not reset the count.

`MaintenanceConsole` gathers what the maintenance screens show (devices, queue, config) and
the actions they offer (device tests, retry a dead letter), from the terminal and health.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk import logbundle, privacy
from kiosk.config.schema import MaintenanceSettings
from kiosk.logring import RingLogHandler
from kiosk.watchdog import EXIT_DESKTOP, EXIT_RESTART

__all__ = [
    "DEVICE_TESTS",
    "EXIT_DESKTOP",
    "EXIT_RESTART",
    "Maintenance",
    "MaintenanceConsole",
    "Mode",
    "PaperCounters",
    "SystemActions",
    "hash_pin",
    "verify_pin",
]

PAPER_KINDS = ("receipt", "licence")  # receipt roll, A4 paper

log = logging.getLogger("kiosk.maintenance")

PIN_RE = re.compile(r"^[0-9]{4,12}$")
PIN_IDLE_S = 60.0  # the PIN pad closes itself when nobody types
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_HASH_RE = re.compile(r"^scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")

# Tests a technician can run from the device screen: injection words the simulators and the
# rig share (DEVICES.md); real backends refuse words they do not support, and the UI says so.
DEVICE_TESTS: dict[str, tuple[str, ...]] = {
    "idcard": ("card_insert", "card_remove", "reset"),
    "receipt": ("paper_low", "paper_empty", "media_taken", "reset"),
    "licence": ("paper_empty", "toner_low", "reset"),
    "camera": ("camera_stall", "reset"),
}


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """The scrypt hash of a PIN, as stored in ``[[maintenance.pins]] hash``."""
    if not PIN_RE.match(pin):
        raise ValueError("a PIN is 4 to 12 digits")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, maxmem=64 * 1024 * 1024
    )
    b64 = base64.b64encode
    return (
        f"scrypt$n={_SCRYPT_N},r={_SCRYPT_R},p={_SCRYPT_P}$"
        f"{b64(salt).decode()}${b64(digest).decode()}"
    )


def verify_pin(pin: str, encoded: str) -> bool:
    """True when `pin` matches the scrypt hash `encoded` (constant-time compare)."""
    m = _HASH_RE.match(encoded)
    if m is None:
        return False
    n, r, p = (int(x) for x in m.group(1, 2, 3))
    if n > 2**20 or r > 32 or p > 16:  # a hostile config must not exhaust memory
        return False
    salt = base64.b64decode(m.group(4))
    expected = base64.b64decode(m.group(5))
    got = hashlib.scrypt(
        pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=256 * 1024 * 1024
    )
    return hmac.compare_digest(got, expected)


class Mode(StrEnum):
    """Where maintenance entry stands."""

    CLOSED = "closed"
    WAITING = "waiting"  # gesture done; a citizen session must end first
    PIN = "pin"
    LOCKED = "locked"
    OPEN = "open"


class Maintenance:
    """Entry to and exit from maintenance mode; call `tick()` a few times a second."""

    def __init__(
        self,
        settings: MaintenanceSettings,
        *,
        session_active: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        state_path: Path | None = None,
    ) -> None:
        self.settings = settings
        self._session_active = session_active
        self._clock = clock
        self._wall = wall_clock
        self._state_path = state_path
        self.mode = Mode.CLOSED
        self.user: str | None = None
        self.role: str | None = None
        self.exit_reason: str | None = None
        self._taps: collections.deque[float] = collections.deque()
        self._last_activity = clock()
        self._failures = 0
        self._locked_until_wall = 0.0
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._load()

    # -- persistence of the lockout --------------------------------------------------------------
    def _load(self) -> None:
        if self._state_path is None:
            return
        try:
            data = json.loads(self._state_path.read_text(encoding="utf-8"))
            self._failures = int(data.get("failures", 0))
            self._locked_until_wall = float(data.get("locked_until", 0.0))
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError):
            log.error("maintenance lockout record unreadable; starting locked for safety")
            self._locked_until_wall = self._wall() + self.settings.lockout_s
        if self._locked():
            self.mode = Mode.LOCKED

    def _save(self) -> None:
        if self._state_path is None:
            return
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"failures": self._failures, "locked_until": self._locked_until_wall}),
            encoding="utf-8",
        )
        os.replace(tmp, self._state_path)

    # -- queries ----------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """True while a technician is in maintenance mode."""
        return self.mode is Mode.OPEN

    def _locked(self) -> bool:
        return self._wall() < self._locked_until_wall

    def lockout_remaining(self) -> int:
        """Seconds until PIN entry is possible again (0 when not locked)."""
        return max(0, int(self._locked_until_wall - self._wall() + 0.999))

    def can_leave_to_desktop(self) -> bool:
        """Only a supervisor may leave the kiosk to the desktop."""
        return self.is_open and self.role == "supervisor"

    def view(self) -> dict[str, Any]:
        """What the UI shows: mode, lockout, attempts left, who is in."""
        return {
            "mode": str(self.mode),
            "lockout_remaining_s": self.lockout_remaining(),
            "attempts_left": max(0, self.settings.max_failures - self._failures),
            "user": self.user,
            "role": self.role,
            "can_leave_to_desktop": self.can_leave_to_desktop(),
            "exit_reason": self.exit_reason,
            "corner": self.settings.gesture_corner,
            "pins_configured": bool(self.settings.pins),
        }

    def subscribe(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call `listener(view)` after each change of mode."""
        self._listeners.append(listener)

    def _set(self, mode: Mode) -> None:
        if mode is not self.mode:
            self.mode = mode
            for listener in list(self._listeners):
                listener(self.view())

    # -- intents --------------------------------------------------------------------------------
    def tap(self, corner: str) -> bool:
        """A tap in a screen corner; True when it completes the entry gesture."""
        now = self._clock()
        if corner != self.settings.gesture_corner:
            self._taps.clear()
            return False
        self._taps.append(now)
        while self._taps and now - self._taps[0] > self.settings.gesture_window_s:
            self._taps.popleft()
        if len(self._taps) < self.settings.gesture_taps:
            return False
        self._taps.clear()
        self.request_entry()
        return True

    def request_entry(self) -> None:
        """Ask for the PIN pad (after the gesture): waits for a running session to end."""
        if self.mode is Mode.OPEN:
            return
        self._last_activity = self._clock()
        self.exit_reason = None
        if self._locked():
            log.warning("maintenance: entry refused, locked for %d s", self.lockout_remaining())
            self._set(Mode.LOCKED)
        elif self._session_active():
            log.info("maintenance: entry requested; waiting for the citizen session to end")
            self._set(Mode.WAITING)
        else:
            self._set(Mode.PIN)

    def enter_pin(self, pin: str) -> str:
        """Check a PIN: 'ok', 'wrong', 'locked' or 'not_asked'. The PIN is never logged."""
        if self.mode is Mode.LOCKED or self._locked():
            log.warning("maintenance: PIN attempt while locked")
            self._set(Mode.LOCKED)
            return "locked"
        if self.mode is not Mode.PIN:
            return "not_asked"
        self._last_activity = self._clock()
        match = None
        if PIN_RE.match(pin):
            # Check every configured PIN, so timing does not tell which ids exist.
            for entry in self.settings.pins:
                if verify_pin(pin, entry.hash) and match is None:
                    match = entry
        if match is not None:
            self._failures = 0
            self._locked_until_wall = 0.0
            self._save()
            self.user, self.role = match.id, match.role
            log.info("maintenance: entered by %s (%s)", match.id, match.role)
            self._set(Mode.OPEN)
            return "ok"
        self._failures += 1
        log.warning(
            "maintenance: wrong PIN (attempt %d of %d)", self._failures, self.settings.max_failures
        )
        if self._failures >= self.settings.max_failures:
            self._locked_until_wall = self._wall() + self.settings.lockout_s
            self._failures = 0
            log.warning("maintenance: entry locked for %d s", self.settings.lockout_s)
            self._save()
            self._set(Mode.LOCKED)
            return "locked"
        self._save()
        return "wrong"

    def activity(self) -> None:
        """The technician touched something: restart the inactivity countdown."""
        self._last_activity = self._clock()

    def cancel(self) -> None:
        """Close the PIN pad or stop waiting (not while open: use exit)."""
        if self.mode in (Mode.PIN, Mode.WAITING):
            self._set(Mode.CLOSED)

    def exit(self, reason: str = "exit") -> None:
        """Leave maintenance mode."""
        if self.mode is Mode.OPEN:
            log.info("maintenance: %s left (%s)", self.user, reason)
        self.user = self.role = None
        self.exit_reason = reason
        self._set(Mode.CLOSED)

    def tick(self) -> None:
        """Move on: waiting -> PIN when the session ended, auto-exit, lockout expiry."""
        now = self._clock()
        idle = now - self._last_activity
        if self.mode is Mode.WAITING and not self._session_active():
            self._last_activity = now
            self._set(Mode.PIN)
        elif self.mode is Mode.OPEN and idle > self.settings.idle_exit_s:
            self.exit("inactivity")
        elif (self.mode is Mode.PIN and idle > PIN_IDLE_S) or (
            self.mode is Mode.LOCKED and not self._locked()
        ):
            self._set(Mode.CLOSED)


class PaperCounters:
    """How often the technician replaced the receipt roll and the A4 paper, and when.

    Persisted in the state directory (JSON, written to a temporary file, fsynced, renamed), so
    a power cut never leaves a half file; an unreadable file starts the counts afresh (logged).
    """

    def __init__(self, path: Path | None, *, wall_clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self._wall = wall_clock
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Any]] = {k: {"count": 0, "last": None} for k in PAPER_KINDS}
        if path is not None:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                for kind in PAPER_KINDS:
                    entry = raw.get(kind) or {}
                    self._data[kind] = {
                        "count": int(entry.get("count", 0)),
                        "last": None if entry.get("last") is None else float(entry["last"]),
                    }
            except FileNotFoundError:
                pass
            except (OSError, ValueError, TypeError, AttributeError):
                log.error("paper counters unreadable; starting from zero")

    def replaced(self, kind: str, by: str | None = None) -> dict[str, Any]:
        """Count one replacement of `kind` ("receipt" or "licence") now; returns its entry."""
        if kind not in PAPER_KINDS:
            raise ValueError(f"unknown paper {kind[:20]!r} (known: {', '.join(PAPER_KINDS)})")
        with self._lock:
            entry = self._data[kind]
            entry["count"] += 1
            entry["last"] = self._wall()
            self._save()
            result = dict(entry)
        log.info("maintenance: %s paper replaced by %s (count %d)", kind, by, result["count"])
        return result

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Per kind: count and last (epoch seconds or None)."""
        with self._lock:
            return {k: dict(v) for k, v in self._data.items()}

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self._data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._path)


# action -> (exit code or None for the reboot command, the role it needs)
_ACTIONS: dict[str, tuple[int | None, str]] = {
    "restart": (EXIT_RESTART, "technician"),
    "reboot": (None, "technician"),
    "desktop": (EXIT_DESKTOP, "supervisor"),
}


class SystemActions:
    """Restart the app, reboot the terminal, leave to the desktop: each needs a second tap.

    The first `request(action)` arms it ("confirm"); the same action again within
    `settings.confirm_s` carries it out. Leaving to the desktop needs the supervisor role.
    Every step is audit-logged with the technician's id (never a PIN). `exit_app(code)` ends
    `kiosk run` with 75 (restart) or 76 (desktop); the reboot runs `settings.reboot_command`.
    """

    def __init__(
        self,
        maintenance: Maintenance,
        *,
        exit_app: Callable[[int], None] | None = None,
        run: Callable[..., Any] = subprocess.run,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._m = maintenance
        self.exit_app = exit_app
        self._run = run
        self._clock = clock
        self._armed: tuple[str, float] | None = None
        self.requested_exit: int | None = None
        # Runs the reboot command off the caller's thread (the UI sets it: the command may take
        # up to 30 s); `background(fn)` calls fn() elsewhere and reports its result itself.
        self.background: Callable[[Callable[[], str]], None] | None = None

    @property
    def armed(self) -> str | None:
        """The action waiting for its confirming tap, if still in time."""
        if self._armed is None or self._clock() > self._armed[1]:
            return None
        return self._armed[0]

    def cancel(self) -> None:
        """Disarm (the technician tapped elsewhere)."""
        self._armed = None

    def request(self, action: str) -> str:
        """'confirm' (tap again), 'done', or 'refused: why' / 'failed: why'."""
        if action not in _ACTIONS:
            return f"refused: unknown action {action[:20]!r}"
        code, role = _ACTIONS[action]
        m = self._m
        if not m.is_open:
            return "refused: maintenance mode is not open"
        if role == "supervisor" and m.role != "supervisor":
            log.warning("maintenance: %s refused for %s: needs a supervisor", action, m.user)
            return "refused: needs a supervisor PIN"
        m.activity()
        if self.armed != action:
            self._armed = (action, self._clock() + m.settings.confirm_s)
            log.info("maintenance: %s requested by %s; waiting for confirmation", action, m.user)
            return "confirm"
        self._armed = None
        log.warning("maintenance: %s confirmed by %s (%s)", action, m.user, m.role)
        if code is not None:
            self.requested_exit = code
            m.exit(action)
            if self.exit_app is not None:
                self.exit_app(code)
            return "done"
        if self.background is not None:
            self.background(self._reboot)
            return "started"
        return self._reboot()

    def _reboot(self) -> str:
        """Run the reboot command: 'done' or 'failed: why' (blocks up to 30 s)."""
        command = list(self._m.settings.reboot_command)
        try:
            result = self._run(command, timeout=30, check=False, capture_output=True)
        except (OSError, subprocess.SubprocessError) as exc:
            log.error("maintenance: reboot command failed: %s", type(exc).__name__)
            return f"failed: {type(exc).__name__}"
        if result.returncode != 0:
            log.error("maintenance: reboot command exited %d", result.returncode)
            return f"failed: exit status {result.returncode}"
        return "done"


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
        self.mounts_file = mounts_file
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
            self.settings.export_dir, self.settings.usb_roots, self.mounts_file
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


def masked_identity(record: Any) -> dict[str, Any]:
    """What the card test shows: the card type, the name and number masked, photo yes/no."""
    name = str(getattr(record, "name", "") or "")
    number = str(getattr(record, "id_number", "") or "")
    return {
        "card_type": str(getattr(record, "card_type", "")),
        "name": privacy.mask_name(name) if name else "",
        "id_number": privacy.mask_id_number(number) if number else "",
        "photo": getattr(record, "photo", None) is not None,
    }


def sample_receipt_blocks(terminal_id: str, now: float) -> list[dict[str, Any]]:
    """A fictional test receipt (no citizen), clearly marked as a test."""
    stamp = datetime.fromtimestamp(now).strftime("%Y-%m-%d %H:%M:%S")
    return [
        {"kind": "text", "text": "打印测试 Printer test", "align": "center", "bold": True},
        {"kind": "rule"},
        {"kind": "text", "text": f"终端 Terminal: {terminal_id}"},
        {"kind": "text", "text": f"时间 Time: {stamp}"},
        {"kind": "text", "text": "中文字符测试：办事指南 营业执照"},
        {"kind": "text", "text": "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"},
        {"kind": "qr", "data": f"TEST-{terminal_id}"},
        {"kind": "text", "text": "本凭条仅供测试，无效", "align": "center"},
        {"kind": "feed", "lines": 2},
        {"kind": "cut"},
    ]


def sample_licence_document(terminal_id: str, now: float) -> dict[str, Any]:
    """A fictional A4 test page (the statement layout), clearly marked as a test."""
    stamp = datetime.fromtimestamp(now).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "template": "statement",
        "title": "打印测试页 Printer test page",
        "fields": {
            "终端 Terminal": terminal_id,
            "时间 Time": stamp,
            "中文": "办事指南 营业执照 公积金缴存明细",
            "说明 Note": "本页仅供测试，无效 / Test page, not valid",
        },
        "transaction_id": f"TEST-{terminal_id}",
    }
