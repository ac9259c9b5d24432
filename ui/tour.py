"""Screenshot tour: drives one complete citizen journey through the real UI and saves a PNG per
screen (portrait, plus a landscape copy), for docs, reviews and the UI tests."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QMetaObject, QObject
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
    "money": "50",
}
INVALID_PHONE = "1234"
# Accessibility variants of the tour (docs/accessibility.md): the modes switched on at the
# attract screen, as a citizen would, and kept for the journey; shots are named NN-screen-<v>.png.
VARIANT_MODES: dict[str, dict[str, bool]] = {
    "elderly": {"elderly": True},
    "contrast": {"contrast": True},
    "low-reach": {"low_reach": True},
}


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
        if kind in ("choice", "multi_choice"):
            choices = f.get("choices") or []
            if choices:
                driver.click(f"field_{f['id']}_{choices[0]['value']}")
            continue
        if kind == "rows":
            driver.click(f"field_{f['id']}_add")
            for c in f.get("columns") or []:
                sample = SAMPLE_VALUES.get(str(c.get("type")), SAMPLE_VALUES["text"])
                driver.type_text(f"field_{f['id']}_0_{c['id']}", sample[: int(c["max_length"])])
            continue
        value = SAMPLE_VALUES.get(kind, SAMPLE_VALUES["text"])
        if kind == "phone" and invalid_phone:
            value = INVALID_PHONE
        max_length = int(f.get("max_length") or 0)
        if max_length:
            value = value[:max_length]
        driver.type_text(f"field_{f['id']}", value)


class _StandIn:
    """The terminal's ports with `lookup` answered by the tour (no intake in a demo)."""

    def __init__(self, terminal: Any, lookup: Callable[[str, str, int], None]) -> None:
        self._terminal = terminal
        self.lookup = lookup

    def __getattr__(self, name: str) -> Any:
        return getattr(self._terminal, name)


def _choose(driver: TourDriver, terminal: Any, service_id: str, variant: str) -> bool:
    """Start a session and choose `service_id` (through the flow: the catalogue's layout is
    not what these shots are about); False when the service is not configured or available."""
    if variant:  # modes end with each session: switch them on again, as a citizen would
        terminal.intent("accessibility", VARIANT_MODES[variant])
    driver.tap("startButton", "choose_service")
    services = {s.get("id"): s for s in driver.bridge.property("data").get("services", [])}
    if not services.get(service_id, {}).get("available"):
        terminal.intent("cancel", {})
        driver.wait_screen("attract")
        return False
    terminal.intent("choose_service", {"service_id": service_id})
    if driver.wait_screen("identify", "fill_form") == "identify":
        terminal.inject("idcard", "card_insert", "resident")
    driver.wait_screen("fill_form")
    return True


