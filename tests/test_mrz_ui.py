"""The travel document MRZ keypad on the identify page, driven by taps over the simulated terminal
(offscreen, software rendering)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRectF

from devtools.qtdriver import find_item, pump, wait_until
from ui.app import KioskUi

from .qt_support import QT_MARKS, item, shown_ui
from .qt_support import tap as qt_tap

pytestmark = QT_MARKS

# The ICAO 9303 specimen (fictitious), which the simulator's `passport` profile carries.
NUMBER, BIRTH, EXPIRY = "L898902C", "690806", "940623"
KEYS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture
def ui(qapp: Any, terminal: Any) -> Iterator[KioskUi]:
    """The kiosk UI, portrait, shown offscreen over the simulated terminal."""
    yield from shown_ui(qapp, terminal)


def tap(ui: KioskUi, name: str) -> None:
    """A citizen's tap: the key must be inside the window."""
    qt_tap(ui, name, on_screen=True)


def key_in(ui: KioskUi, text: str) -> None:
    for ch in text:
        tap(ui, "mrzKey_filler" if ch == "<" else f"mrzKey_{ch}")


def field_text(ui: KioskUi, field: str) -> str:
    return str(item(ui, f"mrz_{field}").property("text"))


def to_keypad(ui: KioskUi, config: Any) -> None:
    service = next(
        s for s in config.services.values() if s.identity == "id_card_face" and not s.online_only
    )
    tap(ui, "startButton")
    wait_until(lambda: ui.bridge.screen == "choose_service", "choose_service")
    # The catalogue is long: the service may sit below the fold of the list (clicked through
    # the item); the keypad keys below must be on screen.
    qt_tap(ui, f"service_{service.id}")
    wait_until(lambda: ui.bridge.screen == "identify", "identify")
    assert find_item(ui.window, "mrzPanel") is None  # the ID card comes first
    tap(ui, "travelDocumentButton")
    wait_until(lambda: ui.bridge.data.get("mode") == "travel_document", "travel document mode")
    item(ui, "mrzPanel")


def test_mrz_keyed_on_the_keypad_opens_the_passport(
    ui: KioskUi, terminal: Any, config: Any, tmp_path: Path
) -> None:
    to_keypad(ui, config)
    assert ui.bridge.message == "idcard.mrz_enter"
    assert find_item(ui.window, "travelDocumentButton") is None

    key_in(ui, NUMBER + "9")
    tap(ui, "mrzKey_backspace")
    assert field_text(ui, "document_number") == NUMBER
    tap(ui, "mrz_birth_date")
    key_in(ui, BIRTH)  # a complete date moves on to the expiry date
    key_in(ui, EXPIRY)
    assert (field_text(ui, "birth_date"), field_text(ui, "expiry_date")) == (BIRTH, EXPIRY)

    shot = tmp_path / "mrz-entry.png"
    assert ui.window.grabWindow().save(str(shot))
    assert shot.stat().st_size > 0

    tap(ui, "mrzSubmit")
    wait_until(lambda: ui.bridge.message == "idcard.insert_travel", "place the document")
    wait_until(lambda: find_item(ui.window, "mrzPanel") is None, "the keypad to go")
    masked = item(ui, "mrzMasked").property("text")
    assert "L******C" in masked and NUMBER not in masked
    assert item(ui, "identifyMessage").property("text")  # the placing guidance

    terminal.inject("idcard", "card_insert", "passport")
    wait_until(lambda: ui.bridge.screen in ("verify_face", "fill_form"), "identified")


def test_wrong_mrz_brings_back_an_empty_keypad(ui: KioskUi, terminal: Any, config: Any) -> None:
    to_keypad(ui, config)
    key_in(ui, NUMBER)
    tap(ui, "mrz_birth_date")
    key_in(ui, BIRTH + "940624")  # expiry off by one day
    tap(ui, "mrzSubmit")
    wait_until(lambda: ui.bridge.message == "idcard.insert_travel", "place the document")
    terminal.inject("idcard", "card_insert", "passport")
    wait_until(lambda: ui.bridge.message == "idcard.mrz", "the MRZ message")
    item(ui, "mrzPanel")
    # What was typed before is not shown again: the citizen keys it in afresh.
    for field in ("document_number", "birth_date", "expiry_date"):
        assert field_text(ui, field) == ""
    key_in(ui, NUMBER)
    tap(ui, "mrz_birth_date")
    key_in(ui, BIRTH + EXPIRY)
    tap(ui, "mrzSubmit")
    wait_until(lambda: ui.bridge.screen in ("verify_face", "fill_form"), "identified")


def test_field_errors_are_shown_and_the_id_card_is_one_tap_away(
    ui: KioskUi, terminal: Any, config: Any
) -> None:
    to_keypad(ui, config)
    key_in(ui, "<")
    tap(ui, "mrz_birth_date")
    key_in(ui, "691")
    tap(ui, "mrzSubmit")
    wait_until(lambda: ui.bridge.message == "form.has_errors", "field errors")
    for field in ("document_number", "birth_date", "expiry_date"):
        assert item(ui, f"mrzError_{field}").property("text"), field
    assert field_text(ui, "birth_date") == "691"  # kept for correcting
    tap(ui, "idCardButton")
    wait_until(lambda: ui.bridge.data.get("mode") == "id_card", "ID card mode")
    assert find_item(ui.window, "mrzPanel") is None
    item(ui, "travelDocumentButton")


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_keys_are_big_and_inside_the_window(ui: KioskUi, config: Any, orientation: str) -> None:
    ui.resize(orientation)
    pump(50)
    to_keypad(ui, config)
    pump(50)
    names = [f"mrzKey_{k}" for k in KEYS] + ["mrzKey_filler", "mrzKey_backspace", "mrzSubmit"]
    names += ["mrz_document_number", "mrz_birth_date", "mrz_expiry_date", "idCardButton"]
    message = item(ui, "identifyMessage")
    box = message.mapRectToScene(QRectF(0, 0, message.width(), message.height()))
    for name in names:
        target = item(ui, name)
        assert target.width() >= 90 and target.height() >= 90, name  # touch target
        rect = target.mapRectToScene(QRectF(0, 0, target.width(), target.height()))
        assert rect.right() <= ui.window.width() and rect.bottom() <= ui.window.height(), name
        assert not rect.intersects(box), name  # nothing hides under the message
