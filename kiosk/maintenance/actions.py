"""Restart, reboot and leave-to-desktop actions of maintenance mode (two taps each)."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable
from typing import Any

from kiosk.maintenance.mode import Maintenance
from kiosk.watchdog import EXIT_DESKTOP, EXIT_RESTART

__all__ = ["SystemActions"]

log = logging.getLogger("kiosk.maintenance")

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
