"""The Qt glue of maintenance mode: a QObject bridge over kiosk.maintenance, and corner taps.

The bridge mirrors `Maintenance.view()` and the console's data (devices, queue, config, logs)
into properties the QML under ``qml/maintenance/`` binds to, and forwards the technician's
actions. Outbox reads (queue figures, retry) and the log export run on the terminal's storage
thread; their results arrive back here on the GUI thread. Test-print previews are PNGs shown
through the ``image://maintenance/`` provider; the camera test uses the face-check preview.
`CornerTapFilter` watches presses on the window (never consuming them) so the hidden gesture
needs no invisible buttons over the citizen's screens.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from PySide6.QtCore import (
    Property,
    QCoreApplication,
    QEvent,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QImage, QMouseEvent, QTouchEvent
from PySide6.QtQuick import QQuickImageProvider

log = logging.getLogger("ui.maintenance")

REFRESH_MS = 1000
PROVIDER = "maintenance"
CAMERA_PREVIEW_S = 30.0
CORNER_FRACTION = 0.1  # a corner is the outer 10% of width and height (min 80 px)


class OperationsLike(Protocol):
    """The part of kiosk.operations.Operations the bridge uses."""

    maintenance: Any
    console: Any
    actions: Any


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class _PreviewProvider(QQuickImageProvider):
    """image://maintenance/<serial>: the last test-print preview."""

    def __init__(self) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)
        self._lock = threading.Lock()
        self._image: QImage | None = None

    def set_png(self, png: bytes | None) -> bool:
        image = QImage.fromData(png) if png else None
        with self._lock:
            self._image = image if image is not None and not image.isNull() else None
            return self._image is not None

    def requestImage(self, image_id: str, size: QSize, requested: QSize) -> QImage:
        with self._lock:
            image = self._image
        if image is None:
            image = QImage(4, 4, QImage.Format.Format_RGB32)
            image.fill(Qt.GlobalColor.white)
        size.setWidth(image.width())
        size.setHeight(image.height())
        return image