def _services_tour(
    driver: TourDriver, terminal: Any, shot: Callable[..., None], settle_ms: int, variant: str
) -> None:
    """Issue 9 screens: courier details and region picker, a bad rating's reasons, and a 12345
    work order's done screen with its tracking QR code."""
    if _choose(driver, terminal, "no_criminal_record", variant):
        fields = list(driver.bridge.property("data").get("fields", []))
        _fill_form(driver, [f for f in fields if f.get("id") != "delivery"], invalid_phone=False)
        driver.click("field_delivery_courier")
        wait_until(
            lambda: driver.find("field_courier_region_province") is not None, "courier fields"
        )
        for field_id, value in COURIER_SAMPLE.items():
            driver.type_text(f"field_{field_id}", value)
        driver.click("field_courier_region_province")
        driver.click(f"region_{COURIER_REGION[0]}")
        driver.wait_item(f"region_{COURIER_REGION[1]}")
        driver.click(f"region_{COURIER_REGION[1]}")
        driver.wait_item(f"region_{COURIER_REGION[2]}")
        shot("region-picker", both=False)
        driver.click(f"region_{COURIER_REGION[2]}")
        last = f"region_{COURIER_REGION[2]}"
        wait_until(lambda: driver.find(last) is None, "the region picker to close")
        driver.item("field_courier_detail").forceActiveFocus()
        shot("courier-form", both=False)  # landscape: the keyboard hides most of the form
        driver.tap("nextButton", "review")
        shot("review-courier")
        driver.click("submitButton")
        driver.wait_screen("rating")
        driver.click("rate_2")
        driver.wait_item("reason_slow")
        driver.click("reason_slow")
        driver.click("reason_unclear")
        shot("rating-reasons")
        driver.tap("ratingSubmit", "done")
        shot("done-courier", both=False)
        driver.tap("finishButton", "attract")
    if _choose(driver, terminal, "enterprise_opening", variant):
        fields = list(driver.bridge.property("data").get("fields", []))
        _fill_form(driver, [f for f in fields if f.get("id") != "delivery"], invalid_phone=False)
        driver.click("field_business_scope_software")
        driver.click("field_seals_finance")
        driver.click("field_shareholders_add")
        driver.type_text("field_shareholders_1_name", "王芳")
        driver.type_text("field_shareholders_1_id_number", SECOND_SHAREHOLDER_ID)
        driver.type_text("field_shareholders_1_contribution", "20")
        driver.type_text("field_shareholders_0_contribution", "30")
        driver.item("field_shareholders_1_contribution").forceActiveFocus()
        shot("enterprise-form", both=False)
        driver.tap("nextButton", "review", "fill_form")
        if driver.screen == "review":
            shot("review-enterprise", both=False)
            driver.click("submitButton")
            driver.wait_screen("rating")
            driver.tap("rate_5", "done")
            shot("done-enterprise", both=False)
        else:
            log.warning(
                "tour: the enterprise form was refused: %s", driver.bridge.property("message")
            )
            terminal.intent("cancel", {})
        if driver.screen != "attract":
            driver.tap("finishButton", "attract")
    # Licence self-print: this terminal has no intake, so the lookup fails (shot), then the tour
    # stands in for the intake with fictional enterprises (shot of the list).
    before = terminal.connectivity()
    terminal.set_connectivity("online")
    if _choose(driver, terminal, "licence_selfprint", variant):
        wait_until(lambda: driver.find("lookupRetry") is not None, "the lookup to fail")
        shot("lookup-failed", both=False)
        flow = terminal.flow

        def stand_in(kind: str, holder_id: str, request: int) -> None:
            answer = {"request": request, "ok": True, "items": DEMO_ENTERPRISES}
            flow.on_event("intake", "lookup_result", answer)

        flow.ports = _StandIn(terminal, stand_in)
        try:
            driver.click("lookupRetry")
        finally:
            flow.ports = terminal
        driver.wait_item("field_credit_code_91350100M000100Y43")
        driver.click("field_credit_code_91350100M000100Y43")
        shot("lookup-enterprises", both=False)
        terminal.intent("cancel", {})
        driver.wait_screen("attract")
    terminal.set_connectivity(before)
    if _choose(driver, terminal, "hotline_help", variant):
        fields = list(driver.bridge.property("data").get("fields", []))
        _fill_form(driver, fields, invalid_phone=False)
        content = next((f for f in fields if f.get("type") == "textarea"), None)
        if content is not None:
            driver.type_text(f"field_{content['id']}", HELP_SAMPLE)
            driver.item(f"field_{content['id']}").forceActiveFocus()
        shot("work-order-form", both=False)
        driver.tap("nextButton", "review")
        driver.click("submitButton")
        driver.wait_screen("rating")
        driver.tap("rate_5", "done")
        shot("done-work-order")
        driver.tap("finishButton", "attract")
    pump(settle_ms)


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
    # Issue 9 services (appended: the numbers above stay stable).
    "courier-form",
    "region-picker",
    "review-courier",
    "rating-reasons",
    "done-courier",
    "work-order-form",
    "done-work-order",
    "enterprise-form",
    "review-enterprise",
    "done-enterprise",
    "lookup-failed",
    "lookup-enterprises",
)
# What the tour's stand-in for the intake answers to the licence self-print lookup (fictional).
DEMO_ENTERPRISES = [
    {"credit_code": "91350100M000100Y43", "name": "示例科技有限公司"},
    {"credit_code": "91350100MA00000002", "name": "样例贸易有限公司"},
]
# Fictional courier recipient for the services tour (广州市天河区: a real district, no one's
# real address).
COURIER_SAMPLE = {
    "courier_recipient": "李明",
    "courier_phone": "13800138000",
    "courier_detail": "示例路1号示例大厦101室",
}
COURIER_REGION = ("440000", "440100", "440106")
SECOND_SHAREHOLDER_ID = "110105198001010016"  # made up, with a valid check character
HELP_SAMPLE = "小区路灯坏了一周，晚上出行不便，请协调维修。"


def run_tour(
    app: QGuiApplication,
    engine: QQmlApplicationEngine,
    terminal: Any,
    out_dir: Path,
    *,
    settle_ms: int = SETTLE_MS,
    landscape_copies: bool = True,
    metrics: dict[str, Any] | None = None,
    variant: str = "",
) -> list[Path]:
    """Drive a full journey, saving NN-screen.png (and NN-screen-landscape.png) in `out_dir`.

    `variant` (a key of VARIANT_MODES) switches accessibility modes on first and names the
    shots NN-screen-<variant>.png and NN-screen-landscape-<variant>.png.
    """
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
        suffix = f"-{variant}" if variant else ""
        path = out_dir / f"{SHOT_ORDER.index(base) + 1:02d}-{name}{suffix}.png"
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
    if variant:
        terminal.intent("accessibility", VARIANT_MODES[variant])
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
    _services_tour(driver, terminal, shot, settle_ms, variant)
    if metrics is not None:
        metrics["taps_ms"] = list(driver.latencies_ms)
        metrics["tap_names"] = list(driver.tap_names)
    log.info("tour: %d screenshots in %s", len(shots), out_dir)
    return shots
