"""The citizen flow, headless: every service's journey, cancel and timeout from every screen,
card and face problems, device faults mid-journey, and no personal data left behind."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from kiosk.compose import build_terminal
from kiosk.config import SCREENS, KioskConfig, Service, load_config
from kiosk.session import ViewState
from kiosk.session.chart import SessionChart
from kiosk.terminal import Terminal
from kiosk.validators import credit_code_check_char

from .conftest import write_overlay

# The simulator's fictitious card holder (GB 11643's own example number).
SIM_NAME = "测试样例"
SIM_ID = "11010519491231002X"


def valid_value(field_type: str, choices: list[dict]) -> str:
    """A value that passes the validator of `field_type`."""
    if field_type == "choice":
        return str(choices[0]["value"])
    body = "91350100M00010000"
    return {
        "name": "王小明",
        "phone": "13800138000",
        "id_number": SIM_ID,
        "credit_code": body + credit_code_check_char(body),
        "postal_code": "510000",
        "number": "100",
        "money": "100",
        "date": "2026-01-05",
        "textarea": "路灯已经坏了三天，请尽快维修。",
    }.get(field_type, "示例内容")


def on(screen: str) -> Callable[[ViewState], bool]:
    return lambda view: view.screen == screen


# What the intake's lookups answer in these headless journeys (no intake here; the real one is
# exercised in tests/test_services.py).
LOOKUP_ITEMS = {
    "enterprises": [
        {
            "credit_code": "91350100M000100Y43",
            "name": "示例科技有限公司",
            "type": "有限责任公司",
            "legal_representative": SIM_NAME,
            "registered_capital": "壹佰万元整",
            "established_on": "2020年07月01日",
            "term": "长期",
            "address": "示例市示例路1号",
            "scope": "技术服务",
        }
    ],
    "certificates": [
        {
            "certificate_id": "DEMO-1",
            "kind": "degree",
            "title": "学士学位证书",
            "issued_on": "2020-07-01",
            "valid_until": None,
        }
    ],
}


def lookup_state(terminal: Terminal) -> str:
    field = next((f for f in terminal.view.data.get("fields", []) if f["type"] == "lookup"), None)
    return "" if field is None else str(field["lookup_state"])


def answer_lookup(terminal: Terminal, service: Service) -> None:
    """Stand in for the intake: let the real (offline) lookup fail, retry, and answer it."""
    if service.lookup is None:
        return
    terminal.run_until(lambda v: lookup_state(terminal) == "failed")
    assert terminal.view.message == "lookup.failed"
    terminal.intent("lookup_retry")
    assert lookup_state(terminal) == "loading"
    request = terminal.flow._lookup_request
    items = LOOKUP_ITEMS[service.lookup]
    terminal.flow.on_event(
        "intake", "lookup_result", {"request": request, "ok": True, "items": items}
    )
    terminal.run_until(lambda v: lookup_state(terminal) == "ready")


def go_to_form(terminal: Terminal, service: Service) -> None:
    """From attract to the service's form, through card and face when the service needs them."""
    terminal.intent("start")
    assert terminal.view.screen == "choose_service"
    terminal.intent("choose_service", {"service_id": service.id})
    if service.identity != "none":
        assert terminal.view.screen == "identify"
        assert terminal.view.message == "idcard.insert"
        terminal.inject("idcard", "card_insert", "resident")
    terminal.run_until(on("fill_form"))
    answer_lookup(terminal, service)


COURIER_IDS = ("delivery", "courier_recipient", "courier_phone", "courier_region", "courier_detail")


def fill_form(terminal: Terminal) -> None:
    for f in terminal.view.data["fields"]:
        if f["readonly"] or f["id"] in COURIER_IDS:
            continue
        if f["type"] in ("lookup", "multi_choice"):
            terminal.intent("input", {"field": f["id"], "value": f["choices"][0]["value"]})
        elif f["type"] == "rows":
            terminal.intent("row_add", {"field": f["id"]})
            for c in f["columns"]:
                value = valid_value(c["type"], [])
                args = {"field": f["id"], "row": 0, "column": c["id"], "value": value}
                terminal.intent("row_input", args)
        else:
            value = valid_value(f["type"], f["choices"])
            terminal.intent("input", {"field": f["id"], "value": value})


