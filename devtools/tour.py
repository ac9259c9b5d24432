"""Screenshot tour: drives one complete citizen journey through the real UI and saves a PNG per
screen (portrait, plus a landscape copy), for docs, reviews and the UI tests.

`kiosk-dev tour DIR` (./run tour, ./run demo offscreen) builds a simulated terminal and runs it.
The UI driver it uses (pump, wait_until, TourDriver) is devtools.qtdriver.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine

from devtools.qtdriver import TourDriver, TourError, pump, wait_until
from devtools.samples import (
    COURIER_REGION,
    COURIER_SAMPLE,
    DEMO_ENTERPRISES,
    FIELD_VALUES,
    HELP_SAMPLE,
    INVALID_PHONE,
    SECOND_SHAREHOLDER_ID,
)

log = logging.getLogger("devtools.tour")

SETTLE_MS = 350
# Accessibility variants of the tour (docs/accessibility.md): the modes switched on at the
# attract screen, as a citizen would, and kept for the journey; shots are named NN-screen-<v>.png.
VARIANT_MODES: dict[str, dict[str, bool]] = {
    "elderly": {"elderly": True},
    "contrast": {"contrast": True},
    "low-reach": {"low_reach": True},
}


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
                sample = FIELD_VALUES.get(str(c.get("type")), FIELD_VALUES["text"])
                driver.type_text(f"field_{f['id']}_0_{c['id']}", sample[: int(c["max_length"])])
            continue
        value = FIELD_VALUES.get(kind, FIELD_VALUES["text"])
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
        driver.type_text(f"field_{phone['id']}", FIELD_VALUES["phone"])
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


def _rss_mb() -> float:
    """Resident memory of this process in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_on_terminal(
    terminal: Any, out_dir: Path, *, operations: Any = None, language: str | None = None
) -> int:
    """Load the real UI over `terminal`, run the tour (and its variants) into `out_dir`.

    KIOSK_TOUR_VARIANTS (default "elderly") adds accessibility variants; KIOSK_TOUR_METRICS
    names a JSON file for ./run bench (tap latencies, RSS after the tour).
    """
    import json
    import os
    import sys

    from ui.app import build_ui, prepare_environment

    prepare_environment()
    existing = QGuiApplication.instance()
    app = existing if isinstance(existing, QGuiApplication) else QGuiApplication(sys.argv[:1])
    ui = build_ui(app, terminal, language=language, operations=operations)
    try:
        ui.window.show()
        metrics: dict[str, Any] = {}
        try:
            shots = run_tour(app, ui.engine, terminal, out_dir, metrics=metrics)
            for variant in os.environ.get("KIOSK_TOUR_VARIANTS", "elderly").split(","):
                if variant.strip():
                    shots += run_tour(app, ui.engine, terminal, out_dir, variant=variant.strip())
        except TourError as exc:
            print(f"screenshot tour failed: {exc}", file=sys.stderr)
            return 1
        print(f"screenshot tour: {len(shots)} screenshots in {out_dir}")
        metrics_path = os.environ.get("KIOSK_TOUR_METRICS")
        if metrics_path:  # ./run bench
            metrics["rss_mb"] = _rss_mb()
            Path(metrics_path).write_text(json.dumps(metrics), encoding="utf-8")
        return 0
    finally:
        ui.close()


def main(out_dir: Path, *, state_dir: Path | None, config_dirs: list[Path] | None) -> int:
    """`kiosk-dev tour DIR`: a simulated terminal (as `kiosk run --sim`), toured offscreen."""
    import os
    import sys
    import tempfile

    from kiosk.cli import _load
    from kiosk.compose import build_terminal
    from kiosk.operations import Operations, with_development

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("QT_QUICK_BACKEND", "software")
    config = _load(config_dirs)
    if config is None:
        return 2
    config = with_development(config)  # simulators: the development profile, as --development
    with tempfile.TemporaryDirectory(prefix="kiosk-tour-") as tmp:
        state = state_dir or Path(tmp)
        try:
            terminal = build_terminal(config, sim=True, state_dir=state)
        except Exception as exc:  # say why, not dump a trace
            print(f"kiosk-dev tour: cannot start: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 3
        sync = terminal.sync
        ops = Operations(
            terminal,
            state_dir=state,
            sync_stats=(lambda: sync.stats) if sync is not None else None,
        )
        terminal.set_health_provider(ops.health.snapshot)
        terminal.start()
        ops.start()
        try:
            return run_on_terminal(terminal, out_dir, operations=ops, language=config.ui.language)
        finally:
            ops.stop()
            terminal.stop()
