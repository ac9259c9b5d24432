"""The Qt Quick UI over a real terminal with simulated devices (offscreen, software rendering)."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from devtools.qtdriver import find_item, pump, wait_until
from devtools.tour import run_tour
from ui.app import I18N_DIR, QML_DIR, KioskUi

from .qt_support import QT_MARKS, item, js, shown_ui, tap, wait_screen

pytestmark = QT_MARKS

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def ui(qapp: Any, terminal: Any) -> Iterator[KioskUi]:
    """The kiosk UI, portrait, shown offscreen over the simulated terminal."""
    yield from shown_ui(qapp, terminal)


def field_of(ui: KioskUi, field_id: str) -> dict[str, Any]:
    return next(f for f in ui.bridge.data["fields"] if f["id"] == field_id)


def test_whole_journey_by_taps(ui: KioskUi, terminal: Any) -> None:
    assert ui.bridge.screen == "attract"
    assert item(ui, "centreName").property("text")
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")

    tap(ui, "service_no_criminal_record")
    wait_screen(ui, "identify")
    assert item(ui, "cancelButton").isVisible()
    terminal.inject("idcard", "card_insert", "resident")
    wait_until(lambda: ui.bridge.screen in ("verify_face", "fill_form"), "identified")
    wait_screen(ui, "fill_form")

    # Prefilled fields come from the card and are locked; the rest we fill by typing.
    fields = ui.bridge.data["fields"]
    assert any(f["prefilled"] for f in fields)
    tap(ui, "nextButton")
    wait_until(lambda: ui.bridge.message == "form.has_errors", "validation errors")
    missing = [f for f in ui.bridge.data["fields"] if f["error"]]
    assert missing, "an empty required field must be reported"
    assert item(ui, f"error_{missing[0]['id']}").property("text")
    for f in ui.bridge.data["fields"]:
        if f["readonly"]:
            continue
        if f["type"] == "choice":
            tap(ui, f"field_{f['id']}_{f['choices'][0]['value']}")
        elif f["type"] == "phone":
            item(ui, f"field_{f['id']}").setProperty("text", "13800138000")
        else:
            item(ui, f"field_{f['id']}").setProperty("text", "因工作需要")
    pump(10)
    tap(ui, "nextButton")
    wait_screen(ui, "review")

    options = ui.bridge.data["delivery_options"]
    tap(ui, f"delivery_{options[-1]}")
    if options[-1] == "courier":
        # Free courier needs the recipient's address: the flow goes back to the form for it.
        wait_screen(ui, "fill_form")
        assert ui.bridge.message == "courier.details_needed"
        tap(ui, "field_courier_region_province")
        for code in ("440000", "440100", "440106"):
            tap(ui, f"region_{code}")
        item(ui, "field_courier_detail").setProperty("text", "天河路1号示例大厦101室")
        tap(ui, "nextButton")
        wait_screen(ui, "review")
    wait_until(lambda: ui.bridge.data["delivery"] == options[-1], "delivery chosen")
    tap(ui, "submitButton")
    wait_screen(ui, "rating")
    tap(ui, "rate_5")
    wait_screen(ui, "done")
    receipt = item(ui, "receiptNumber").property("text")
    assert receipt and receipt == ui.bridge.data["receipt_number"]
    session = ui.bridge.session
    tap(ui, "finishButton")
    wait_screen(ui, "attract")
    tap(ui, "startButton")  # the next citizen gets a new session number
    wait_screen(ui, "choose_service")
    assert ui.bridge.session != session


def test_pinyin_keyboard_types_a_chinese_name(ui: KioskUi) -> None:
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    tap(ui, "service_hotline_consult")  # no ID needed: straight to the form
    wait_screen(ui, "fill_form")
    name_field = next(f for f in ui.bridge.data["fields"] if f["type"] == "name")
    editor = item(ui, f"field_{name_field['id']}")
    tap(ui, f"field_{name_field['id']}")
    wait_until(lambda: bool(editor.property("activeFocus")), "focus on the name field")
    panel = item(ui, "inputPanel")
    wait_until(lambda: bool(panel.property("active")), "the keyboard to open")
    assert js(ui, "VirtualKeyboardSettings.locale") == "zh_CN"

    for syllable in ("zhang", "san"):
        for letter in syllable:
            key = f"Qt.Key_{letter.upper()}"
            js(ui, f"InputContext.inputEngine.virtualKeyClick({key}, '{letter}', 0)")
            pump(5)
        wait_until(
            lambda: js(ui, "InputContext.inputEngine.wordCandidateListModel.count") > 0,
            "Pinyin candidates",
        )
        js(ui, "InputContext.inputEngine.wordCandidateListModel.selectItem(0)")
        pump(20)

    text = editor.property("text")
    assert len(CJK.findall(text)) == 2, text
    assert text == "张三"
    # The flow got the committed text through the "input" intent.
    wait_until(lambda: field_of(ui, name_field["id"])["value"] == text, "flow to hold the name")
    # The keyboard sits inside the window, and the form shrank above it.
    assert panel.y() + panel.height() <= ui.window.height() + 1
    assert item(ui, "content").height() < ui.window.height() - panel.height()


def test_language_toggle_relabels_the_screen(ui: KioskUi) -> None:
    subtitle = item(ui, "topBarSubtitle")
    start = item(ui, "startButton")
    assert subtitle.property("text") == "24小时自助服务"
    assert start.property("text") == "点击开始办理"
    tap(ui, "languageButton")
    wait_until(lambda: ui.bridge.language == "en", "English")
    pump(10)
    assert subtitle.property("text") == "24-hour self-service"
    assert start.property("text") == "Touch to start"
    assert item(ui, "languageButton").property("text") == "中文"
    tap(ui, "languageButton")
    wait_until(lambda: ui.bridge.language == "zh_CN", "Chinese")
    pump(10)
    assert start.property("text") == "点击开始办理"


def test_countdown_banner_and_timeout(ui: KioskUi, terminal: Any, clock: Any, config: Any) -> None:
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    assert find_item(ui.window, "countdownBanner") is None  # hidden while the citizen is active

    clock.advance(config.timeouts.default_s - config.timeouts.warning_s + 2)
    wait_until(lambda: ui.bridge.countdown > 0, "the countdown")
    banner = item(ui, "countdownBanner")
    assert banner.isVisible()
    seconds = item(ui, "countdownSeconds").property("text")
    assert seconds == str(ui.bridge.countdown)

    tap(ui, "continueButton")  # "activity": the timer restarts and the banner goes
    wait_until(lambda: ui.bridge.countdown < 0, "the banner to close")
    assert find_item(ui.window, "countdownBanner") is None
    assert ui.bridge.screen == "choose_service"

    clock.advance(config.timeouts.default_s + 1)
    wait_screen(ui, "attract")
    assert ui.bridge.message == "session.timeout"


def test_new_session_starts_with_empty_inputs(ui: KioskUi) -> None:
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    tap(ui, "service_hotline_consult")
    wait_screen(ui, "fill_form")
    name_id = next(f["id"] for f in ui.bridge.data["fields"] if f["type"] == "name")
    item(ui, f"field_{name_id}").setProperty("text", "王五")
    wait_until(lambda: field_of(ui, name_id)["value"] == "王五", "input intent")
    tap(ui, "cancelButton")
    wait_screen(ui, "attract")
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    tap(ui, "service_hotline_consult")
    wait_screen(ui, "fill_form")
    assert item(ui, f"field_{name_id}").property("text") == ""


def test_landscape_layout_keeps_buttons_inside(ui: KioskUi) -> None:
    ui.resize("landscape")
    pump(50)
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    for name in ("languageButton", "cancelButton", "department_all"):
        target = item(ui, name)
        corner = target.mapToScene(QPointF(target.width(), target.height()))
        assert corner.x() <= ui.window.width() and corner.y() <= ui.window.height(), name
        assert target.height() >= 90, name  # touch target


def test_screenshot_tour_writes_a_png_per_screen(
    qapp: Any, ui: KioskUi, terminal: Any, tmp_path: Path
) -> None:
    shots = run_tour(qapp, ui.engine, terminal, tmp_path, settle_ms=60, landscape_copies=False)
    names = [p.name for p in shots]
    for screen in (
        "attract",
        "choose-service",
        "identify",
        "fill-form",
        "review",
        "rating",
        "done",
        "countdown",
    ):
        assert any(re.fullmatch(rf"\d\d-{screen}\.png", n) for n in names), (screen, names)
    assert any("fill-form-error" in n for n in names)
    assert all(p.stat().st_size > 0 for p in shots)
    attract = QImage(str(shots[0]))
    assert (attract.width(), attract.height()) == (1080, 1920)
    colours = {attract.pixel(x, y) for x in range(0, 1080, 40) for y in range(0, 1920, 40)}
    assert len(colours) > 20, "the attract screen looks blank"


def _ts_messages(path: Path) -> list[ET.Element]:
    return list(ET.parse(path).getroot().iter("message"))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_translations_are_complete_and_compiled(lang: str, tmp_path: Path) -> None:
    ts = I18N_DIR / f"kiosk_{lang}.ts"
    qm = I18N_DIR / f"kiosk_{lang}.qm"
    # The committed .qm must be what lrelease makes of the .ts now (mtimes mean nothing in a
    # fresh clone, so compare content).
    fresh = tmp_path / qm.name
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run([str(lrelease), str(ts), "-qm", str(fresh)], check=True, capture_output=True)
    assert qm.read_bytes() == fresh.read_bytes(), "run pyside6-lrelease (see docs)"
    messages = _ts_messages(ts)
    assert len(messages) > 50
    for m in messages:
        tr = m.find("translation")
        assert tr is not None and tr.get("type") is None, m.findtext("source")
        assert (tr.text or "").strip(), m.findtext("source")
    sources = {m.findtext("source") for m in messages}
    for qml in QML_DIR.rglob("*.qml"):
        for literal in re.findall(r'qsTr\("((?:[^"\\]|\\.)*)"', qml.read_text(encoding="utf-8")):
            assert literal in sources, f"{qml.name}: {literal!r} is not in {ts.name} (run lupdate)"


def test_every_core_key_has_a_text() -> None:
    texts = (QML_DIR / "components" / "Texts.qml").read_text(encoding="utf-8")
    handled = set(re.findall(r'case "([a-z_.0-9]+)"', texts))
    core = ""
    for path in (
        *sorted((ROOT / "kiosk" / "session").glob("*.py")),
        ROOT / "kiosk" / "validators.py",
    ):
        core += path.read_text(encoding="utf-8")
    keys = set(
        re.findall(
            r'"((?:idcard|face|form|print|session|submit|terminal|service|invalid|unavailable)'
            r'\.[a-z_.]+|required)"',
            core,
        )
    )
    keys |= {f"unavailable.{d}" for d in ("idcard", "camera", "receipt", "licence", "offline")}
    assert keys, "no keys found in the core"
    assert keys <= handled, sorted(keys - handled)