def fill_courier(terminal: Terminal) -> None:
    """Choose courier on the form and give a (fictional) recipient in 广州市天河区."""
    terminal.intent("input", {"field": "delivery", "value": "courier"})
    terminal.intent("input", {"field": "courier_recipient", "value": "王小明"})
    terminal.intent("input", {"field": "courier_phone", "value": "13800138000"})
    terminal.intent("region", {"level": "province", "code": "440000"})
    terminal.intent("region", {"level": "city", "code": "440100"})
    terminal.intent("region", {"level": "district", "code": "440106"})
    terminal.intent("input", {"field": "courier_detail", "value": "天河路1号示例大厦101室"})


def complete(terminal: Terminal, service: Service) -> ViewState:
    go_to_form(terminal, service)
    fill_form(terminal)
    if "courier" in service.delivery:
        fill_courier(terminal)
    terminal.intent("next")
    assert terminal.view.screen == "review", terminal.view.data
    if "courier" in service.delivery:
        assert terminal.view.data["delivery"] == "courier"
    terminal.intent("submit")
    view = terminal.run_until(on("rating"))
    assert view.data["receipt_number"]
    terminal.intent("rate", {"score": 5})
    return terminal.run_until(on("done"))


def service_ids(predicate: Callable[[Service], bool] = lambda s: True) -> list[str]:
    from kiosk.config import load_config

    return [s.id for s in load_config([]).services.values() if predicate(s)]


def test_chart_lists_every_screen() -> None:
    assert {s.id for s in SessionChart.states} == set(SCREENS)


@pytest.mark.parametrize("service_id", service_ids())
def test_every_service_journey(terminal: Terminal, config: KioskConfig, service_id: str) -> None:
    service = config.services[service_id]
    terminal.set_connectivity("online")
    view = complete(terminal, service)
    assert view.message is None
    assert view.data["printed"] is True
    receipt_number = view.data["receipt_number"]
    # The rating travels as its own transaction, referencing this one.
    items = [i for i in terminal.outbox.items() if i.service_id != "kiosk.rating"]
    assert [i.receipt_number for i in items] == [receipt_number]
    item = items[0]
    assert item.service_id == service_id
    assert item.payload["delivery"] in service.delivery
    if "receipt" in service.outputs:
        printed = terminal.devices["receipt"].printed  # type: ignore[attr-defined]
        text = "".join(b.get("text", "") for b in printed[-1][1])
        assert receipt_number in text
        assert SIM_NAME not in text and SIM_ID not in text  # masked on paper
    jobs = terminal.outbox.print_jobs(item.transaction_id)
    assert sorted(j["kind"] for j in jobs) == sorted(service.outputs)
    assert {j["state"] for j in jobs} == {"confirmed"}
    if service.deadline_working_days:
        assert view.data["deadline"] is not None
    terminal.intent("finish")
    assert terminal.view.screen == "attract"


def test_identity_is_prefilled_and_read_only(terminal: Terminal, config: KioskConfig) -> None:
    service = next(
        s for s in config.services.values() if any(f.prefill == "id_card.name" for f in s.fields)
    )
    terminal.set_connectivity("online")
    go_to_form(terminal, service)
    name_field = next(
        f
        for f, spec in zip(terminal.view.data["fields"], service.fields, strict=True)
        if spec.prefill == "id_card.name"
    )
    assert name_field["readonly"] and name_field["prefilled"]
    assert name_field["value"] == "测***"  # masked: the hall is public
    assert SIM_NAME not in str(terminal.view.data) and SIM_ID not in str(terminal.view.data)
    terminal.intent("input", {"field": name_field["id"], "value": "别人"})
    assert terminal.flow._session is not None
    assert terminal.flow._session.values[name_field["id"]] == SIM_NAME


def test_online_only_services_unavailable_offline(terminal: Terminal, config: KioskConfig) -> None:
    online_only = [s for s in config.services.values() if s.online_only]
    assert online_only, "the catalogue should have online-only services"
    terminal.intent("start")
    listed = {s["id"]: s for s in terminal.view.data["services"]}
    for s in online_only:
        assert listed[s.id]["available"] is False
        assert listed[s.id]["reason"] == "unavailable.offline"
    terminal.intent("choose_service", {"service_id": online_only[0].id})
    assert terminal.view.screen == "choose_service"
    assert terminal.view.message == "unavailable.offline"


def test_unknown_service_id_is_a_message(terminal: Terminal) -> None:
    terminal.intent("start")
    terminal.intent("choose_service", {"service_id": "no_such_service"})
    assert terminal.view.screen == "choose_service"
    assert terminal.view.message == "service.unknown"


