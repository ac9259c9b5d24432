"""The UI side of the systemd watchdog, and the last screenshot before a freeze.

`UiWatchdog` ties kiosk.watchdog to the window:

- READY=1 goes to systemd after the first frame is on screen, STATUS= follows the screen id (never
  any data of the citizen). STOPPING=1 only when `kiosk run` really ends (exit code 0, SIGTERM,
  a crash code): for a technician's restart (75) or "leave to the desktop" (76) the session
  script keeps the service running, so only STATUS=restarting / STATUS=desktop is sent
  (`exited()`; a STOPPING=1 there made systemd kill the whole session after TimeoutStopSec).
- A QTimer on the GUI thread calls `beat()`; the watchdog thread pings systemd only while those
  beats are recent. A blocked GUI thread (a frozen screen) stops the pings and systemd restarts the
  kiosk (packaging/systemd/kiosk.service: WatchdogSec=).
- With a screenshot directory (`$RUNTIME_DIRECTORY`, i.e. /run/kiosk: tmpfs, mode 0700, kept
  across restarts but never written to disk), the window is grabbed on every screen change and
  every `shot_interval_s` into `last.png` (mode 0600; one file, replaced). Screens that may show
  a citizen's data (everything except the attract and choose-service screens) are stored coarsely
  pixelated: a technician sees which screen, dialog or layout froze, never a legible name, number
  or face. Screens that show the camera (FACE_SCREENS) are not grabbed at all: the file is a
  solid fill with the screen's name, as even coarse blocks may leave a face recognisable.
  A clean exit deletes it; after a freeze or crash the next start moves it to
  `before-restart.png` for maintenance mode (`freeze_screenshot()`), and deletes it after
  FREEZE_SHOT_MAX_AGE_S. A power cut wipes both (tmpfs).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

from kiosk.watchdog import EXIT_DESKTOP, EXIT_RESTART, LivenessWatchdog, Notifier

log = logging.getLogger("ui.watchdog")

PROBE_MS = 1000
SHOT_INTERVAL_S = 30
LAST_SHOT = "last.png"
FREEZE_SHOT = "before-restart.png"
FREEZE_SHOT_MAX_AGE_S = 24 * 3600
# Screens that never show anything of a citizen: stored as they are.
CLEAR_SCREENS = frozenset({"attract", "choose_service"})
PIXEL_BLOCK = 24  # a 76 px elderly-mode digit becomes ~3x3 blocks
# Screens with the live camera picture (a face): stored as a solid fill plus the screen's name.
FACE_SCREENS = frozenset({"identify", "verify_face"})
BLANK_COLOUR = 0xFF404040
# What systemd is told for the exit codes that keep the session (and the service) running.
KEEP_RUNNING_STATUS = {EXIT_RESTART: "restarting", EXIT_DESKTOP: "desktop"}


def runtime_dir() -> Path | None:
    """systemd's RuntimeDirectory= for the kiosk ($RUNTIME_DIRECTORY), if any."""
    raw = os.environ.get("RUNTIME_DIRECTORY", "")
    first = raw.split(":")[0]
    return Path(first) if first else None


def freeze_screenshot(directory: Path | None = None) -> Path | None:
    """The screenshot kept from before the last freeze or crash, for maintenance mode."""
    directory = directory or runtime_dir()
    if directory is None:
        return None
    path = directory / FREEZE_SHOT
    return path if path.is_file() else None


