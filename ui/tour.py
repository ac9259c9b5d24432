"""Screenshot tour: drives one complete citizen journey through the real UI and saves a PNG per
screen (portrait, plus a landscape copy), for docs, reviews and the UI tests."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QMetaObject, QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickItem, QQuickWindow

log = logging.getLogger("ui.tour")

SCREEN_TIMEOUT_S = 15.0
SETTLE_MS = 350
# Sample values by field type, valid for the validators in kiosk.validators (check digits too).
SAMPLE_VALUES = {
    "text": "申请办理相关业务",
    "textarea": "因工作需要，申请开具相关证明。",
    "name": "李明",
    "phone": "13800138000",
    "id_number": "11010519491231002X",
    "credit_code": "91350100M000100Y43",
    "postal_code": "200120",
    "number": "1",
    "date": "2024-01-31",
}
INVALID_PHONE = "1234"


class TourError(RuntimeError):
    """The tour could not reach a screen or find a control (the message says which)."""


def pump(ms: int = 0) -> None:
    """Run the Qt event loop for `ms` milliseconds (at least once)."""
    loop = QEventLoop()
    deadline = time.monotonic() + ms / 1000
    while True:
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
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
        self._last_swap = 0.0
        self.window.frameSwapped.connect(self._on_frame_swapped)

    def _on_frame_swapped(self) -> None:
        self._last_swap = time.perf_counter()

    def tap(self, name: str, *screens: str) -> str:
        """Click `name`, wait for one of `screens` to be drawn, and record how long it took."""
        button = self.wait_item(name)
        wait_until(button.isEnabled, f"{name!r} to be enabled on screen {self.screen!r}")
        start = time.perf_counter()
        self.click(name)
        screen = self.wait_screen(*screens)
        changed = time.perf_counter()
        self.window.update()
        wait_until(lambda: self._last_swap >= changed, f"a frame of screen {screen!r}")
        self.latencies_ms.append((self._last_swap - start) * 1000)
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


def _sim_inject(terminal: Any, device_class: str, word: str, *args: str) -> bool:
    """Send a simulator word if the device takes it; False when it does not (no such device)."""
    try:
        terminal.inject(device_class, word, *args)
    except (KeyError, ValueError, NotImplementedError) as exc:
        log.info("tour: %s %s not possible here: %s", device_class, word, type(exc).__name__)
        return False
    return True


def _pick_service(services: list[dict[str, Any]]) -> dict[str, Any]:
    """An available service that needs ID card + face (the fullest journey), else any."""
    available = [s for s in services if s.get("available")]
    if not available:
        raise TourError("no service is available on this terminal")
    for s in available:
        if s.get("identity") == "id_card_face":
            return s
    return available[0]


def _fill_form(driver: TourDriver, fields: list[dict[str, Any]], *, invalid_phone: bool) -> None:
    for f in fields:
        if f.get("readonly"):
            continue
        kind = str(f.get("type", "text"))
        if kind == "choice":
            choices = f.get("choices") or []
            if choices:
                driver.click(f"field_{f['id']}_{choices[0]['value']}")
            continue
        value = SAMPLE_VALUES.get(kind, SAMPLE_VALUES["text"])
        if kind == "phone" and invalid_phone:
            value = INVALID_PHONE
        max_length = int(f.get("max_length") or 0)
        if max_length:
            value = value[:max_length]
        driver.type_text(f"field_{f['id']}", value)


SHOT_ORDER = (
    "attract",
    "choose-service",
    "choose-service-en",
    "identify",
    "verify-face",
    "fill-form-error",
    "fill-form",
    "review",
    "submitting",
    "printing",
    "rating",
    "done",
    "countdown",
)


def run_tour(
    app: QGuiApplication,
    engine: QQmlApplicationEngine,
    terminal: Any,
    out_dir: Path,
    *,
    settle_ms: int = SETTLE_MS,
    landscape_copies: bool = True,
    metrics: dict[str, Any] | None = None,
) -> list[Path]:
    """Drive a full journey, saving NN-screen.png (and NN-screen-landscape.png) in `out_dir`."""
    driver = TourDriver(engine, terminal)
    window = driver.window
    out_dir.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    portrait = (window.width(), window.height())
    landscape = (max(portrait), min(portrait))

    def grab(name: str) -> Path:
        pump(settle_ms)
        # Stable numbers per screen, so README links survive a tour that skips a screen.
        base = name.removesuffix("-landscape")
        path = out_dir / f"{SHOT_ORDER.index(base) + 1:02d}-{name}.png"
        if not window.grabWindow().save(str(path)):
            raise TourError(f"could not write {path}")
        shots.append(path)
        return path

    def shot(name: str, *, both: bool = True) -> None:
        grab(name)
        if both and landscape_copies and portrait != landscape:
            window.setWidth(landscape[0])
            window.setHeight(landscape[1])
            grab(f"{name}-landscape")
            window.setWidth(portrait[0])
            window.setHeight(portrait[1])
            pump(50)

    if not window.isVisible():
        window.show()
    terminal.intent("cancel", {})
    driver.wait_screen("attract")
    if driver.bridge.property("language") != "zh_CN":
        terminal.intent("language", {"lang": "zh_CN"})
    shot("attract")

    driver.tap("startButton", "choose_service")
    shot("choose-service")
    driver.click("languageButton")
    wait_until(lambda: driver.bridge.property("language") == "en", "English")
    shot("choose-service-en", both=False)
    driver.click("languageButton")
    wait_until(lambda: driver.bridge.property("language") == "zh_CN", "Chinese")

    service = _pick_service(list(driver.bridge.property("data").get("services", [])))
    screen = driver.tap(f"service_{service['id']}", "identify", "fill_form")
    if screen == "identify":
        shot("identify")
        # The simulated camera decides in 50 ms; "slow" makes it take 2 s, long enough to
        # photograph the face screen.
        slow_camera = _sim_inject(terminal, "camera", "slow")
        terminal.inject("idcard", "card_insert", "resident")
        screen = driver.wait_screen("verify_face", "fill_form")
        if screen == "verify_face":
            shot("verify-face", both=False)
            driver.wait_screen("fill_form")
        if slow_camera:
            _sim_inject(terminal, "camera", "reset")

    pump(settle_ms)
    fields = list(driver.bridge.property("data").get("fields", []))
    editable = [f for f in fields if not f.get("readonly")]
    phone = next((f for f in editable if f.get("type") == "phone"), None)
    if any(f.get("required") for f in editable):
        # "Next" on an untouched form: the flow marks every empty required field.
        driver.click("nextButton")
        wait_until(lambda: driver.bridge.property("message") == "form.has_errors", "form errors")
        shot("fill-form-error")
        _fill_form(driver, fields, invalid_phone=False)
    elif phone is not None:
        _fill_form(driver, fields, invalid_phone=True)
        driver.click("nextButton")
        wait_until(lambda: driver.bridge.property("message") == "form.has_errors", "form errors")
        shot("fill-form-error")
        driver.type_text(f"field_{phone['id']}", SAMPLE_VALUES["phone"])
    else:
        _fill_form(driver, fields, invalid_phone=False)
    # Leave the focus in a free-text field so the shot shows the Pinyin keyboard.
    text_field = next((f for f in editable if f.get("type") in ("name", "text", "textarea")), None)
    if text_field is not None:
        driver.item(f"field_{text_field['id']}").forceActiveFocus()
    shot("fill-form")
    driver.tap("nextButton", "review")
    shot("review")

    options = list(driver.bridge.property("data").get("delivery_options", []))
    if options:
        driver.click(f"delivery_{options[0]}")
    slow_printer = _sim_inject(terminal, "receipt", "slow")  # ~2 s, to see the printing page
    driver.click("submitButton")
    seen = driver.wait_screen("submitting", "printing", "rating")
    if seen == "submitting":
        shot("submitting", both=False)
        seen = driver.wait_screen("printing", "rating")
    if seen == "printing":
        shot("printing", both=False)
    driver.wait_screen("rating")
    if slow_printer:
        _sim_inject(terminal, "receipt", "reset")
    shot("rating")
    driver.tap("rate_5", "done")
    shot("done")

    # The inactivity banner appears only after minutes without a touch; the tour shows it by
    # rendering the current view with a countdown, the same state the flow publishes then.
    bridge = driver.bridge
    preview = getattr(bridge, "preview", None)
    if callable(preview):
        preview(dataclasses.replace(terminal.view, countdown=9))
        wait_item = driver.wait_item("continueButton")
        del wait_item
        shot("countdown")
        preview(terminal.view)

    driver.tap("finishButton", "attract")
    if metrics is not None:
        metrics["taps_ms"] = list(driver.latencies_ms)
    log.info("tour: %d screenshots in %s", len(shots), out_dir)
    return shots