def card_service(config: KioskConfig, identity: str) -> Service:
    return next(s for s in config.services.values() if s.identity == identity and not s.online_only)


def reach(terminal: Terminal, config: KioskConfig, screen: str) -> None:
    """Drive a fresh session to `screen` (a screen with inactivity timeout)."""
    service = card_service(config, "id_card_face")
    if screen == "attract":
        return
    terminal.intent("start")
    if screen == "choose_service":
        return
    if screen == "verify_face":
        terminal.inject("camera", "face", "no_face")
    terminal.intent("choose_service", {"service_id": service.id})
    if screen == "identify":
        return
    terminal.inject("idcard", "card_insert", "resident")
    if screen == "verify_face":
        terminal.run_until(lambda v: v.screen == "verify_face" and v.message == "face.retry")
        return
    terminal.run_until(on("fill_form"))
    if screen == "fill_form":
        return
    fill_form(terminal)
    terminal.intent("next")
    if screen == "review":
        return
    terminal.intent("submit")
    terminal.run_until(on("rating"))
    if screen == "rating":
        return
    terminal.intent("rate", {"score": 4})
    terminal.run_until(on("done"))


SESSION_SCREENS = [
    "choose_service",
    "identify",
    "verify_face",
    "fill_form",
    "review",
    "rating",
    "done",
]


@pytest.mark.parametrize("screen", SESSION_SCREENS)
def test_cancel_from_every_screen_wipes_the_session(
    terminal: Terminal, config: KioskConfig, screen: str
) -> None:
    reach(terminal, config, screen)
    assert terminal.view.screen == screen
    terminal.intent("cancel")
    assert terminal.view.screen == "attract"
    assert terminal.flow._session is None
    assert SIM_NAME not in str(terminal.view.to_dict())
    # The next citizen starts with an empty form.
    service = (
        card_service(config, "none")
        if any(s.identity == "none" for s in config.services.values())
        else None
    )
    if service is not None:
        terminal.intent("start")
        terminal.intent("choose_service", {"service_id": service.id})
        assert all(f["value"] == "" for f in terminal.view.data["fields"])


@pytest.mark.parametrize("screen", SESSION_SCREENS)
def test_timeout_from_every_screen(
    terminal: Terminal, config: KioskConfig, clock, screen: str
) -> None:
    reach(terminal, config, screen)
    session = terminal.view.session
    limit = config.timeout_for(screen)
    clock.advance(limit - config.timeouts.warning_s - 1)
    terminal.tick()
    assert terminal.view.countdown is None
    clock.advance(2)
    terminal.tick()
    assert terminal.view.screen == screen
    assert terminal.view.countdown is not None and 0 < terminal.view.countdown <= 10
    terminal.intent("activity")  # "continue" on the warning banner
    assert terminal.view.countdown is None
    clock.advance(limit + 1)
    terminal.tick()
    assert terminal.view.screen == "attract"
    assert terminal.view.message == "session.timeout"
    assert terminal.flow._session is None
    terminal.intent("start")
    assert terminal.view.session == session + 1


def test_attract_never_times_out(terminal: Terminal, clock) -> None:
    clock.advance(10_000)
    terminal.tick()
    assert terminal.view.screen == "attract" and terminal.view.countdown is None


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("damaged", "idcard.reinsert"),
        ("bad_check", "idcard.invalid"),
        ("foreigner", "idcard.unsupported"),
    ],
)
def test_card_problems_are_calm_messages(
    terminal: Terminal, config: KioskConfig, profile: str, message: str
) -> None:
    reach(terminal, config, "identify")
    terminal.inject("idcard", "card_insert", profile)
    view = terminal.run_until(lambda v: v.message == message)
    assert view.screen == "identify"
    # A good card afterwards still works.
    terminal.inject("idcard", "card_remove")
    terminal.inject("idcard", "card_insert", "resident")
    terminal.run_until(on("verify_face"))


def test_face_mismatch_three_times_sends_to_a_window(
    terminal: Terminal, config: KioskConfig
) -> None:
    reach(terminal, config, "identify")
    terminal.inject("camera", "face", "mismatch")
    terminal.inject("idcard", "card_insert", "resident")
    terminal.run_until(lambda v: v.screen == "verify_face" and v.message == "face.retry")
    terminal.inject("camera", "face", "mismatch")
    terminal.run_until(lambda v: v.data.get("attempts_left") == 1)
    terminal.inject("camera", "face", "mismatch")
    view = terminal.run_until(lambda v: v.message == "face.failed")
    assert view.screen == "verify_face"
    terminal.intent("retry")  # no more attempts
    assert terminal.view.message == "face.failed"


