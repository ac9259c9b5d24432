"""systemd's notify protocol and a liveness watchdog, written by hand (no dependency).

`Notifier` sends datagrams to `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace):
READY=1 once the first frame is on screen, STATUS=... for `systemctl status`, WATCHDOG=1 pings
and STOPPING=1 on the way out. Without `$NOTIFY_SOCKET` (a developer's shell, the tests of other
modules) every call is a silent no-op.

`LivenessWatchdog` pings systemd from its own thread, but only while something else proves it is
alive by calling `beat()` often enough: the UI calls it from a timer on the GUI thread (see
ui/watchdog.py), so a frozen event loop stops the pings and systemd restarts the kiosk after
`WatchdogSec=`. The interval honours `$WATCHDOG_USEC` (and `$WATCHDOG_PID`) as sd_watchdog_enabled
does. This module is Qt-free.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

log = logging.getLogger("kiosk.watchdog")

# When the watchdog is armed, ping at this fraction of WATCHDOG_USEC (systemd recommends half).
# Exit codes of `kiosk run`, agreed with maintenance mode and packaging/session/kiosk-session:
# 75 = restart asked by a technician, 76 = leave to the desktop; neither ends the systemd unit.
EXIT_RESTART = 75
EXIT_DESKTOP = 76

PING_FRACTION = 0.5
# Never treat the GUI as alive if its last beat is older than this, whatever the interval.
MAX_STALE_S = 10.0
# The ping thread looks at the GUI's beat this often (at most), so a stall that overlaps one look
# delays the next ping by about a second, not by a whole ping period (review finding 8).
CHECK_INTERVAL_S = 1.0


def _socket_address(value: str) -> str | bytes | None:
    if not value:
        return None
    if value.startswith("@"):  # abstract namespace: a leading NUL byte
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    return None  # vsock and other forms are not used on a kiosk


class Notifier:
    """Send sd_notify messages to `address` (default: `$NOTIFY_SOCKET`)."""

    def __init__(self, address: str | None = None) -> None:
        raw = os.environ.get("NOTIFY_SOCKET", "") if address is None else address
        self._address = _socket_address(raw)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.sent = 0

    @property
    def enabled(self) -> bool:
        """True when a notify socket is known."""
        return self._address is not None

    def notify(self, *assignments: str) -> bool:
        """Send `KEY=value` lines in one datagram; False if not under systemd or it failed."""
        if self._address is None:
            return False
        payload = "\n".join(a.replace("\n", " ") for a in assignments).encode()
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(
                        socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
                    )
                self._sock.sendto(payload, self._address)
            except OSError as exc:
                log.warning("sd_notify failed: %s", exc.strerror or type(exc).__name__)
                return False
            self.sent += 1
            return True

    def ready(self, status: str | None = None) -> bool:
        """READY=1 (with an optional STATUS)."""
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        """STATUS=text: shown by `systemctl status kiosk`. Never put personal data here."""
        return self.notify(f"STATUS={text}")

    def watchdog(self) -> bool:
        """WATCHDOG=1: one liveness ping."""
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        """STOPPING=1: a deliberate exit is under way."""
        return self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def close(self) -> None:
        """Close the socket (further calls reopen it)."""
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def watchdog_interval_s(env: Mapping[str, str] | None = None) -> float | None:
    """The watchdog timeout systemd armed for this process in seconds, or None if not armed.

    As sd_watchdog_enabled: `$WATCHDOG_USEC` must be a positive integer and `$WATCHDOG_PID`, when
    set, must name this process (a child of the service's main process is not meant, unless its
    launcher removed `$WATCHDOG_PID`, as packaging/session/kiosk-session does).
    """
    env = os.environ if env is None else env
    raw = env.get("WATCHDOG_USEC", "")
    try:
        usec = int(raw)
    except ValueError:
        return None
    if usec <= 0:
        return None
    pid = env.get("WATCHDOG_PID", "")
    if pid:
        try:
            if int(pid) != os.getpid():
                return None
        except ValueError:
            return None
    return usec / 1_000_000


class LivenessWatchdog:
    """Ping systemd from a thread while `beat()` keeps being called.

    `timeout_s` is the armed WatchdogSec (default from the environment). The thread wakes every
    `check_interval_s` (CHECK_INTERVAL_S, less for very short timeouts) and sends WATCHDOG=1 when
    the last beat is younger than `stale_s` (default: the ping period `timeout_s *
    PING_FRACTION`, at most MAX_STALE_S) and the last ping is at least one period old. A GUI
    stall therefore delays the next ping only until the GUI beats again (plus at most one
    check interval), never by a whole extra period. With no timeout armed the thread is not
    started; `beat()` stays cheap either way.
    """

    def __init__(
        self,
        notifier: Notifier,
        *,
        timeout_s: float | None = None,
        stale_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.notifier = notifier
        self.timeout_s = watchdog_interval_s() if timeout_s is None else timeout_s
        period = (self.timeout_s or 0.0) * PING_FRACTION
        self.period_s = period
        self.stale_s = stale_s if stale_s is not None else min(period, MAX_STALE_S)
        self.check_interval_s = min(CHECK_INTERVAL_S, period / 4) if period else CHECK_INTERVAL_S
        self._clock = clock
        self._last_beat = clock()
        self._last_ping: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.pings = 0
        self.missed = 0

    @property
    def armed(self) -> bool:
        """True when systemd expects pings (a positive timeout and a notify socket)."""
        return bool(self.timeout_s) and self.notifier.enabled

    def beat(self) -> None:
        """The proof of life: call from the loop being watched (the GUI thread)."""
        self._last_beat = self._clock()

    def beat_age_s(self) -> float:
        """Seconds since the last beat."""
        return self._clock() - self._last_beat

    def check(self) -> bool:
        """Ping once if the last beat is recent enough; return whether a ping was sent."""
        if self.beat_age_s() <= self.stale_s:
            if self.notifier.watchdog():
                self.pings += 1
                self._last_ping = self._clock()
                return True
            return False
        self.missed += 1
        if self.missed == 1 or self.missed % 10 == 0:
            log.error("UI event loop unresponsive for %.1f s: not pinging", self.beat_age_s())
        return False

    def tick(self) -> bool:
        """One wake-up of the ping thread: ping if a period has passed since the last ping and
        the GUI beat recently; return whether a ping was sent."""
        if self._last_ping is not None and self._clock() - self._last_ping < self.period_s:
            return False
        if self.check():
            self.missed = 0
            return True
        return False

    def start(self) -> None:
        """Start the ping thread (only when armed)."""
        if not self.armed or self._thread is not None:
            return
        self._stop.clear()
        self._last_beat = self._clock()
        self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the ping thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        self._last_ping = None
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.check_interval_s)


def keepalive(status: str = "desktop (maintenance)", stop: threading.Event | None = None) -> int:
    """Feed systemd's watchdog until SIGTERM: while the kiosk is away (leave to the desktop)."""
    import signal

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda _s, _f: stop.set())
    notifier = Notifier()
    timeout = watchdog_interval_s()
    notifier.status(status)
    period = (timeout or 0) * PING_FRACTION or 10.0
    while True:
        notifier.watchdog()
        if stop.wait(period):
            break
    notifier.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m kiosk.watchdog keepalive [STATUS]` (used by packaging/session/kiosk-session)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "keepalive":
        print("usage: python -m kiosk.watchdog keepalive [STATUS]", file=sys.stderr)
        return 2
    return keepalive(args[1]) if len(args) > 1 else keepalive()


if __name__ == "__main__":
    raise SystemExit(main())
