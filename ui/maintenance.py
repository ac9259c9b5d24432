"""The Qt glue of maintenance mode: a QObject bridge over kiosk.maintenance, and corner taps.

The bridge mirrors `Maintenance.view()` and the console's data (devices, queue, config) into
properties the QML under ``qml/maintenance/`` binds to, and forwards the technician's actions.
`CornerTapFilter` watches presses on the window (never consuming them) so the hidden gesture
needs no invisible buttons over the citizen's screens.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from PySide6.QtCore import Property, QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QMouseEvent, QTouchEvent

log = logging.getLogger("ui.maintenance")

REFRESH_MS = 1000
CORNER_FRACTION = 0.1  # a corner is the outer 10% of width and height (min 80 px)


class OperationsLike(Protocol):
    """The part of kiosk.operations.Operations the bridge uses."""

    maintenance: Any
    console: Any


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class MaintenanceBridge(QObject):
    """Maintenance mode for QML: mode, PIN entry, the screens' data and their actions."""

    changed = Signal()
    dataChanged = Signal()

    def __init__(self, ops: OperationsLike, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._m = ops.maintenance
        self._view: dict[str, Any] = _plain(self._m.view())
        self._devices: list[Any] = []
        self._queue: dict[str, Any] = {}
        self._config: dict[str, Any] = {}
        self._notice = ""
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

    def _get_notice(self) -> str:
        return self._notice

    mode = Property(str, _get_mode, notify=changed)
    view = Property("QVariantMap", _get_view, notify=changed)  # type: ignore[arg-type]
    devices = Property("QVariantList", _get_devices, notify=dataChanged)  # type: ignore[arg-type]
    queue = Property("QVariantMap", _get_queue, notify=dataChanged)  # type: ignore[arg-type]
    config = Property("QVariantMap", _get_config, notify=dataChanged)  # type: ignore[arg-type]
    notice = Property(str, _get_notice, notify=dataChanged)

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
        """Re-read devices, queue and config."""
        console = self._ops.console
        self._devices = _plain(console.devices())
        self._queue = _plain(console.queue())
        self._config = _plain(console.config())
        self.dataChanged.emit()

    @Slot(str, str)
    def runTest(self, device: str, word: str) -> None:
        """Run a device test; the outcome shows as the notice."""
        self._m.activity()
        problem = self._ops.console.run_test(device, word)
        self._notice = problem or f"{device}: {word}"
        self.refresh()

    @Slot(str)
    def retry(self, transaction_id: str) -> None:
        """Put a dead letter back in the queue."""
        self._m.activity()
        try:
            self._ops.console.retry(transaction_id)
            self._notice = f"retry: {transaction_id}"
        except Exception as exc:  # shown to the technician, never a crash of the kiosk
            self._notice = f"retry failed: {type(exc).__name__}"
        self.refresh()

    # -- internals --------------------------------------------------------------------------------
    def _on_change(self, _view: Mapping[str, Any]) -> None:
        self._refresh_view()
        if self._m.is_open:
            self.refresh()

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
