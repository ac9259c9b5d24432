"""The citizen session against fake ports: whole journeys, step by step, on a fake clock."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from drivers.idcard.icao import MrzKey
from kiosk.session import Flow
from kiosk.session.chart import SCREENS
from kiosk.session.messages import MESSAGES
from kiosk.session.rating import RATING_SERVICE_ID

from .conftest import HOLDER_ID, HOLDER_NAME, PHOTO, Clock, FakePorts, holder

PHONE = "13800138000"


def choose(flow: Flow, service_id: str) -> None:
    flow.intent("start")
    flow.intent("choose_service", {"service_id": service_id})


def fill(flow: Flow, **values: str) -> None:
    for field_id, value in values.items():
        flow.intent("input", {"field": field_id, "value": value})


def to_receipt(flow: Flow, ports: FakePorts) -> dict[str, Any]:
    """Review -> submitting -> printing -> rating; returns the printed receipt call."""
    flow.intent("submit")
    assert flow.screen == "submitting"
    flow.on_event("outbox", "enqueued", {"transaction_id": "tx-1", "receipt_number": "R-0001"})
    assert flow.screen == "printing"
    kind, transaction_id, blocks = ports.last("print")
    assert (kind, transaction_id) == ("receipt", "tx-1")
    flow.on_event("receipt", "printed", {"transaction_id": "tx-1"})
    assert flow.screen == "rating"
    return {"blocks": blocks}


def test_card_and_face_journey_to_receipt_and_rating(flow: Flow, ports: FakePorts) -> None:
    choose(flow, "senior_citizen_card")
    assert flow.screen == "identify" and flow.view.message == "idcard.insert"
    flow.on_event("idcard", "card_inserted", {})
    assert flow.view.message == "idcard.reading"
    flow.on_event("idcard", "card_read", {"record": holder()})
    assert flow.screen == "verify_face" and ports.last("start_face") == (PHOTO,)
    flow.on_event("camera", "face_result", {"match": True})
    assert flow.screen == "fill_form"
    # Read from the card: prefilled, read-only and masked on the public screen.
    shown = {f["id"]: f for f in flow.view.data["fields"]}
    assert shown["elder_name"]["readonly"] and HOLDER_NAME not in str(flow.view.to_dict())
    fill(flow, elder_name="someone else", contact_phone=PHONE)
    assert flow._session is not None and flow._session.values["elder_name"] == HOLDER_NAME
    flow.intent("next")
    assert flow.screen == "review"
    printed = to_receipt(flow, ports)
    service_id, payload, personal = ports.last("submit")
    assert service_id == "senior_citizen_card" and payload["identity_level"] == "id_card_face"
    assert personal["fields"]["applicant"] == {
        "name": HOLDER_NAME,
        "id_number": HOLDER_ID,
        "card_type": "resident",
    }
    assert HOLDER_ID not in str(payload) and HOLDER_ID not in str(printed["blocks"])
    flow.intent("rate", {"score": 5})
    assert flow.screen == "done" and flow.view.data["receipt_number"] == "R-0001"
    rating, rating_personal = ports.last("record_rating")
    assert rating["score"] == 5 and rating["rates_transaction_id"] == "tx-1"
    assert rating_personal == {} and not rating["follow_up"]
    flow.intent("finish")
    assert flow.screen == "attract" and flow._session is None
    assert flow.completed_sessions == {"completed": 1}


def test_service_without_identity_goes_straight_to_the_form(flow: Flow, ports: FakePorts) -> None:
    choose(flow, "hotline_consult")
    assert flow.screen == "fill_form" and flow.view.message is None
    flow.intent("next")
    errors = {f["id"]: f["error"] for f in flow.view.data["fields"]}
    assert errors["contact_phone"] == "required" and flow.view.message == "form.has_errors"
    fill(flow, contact_phone=PHONE, content="路灯坏了")
    flow.intent("next")
    to_receipt(flow, ports)
    _, payload, personal = ports.last("submit")
    assert "applicant" not in personal["fields"] and payload["identity_level"] == "none"
    assert "start_face" not in ports.names()


def test_travel_document_key_is_a_mrz_key_and_is_forgotten(flow: Flow, ports: FakePorts) -> None:
    choose(flow, "senior_citizen_card")
    flow.intent("mrz", {"document_number": "L898902C", "birth_date": "690806"})
    assert "set_mrz" not in ports.names()  # no keypad on the ID card sub-state
    flow.intent("identify_mode", {"mode": "travel_document"})
    assert flow.stage == "mrz_entry"
    assert flow.view.data["mode"] == "travel_document" and flow.view.message == "idcard.mrz_enter"
    flow.intent("mrz", {"document_number": "l898902c", "birth_date": "691332", "expiry_date": ""})
    assert flow.view.data["mrz_errors"] == {
        "birth_date": "invalid.mrz_date",
        "expiry_date": "required",
    }
    assert "set_mrz" not in ports.names()
    flow.intent(
        "mrz", {"document_number": "l8989 02c", "birth_date": "690806", "expiry_date": "940623"}
    )
    assert ports.mrz_key == MrzKey("L898902C", "690806", "940623")
    assert (
        flow.view.data["mrz_stage"] == "place"
        and flow.view.data["mrz_document_masked"] == "L******C"
    )
    assert "690806" not in str(flow.view.to_dict())
    flow.on_event("idcard", "card_error", {"reason": "access_denied"})
    assert flow.view.data["mrz_stage"] == "entry" and flow.view.message == "idcard.mrz"
    flow.on_event("idcard", "card_read", {"record": holder("travel_document")})
    assert flow.screen == "verify_face" and ports.mrz_key is None  # read: the key is dropped


def test_no_travel_documents_without_a_reader_that_takes_keys(flow: Flow, ports: FakePorts) -> None:
    ports.mrz = False
    choose(flow, "senior_citizen_card")
    flow.intent("identify_mode", {"mode": "travel_document"})
    assert flow.view.data["mode"] == "id_card"


def lookup_journey(flow: Flow, ports: FakePorts) -> int:
    choose(flow, "licence_selfprint")
    flow.on_event("idcard", "card_read", {"record": holder()})
    flow.on_event("camera", "face_result", {"match": True})
    kind, holder_id, request = ports.last("lookup")
    assert (kind, holder_id) == ("enterprises", HOLDER_ID)
    assert flow.view.message == "lookup.loading"
    return request


def test_lookup_success_prints_the_chosen_enterprise(flow: Flow, ports: FakePorts) -> None:
    request = lookup_journey(flow, ports)
    item = {"credit_code": "91110000MA01ABCD3X", "name": "测试科技有限公司"}
    flow.on_event("intake", "lookup_result", {"request": request, "ok": True, "items": [item]})
    lookup = next(f for f in flow.view.data["fields"] if f["type"] == "lookup")
    assert (
        lookup["lookup_state"] == "ready" and lookup["choices"][0]["value"] == item["credit_code"]
    )
    fill(flow, credit_code=item["credit_code"])
    flow.intent("next")
    flow.intent("submit")
    flow.on_event("outbox", "enqueued", {"transaction_id": "tx-2", "receipt_number": "R-2"})
    kind, _, document = ports.last("print")
    assert kind == "licence" and "测试科技有限公司" in str(document)


def test_lookup_failure_can_be_retried(flow: Flow, ports: FakePorts) -> None:
    request = lookup_journey(flow, ports)
    flow.on_event("intake", "lookup_result", {"request": request, "ok": False, "reason": "http"})
    assert flow.view.message == "lookup.failed"
    flow.intent("lookup_retry")
    assert ports.last("lookup")[2] == request + 1


def test_lookup_without_an_answer_times_out(flow: Flow, ports: FakePorts, clock: Clock) -> None:
    request = lookup_journey(flow, ports)
    clock.advance(flow.lookup_deadline_s() + 0.1)
    flow.tick()
    lookup = next(f for f in flow.view.data["fields"] if f["type"] == "lookup")
    assert lookup["lookup_state"] == "failed" and lookup["lookup_reason"] == "timeout"
    assert ports.names()[-1] == "cancel_lookup"
    # A late answer to the abandoned request changes nothing.
    flow.on_event("intake", "lookup_result", {"request": request, "ok": True, "items": []})
    assert flow.view.message == "lookup.failed"


def test_courier_details_are_validated(flow: Flow, ports: FakePorts) -> None:
    choose(flow, "senior_citizen_card")
    flow.on_event("idcard", "card_read", {"record": holder()})
    flow.on_event("camera", "face_result", {"match": True})
    fill(flow, contact_phone=PHONE, delivery="courier")
    # The holder and the form's phone are suggested; the address is not.
    fields = {f["id"]: f for f in flow.view.data["fields"]}
    assert fields["courier_recipient"]["value"] == HOLDER_NAME
    assert fields["courier_phone"]["value"] == PHONE
    fill(flow, courier_phone="123", courier_detail="1号")
    flow.intent("next")
    errors = {f["id"]: f["error"] for f in flow.view.data["fields"]}
    assert errors["courier_phone"] is not None and errors["courier_region"] is not None
    assert errors["courier_detail"] == "invalid.address_detail" and flow.screen == "fill_form"
    table = flow.regions
    province = table.options()["province"][0]["code"]
    flow.intent("region", {"level": "province", "code": province})
    city = table.options(province)["city"][0]["code"]
    flow.intent("region", {"level": "city", "code": city})
    districts = table.options(province, city)["district"]
    if districts:
        flow.intent("region", {"level": "district", "code": districts[0]["code"]})
    fill(flow, courier_phone=PHONE, courier_detail="测试路1号")
    flow.intent("next")
    assert flow.screen == "review" and flow.view.data["courier"]["phone"] != PHONE


@pytest.mark.parametrize("score", [1, 2])
def test_bad_rating_needs_a_reason(flow: Flow, ports: FakePorts, score: int) -> None:
    choose(flow, "hotline_consult")
    fill(flow, contact_phone=PHONE, content="路灯坏了")
    flow.intent("next")
    to_receipt(flow, ports)
    flow.intent("rating_comment", {"text": "too early"})  # not asked yet: refused
    flow.intent("rate", {"score": score})
    assert flow.view.data["stage"] == "reasons" and "record_rating" not in ports.names()
    assert (flow.screen, flow.stage) == ("rating", "rating_reasons")
    assert flow.view.data["comment"] == ""
    flow.intent("rate", {"score": score, "confirm": True})
    assert flow.view.data["error"] == "rating.reason_needed"
    flow.intent("rating_reason", {"value": "slow"})
    flow.intent("rating_reason", {"value": "not_a_reason"})
    flow.intent("rating_comment", {"text": "排队太久"})
    flow.intent("rate", {"score": score, "confirm": True})
    payload, personal = ports.last("record_rating")
    assert payload["reasons"] == ["slow"] and payload["follow_up"] and payload["follow_up_due"]
    assert personal == {"comment": "排队太久"} and flow.screen == "done"
    assert RATING_SERVICE_ID == "kiosk.rating"


def test_inactivity_ends_the_session_and_drops_its_data(
    flow: Flow, ports: FakePorts, clock: Clock
) -> None:
    choose(flow, "senior_citizen_card")
    flow.on_event("idcard", "card_read", {"record": holder()})
    flow.on_event("camera", "face_result", {"match": True})
    fill(flow, contact_phone=PHONE)
    session = weakref.ref(flow._session)  # type: ignore[arg-type]
    timeout = flow.config.timeout_for("fill_form")
    clock.advance(timeout - 5)
    flow.tick()
    assert flow.view.countdown == 5
    clock.advance(6)
    flow.tick()
    assert flow.screen == "attract" and flow.view.message == "session.timeout"
    assert flow._session is None and flow.personal_strings() == set()
    gc.collect()
    assert session() is None  # nothing else held the citizen's data
    assert PHONE not in str(flow.view.to_dict()) and "stop_face" in ports.names()


def test_waiting_screens_never_time_out(flow: Flow, ports: FakePorts, clock: Clock) -> None:
    assert not SCREENS["submitting"].times_out and not SCREENS["printing"].times_out
    choose(flow, "hotline_consult")
    fill(flow, contact_phone=PHONE, content="路灯坏了")
    flow.intent("next")
    flow.intent("submit")
    clock.advance(600)
    flow.tick()
    assert flow.screen == "submitting" and flow.view.countdown is None


def test_ending_a_session_drops_the_session_object(flow: Flow, ports: FakePorts) -> None:
    choose(flow, "hotline_consult")
    fill(flow, contact_phone=PHONE)
    session = weakref.ref(flow._session)  # type: ignore[arg-type]
    flow.intent("cancel")
    gc.collect()
    assert session() is None and flow.completed_sessions == {"cancelled": 1}


def test_every_message_is_a_known_key(flow: Flow, ports: FakePorts) -> None:
    seen: set[str] = set()
    flow.subscribe(lambda view: seen.add(view.message) if view.message else None)
    choose(flow, "senior_citizen_card")
    flow.on_event("idcard", "card_inserted", {})
    flow.on_event("idcard", "card_error", {"reason": "invalid_data"})
    flow.on_event("idcard", "card_read", {"record": holder()})
    flow.on_event("camera", "face_result", {"match": False})
    flow.intent("next")
    assert seen and seen <= MESSAGES