def test_dead_reader_makes_id_services_unavailable(terminal: Terminal, config: KioskConfig) -> None:
    terminal.inject("idcard", "unplug")
    terminal.run_until(lambda v: not terminal.devices["idcard"].status.usable)
    terminal.intent("start")
    listed = {s["id"]: s for s in terminal.view.data["services"]}
    for s in config.services.values():
        if s.identity != "none":
            assert listed[s.id]["available"] is False
    assert any(
        listed[s.id]["reason"] == "unavailable.idcard"
        for s in config.services.values()
        if s.identity != "none"
    )
    terminal.inject("idcard", "replug")
    terminal.run_until(lambda v: terminal.devices["idcard"].status.usable)
    terminal.process_events()
    assert any(s["available"] for s in terminal.view.data["services"] if s["identity"] != "none")


def test_paper_out_mid_journey_keeps_the_transaction(
    terminal: Terminal, config: KioskConfig
) -> None:
    reach(terminal, config, "review")
    terminal.inject("receipt", "paper_empty")
    terminal.run_until(lambda v: not terminal.devices["receipt"].status.usable)
    terminal.intent("submit")
    view = terminal.run_until(on("rating"))
    assert view.message == "print.failed"
    number = view.data["receipt_number"]
    assert [i.receipt_number for i in terminal.outbox.items()] == [number]
    jobs = terminal.outbox.print_jobs(terminal.outbox.items()[0].transaction_id)
    assert [(j["kind"], j["state"]) for j in jobs] == [("receipt", "failed")]
    terminal.intent("rate", {"score": 2})
    assert terminal.view.data["stage"] == "reasons"  # a bad rating asks why
    terminal.intent("rating_reason", {"value": "device_fault"})
    terminal.intent("rate", {"score": 2, "confirm": True})
    done = terminal.run_until(on("done"))
    assert done.data["printed"] is False and done.data["receipt_number"] == number
    # With no paper, receipt services are unavailable to the next citizen.
    terminal.intent("finish")
    flow = terminal.flow
    for s in config.services.values():
        if "receipt" in s.outputs:
            assert flow.service_unavailable_reason(s) == "unavailable.receipt"
    if not flow.any_service_available():
        terminal.intent("start")
        assert terminal.view.screen == "attract"
        assert terminal.view.message == "terminal.out_of_service"
        assert terminal.view.data["available"] is False
    terminal.inject("receipt", "reset")  # a technician refills the paper
    terminal.run_until(lambda v: terminal.devices["receipt"].status.usable)
    assert flow.service_unavailable_reason(card_service(config, "id_card_face")) is None


def test_form_errors_name_the_field(terminal: Terminal, config: KioskConfig) -> None:
    service = next(
        s
        for s in config.services.values()
        if any(f.type == "phone" for f in s.fields) and not s.online_only
    )
    go_to_form(terminal, service)
    fill_form(terminal)
    phone = next(f for f in service.fields if f.type == "phone")
    terminal.intent("input", {"field": phone.id, "value": "12345"})
    terminal.intent("next")
    assert terminal.view.screen == "fill_form"
    assert terminal.view.message == "form.has_errors"
    errors = {f["id"]: f["error"] for f in terminal.view.data["fields"]}
    assert errors[phone.id] == "invalid.phone"
    assert "12345" in str(terminal.view.data)  # what the citizen typed is kept
    terminal.intent("input", {"field": phone.id, "value": "13912345678"})
    terminal.intent("next")
    assert terminal.view.screen == "review"


def test_review_masks_personal_values(terminal: Terminal, config: KioskConfig) -> None:
    reach(terminal, config, "review")
    shown = str(terminal.view.data)
    assert SIM_ID not in shown and SIM_NAME not in shown
    assert "110105********002X" in shown