def pixelate(image: QImage, block: int = PIXEL_BLOCK) -> QImage:
    """`image` as blocks of block x block pixels (text and faces become unreadable squares)."""
    cols = -(-image.width() // block)
    rows = -(-image.height() // block)
    small = image.scaled(
        cols,
        rows,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    big = small.scaled(
        cols * block,
        rows * block,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )
    return big.copy(0, 0, image.width(), image.height())


def blank(width: int, height: int, screen: str) -> QImage:
    """A solid image of `width` x `height` with only the screen's name on it."""
    image = QImage(max(width, 1), max(height, 1), QImage.Format.Format_RGB32)
    image.fill(QColor.fromRgba(BLANK_COLOUR))
    painter = QPainter(image)
    try:
        painter.setPen(QColor("white"))
        font = QFont()
        font.setPixelSize(max(12, min(width, height) // 20))
        painter.setFont(font)
        painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, f"screen: {screen}")
    finally:
        painter.end()
    return image


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically with mode 0600 from the first byte."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


class UiWatchdog(QObject):
    """GUI probe, systemd notifications and freeze screenshots for one kiosk window."""

    def __init__(
        self,
        window: Any,
        bridge: Any,
        *,
        notifier: Notifier | None = None,
        timeout_s: float | None = None,
        stale_s: float | None = None,
        probe_ms: int = PROBE_MS,
        shot_dir: Path | None = None,
        shot_interval_s: float = SHOT_INTERVAL_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.bridge = bridge
        self.notifier = notifier or Notifier()
        self.watchdog = LivenessWatchdog(self.notifier, timeout_s=timeout_s, stale_s=stale_s)
        self.ready_sent = False
        self.shot_dir = shot_dir
        self.shots = 0
        self._probe = QTimer(self)
        self._probe.setInterval(probe_ms)
        self._probe.timeout.connect(self._beat)
        self._shot_timer = QTimer(self)
        self._shot_timer.setInterval(int(shot_interval_s * 1000))
        self._shot_timer.timeout.connect(self.screenshot)
        self._shot_pending = False
        self._started = False
        self._stopped = False
        # PNG encoding takes ~100 ms for a portrait screen: never on the GUI thread.
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="screenshot")
        self._writes: list[concurrent.futures.Future[Path | None]] = []
        if shot_dir is not None:
            self._prepare_shot_dir(shot_dir)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start probing; READY=1 and the pings follow the first frame."""
        self._started = True
        self.window.frameSwapped.connect(self._on_frame, Qt.ConnectionType.QueuedConnection)
        self.bridge.screenChanged.connect(self._on_screen)
        self._probe.start()
        if self.shot_dir is not None:
            self._shot_timer.start()
            self._shot_pending = True  # the first frame
        self.notifier.status("starting")

    def stop(self) -> None:
        """The event loop ends (aboutToQuit): stop the thread, delete the current screenshot.

        Sends nothing to systemd: whether this is the end of the service (STOPPING=1) or a
        restart inside the session depends on the exit code, known only to `exited()`.
        """
        if self._stopped:
            return
        self._stopped = True
        self._probe.stop()
        self._shot_timer.stop()
        self.watchdog.stop()
        if self._started:
            with contextlib.suppress(RuntimeError):  # the window may be gone already
                self.window.frameSwapped.disconnect(self._on_frame)
                self.bridge.screenChanged.disconnect(self._on_screen)
        self._writer.shutdown(wait=True)  # no write may land after the delete below
        if self.shot_dir is not None:
            with contextlib.suppress(FileNotFoundError):
                (self.shot_dir / LAST_SHOT).unlink()
        self.notifier.close()

    def exited(self, code: int) -> None:
        """Tell systemd how `kiosk run` ends: STOPPING=1 only if the session ends with it.

        75 (restart) and 76 (leave to the desktop) keep packaging/session/kiosk-session and so
        the service running: only a STATUS. Everything else (0, SIGTERM, a failure) ends it.
        """
        self.stop()
        keep = KEEP_RUNNING_STATUS.get(code)
        if keep is not None:
            self.notifier.status(keep)
        else:
            self.notifier.stopping("stopping")
        self.notifier.close()

    # -- probe and notifications ----------------------------------------------------------------
    @Slot()
    def _beat(self) -> None:
        self.watchdog.beat()

    @Slot()
    def _on_frame(self) -> None:
        if self._shot_pending:
            self._shot_pending = False
            self.screenshot()
        if self.ready_sent:
            return
        self.ready_sent = True
        self.notifier.ready(self._status_text())
        self.watchdog.start()  # systemd arms WatchdogSec= once READY=1 arrives
        log.info("first frame on screen: READY=1 sent (watchdog %s)", self.watchdog.timeout_s)

    @Slot()
    def _on_screen(self) -> None:
        self.notifier.status(self._status_text())
        # Grab after the new page has been drawn, not the old one.
        self._shot_pending = self.shot_dir is not None

    def _status_text(self) -> str:
        return f"screen {self.bridge.screen}"

    # -- screenshots ----------------------------------------------------------------------------
    def _prepare_shot_dir(self, directory: Path) -> None:
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            last = directory / LAST_SHOT
            freeze = directory / FREEZE_SHOT
            if last.exists():  # the previous run did not exit cleanly
                os.replace(last, freeze)
                log.warning("kept the screenshot from before the restart for maintenance mode")
            elif freeze.exists() and time.time() - freeze.stat().st_mtime > FREEZE_SHOT_MAX_AGE_S:
                freeze.unlink()
        except OSError as exc:
            log.warning("screenshot directory unusable: %s", exc.strerror or type(exc).__name__)
            self.shot_dir = None

    @Slot()
    def screenshot(self) -> None:
        """Grab the window (GUI thread, ~1 ms); pixelate and write it on the writer thread."""
        if self.shot_dir is None or self._stopped:
            return
        screen = str(self.bridge.screen)
        image: QImage | None = None
        if screen not in FACE_SCREENS:  # the camera picture is never grabbed
            image = self.window.grabWindow()
            if image.isNull():
                return
        personal = screen not in CLEAR_SCREENS
        size = (int(self.window.width()), int(self.window.height()))
        self._writes = [f for f in self._writes if not f.done()]
        self._writes.append(
            self._writer.submit(self._write_logged, image, personal, self.shot_dir, screen, size)
        )

    def flush(self, timeout: float = 10.0) -> Path | None:
        """Wait for the screenshots being written; the last one's path (tests, maintenance)."""
        done = concurrent.futures.wait(self._writes, timeout=timeout)
        results = [f.result() for f in done.done]
        return results[-1] if results else None

    def _write_logged(
        self,
        image: QImage | None,
        personal: bool,
        directory: Path,
        screen: str = "",
        size: tuple[int, int] = (1, 1),
    ) -> Path | None:
        try:
            if image is None:  # QPainter on a QImage is fine off the GUI thread
                image = blank(size[0], size[1], screen)
                personal = False
            return self._write(image, personal, directory)
        except Exception:  # a thread's exception would vanish in its future
            log.exception("screenshot failed")
            return None

    def _write(self, image: QImage, personal: bool, directory: Path) -> Path | None:
        if personal:
            image = pixelate(image)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # (the stubs say bytes)
        buffer.close()
        path = directory / LAST_SHOT
        try:
            _write_private(path, bytes(data.data()))
        except OSError as exc:
            log.warning("screenshot not written: %s", exc.strerror or type(exc).__name__)
            return None
        self.shots += 1
        return path


def attach_watchdog(app: QGuiApplication, window: Any, bridge: Any) -> UiWatchdog:
    """Start the watchdog for a real run (`kiosk run`): systemd, screenshots, hidden cursor."""
    if os.environ.get("KIOSK_HIDE_CURSOR"):  # set by packaging/session/kiosk-session
        app.setOverrideCursor(Qt.CursorShape.BlankCursor)
    if threading.current_thread() is threading.main_thread():
        # `systemctl stop`/restart sends SIGTERM: leave through the normal exit (outbox closed,
        # STOPPING=1, the screenshot deleted). The probe timer runs Python code every second,
        # so the handler runs within a second even while Qt's loop is idle.
        # Deferred to the event loop: the handler may run in the middle of any Python slot.
        signal.signal(signal.SIGTERM, lambda _sig, _frame: QTimer.singleShot(0, app.quit))
    # Parented to the application: a connection to a bound method would not keep it alive.
    wd = UiWatchdog(window, bridge, shot_dir=runtime_dir(), parent=app)
    wd.start()
    return wd


def exec_with_watchdog(app: QGuiApplication, wd: UiWatchdog) -> int:
    """Run the event loop, then tell systemd how it ended (`UiWatchdog.exited`)."""
    app.aboutToQuit.connect(wd.stop)
    code = int(app.exec())
    wd.exited(code)
    return code
