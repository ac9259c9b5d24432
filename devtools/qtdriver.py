"""Drive the real QML UI from Python: pump the event loop, wait, find items, tap like a citizen.

Used by the screenshot tour (devtools.tour), the rig (devtools.rig) and the UI tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QMetaObject, QObject
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickItem, QQuickWindow

SCREEN_TIMEOUT_S = 15.0


class TourError(RuntimeError):
    """The tour could not reach a screen or find a control (the message says which)."""


def pump(ms: int = 0) -> None:
    """Run the Qt event loop for `ms` milliseconds (at least once)."""
    loop = QEventLoop()
    deadline = time.monotonic() + ms / 1000
    while True:
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        # Outside app.exec() Qt never runs deferred deletes by itself: without this, every page
        # a journey replaces stays in memory (~4 MB per service-list visit, found by the soak).
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if time.monotonic() >= deadline:
            return
        time.sleep(0.005)


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = SCREEN_TIMEOUT_S) -> None:
    """Pump events until `predicate()` holds; raise TourError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TourError(f"timed out after {timeout:.0f} s waiting for {what}")
        pump(10)


def find_item(window: QQuickWindow, name: str) -> QQuickItem | None:
    """The first visible item called `name` in the window's visual tree, or None."""
    # Walk childItems(): items made by a Repeater or Loader are visual children of their
    # parent item but not always its QObject children, so findChild() misses them.
    stack = [window.contentItem()]
    while stack:
        item = stack.pop()
        if not item.isVisible():
            continue
        if item.objectName() == name:
            return item
        stack.extend(reversed(item.childItems()))
    return None


class TourDriver:
    """Finds QML items by objectName and operates them like a citizen would."""

    def __init__(self, engine: QQmlApplicationEngine, terminal: Any) -> None:
        roots = engine.rootObjects()
        if not roots:
            raise TourError("the QML engine has no window")
        self.window: QQuickWindow = roots[0]  # type: ignore[assignment]
        self.bridge: QObject = engine.rootContext().contextProperty("bridge")
        self.terminal = terminal
        # Tap-to-drawn latencies (ms) for `./run bench`: from the click to the first frame
        # swapped after the flow has moved to the next screen.
        self.latencies_ms: list[float] = []
        self.tap_names: list[str] = []  # "screen:item" of each latency, to find the slow ones
        self._last_swap = 0.0
        self.window.frameSwapped.connect(self._on_frame_swapped)

    def _on_frame_swapped(self) -> None:
        self._last_swap = time.perf_counter()

    def tap(self, name: str, *screens: str) -> str:
        """Click `name`, wait for one of `screens` to be drawn, and record how long it took."""
        button = self.wait_item(name)
        wait_until(button.isEnabled, f"{name!r} to be enabled on screen {self.screen!r}")
        before = self.screen
        start = time.perf_counter()
        self.click(name)
        screen = self.wait_screen(*screens)
        changed = time.perf_counter()
        self.window.update()
        wait_until(lambda: self._last_swap >= changed, f"a frame of screen {screen!r}")
        self.latencies_ms.append((self._last_swap - start) * 1000)
        self.tap_names.append(f"{before}:{name}")
        return screen

    @property
    def screen(self) -> str:
        """The screen the UI currently shows."""
        return str(self.bridge.property("screen"))

    def item(self, name: str) -> QQuickItem:
        """The visible item called `name`; TourError if there is none."""
        found = find_item(self.window, name)
        if found is None:
            raise TourError(f"no visible item {name!r} on screen {self.screen!r}")
        return found

    def find(self, name: str) -> QQuickItem | None:
        """The visible item called `name`, None if there is none (popups included)."""
        return find_item(self.window, name)

    def wait_item(self, name: str) -> QQuickItem:
        """Wait until a visible item called `name` exists and return it."""
        found: list[QQuickItem] = []

        def look() -> bool:
            try:
                found.append(self.item(name))
            except TourError:
                return False
            return True

        wait_until(look, f"item {name!r}")
        return found[0]

    def click(self, name: str) -> None:
        """Click the button called `name` (through its own click(), so scrolling is moot)."""
        button = self.wait_item(name)
        # Devices report ready a moment after start; until then services are unavailable.
        wait_until(button.isEnabled, f"{name!r} to be enabled on screen {self.screen!r}")
        if not QMetaObject.invokeMethod(button, "click"):
            raise TourError(f"{name!r} cannot be clicked")
        pump(0)

    def type_text(self, name: str, text: str) -> None:
        """Put `text` into the text field called `name` as if typed."""
        field = self.wait_item(name)
        field.forceActiveFocus()
        field.setProperty("text", text)
        pump(0)

    def wait_screen(self, *screens: str) -> str:
        """Wait until the UI shows one of `screens` and return which."""
        wait_until(lambda: self.screen in screens, f"screen {' or '.join(screens)}")
        return self.screen