def test_storage_full_is_told_and_nothing_is_lost(
    terminal: Terminal, config: KioskConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from offline_cache import StorageFull

    reach(terminal, config, "review")

    def full(*args, **kwargs):
        raise StorageFull("disk full")

    monkeypatch.setattr(terminal.outbox, "enqueue", full)
    terminal.intent("submit")
    view = terminal.run_until(lambda v: v.message == "submit.storage_full")
    assert view.screen == "review"
    assert view.data["fields"]  # the citizen's form is still there
    monkeypatch.undo()
    terminal.intent("submit")
    terminal.run_until(on("rating"))


def test_cancel_is_ignored_while_storing(terminal: Terminal, config: KioskConfig) -> None:
    reach(terminal, config, "review")
    terminal.intent("submit")
    assert terminal.view.screen == "submitting"
    terminal.intent("cancel")
    assert terminal.view.screen in ("submitting", "printing", "rating")
    terminal.run_until(on("rating"))


def test_language_switch_and_reset(terminal: Terminal, config: KioskConfig) -> None:
    terminal.intent("start")
    terminal.intent("language", {"lang": "en"})
    titles = {s["title"] for s in terminal.view.data["services"]}
    assert titles == {s.title.en for s in config.services.values()}
    terminal.intent("cancel")
    assert terminal.view.language == config.ui.language


def test_no_personal_data_in_logs(
    terminal: Terminal, config: KioskConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reach(terminal, config, "done")
    logged = caplog.text
    assert SIM_NAME not in logged and SIM_ID not in logged
    assert "11010519491231" not in logged


def test_reader_dying_during_identify_is_told(terminal: Terminal, config: KioskConfig) -> None:
    reach(terminal, config, "identify")
    terminal.inject("idcard", "unplug")
    terminal.run_until(lambda v: v.message == "idcard.unavailable")
    terminal.inject("idcard", "replug")
    view = terminal.run_until(lambda v: v.message == "idcard.insert")
    assert view.screen == "identify"
    terminal.inject("idcard", "card_insert", "resident")
    terminal.run_until(on("verify_face"))


def test_camera_dying_during_verify_face_is_told(terminal: Terminal, config: KioskConfig) -> None:
    reach(terminal, config, "verify_face")
    terminal.inject("camera", "unplug")
    view = terminal.run_until(lambda v: v.message == "unavailable.camera")
    assert view.screen == "verify_face"
    terminal.intent("cancel")
    assert terminal.view.screen == "attract"


def test_unusable_document_photo_goes_straight_to_a_window(
    terminal: Terminal, config: KioskConfig
) -> None:
    reach(terminal, config, "identify")
    terminal.inject("idcard", "card_insert", "resident")
    terminal.run_until(on("verify_face"))
    terminal.flow.on_event("camera", "face_result", {"match": False, "reason": "bad_reference"})
    assert terminal.view.message == "face.failed"
    assert terminal.view.data["attempts_left"] == 0


def test_card_without_a_decoded_photo_cannot_pass_the_face_check(
    terminal: Terminal, config: KioskConfig
) -> None:
    """A resident card read without the vendor's WLT decoder has no usable reference photo."""
    reach(terminal, config, "identify")
    terminal.inject("idcard", "card_insert", "resident_wlt")
    view = terminal.run_until(lambda v: v.message == "face.failed")
    assert view.screen == "verify_face" and view.data["attempts_left"] == 0


# -- opening hours pass while nobody touches the screen ------------------------------------------
@pytest.fixture
def open_7_to_22(overlay_dir, clock, tmp_path) -> Iterator[tuple[Terminal, list[datetime]]]:
    """A terminal open 07:00-22:00 whose wall clock the test sets."""
    write_overlay(overlay_dir, '[terminal]\nhours = "07:00-22:00"\n', name="60-hours.toml")
    now = [datetime(2026, 11, 25, 6, 59, 30)]  # a Wednesday
    term = build_terminal(
        load_config([overlay_dir]), sim=True, state_dir=tmp_path / "state", clock=clock
    )
    term.flow._wall = lambda: now[0]
    term.start()
    try:
        yield term, now
    finally:
        term.stop()


def test_attract_becomes_available_when_the_terminal_opens(
    open_7_to_22: tuple[Terminal, list[datetime]],
) -> None:
    terminal, now = open_7_to_22
    terminal.tick()
    assert terminal.view.screen == "attract"
    assert terminal.view.data["available"] is False
    now[0] = datetime(2026, 11, 25, 7, 0, 5)  # opening time passes; no event, no touch
    terminal.tick()
    assert terminal.view.data["available"] is True
    now[0] = datetime(2026, 11, 25, 22, 0, 1)
    terminal.tick()
    assert terminal.view.data["available"] is False


def test_service_list_greys_out_when_the_terminal_closes(
    open_7_to_22: tuple[Terminal, list[datetime]],
) -> None:
    terminal, now = open_7_to_22
    now[0] = datetime(2026, 11, 25, 21, 59, 0)
    terminal.tick()
    terminal.intent("start")
    assert terminal.view.screen == "choose_service"
    listed = terminal.view.data["services"]
    assert listed and any(s["available"] for s in listed)
    now[0] = datetime(2026, 11, 25, 22, 0, 0)
    terminal.tick()
    assert terminal.view.screen == "choose_service"
    assert not any(s["available"] for s in terminal.view.data["services"])


def test_tick_does_not_rebuild_the_view_within_a_minute(
    open_7_to_22: tuple[Terminal, list[datetime]], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal, now = open_7_to_22
    now[0] = datetime(2026, 11, 25, 8, 0, 0)
    terminal.tick()
    builds: list[str] = []
    real = terminal.flow._build_view
    monkeypatch.setattr(terminal.flow, "_build_view", lambda c: builds.append("x") or real(c))
    for second in range(1, 60):
        now[0] = datetime(2026, 11, 25, 8, 0, second)
        terminal.tick()
    assert builds == []
    now[0] = datetime(2026, 11, 25, 8, 1, 0)
    terminal.tick()
    assert builds == ["x"]


# -- online lookups that never answer or outlive the session ------------------------------------
def to_lookup_form(terminal: Terminal) -> None:
    terminal.set_connectivity("online")
    terminal.intent("start")
    terminal.intent("choose_service", {"service_id": "licence_selfprint"})
    assert terminal.view.screen == "identify"
    terminal.inject("idcard", "card_insert", "resident")
    terminal.run_until(on("fill_form"))


def test_lookup_without_an_answer_fails_at_its_deadline(
    terminal: Terminal, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    monkeypatch.setattr(terminal, "lookup", lambda kind, holder, request: asked.append(request))
    to_lookup_form(terminal)
    assert asked and lookup_state(terminal) == "loading"
    deadline = terminal.flow.lookup_deadline_s()
    intake = terminal.config.intake
    assert deadline == intake.connect_timeout_s + min(intake.read_timeout_s, 8) + 2
    clock.advance(deadline - 0.5)
    terminal.tick()
    assert lookup_state(terminal) == "loading"
    clock.advance(1)
    terminal.tick()
    assert lookup_state(terminal) == "failed"
    assert terminal.view.message == "lookup.failed"
    field = next(f for f in terminal.view.data["fields"] if f["type"] == "lookup")
    assert field["lookup_reason"] == "timeout"
    # The answer that finally arrives is stale: it changes nothing.
    terminal.flow.on_event(
        "intake", "lookup_result", {"request": asked[-1], "ok": True, "items": []}
    )
    assert lookup_state(terminal) == "failed"


def test_lookup_that_raises_is_told_not_left_loading(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> dict:
        raise OSError("Could not find a suitable TLS CA certificate bundle")

    monkeypatch.setattr("kiosk.lookup.fetch", broken)
    to_lookup_form(terminal)
    terminal.run_until(lambda v: lookup_state(terminal) == "failed")
    field = next(f for f in terminal.view.data["fields"] if f["type"] == "lookup")
    assert field["lookup_reason"] == "error"
    assert terminal.view.message == "lookup.failed"


def drain_lookups(terminal: Terminal) -> None:
    terminal._lookups.submit(lambda: None).result(timeout=5)  # one worker: runs after the rest


def test_queued_lookup_is_dropped_when_the_session_ends(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    holders: list[str] = []
    monkeypatch.setattr(
        "kiosk.lookup.fetch",
        lambda url, kind, holder, **kw: holders.append(holder) or {"ok": True, "items": []},
    )
    gate = threading.Event()
    terminal._lookups.submit(gate.wait, 5)  # the lookup thread is busy
    to_lookup_form(terminal)
    assert lookup_state(terminal) == "loading"
    terminal.intent("cancel")  # the citizen walks away before the lookup ran
    assert terminal.view.screen == "attract"
    gate.set()
    drain_lookups(terminal)
    assert holders == []  # the ID number was never sent


def test_running_lookup_is_not_answered_after_the_session_ends(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, gate = threading.Event(), threading.Event()

    def slow(*args: object, **kwargs: object) -> dict:
        started.set()
        gate.wait(5)
        return {"ok": True, "items": []}

    monkeypatch.setattr("kiosk.lookup.fetch", slow)
    answers: list[object] = []
    monkeypatch.setattr(terminal.flow, "_on_intake_lookup_result", answers.append)
    to_lookup_form(terminal)
    assert started.wait(5)
    terminal.intent("cancel")
    gate.set()
    drain_lookups(terminal)
    terminal.process_events()
    assert answers == []
