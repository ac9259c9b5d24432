"""What the tests of the real QML UI share: Qt's own log noise, showing the UI, finding and
tapping items by objectName. (tests/conftest.py sets the offscreen environment before any
module imports Qt.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QMetaObject, QPointF, Qt
from PySide6.QtQml import QQmlEngine, QQmlExpression
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest

from devtools.qtdriver import find_item, pump, wait_until
from ui.app import KioskUi, build_ui

# Noise from inside Qt's own modules that this project cannot fix: the virtual keyboard pulls
# in QtMultimedia (no PipeWire here), its PopupList.qml trips a property-cache notice, and the
# Pinyin engine announces its user dictionary folder.
QT_MARKS = [
    pytest.mark.qt,
    pytest.mark.qt_log_ignore(
        r"Couldn't (load|resolve) pipewire",
        r"PopupList.*overrides a member",
        r"PinyinDecoderService::init",
    ),
]


def shown_ui(qapp: Any, terminal: Any, language: str = "zh_CN", **kwargs: Any) -> Iterator[KioskUi]:
    """Yield the kiosk UI (portrait) shown offscreen over `terminal`; closes it afterwards."""
    kiosk = build_ui(qapp, terminal, language=language, **kwargs)
    kiosk.window.show()
    pump(50)
    try:
        yield kiosk
    finally:
        kiosk.close()


def item(ui: KioskUi, name: str, timeout: float = 5.0) -> QQuickItem:
    """Wait for the visible item called `name`."""
    found: list[QQuickItem] = []

    def look() -> bool:
        hit = find_item(ui.window, name)
        if hit is not None:
            found.append(hit)
        return hit is not None

    wait_until(look, f"item {name}", timeout)
    return found[0]


def tap(ui: KioskUi, name: str, *, on_screen: bool = False) -> None:
    """A real mouse click at the centre of the item.

    An item scrolled out of the window is clicked through its own click(), unless `on_screen`
    demands that a citizen could reach it.
    """
    target = item(ui, name)
    wait_until(target.isEnabled, f"{name} to be enabled")
    centre = target.mapToScene(QPointF(target.width() / 2, target.height() / 2)).toPoint()
    inside = 0 <= centre.x() < ui.window.width() and 0 <= centre.y() < ui.window.height()
    assert inside or not on_screen, f"{name} is outside the window"
    if inside:
        QTest.mouseClick(
            ui.window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre
        )
    else:
        assert QMetaObject.invokeMethod(target, "click")
    pump(10)


def wait_screen(ui: KioskUi, *screens: str) -> None:
    """Wait until the flow shows one of `screens`."""
    wait_until(lambda: ui.bridge.screen in screens, f"screen {' or '.join(screens)}")


def js(ui: KioskUi, expression: str) -> Any:
    """Evaluate `expression` in Main.qml's context (its imports: QtQuick.VirtualKeyboard)."""
    context = QQmlEngine.contextForObject(ui.window)
    expr = QQmlExpression(context, ui.window, expression)
    value, _undefined = expr.evaluate()
    assert not expr.hasError(), expr.error().toString()
    return value
