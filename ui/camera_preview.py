"""The live camera preview for the face check: an image provider plus the face box and hint.

The terminal hands preview frames to `CameraPreview.on_frame` on the camera's thread (see
`Terminal.set_camera_preview`); the ui layer never imports drivers. Frames are converted to a
QImage, kept in memory only (the newest one), and QML reloads `image://camera/<serial>`.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Property, QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickImageProvider

PROVIDER = "camera"


class CameraPreview(QObject):
    """The newest preview frame, the face box (fractions of the frame) and the guidance hint."""

    changed = Signal()
    _frame_ready = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._image: QImage | None = None
        self._box: list[float] = []
        self._hint = ""
        self._serial = 0
        self._pending = False
        # Frames are taken only while the face-check screen is up: a frame arriving after the
        # session moved on would otherwise show this citizen to the next one.
        self._accepting = False
        self.provider = _Provider(self)
        self._frame_ready.connect(self._publish, Qt.ConnectionType.QueuedConnection)

    def on_frame(self, frame: Any, box: Any, hint: str) -> None:
        """Take one BGR frame (camera thread); coalesces frames the GUI has not shown yet."""
        height, width = frame.shape[:2]
        rgb = frame[:, :, ::-1].copy()
        image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
        with self._lock:
            if not self._accepting:
                return
            self._image = image
            self._box = [float(v) for v in box] if box else []
            self._hint = hint
            if self._pending:
                return
            self._pending = True
        self._frame_ready.emit()

    def set_accepting(self, accepting: bool) -> None:
        """Show frames only while the face check is on screen; forget them otherwise."""
        with self._lock:
            changed = self._accepting != accepting
            self._accepting = accepting
        if changed and not accepting:
            self.clear()

    def clear(self) -> None:
        """Forget the last frame (the verification ended)."""
        with self._lock:
            self._image, self._box, self._hint = None, [], ""
        self._serial += 1
        self.changed.emit()

    def image(self) -> QImage | None:
        with self._lock:
            return self._image

    @Slot()
    def _publish(self) -> None:
        with self._lock:
            self._pending = False
        self._serial += 1
        self.changed.emit()

    def _get_source(self) -> str:
        return f"image://{PROVIDER}/{self._serial}" if self._image is not None else ""

    def _get_box(self) -> list[float]:
        with self._lock:
            return list(self._box)

    def _get_hint(self) -> str:
        with self._lock:
            return self._hint

    def _get_active(self) -> bool:
        return self._image is not None

    source = Property(str, _get_source, notify=changed)
    box = Property("QVariantList", _get_box, notify=changed)  # type: ignore[arg-type]
    hint = Property(str, _get_hint, notify=changed)
    active = Property(bool, _get_active, notify=changed)


class _Provider(QQuickImageProvider):
    def __init__(self, preview: CameraPreview) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)
        self._preview = preview

    def requestImage(self, image_id: str, size: QSize, requested: QSize) -> QImage:
        image = self._preview.image()
        if image is None:
            image = QImage(4, 3, QImage.Format.Format_RGB888)
            image.fill(Qt.GlobalColor.black)
        size.setWidth(image.width())
        size.setHeight(image.height())
        return image


def attach_camera_preview(engine: QQmlApplicationEngine, terminal: Any) -> CameraPreview:
    """Register the preview with QML (`cameraPreview`, image://camera/) and the terminal."""
    preview = CameraPreview()
    engine.addImageProvider(PROVIDER, preview.provider)
    engine.rootContext().setContextProperty("cameraPreview", preview)
    setter = getattr(terminal, "set_camera_preview", None)
    if setter is not None:
        setter(preview.on_frame)
    return preview


def detach_camera_preview(terminal: Any) -> None:
    """Stop the terminal handing frames to the preview (before the UI is torn down)."""
    setter = getattr(terminal, "set_camera_preview", None)
    if setter is not None:
        setter(None)
