"""Entry to maintenance mode: gesture, PIN, growing lockout, session gating, auto-exit."""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.config.schema import MaintenanceSettings
from kiosk.maintenance.pins import PIN_RE, verify_pin

__all__ = ["LOCKOUT_STEPS", "Maintenance", "Mode"]

log = logging.getLogger("kiosk.maintenance")

PIN_IDLE_S = 60.0  # the PIN pad closes itself when nobody types
# Each lockout since the last right PIN lasts longer: lockout_s times these (900 s: 15 min, 1 h,
# 4 h, 24 h), never more than a day; the level does not reset when a lockout runs out.
LOCKOUT_STEPS = (1, 4, 16, 96)
MAX_LOCKOUT_S = 86400


def _atomic_write(path: Path, data: bytes) -> None:
    """Temp file in the same directory, fsync, rename, fsync the directory (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


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
        self._level = 0  # lockouts since the last right PIN: each one lasts longer
        self.lockouts_total = 0
        self.last_lockout_at: float | None = None
        self._next_retry = 0.0
        self._unsaved = False  # the record could not be written: stay locked until it is
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._lockout_listeners: list[Callable[[dict[str, Any]], None]] = []
        self._load()

    # -- persistence of the lockout --------------------------------------------------------------
    def _load(self) -> None:
        if self._state_path is None:
            return
        try:
            data = json.loads(self._state_path.read_text(encoding="utf-8"))
            self._failures = int(data.get("failures", 0))
            self._locked_until_wall = float(data.get("locked_until", 0.0))
            self._level = max(0, int(data.get("level", 0)))
            self.lockouts_total = max(0, int(data.get("lockouts_total", 0)))
            last = data.get("last_lockout_at")
            self.last_lockout_at = None if last is None else float(last)
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, AttributeError):
            log.error("maintenance lockout record unreadable; starting locked for safety")
            self._level = len(LOCKOUT_STEPS) - 1
            self._locked_until_wall = self._wall() + self._lockout_s()
        if self._locked():
            self.mode = Mode.LOCKED

    def _save(self) -> bool:
        """Write the record atomically (temp file, fsync, rename, directory fsync).

        False when it could not be written: the caller then keeps the terminal locked.
        """
        if self._state_path is None:
            return True
        record = {
            "failures": self._failures,
            "locked_until": self._locked_until_wall,
            "level": self._level,
            "lockouts_total": self.lockouts_total,
            "last_lockout_at": self.last_lockout_at,
        }
        try:
            _atomic_write(self._state_path, json.dumps(record).encode())
        except OSError as exc:
            log.error(
                "maintenance lockout record not written (%s); entry stays locked",
                exc.strerror or type(exc).__name__,
            )
            self._unsaved = True
            return False
        self._unsaved = False
        return True

    def _lockout_s(self) -> float:
        step = LOCKOUT_STEPS[min(self._level, len(LOCKOUT_STEPS) - 1)]
        return float(min(self.settings.lockout_s * step, MAX_LOCKOUT_S))

    def _lock(self) -> None:
        """Start the next, longer lockout and count it."""
        duration = self._lockout_s()
        now = self._wall()
        self._locked_until_wall = now + duration
        self._level += 1
        self._failures = 0
        self.lockouts_total += 1
        self.last_lockout_at = now
        log.warning(
            "maintenance: entry locked for %d s (lockout %d)", duration, self.lockouts_total
        )
        for listener in list(self._lockout_listeners):
            listener(self.lockout_status())

    def lockout_status(self) -> dict[str, Any]:
        """For the heartbeat and metrics: lockouts so far, the last one, whether locked now."""
        return {
            "lockouts_total": self.lockouts_total,
            "last_lockout_at": self.last_lockout_at,
            "locked": self._locked(),
            "locked_until": self._locked_until_wall if self._locked() else None,
            "level": self._level,
            "record_unsaved": self._unsaved,
        }

    def on_lockout(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call `listener(lockout_status())` each time entry gets locked."""
        self._lockout_listeners.append(listener)

    # -- queries ----------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """True while a technician is in maintenance mode."""
        return self.mode is Mode.OPEN

    def _locked(self) -> bool:
        return self._unsaved or self._wall() < self._locked_until_wall

    def lockout_remaining(self) -> int:
        """Seconds until PIN entry is possible again (0 when not locked)."""
        remaining = max(0, int(self._locked_until_wall - self._wall() + 0.999))
        if self._unsaved and remaining == 0:
            return int(self.settings.lockout_s)  # until the record can be written
        return remaining

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
            self._level = 0
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
            self._lock()
            self._save()
            self._set(Mode.LOCKED)
            return "locked"
        if not self._save():  # the count cannot be kept: fail closed
            self._set(Mode.LOCKED)
            return "locked"
        return "wrong"

    def _retry_due(self, now: float) -> bool:
        if now < self._next_retry:
            return False
        self._next_retry = now + 5.0
        return True

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
        elif self.mode is Mode.LOCKED and self._unsaved and self._retry_due(now):
            self._save()  # once the record is on disk, the lockout may run out
        elif (self.mode is Mode.PIN and idle > PIN_IDLE_S) or (
            self.mode is Mode.LOCKED and not self._locked()
        ):
            self._set(Mode.CLOSED)