class MaintenanceBridge(QObject):
    """Maintenance mode for QML: mode, PIN entry, the screens' data and their actions."""

    changed = Signal()
    dataChanged = Signal()
    _workDone = Signal(object, object)  # (done, result) from a worker thread, queued to the GUI
    previewChanged = Signal()
    logsChanged = Signal()

    def __init__(
        self,
        ops: OperationsLike,
        parent: QObject | None = None,
        *,
        engine: Any = None,
        camera_preview: Any = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._m = ops.maintenance
        self._view: dict[str, Any] = _plain(self._m.view())
        self._devices: list[Any] = []
        self._queue: dict[str, Any] = {}
        self._config: dict[str, Any] = {}
        self._logs: list[Any] = []
        self._notice = ""
        self._queue_pending = False
        self._preview_kind = ""
        self._preview_serial = 0
        self._camera = camera_preview
        self._camera_on = False
        self.provider = _PreviewProvider()
        if engine is not None:
            engine.addImageProvider(PROVIDER, self.provider)
        # How the app ends for restart (75) / desktop (76); tests replace it.
        self.exit_app: Callable[[int], None] = QCoreApplication.exit
        actions = getattr(ops, "actions", None)
        if actions is not None:
            actions.exit_app = self._exit_later
            actions.background = self._reboot_in_background
        self._workDone.connect(self._on_work_done)
        self._m.subscribe(self._on_change)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    # -- properties ------------------------------------------------------------------------------
    def _get_mode(self) -> str:
        return str(self._view.get("mode", "closed"))

    def _get_view(self) -> dict[str, Any]:
        return self._view

    def _get_devices(self) -> list[Any]:
        return self._devices

    def _get_queue(self) -> dict[str, Any]:
        return self._queue

    def _get_config(self) -> dict[str, Any]:
        return self._config

    def _get_logs(self) -> list[Any]:
        return self._logs

    def _get_notice(self) -> str:
        return self._notice

    def _get_armed(self) -> str:
        actions = getattr(self._ops, "actions", None)
        return (actions.armed or "") if actions is not None else ""

    def _get_preview(self) -> str:
        if not self._preview_kind:
            return ""
        return f"image://{PROVIDER}/{self._preview_kind}/{self._preview_serial}"

    def _get_preview_kind(self) -> str:
        return self._preview_kind

    def _get_camera_on(self) -> bool:
        return self._camera_on

    mode = Property(str, _get_mode, notify=changed)
    view = Property("QVariantMap", _get_view, notify=changed)  # type: ignore[arg-type]
    devices = Property("QVariantList", _get_devices, notify=dataChanged)  # type: ignore[arg-type]
    queue = Property("QVariantMap", _get_queue, notify=dataChanged)  # type: ignore[arg-type]
    config = Property("QVariantMap", _get_config, notify=dataChanged)  # type: ignore[arg-type]
    logs = Property("QVariantList", _get_logs, notify=logsChanged)  # type: ignore[arg-type]
    notice = Property(str, _get_notice, notify=dataChanged)
    armed = Property(str, _get_armed, notify=dataChanged)
    preview = Property(str, _get_preview, notify=previewChanged)
    previewKind = Property(str, _get_preview_kind, notify=previewChanged)
    cameraOn = Property(bool, _get_camera_on, notify=previewChanged)

    # -- QML -> maintenance ----------------------------------------------------------------------
    @Slot(str, result=bool)
    def tap(self, corner: str) -> bool:
        """A tap in a screen corner (the hidden gesture)."""
        return bool(self._m.tap(corner))

    @Slot(str, result=str)
    def enterPin(self, pin: str) -> str:
        """Check a PIN; 'ok', 'wrong', 'locked' or 'not_asked'."""
        result = str(self._m.enter_pin(pin))
        self._refresh_view()
        if result == "ok":
            self.refresh()
        return result

    @Slot()
    def cancel(self) -> None:
        """Close the PIN pad or stop waiting."""
        self._m.cancel()

    @Slot()
    def exit(self) -> None:
        """Leave maintenance mode."""
        self._m.exit("exit")

    @Slot()
    def activity(self) -> None:
        """The technician touched the screen."""
        self._m.activity()

    @Slot()
    def refresh(self) -> None:
        """Re-read devices, config and logs; the queue is read on the storage thread."""
        console = self._ops.console
        self._devices = _plain(console.devices())
        self._config = _plain(console.config())
        logs = _plain(list(reversed(console.recent_logs(200))))
        if logs != self._logs:  # only then: the list would jump back to the top
            self._logs = logs
            self.logsChanged.emit()
        self._request_queue()
        self.dataChanged.emit()

    def _request_queue(self) -> None:
        if self._queue_pending:
            return
        queue_async = getattr(self._ops.console, "queue_async", None)
        if queue_async is None:
            return
        self._queue_pending = True
        queue_async(self._on_queue)

    def _on_queue(self, figures: Mapping[str, Any] | None, error: str | None) -> None:
        # On the GUI thread (Terminal.process_events).
        self._queue_pending = False
        self._queue = _plain(figures) if figures is not None else {"error": error or "error"}
        self.dataChanged.emit()

    @Slot(str, str)
    def runTest(self, device: str, word: str) -> None:
        """Run a device test; the outcome shows as the notice."""
        self._m.activity()
        problem = self._ops.console.run_test(device, word)
        self._notice = problem or f"{device}: {word}"
        self.refresh()

    @Slot()
    def testCard(self) -> None:
        """Card read test: the next card read shows masked on the reader's card."""
        self._m.activity()
        problem = self._ops.console.test_card()
        self._notice = problem or "idcard: insert a card / 请放入身份证"
        self.refresh()

    @Slot(str)
    def testPrint(self, kind: str) -> None:
        """Print a test receipt or A4 page and show its preview (rendered on the storage
        thread, shown when it is back)."""
        self._m.activity()
        self._notice = f"{kind}: printing… / 正在打印…"
        self.dataChanged.emit()
        self._ops.console.test_print_async(kind, lambda r, e: self._on_test_print(kind, r, e))

    def _on_test_print(
        self, kind: str, result: tuple[str | None, bytes | None] | None, error: str | None
    ) -> None:
        # On the GUI thread (Terminal.process_events).
        problem, png = result if result is not None else (f"{kind}: {error or 'error'}", None)
        self._notice = problem or f"{kind}: test print sent / 已发送测试打印"
        if self._m.is_open and self.provider.set_png(png):
            self._preview_kind = kind
            self._preview_serial += 1
            self.previewChanged.emit()
        self.refresh()

    @Slot(bool)
    def cameraPreview(self, on: bool) -> None:
        """Start or stop the camera preview with the face box."""
        self._m.activity()
        console = self._ops.console
        if on:
            problem = console.camera_preview(CAMERA_PREVIEW_S)
            if problem is not None:
                self._notice = problem
                self.dataChanged.emit()
                return
            if self._camera is not None:
                self._camera.set_accepting(True)
        else:
            console.stop_camera_preview()
            if self._camera is not None:
                self._camera.set_accepting(False)
        self._camera_on = on
        self.previewChanged.emit()

    @Slot()
    def closePreview(self) -> None:
        """Close the print preview (and the camera preview)."""
        if self._camera_on:
            self.cameraPreview(False)
        self._preview_kind = ""
        self.provider.set_png(None)
        self.previewChanged.emit()

    @Slot(str)
    def paperReplaced(self, kind: str) -> None:
        """The technician put in new paper."""
        self._m.activity()
        # The counter file is written with fsync: on the storage thread.
        self._ops.console.paper_replaced_async(
            kind, self._m.user, lambda e, err: self._on_paper(kind, e, err)
        )

    def _on_paper(self, kind: str, entry: Any, error: str | None) -> None:
        if error is not None:
            self._notice = error.partition(": ")[2] if error.startswith("ValueError") else error
        else:
            self._notice = f"{kind}: paper replaced ({entry['count']}) / 已记录换纸"
        self.refresh()

    @Slot()
    def exportLogs(self) -> None:
        """Write the log bundle to the USB stick (storage thread)."""
        self._m.activity()
        self._notice = "exporting… / 正在导出…"
        self.dataChanged.emit()
        self._ops.console.export_logs_async(self._on_export)

    def _on_export(self, path: Any, error: str | None) -> None:
        if error is not None:
            reason = error.partition(": ")[2] if error.startswith("ExportRefused") else error
            self._notice = f"export refused / 导出失败: {reason}"
        else:
            self._notice = f"exported / 已导出: {path}"
        self.dataChanged.emit()

    @Slot(str)
    def systemAction(self, action: str) -> None:
        """Restart / reboot / desktop: the first tap arms, the second (in time) confirms."""
        result = str(self._ops.actions.request(action))
        if result == "confirm":
            self._notice = f"{action}: tap again to confirm / 再次点击确认"
        elif result == "done":
            self._notice = f"{action}: done"
        else:
            self._notice = f"{action}: {result}"
        self.dataChanged.emit()

    def _reboot_in_background(self, work: Callable[[], str]) -> None:
        # The reboot command may block for up to 30 s: a worker thread, the outcome back here.
        def run() -> None:
            try:
                outcome = work()
            except Exception as exc:  # never lose the outcome
                outcome = f"failed: {type(exc).__name__}"
            self._workDone.emit(self._on_reboot, outcome)

        threading.Thread(target=run, name="maintenance-reboot", daemon=True).start()

    def _on_reboot(self, outcome: str) -> None:
        self._notice = f"reboot: {outcome}"
        self.dataChanged.emit()

    @Slot(object, object)
    def _on_work_done(self, done: Callable[[Any], None], result: Any) -> None:
        done(result)

    def _exit_later(self, code: int) -> None:
        # Let the click finish before the event loop ends.
        QTimer.singleShot(0, lambda: self.exit_app(code))

    @Slot(str)
    def retry(self, transaction_id: str) -> None:
        """Put a dead letter back in the queue (on the storage thread)."""
        self._m.activity()
        self._ops.console.retry_async(transaction_id, self._on_retry)

    def _on_retry(self, previous: Any, error: str | None) -> None:
        if error is not None:
            self._notice = f"retry failed: {error}"
        else:
            self._notice = "retry: queued again / 已重新排队"
        self.refresh()

    # -- internals --------------------------------------------------------------------------------
    def _on_change(self, _view: Mapping[str, Any]) -> None:
        self._refresh_view()
        if self._m.is_open:
            self.refresh()
        elif self._camera_on or self._preview_kind:
            self.closePreview()

    def _refresh_view(self) -> None:
        view = _plain(self._m.view())
        if view != self._view:
            self._view = view
            self.changed.emit()

    @Slot()
    def _poll(self) -> None:
        # The lockout countdown and, while open, the device and queue figures move by themselves.
        self._refresh_view()
        if self._m.is_open:
            self.refresh()

    def shutdown(self) -> None:
        """Stop the refresh timer."""
        self._timer.stop()


def corner_of(x: float, y: float, width: float, height: float) -> str | None:
    """Which corner (top_left, ...) a point is in, or None."""
    dx = max(80.0, width * CORNER_FRACTION)
    dy = max(80.0, height * CORNER_FRACTION)
    horizontal = "left" if x < dx else "right" if x > width - dx else None
    vertical = "top" if y < dy else "bottom" if y > height - dy else None
    if horizontal is None or vertical is None:
        return None
    return f"{vertical}_{horizontal}"


class CornerTapFilter(QObject):
    """Feeds presses in the screen corners to the maintenance gesture; never consumes them."""

    def __init__(self, bridge: MaintenanceBridge, window: Any, parent: QObject | None = None):
        super().__init__(parent)
        self._bridge = bridge
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Look at presses only."""
        kind = event.type()
        pos = None
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            pos = event.position()
        elif kind == QEvent.Type.TouchBegin and isinstance(event, QTouchEvent):
            points = event.points()
            if points:
                pos = points[0].position()
        if pos is not None:
            if self._bridge.mode == "open":
                self._bridge.activity()
            corner = corner_of(pos.x(), pos.y(), self._window.width(), self._window.height())
            if corner is not None:
                self._bridge.tap(corner)
        return False
