"""Travel documents in the citizen flow: the MRZ keyed in on the identify screen, validated, handed
to the reader, wiped with the session; end to end with the real PcscDocumentReader, pcscd and the
eMRTD emulator."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.idcard.icao import MrzKey
from drivers.idcard.pcsc import PcscDocumentReader
from drivers.idcard.vicc import VirtualPassport
from kiosk.compose import build_terminal
from kiosk.config import KioskConfig, Service, load_config
from kiosk.session.identify import mask_document_number, validate_mrz
from kiosk.terminal import Terminal
from tests import idcard_support
from tests.conftest import FakeClock, write_overlay
from tests.idcard_support import VPCD_READER, Pcscd

# Fixtures shared by the ID card modules (pcscd runs once per session whichever module starts it).
pcscd = idcard_support.pcscd
vpcd_empty = idcard_support.vpcd_empty
face_jpeg = idcard_support.face_jpeg

# The ICAO 9303 specimen (fictitious): what the sim `passport` profile and the emulator carry.
GOOD = {"document_number": "L898902C", "birth_date": "690806", "expiry_date": "940623"}
SECRETS = ("L898902C", "690806", "940623", "ERIKSSON")
BAD_NUMBER = {"document_number": "invalid.mrz_document_number"}


def card_service(config: KioskConfig, identity: str) -> Service:
    return next(s for s in config.services.values() if s.identity == identity and not s.online_only)


def to_identify(terminal: Terminal, config: KioskConfig, identity: str = "id_card_face") -> None:
    terminal.intent("start")
    terminal.intent("choose_service", {"service_id": card_service(config, identity).id})
    assert terminal.view.screen == "identify"


def keyed_mrz(terminal: Terminal) -> object:
    """The key the simulated reader holds now (None: none)."""
    return terminal.devices["idcard"]._mrz  # type: ignore[attr-defined]


# -- validation, no terminal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (GOOD, {}),
        ({**GOOD, "document_number": "D23145890"}, {}),  # 9 characters
        ({**GOOD, "document_number": "AB<12"}, {}),  # filler inside is MRZ-legal
        ({**GOOD, "birth_date": "000229"}, {}),  # 2000 was a leap year
        ({**GOOD, "document_number": ""}, {"document_number": "required"}),
        (
            {**GOOD, "document_number": "L898902C12"},
            BAD_NUMBER,
        ),
        (
            {**GOOD, "document_number": "L8989-02"},
            BAD_NUMBER,
        ),
        ({**GOOD, "document_number": "<<<"}, BAD_NUMBER),
        (
            {**GOOD, "document_number": "l898902c"},
            BAD_NUMBER,
        ),
        ({**GOOD, "birth_date": "691306"}, {"birth_date": "invalid.mrz_date"}),
        ({**GOOD, "birth_date": "010229"}, {"birth_date": "invalid.mrz_date"}),  # neither leap
        ({**GOOD, "birth_date": "69086"}, {"birth_date": "invalid.mrz_date"}),
        ({**GOOD, "expiry_date": "94O623"}, {"expiry_date": "invalid.mrz_date"}),
        ({**GOOD, "expiry_date": "940631"}, {"expiry_date": "invalid.mrz_date"}),
        (
            {"document_number": "", "birth_date": "", "expiry_date": ""},
            {"document_number": "required", "birth_date": "required", "expiry_date": "required"},
        ),
    ],
)
def test_validate_mrz(values: dict[str, str], errors: dict[str, str]) -> None:
    assert validate_mrz(values) == errors


def test_masked_document_number() -> None:
    assert mask_document_number("L898902C") == "L******C"
    assert mask_document_number("AB<<<<<<<") == "**"


# -- the flow over the simulated reader (it takes an MRZ key like the PC/SC one) -------------------


def test_travel_document_journey(terminal: Terminal, config: KioskConfig) -> None:
    to_identify(terminal, config)
    view = terminal.view
    assert view.data["travel_document_available"] is True
    assert view.data["mode"] == "id_card" and view.message == "idcard.insert"
    terminal.intent("identify_mode", {"mode": "travel_document"})
    view = terminal.view
    assert view.data["mode"] == "travel_document" and view.data["mrz_stage"] == "entry"
    assert view.message == "idcard.mrz_enter"

    terminal.intent("mrz", {"document_number": "L8989*2C", "birth_date": "691306"})
    view = terminal.view
    assert view.message == "form.has_errors" and view.data["mrz_stage"] == "entry"
    assert view.data["mrz_errors"] == {
        "document_number": "invalid.mrz_document_number",
        "birth_date": "invalid.mrz_date",
        "expiry_date": "required",
    }
    assert keyed_mrz(terminal) is None  # nothing reaches the reader until it is valid

    # Lower case and spaces are forgiven (a keypad has neither, a rig may).
    terminal.intent("mrz", {**GOOD, "document_number": " l898902c "})
    view = terminal.view
    assert view.message == "idcard.insert_travel"
    assert view.data["mrz_stage"] == "place" and view.data["mrz_errors"] == {}
    assert view.data["mrz_document_masked"] == "L******C"
    assert not any(s in str(view.to_dict()) for s in SECRETS)
    assert keyed_mrz(terminal) is not None

    terminal.inject("idcard", "card_insert", "passport")
    view = terminal.run_until(lambda v: v.screen == "fill_form")
    session = terminal.flow._session
    assert session is not None and session.identity.card_type == "travel_document"
    assert keyed_mrz(terminal) is None  # the chip is read: the key is forgotten
    assert not any(s in str(view.to_dict()) for s in SECRETS)


def test_wrong_mrz_goes_back_to_the_keypad_then_the_right_one_reads(
    terminal: Terminal, config: KioskConfig
) -> None:
    to_identify(terminal, config)
    terminal.intent("identify_mode", {"mode": "travel_document"})
    terminal.intent("mrz", {**GOOD, "expiry_date": "940624"})
    terminal.inject("idcard", "card_insert", "passport")
    view = terminal.run_until(lambda v: v.message == "idcard.mrz")
    assert view.screen == "identify"
    assert view.data["mode"] == "travel_document" and view.data["mrz_stage"] == "entry"
    # The document stays on the reader; the corrected key opens it.
    terminal.intent("mrz", GOOD)
    terminal.run_until(lambda v: v.screen == "fill_form")


def test_passport_without_a_key_asks_for_one(terminal: Terminal, config: KioskConfig) -> None:
    to_identify(terminal, config)
    terminal.inject("idcard", "card_insert", "passport")
    view = terminal.run_until(lambda v: v.message == "idcard.mrz_needed")
    assert view.data["mode"] == "travel_document" and view.data["mrz_stage"] == "entry"
    terminal.intent("mrz", GOOD)
    terminal.run_until(lambda v: v.screen == "fill_form")


def test_back_to_id_card_forgets_the_key(terminal: Terminal, config: KioskConfig) -> None:
    to_identify(terminal, config)
    terminal.intent("identify_mode", {"mode": "travel_document"})
    terminal.intent("mrz", GOOD)
    assert keyed_mrz(terminal) is not None
    terminal.intent("identify_mode", {"mode": "id_card"})
    assert terminal.view.data["mode"] == "id_card" and terminal.view.message == "idcard.insert"
    assert terminal.view.data["mrz_document_masked"] == ""
    assert keyed_mrz(terminal) is None
    terminal.inject("idcard", "card_insert", "resident")  # the ID card still works
    terminal.run_until(lambda v: v.screen == "fill_form")


@pytest.mark.parametrize("how", ["cancel", "back", "timeout"])
def test_session_end_wipes_the_key(
    terminal: Terminal, config: KioskConfig, clock: FakeClock, how: str
) -> None:
    to_identify(terminal, config)
    terminal.intent("identify_mode", {"mode": "travel_document"})
    terminal.intent("mrz", GOOD)
    assert keyed_mrz(terminal) is not None
    if how == "timeout":
        clock.advance(config.timeout_for("identify") + 1)
        terminal.tick()
        assert terminal.view.screen == "attract"
    else:
        terminal.intent(how)
    assert terminal.flow._session is None
    assert keyed_mrz(terminal) is None
    # The next citizen starts on the ID card with an empty keypad.
    to_identify(terminal, config)
    data = terminal.view.data
    assert data["mode"] == "id_card" and data["mrz_errors"] == {}
    assert data["mrz_document_masked"] == ""


def test_mrz_intent_is_ignored_out_of_place(terminal: Terminal, config: KioskConfig) -> None:
    terminal.intent("mrz", GOOD)  # attract
    to_identify(terminal, config)
    terminal.intent("mrz", GOOD)  # ID card mode: no keypad shown
    assert keyed_mrz(terminal) is None
    assert terminal.view.data["mrz_stage"] == "entry"


def test_reader_without_mrz_support(
    terminal: Terminal, config: KioskConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terminal, "supports_mrz", lambda: False)
    to_identify(terminal, config)
    assert terminal.view.data["travel_document_available"] is False
    terminal.intent("identify_mode", {"mode": "travel_document"})
    assert terminal.view.data["mode"] == "id_card"
    # A chip refusing access still gets the calm MRZ message.
    terminal.flow.on_event("idcard", "card_error", {"reason": "access_denied"})
    assert terminal.view.message == "idcard.mrz" and terminal.view.data["mode"] == "id_card"


def test_terminal_set_mrz_is_a_no_op_without_a_reader(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal.process_events()
    monkeypatch.setattr(terminal.devices, "idcard", None)
    assert terminal.supports_mrz() is False
    terminal.set_mrz(MrzKey(**GOOD))
    terminal.clear_mrz()
    assert terminal.process_events() == 0


def test_no_mrz_in_logs(
    terminal: Terminal, config: KioskConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    to_identify(terminal, config)
    terminal.intent("identify_mode", {"mode": "travel_document"})
    terminal.intent("mrz", {**GOOD, "expiry_date": "940624"})
    terminal.inject("idcard", "card_insert", "passport")
    terminal.run_until(lambda v: v.message == "idcard.mrz")
    terminal.intent("mrz", GOOD)
    terminal.run_until(lambda v: v.screen == "fill_form")
    terminal.intent("cancel")
    text = caplog.text
    for secret in (*SECRETS, "940624"):
        assert secret not in text


# -- end to end: PcscDocumentReader (configured), real pcscd, the eMRTD emulator ----------------


@pytest.fixture
def pcsc_terminal(vpcd_empty: Pcscd, tmp_path: Path) -> Iterator[Terminal]:
    overlay = write_overlay(
        tmp_path / "conf.d",
        f"""
