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
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.config.schema import MaintenanceSettings

__all__ = [
    "DEVICE_TESTS",
    "Maintenance",
    "MaintenanceConsole",
    "Mode",
    "hash_pin",
    "verify_pin",
]

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


class MaintenanceConsole:
    """The data and actions of the maintenance screens, over a terminal and its health."""

    def __init__(
        self,
        terminal: Any,
        health: Any,
        *,
        config_status: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        self.terminal = terminal
        self.health = health
        self._config_status = config_status

    def devices(self) -> list[dict[str, Any]]:
        """Each device: state, status, severity, action, last error, recent changes, tests."""
        self.health.observe()
        out = []
        for name, device in sorted(self.terminal.devices.items()):
            st = device.status
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
                }
            )
        return out

    def queue(self) -> dict[str, Any]:
        """Depth, oldest age, dead letters with their reasons (ids only, no personal data)."""
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

    def retry(self, transaction_id: str) -> str:
        """Put a dead letter back in the queue; returns the state it had."""
        log.info("maintenance: retry of dead letter %s", transaction_id)
        return str(self.terminal.outbox.requeue(transaction_id))

    def config(self) -> dict[str, Any]:
        """Applied version, source files, last refused bundle and why."""
        status = dict(self._config_status()) if self._config_status else {}
        status["sources"] = [str(p) for p in self.terminal.config.sources]
        status["terminal_id"] = self.terminal.config.terminal.id
        status["profile"] = self.terminal.config.terminal.profile
        return status

    def run_test(self, device: str, word: str) -> str | None:
        """Run a device test; None when sent, else why not (for the screen)."""
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
