"""systemd notify and the GUI watchdog, against a real AF_UNIX datagram socket as NOTIFY_SOCKET."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QImage

from devtools.qtdriver import wait_until
from kiosk.watchdog import LivenessWatchdog, Notifier, watchdog_interval_s
from ui.watchdog import (
    FREEZE_SHOT,
    LAST_SHOT,
    PIXEL_BLOCK,
    UiWatchdog,
    exec_with_watchdog,
    freeze_screenshot,
    pixelate,
)

from .conftest import write_overlay
from .qt_support import QT_MARKS, shown_ui

ROOT = Path(__file__).resolve().parents[1]


def QT(fn: Any) -> Any:
    """The qt marks of tests/qt_support.py."""
    for mark in QT_MARKS:
        fn = mark(fn)
    return fn


class FakeSystemd:
    """A bound datagram socket that records (monotonic time, message) like systemd's manager."""

    def __init__(self, path: Path | str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.address = str(path)
        bind_to: str | bytes = self.address
        if self.address.startswith("@"):
            bind_to = b"\0" + self.address[1:].encode()
        self.sock.bind(bind_to)
        self.sock.settimeout(0.05)
        self.messages: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.messages.append((time.monotonic(), data.decode()))

    def lines(self) -> list[str]:
        with self._lock:
            return [line for _, msg in self.messages for line in msg.split("\n")]

    def times(self, line: str) -> list[float]:
        with self._lock:
            return [t for t, msg in self.messages if line in msg.split("\n")]

    def wait_for(self, line: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while line not in self.lines():
            assert time.monotonic() < deadline, f"no {line} within {timeout}s: {self.lines()}"
            time.sleep(0.02)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[FakeSystemd]:
    fake = FakeSystemd(tmp_path / "notify.sock")
    yield fake
    fake.close()


def _poll(predicate: Any, what: str, timeout: float) -> None:
    """Wait without a Qt event loop (tests without a QApplication)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# -- the protocol -------------------------------------------------------------------------------
def test_notifier_sends_each_message(systemd: FakeSystemd) -> None:
    n = Notifier(systemd.address)
    assert n.enabled
    assert n.ready("screen attract")
    assert n.status("screen\nchoose_service")  # a newline cannot start a new assignment
    assert n.watchdog()
    assert n.stopping()
    n.close()
    systemd.wait_for("STOPPING=1")
    assert systemd.lines() == [
        "READY=1",
        "STATUS=screen attract",
        "STATUS=screen choose_service",
        "WATCHDOG=1",
        "STOPPING=1",
    ]


def test_notifier_abstract_socket_and_absent_socket(tmp_path: Path) -> None:
    name = f"@kiosk-test-{os.getpid()}-{time.monotonic_ns()}"
    fake = FakeSystemd(name)
    abstract = Notifier(name)
    try:
        assert abstract.watchdog()
        fake.wait_for("WATCHDOG=1")
    finally:
        abstract.close()
        fake.close()
    assert not Notifier("").enabled
    assert not Notifier("").ready()  # a developer's shell: silently nothing
    gone = Notifier(str(tmp_path / "nobody-listens.sock"))
    assert not gone.watchdog()  # systemd gone: reported, not raised
    gone.close()


def test_watchdog_interval_honours_usec_and_pid() -> None:
    assert watchdog_interval_s({"WATCHDOG_USEC": "30000000"}) == 30.0
    mine = {"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval_s(mine) == 4.0
    assert watchdog_interval_s({"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_interval_s({}) is None
    assert watchdog_interval_s({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval_s({"WATCHDOG_USEC": "soon"}) is None


def test_liveness_pings_only_while_beats_are_recent(systemd: FakeSystemd) -> None:
    now = [100.0]
    notifier = Notifier(systemd.address)
    wd = LivenessWatchdog(notifier, timeout_s=20, clock=lambda: now[0])
    assert wd.period_s == 10 and wd.stale_s == 10
    wd.beat()
    assert wd.check()
    now[0] += 9
    assert wd.check()
    now[0] += 2  # 11 s without a beat: the loop is stuck
    assert not wd.check()
    wd.beat()
    assert wd.check()
    systemd.wait_for("WATCHDOG=1")
    _poll(lambda: len(systemd.times("WATCHDOG=1")) == 3, "three pings", 5)
    notifier.close()
    unarmed = LivenessWatchdog(Notifier(systemd.address), timeout_s=0)
    assert not unarmed.armed
    unarmed.start()  # no thread without WatchdogSec
    assert unarmed._thread is None


# -- the GUI probe ------------------------------------------------------------------------------
@pytest.fixture
def ui(qapp: Any, terminal: Any) -> Iterator[Any]:
    yield from shown_ui(qapp, terminal)


@QT
def test_pings_follow_the_gui_loop_and_stop_when_it_blocks(
    ui: Any, systemd: FakeSystemd, tmp_path: Path
) -> None:
    wd = UiWatchdog(
        ui.window,
        ui.bridge,
        notifier=Notifier(systemd.address),
        timeout_s=0.4,  # pings every 0.2 s
        stale_s=0.3,
        probe_ms=50,
    )
    wd.start()
    try:
        ui.window.update()
        wait_until(lambda: "READY=1" in systemd.lines(), "READY=1 after the first frame", 10)
        assert systemd.lines()[0] == "STATUS=starting"
        assert "STATUS=screen attract" in systemd.lines()
        wait_until(lambda: len(systemd.times("WATCHDOG=1")) >= 3, "pings while the loop runs", 5)

        # The GUI thread blocks (a frozen screen): the ping thread keeps running but stays quiet.
        blocked_at = time.monotonic()
        time.sleep(1.6)
        unblocked_at = time.monotonic()
        quiet_from = blocked_at + wd.watchdog.stale_s + wd.watchdog.period_s + 0.1
        during = [t for t in systemd.times("WATCHDOG=1") if quiet_from < t < unblocked_at]
        assert during == [], f"pinged while the GUI thread was blocked: {during}"
        assert wd.watchdog.missed >= 3

        # The loop answers again: so do the pings.
        wait_until(
            lambda: any(t > unblocked_at for t in systemd.times("WATCHDOG=1")),
            "pings after the loop recovers",
            5,
        )
        ui.terminal.intent("start", {})
        wait_until(lambda: "STATUS=screen choose_service" in systemd.lines(), "STATUS", 5)
    finally:
        wd.exited(0)
    systemd.wait_for("STOPPING=1")
    assert not any("id_number" in line or "name=" in line for line in systemd.lines())


@QT
@pytest.mark.parametrize(
    ("code", "stopping", "status"),
    [(0, True, "STATUS=stopping"), (75, False, "STATUS=restarting"), (76, False, "STATUS=desktop")],
)
def test_restart_and_desktop_exits_send_no_stopping(
    qapp: Any, ui: Any, systemd: FakeSystemd, code: int, stopping: bool, status: str
) -> None:
    """Review finding 1: QCoreApplication.exit(75/76) fires aboutToQuit too; with NotifyAccess=all
    a STOPPING=1 there made systemd kill the session that was about to run the kiosk again."""
    from PySide6.QtCore import QCoreApplication, QTimer

    wd = UiWatchdog(ui.window, ui.bridge, notifier=Notifier(systemd.address), probe_ms=50)
    wd.start()
    ui.window.update()
    # As ui/maintenance.py's _exit_later does: Qt's exit from inside the running loop.
    QTimer.singleShot(300, lambda: QCoreApplication.exit(code))
    try:
        assert exec_with_watchdog(qapp, wd) == code
    finally:
        qapp.aboutToQuit.disconnect(wd.stop)
    systemd.wait_for(status)
    time.sleep(0.2)  # anything else would have arrived by now
    assert ("STOPPING=1" in systemd.lines()) is stopping, systemd.lines()
    assert wd._stopped  # the probe and the ping thread are stopped either way


def test_a_stall_overlapping_a_check_does_not_cost_a_whole_period() -> None:
    """Review finding 8: WatchdogSec=30, GUI beats every second, then stalls 0.5 s after a
    ping for 20 s. The ping must follow the first beat after the stall, not the next 15 s
    wake-up (which landed at the 30 s deadline)."""
    now = [0.0]
    wd = LivenessWatchdog(
        Notifier("/nonexistent/notify.sock"), timeout_s=30.0, clock=lambda: now[0]
    )
    sent: list[float] = []
    wd.notifier.watchdog = lambda: sent.append(now[0]) is None  # type: ignore[method-assign]
    assert wd.period_s == 15.0 and wd.stale_s == 10.0
    assert wd.check_interval_s <= 1.0

    def run_until(end: float, beating: bool) -> None:
        # The thread's loop with a fake clock: one tick per check interval, a beat per second.
        while now[0] < end:
            if beating:
                wd.beat()
            wd.tick()
            now[0] = round(now[0] + wd.check_interval_s, 6)

    run_until(30.5, beating=True)
    assert sent == [0.0, 15.0, 30.0]
    stall_end = 30.5 + 20.0
    run_until(stall_end, beating=False)  # the GUI thread hangs 20 s (the check at 45 s sees it)
    run_until(80.0, beating=True)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert max(gaps) <= 30.0 - 5.0, f"pings at {sent}: systemd would have restarted the kiosk"
    assert sent[3] <= stall_end + wd.check_interval_s


@QT
def test_camera_screens_are_stored_as_a_solid_fill(qapp: Any, tmp_path: Path) -> None:
    """Review finding 21: pixelation may leave a face recognisable: no grab on camera screens."""
    from types import SimpleNamespace

    grabs: list[str] = []

    def grab() -> QImage:  # what the window would show: busy content everywhere
        grabs.append(bridge.screen)
        image = QImage(360, 640, QImage.Format.Format_RGB32)
        image.fill(0xFFFFFF)
        for y in range(0, 640, 3):
            for x in range(0, 360, 3):
                image.setPixel(x, y, (x * 7919 + y * 104729) & 0xFFFFFF)
        return image

    window = SimpleNamespace(grabWindow=grab, width=lambda: 360, height=lambda: 640)
    bridge = SimpleNamespace(screen="verify_face")
    shots = tmp_path / "run-kiosk"
    wd = UiWatchdog(window, bridge, notifier=Notifier(""), shot_dir=shots, probe_ms=50)
    try:
        for screen in ("verify_face", "identify"):
            bridge.screen = screen
            wd.screenshot()
            last = wd.flush()
            assert last == shots / LAST_SHOT
            image = QImage(str(last)).convertToFormat(QImage.Format.Format_RGB32)
            assert (image.width(), image.height()) == (360, 640)
            pixels = np.frombuffer(image.constBits(), dtype=np.uint32)
            # Almost all one colour: only the screen's name is drawn on it.
            _, counts = np.unique(pixels, return_counts=True)
            assert counts.max() / pixels.size > 0.9, f"{screen} stored with its content"
        assert grabs == [], "a camera screen was grabbed"
        bridge.screen = "fill_form"  # other personal screens: still grabbed, then pixelated
        wd.screenshot()
        wd.flush()
        assert grabs == ["fill_form"]
    finally:
        wd.stop()


@QT
def test_screenshots_private_pixelated_and_kept_only_after_a_freeze(
    ui: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shots = tmp_path / "run-kiosk"
    wd = UiWatchdog(ui.window, ui.bridge, notifier=Notifier(""), shot_dir=shots, probe_ms=50)
    wd.start()
    ui.window.update()
    last = shots / LAST_SHOT
    wd.screenshot()
    assert wd.flush() == last
    assert stat.S_IMODE(last.stat().st_mode) == 0o600
    assert stat.S_IMODE(shots.stat().st_mode) == 0o700
    attract = QImage(str(last))
    assert not attract.isNull() and attract.width() == ui.window.width()

    # Every screen change is grabbed once the new page is drawn.
    before = wd.shots
    ui.terminal.intent("start", {})
    wait_until(lambda: wd.shots > before and ui.bridge.screen == "choose_service", "a grab", 5)
    assert not _is_blocky(QImage(str(last)))
    # A screen that may show a citizen's data is stored pixelated: blocks of PIXEL_BLOCK px.
    monkeypatch.setattr("ui.watchdog.CLEAR_SCREENS", frozenset())
    wd.screenshot()
    wd.flush()
    assert _is_blocky(QImage(str(last))), "a personal screen was stored legibly"
    assert not _is_blocky(attract)

    # A freeze (no clean stop): the next start keeps the screenshot for maintenance mode.
    wd._stopped = True  # as if killed by systemd's watchdog
    wd._probe.stop()
    wd._shot_timer.stop()
    wd._writer.shutdown(wait=True)
    again = UiWatchdog(ui.window, ui.bridge, notifier=Notifier(""), shot_dir=shots)
    assert not last.exists()
    kept = freeze_screenshot(shots)
    assert kept == shots / FREEZE_SHOT
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    again.start()
    again.screenshot()
    again.stop()  # a clean exit deletes the current one, the kept one stays
    assert not last.exists()
    assert freeze_screenshot(shots) == kept


def _is_blocky(image: QImage, block: int = PIXEL_BLOCK) -> bool:
    """Every aligned block of the image is one colour (as pixelate() leaves it)."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    h, w = image.height() // block * block, image.width() // block * block
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32).reshape(
        image.height(), image.bytesPerLine() // 4
    )[:h, :w]
    blocks = pixels.reshape(h // block, block, w // block, block)
    return bool((blocks == blocks[:, :1, :, :1]).all())


def test_pixelate_keeps_size() -> None:
    image = QImage(100, 60, QImage.Format.Format_RGB32)
    image.fill(0x123456)
    out = pixelate(image)
    assert (out.width(), out.height()) == (100, 60)


# -- the real command ---------------------------------------------------------------------------
@QT
def test_kiosk_run_notifies_systemd_and_exits_cleanly_on_sigterm(
    systemd: FakeSystemd, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    env = dict(
        os.environ,
        NOTIFY_SOCKET=systemd.address,
        WATCHDOG_USEC="2000000",
        RUNTIME_DIRECTORY=str(run_dir),
        XDG_STATE_HOME=str(tmp_path / "state"),
        QT_QPA_PLATFORM="offscreen",
        QT_QUICK_BACKEND="software",
    )
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    # No fixed metrics port: other kiosks may run on this machine.
    overlay = write_overlay(tmp_path / "conf.d", "[metrics]\nenabled = false\n")
    log = tmp_path / "kiosk.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "kiosk.cli", "run", "--development", "--sim", "--windowed"),
                *("--config-dir", str(overlay), "--state-dir", str(tmp_path / "state")),
            ],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "READY=1" not in systemd.lines():
            assert proc.poll() is None, f"kiosk run exited {proc.returncode}: {log.read_text()}"
            assert time.monotonic() < deadline, f"no READY=1 within 60 s: {systemd.lines()}"
            time.sleep(0.05)
        _poll(lambda: len(systemd.times("WATCHDOG=1")) >= 2, "pings from kiosk run", 10)
        _poll(lambda: (run_dir / LAST_SHOT).exists(), "a screenshot in the runtime dir", 10)
        assert stat.S_IMODE((run_dir / LAST_SHOT).stat().st_mode) == 0o600
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = log.read_text()
    assert proc.returncode == 0, err[-2000:]
    assert "STOPPING=1" in systemd.lines()
    assert not (run_dir / LAST_SHOT).exists()  # a clean stop leaves no screenshot behind