[terminal]
state_dir = "{tmp_path / "state"}"

[devices.idcard]
backend = "pcsc"

[devices.idcard.options]
reader = "{VPCD_READER}"
poll_interval_s = 0.05
""",
    )
    config = load_config([overlay])
    term = build_terminal(config, state_dir=tmp_path / "state", clock=FakeClock())
    term.start()
    try:
        yield term
    finally:
        term.stop()


def test_keyed_mrz_opens_a_real_emrtd_through_pcscd(
    pcsc_terminal: Terminal, vpcd_empty: Pcscd, face_jpeg: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    terminal = pcsc_terminal
    reader = terminal.devices["idcard"]
    assert isinstance(reader, PcscDocumentReader)
    terminal.run_until(lambda v: reader.status.usable)
    to_identify(terminal, terminal.config)
    assert terminal.view.data["travel_document_available"] is True
    terminal.intent("identify_mode", {"mode": "travel_document"})
    terminal.intent("mrz", {**GOOD, "birth_date": "690807"})  # one digit off
    assert terminal.view.message == "idcard.insert_travel"
    with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
        view = terminal.run_until(lambda v: v.message == "idcard.mrz", timeout=10)
        assert view.screen == "identify" and view.data["mrz_stage"] == "entry"
        # Corrected on the keypad; the reader reads the passport still lying on it.
        terminal.intent("mrz", GOOD)
        terminal.run_until(lambda v: v.screen in ("verify_face", "fill_form"), timeout=10)
        session = terminal.flow._session
        assert session is not None
        record = session.identity
        assert record.card_type == "travel_document" and record.id_number == "L898902C"
        assert record.photo == face_jpeg
        assert reader._mrz is None  # forgotten once read
        terminal.run_until(lambda v: v.screen == "fill_form", timeout=10)
    text = caplog.text + str(terminal.view.to_dict())
    for secret in (*SECRETS, "690807"):
        assert secret not in text
    terminal.intent("cancel")
    assert terminal.flow._session is None and reader._mrz is None
