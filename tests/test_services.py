"""Issue 9 services, headless: 好差评 rating, free courier both ways, 12345 work orders, working-day
deadlines across holidays and make-up days, the region table, and the reference intake server's
ratings and four-way enterprise split (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools import intake_server
from devtools.intake_server import IntakeServer
from kiosk import lookup
from kiosk.compose import build_terminal
from kiosk.config import KioskConfig, load_config
from kiosk.regions import default_regions
from kiosk.session import RATING_SERVICE_ID
from kiosk.terminal import Terminal

from .conftest import write_overlay
from .test_flow import SIM_ID, SIM_NAME, fill_courier, fill_form, go_to_form, on

# A Wednesday before the National Day week: 10-01..10-07 off, Saturday 10-10 worked.
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 15, 0)


def at(terminal: Terminal, when: datetime) -> None:
    """Fix the flow's wall clock (deadlines are computed from it)."""
    terminal.flow._wall = lambda: when


def receipt_text(terminal: Terminal) -> str:
    printed = terminal.devices["receipt"].printed  # type: ignore[attr-defined]
    return "\n".join(b.get("text", "") for b in printed[-1][1])


def receipt_qr(terminal: Terminal) -> str:
    printed = terminal.devices["receipt"].printed  # type: ignore[attr-defined]
    return next(b["data"] for b in printed[-1][1] if b["kind"] == "qr")


def to_rating(terminal: Terminal, config: KioskConfig, service_id: str = "hotline_consult") -> str:
    """Submit a service and stop at the rating screen; returns the transaction id."""
    service = config.services[service_id]
    go_to_form(terminal, service)
    fill_form(terminal)
    terminal.intent("next")
    terminal.intent("submit")
    terminal.run_until(on("rating"))
    items = [i for i in terminal.outbox.items() if i.service_id == service_id]
    assert len(items) == 1
    return items[0].transaction_id


def drain_storage(terminal: Terminal) -> None:
    """Wait until every job queued on the storage thread so far has run (it runs them in order)
    and their events are applied."""
    done: list[bool] = []
    terminal.run_storage(lambda: None, lambda result, error: done.append(True))
    terminal.run_until(lambda v: bool(done))


def ratings(terminal: Terminal) -> list[Any]:
    """Every rating row in the outbox once storage is idle (a duplicate shows as two rows)."""
    drain_storage(terminal)
    return [i for i in terminal.outbox.items() if i.service_id == RATING_SERVICE_ID]


# -- 好差评 ------------------------------------------------------------------------------------
def test_ratings_helper_sees_every_row(terminal: Terminal) -> None:
    # The helper must wait for storage and return all rows, or a duplicate would pass unseen.
    assert ratings(terminal) == []
    payload = {"transaction_id": "T-1", "service_id": "hotline_consult", "score": 5}
    terminal.record_rating(dict(payload), {})
    terminal.run_storage(lambda: time.sleep(0.3), lambda result, error: None)  # a slow write
    terminal.record_rating(dict(payload), {})
    assert len(ratings(terminal)) == 2  # not just the first row to appear


def test_good_rating_is_queued_as_its_own_transaction(
    terminal: Terminal, config: KioskConfig
) -> None:
    tid = to_rating(terminal, config)
    assert terminal.view.data["stage"] == "score"
    terminal.intent("rate", {"score": 5})
    assert terminal.view.screen == "done"
    [rating] = ratings(terminal)
    assert rating.payload["kind"] == "rating"
    assert rating.payload["rates_transaction_id"] == tid
    assert rating.payload["score"] == 5 and rating.payload["level"] == "very_satisfied"
    assert rating.payload["follow_up"] is False and rating.payload["follow_up_due"] is None
    assert rating.payload["reasons"] == []
    assert terminal.outbox.personal(rating.transaction_id) == {}


def test_bad_rating_asks_reasons_and_is_flagged_within_15_working_days(
    terminal: Terminal, config: KioskConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    at(terminal, BEFORE_NATIONAL_DAY)
    tid = to_rating(terminal, config)
    terminal.intent("rate", {"score": 1})
    view = terminal.view
    assert view.screen == "rating" and view.data["stage"] == "reasons"
    assert [r["value"] for r in view.data["reasons"]] == [r.value for r in config.rating.reasons]
    # Neither a reason nor a comment: asked again, nothing stored.
    terminal.intent("rate", {"score": 1, "confirm": True})
    assert terminal.view.screen == "rating"
    assert terminal.view.data["error"] == "rating.reason_needed"
    terminal.intent("rating_reason", {"value": "not_a_reason"})  # ignored
    terminal.intent("rating_reason", {"value": "slow"})
    terminal.intent("rating_reason", {"value": "unclear"})
    terminal.intent("rating_reason", {"value": "unclear"})  # toggled off again
    assert [r["value"] for r in terminal.view.data["reasons"] if r["selected"]] == ["slow"]
    terminal.intent("rating_comment", {"text": "等了很久，电话13912345678" + "长" * 500})
    assert len(terminal.view.data["comment"]) == config.rating.comment_max_length
    terminal.intent("rate", {"score": 1, "confirm": True})
    assert terminal.view.screen == "done"
    [rating] = ratings(terminal)
    assert rating.payload["rates_transaction_id"] == tid
    assert rating.payload["score"] == 1 and rating.payload["reasons"] == ["slow"]
    assert rating.payload["follow_up"] is True
    # 15 working days after Wed 30 Sep 2026: the National Day week is skipped and the make-up
    # Saturday 10 Oct counts -> Tue 27 Oct (weekends only would give 21 Oct).
    assert rating.payload["follow_up_due"] == "2026-10-27"
    # The comment is free text: personal, encrypted at rest, never in the payload or a log.
    assert "13912345678" not in str(rating.payload)
    assert terminal.outbox.personal(rating.transaction_id)["comment"].startswith("等了很久")
    assert "13912345678" not in caplog.text and "等了很久" not in caplog.text


def test_rating_can_be_changed_before_it_is_sent(terminal: Terminal, config: KioskConfig) -> None:
    to_rating(terminal, config)
    terminal.intent("rate", {"score": 2})
    terminal.intent("rating_reason", {"value": "slow"})
    terminal.intent("rate", {"score": 1})  # another bad level: still asking why
    assert terminal.view.data["stage"] == "reasons" and terminal.view.data["score"] == 1
    terminal.intent("rate", {"score": 2, "confirm": True})  # not the shown level: ignored
    assert terminal.view.screen == "rating"
    terminal.intent("rate", {"score": 4})  # changed their mind: a good rating goes at once
    assert terminal.view.screen == "done"
    [rating] = ratings(terminal)
    assert rating.payload["score"] == 4 and rating.payload["reasons"] == []
    assert rating.payload["follow_up"] is False


def test_skipping_the_rating_stores_none(terminal: Terminal, config: KioskConfig) -> None:
    to_rating(terminal, config)
    terminal.intent("rate", {"score": 9})  # out of range: ignored
    terminal.intent("finish")
    assert terminal.view.screen == "attract"
    assert not [i for i in terminal.outbox.items() if i.service_id == RATING_SERVICE_ID]


# -- free courier both ways ---------------------------------------------------------------------
def field_ids(terminal: Terminal) -> list[str]:
    return [f["id"] for f in terminal.view.data["fields"]]


def test_courier_asks_recipient_and_address_and_validates(
    terminal: Terminal, config: KioskConfig
) -> None:
    service = config.services["no_criminal_record"]
    assert "courier" in service.delivery
    go_to_form(terminal, service)
    ids = field_ids(terminal)
    assert "delivery" in ids and "courier_region" not in ids  # pickup by default
    fill_form(terminal)
    terminal.intent("input", {"field": "delivery", "value": "courier"})
    ids = field_ids(terminal)
    assert ids[-4:] == ["courier_recipient", "courier_phone", "courier_region", "courier_detail"]
    fields = {f["id"]: f for f in terminal.view.data["fields"]}
    # The card holder and the form's phone are suggested; both stay editable.
    assert fields["courier_recipient"]["value"] == SIM_NAME
    assert not fields["courier_recipient"]["readonly"]
    assert fields["courier_phone"]["value"] == "13800138000"
    assert len(fields["courier_region"]["options"]["province"]) == 31
    terminal.intent("input", {"field": "courier_phone", "value": "123"})
    terminal.intent("next")
    assert terminal.view.screen == "fill_form"
    errors = {f["id"]: f["error"] for f in terminal.view.data["fields"] if f["error"]}
    assert errors == {
        "courier_phone": "invalid.phone",
        "courier_region": "required",
        "courier_detail": "required",
    }
    # Cascading pickers: a new province clears the city and district chosen under the old one.
    terminal.intent("region", {"level": "province", "code": "440000"})
    terminal.intent("region", {"level": "city", "code": "440100"})
    terminal.intent("region", {"level": "district", "code": "440106"})
    region = next(f for f in terminal.view.data["fields"] if f["id"] == "courier_region")
    assert region["value"] == "广东省广州市天河区"
    terminal.intent("region", {"level": "province", "code": "110000"})
    region = next(f for f in terminal.view.data["fields"] if f["id"] == "courier_region")
    assert region["region"]["city"] == "" and region["region"]["district"] == ""
    assert [c["name"] for c in region["options"]["city"]] == ["北京市"]
    terminal.intent("region", {"level": "city", "code": "440100"})  # not a city of Beijing
    assert terminal.flow._session.courier["city"] == ""  # type: ignore[union-attr]
    fill_courier(terminal)
    terminal.intent("next")
    view = terminal.view
    assert view.screen == "review", view.data
    assert view.data["delivery"] == "courier"
    courier = view.data["courier"]
    assert courier["recipient"] == "王**" and courier["phone"] == "138****8000"
    assert courier["address"].startswith("广东省广州市天河区")
    assert "天河路" not in courier["address"]


def test_courier_reaches_the_transaction_and_prints_masked(
    terminal: Terminal, config: KioskConfig
) -> None:
    service = config.services["no_criminal_record"]
    go_to_form(terminal, service)
    fill_form(terminal)
    fill_courier(terminal)
    terminal.intent("next")
    terminal.intent("submit")
    terminal.run_until(on("rating"))
    [item] = [i for i in terminal.outbox.items() if i.service_id == service.id]
    assert item.payload["delivery"] == "courier"
    assert "courier" not in item.payload and "王小明" not in str(item.payload)
    courier = terminal.outbox.personal(item.transaction_id)["courier"]
    assert courier == {
        "recipient": "王小明",
        "phone": "13800138000",
        "province_code": "440000",
        "city_code": "440100",
        "district_code": "440106",
        "region": "广东省广州市天河区",
        "detail": "天河路1号示例大厦101室",
    }
    text = receipt_text(terminal)
    assert "免费快递送达" in text
    assert "收件人：王** 138****8000" in text
    assert "寄送至：广东省广州市天河区****" in text
    for secret in ("王小明", "13800138000", "天河路", SIM_NAME, SIM_ID):
        assert secret not in text


def test_courier_chosen_on_review_goes_back_for_the_address(
    terminal: Terminal, config: KioskConfig
) -> None:
    service = config.services["no_criminal_record"]
    go_to_form(terminal, service)
    fill_form(terminal)
    terminal.intent("next")
    assert terminal.view.screen == "review" and terminal.view.data["courier"] is None
    terminal.intent("delivery", {"option": "courier"})
    view = terminal.view
    assert view.screen == "fill_form" and view.message == "courier.details_needed"
    errors = {f["id"] for f in view.data["fields"] if f["error"]}
    assert errors == {"courier_region", "courier_detail"}  # name and phone were suggested


def test_a_city_without_districts_needs_none(terminal: Terminal, config: KioskConfig) -> None:
    service = config.services["no_criminal_record"]
    go_to_form(terminal, service)
    fill_form(terminal)
    fill_courier(terminal)
    terminal.intent("region", {"level": "province", "code": "440000"})
    terminal.intent("region", {"level": "city", "code": "441900"})  # 东莞市: towns, no districts
    region = next(f for f in terminal.view.data["fields"] if f["id"] == "courier_region")
    assert region["region"]["needs_district"] is False and region["options"]["district"] == []
    terminal.intent("next")
    assert terminal.view.screen == "review"
    assert terminal.view.data["courier"]["address"].startswith("广东省东莞市")


def test_region_table_covers_31_provinces() -> None:
    table = default_regions()
    assert len(table.provinces) == 31
    names = {p.name for p in table.provinces}
    assert {"北京市", "广东省", "新疆维吾尔自治区", "西藏自治区", "海南省"} <= names
    assert not names & {"台湾省", "香港特别行政区", "澳门特别行政区"}
    codes: list[str] = []
    for p in table.provinces:
        assert p.children, p.name
        for c in p.children:
            codes.append(c.code)
            codes.extend(d.code for d in c.children)
            assert all(d.code[:2] == p.code[:2] for d in c.children)
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) == len(set(codes)) > 3000
    guangdong = table.province("440000")
    assert guangdong is not None and len(guangdong.children) == 21
    assert table.check("440000", "440100", "440106") is None
    assert table.check("440000", "440100", "") == "required"
    assert table.check("440000", "440100", "110101") == "invalid.region"
    assert table.address("110000", "110000", "110105") == "北京市朝阳区"


# -- 12345 work orders -------------------------------------------------------------------------
HOTLINE = ["hotline_consult", "hotline_complaint", "hotline_suggestion", "hotline_help"]


@pytest.mark.parametrize("service_id", HOTLINE)
def test_work_order_receipt_has_number_deadline_and_tracking_qr(
    terminal: Terminal, config: KioskConfig, service_id: str
) -> None:
    service = config.services[service_id]
    assert service.work_order and service.department == "hotline_12345"
    at(terminal, BEFORE_NATIONAL_DAY)
    go_to_form(terminal, service)
    fill_form(terminal)
    terminal.intent("next")
    terminal.intent("submit")
    terminal.run_until(on("rating"))
    terminal.intent("rate", {"score": 5})
    done = terminal.view
    number = done.data["receipt_number"]
    # Consultation: 1 working day -> Thu 8 Oct; others: 10 -> Tue 20 Oct (10 Oct is worked).
    expected = "2026-10-08" if service_id == "hotline_consult" else "2026-10-20"
    assert done.data["deadline"] == expected
    assert done.data["work_order"] is True
    url = config.hotline.track_url + number
    assert done.data["track_url"] == url
    rows = done.data["track_qr"]
    assert len(rows) >= 25 and all(len(r) == len(rows) for r in rows)
    text = receipt_text(terminal)
    assert "12345热线工单回执" in text and f"工单编号：{number}" in text
    days = service.deadline_working_days
    assert f"办理时限：{expected} 前（{days}个工作日）" in text
    assert receipt_qr(terminal) == url
    assert "领取方式" not in text  # nothing to collect for a work order


def test_consultation_deadline_lands_on_a_make_up_sunday(
    terminal: Terminal, config: KioskConfig
) -> None:
    # Friday 18 Sep 2026: the next working day is the make-up Sunday 20 Sep (调休).
    at(terminal, datetime(2026, 9, 18, 21, 30))
    service = config.services["hotline_consult"]
    go_to_form(terminal, service)
    fill_form(terminal)
    terminal.intent("next")
    terminal.intent("submit")
    view = terminal.run_until(on("rating"))
    terminal.intent("rate", {"score": 3})
    assert terminal.view.data["deadline"] == "2026-09-20"
    assert view.data["receipt_number"]
    assert date(2026, 9, 20).weekday() == 6


def test_request_for_help_has_optional_location(config: KioskConfig) -> None:
    service = config.services["hotline_help"]
    fields = {f.id: f for f in service.fields}
    assert fields["location"].required is False and fields["location"].personal
    assert fields["contact_phone"].type == "phone" and fields["content"].type == "textarea"
    assert service.deadline_working_days == 10


# -- the reference intake server: ratings and the enterprise split --------------------------------
TOKEN = "services-token"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IntakeServer]:
    srv = IntakeServer(
        tmp_path / "intake.sqlite3",
        tokens=[TOKEN],
        known_services=["hotline_consult", "enterprise_opening"],
    )
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def post(server: IntakeServer, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = requests.post(
        server.url + "/v1/transactions",
        json={"terminal_id": "KIOSK-1", "transactions": items},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 200
    return list(response.json()["results"])


def tx(n: int, service_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "transaction_id": str(uuid.uuid4()),
        "receipt_number": f"KIOSK1-20261127-{n:04d}",
        "service_id": service_id,
        "created_at": 1.0,
        "payload": payload,
        "personal": {},
    }


def rating_payload(rated: str, score: int, **over: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "kind": "rating",
        "rates_transaction_id": rated,
        "score": score,
        "reasons": ["slow"] if score <= 2 else [],
        "follow_up": score <= 2,
        "follow_up_due": "2026-10-27" if score <= 2 else None,
    }
    value.update(over)
    return value


def test_server_stores_ratings_once_and_refuses_bad_ones(server: IntakeServer) -> None:
    assert intake_server.RATING_SERVICE_ID == RATING_SERVICE_ID
    rated = tx(1, "hotline_consult", {})
    good = tx(2, RATING_SERVICE_ID, rating_payload(rated["transaction_id"], 2))
    bad_flag = tx(3, RATING_SERVICE_ID, rating_payload(rated["transaction_id"], 5, follow_up=True))
    bad_score = tx(4, RATING_SERVICE_ID, rating_payload(rated["transaction_id"], 6))
    bad_ref = tx(5, RATING_SERVICE_ID, rating_payload("not-a-uuid", 4))
    results = post(server, [rated, good, bad_flag, bad_score, bad_ref])
    assert [r["status"] for r in results] == [
        "accepted",
        "accepted",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert {r.get("reason") for r in results[2:]} == {"invalid_rating"}
    assert post(server, [good])[0]["status"] == "duplicate"
    [stored] = server.store.ratings()
    assert stored["rates_transaction_id"] == rated["transaction_id"]
    assert stored["score"] == 2 and stored["follow_up"] is True
    assert stored["follow_up_due"] == "2026-10-27" and stored["reasons"] == ["slow"]


def test_server_splits_enterprise_opening_into_four_applications(server: IntakeServer) -> None:
    first = tx(1, "enterprise_opening", {"fields": {"enterprise_name": "示例科技有限公司"}})
    second = tx(2, "enterprise_opening", {"fields": {"enterprise_name": "样例贸易有限公司"}})
    [a, b] = post(server, [first, second])
    assert a["status"] == b["status"] == "accepted"
    kinds = [x["kind"] for x in a["applications"]]
    assert kinds == ["business_licence", "seal", "bank_account", "tax_registration"]
    numbers = [x["application_number"] for x in a["applications"]]
    assert len(set(numbers)) == 4
    assert numbers[0].startswith("YYZZ") and numbers[3].startswith("SWDJ")
    assert {x["application_number"] for x in b["applications"]}.isdisjoint(numbers)
    again = post(server, [first])[0]
    assert again["status"] == "duplicate" and again["applications"] == a["applications"]
    assert server.store.applications(first["transaction_id"]) == a["applications"]
    assert server.store.count() == 2


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def online(overlay_dir: Path, tmp_path: Path) -> Iterator[tuple[Terminal, IntakeServer]]:
    """A terminal whose intake is a real reference server (short lookup timeout)."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "intake.token").write_text(TOKEN + "\n")
    server = IntakeServer(tmp_path / "central.sqlite3", tokens=[TOKEN]).start()
    write_overlay(
        overlay_dir,
        f'[intake]\nurl = "{server.url}"\ntoken_file = "intake.token"\nread_timeout_s = 1\n',
        name="60-intake.toml",
    )
    terminal = build_terminal(load_config([overlay_dir]), sim=True, state_dir=state)
    try:
        terminal.start()
        wait_for(lambda: terminal.connectivity() == "online")
        yield terminal, server
    finally:
        terminal.stop()
        server.stop()


def test_rating_travels_from_the_kiosk_to_the_intake(online: tuple[Terminal, IntakeServer]) -> None:
    terminal, server = online
    config = terminal.config
    tid = to_rating(terminal, config)
    terminal.intent("rate", {"score": 2})
    terminal.intent("rating_reason", {"value": "hard_to_use"})
    terminal.intent("rate", {"score": 2, "confirm": True})
    assert terminal.view.screen == "done"
    wait_for(lambda: len(server.store.ratings()) == 1 and server.store.count() == 2)
    [stored] = server.store.ratings()
    assert stored["rates_transaction_id"] == tid
    assert stored["follow_up"] is True and stored["reasons"] == ["hard_to_use"]
    wait_for(lambda: terminal.outbox.depth() == 0)


# -- 企业开办一件事 ------------------------------------------------------------------------------
def fields_by_id(terminal: Terminal) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in terminal.view.data["fields"]}


def test_enterprise_form_new_field_types(terminal: Terminal, config: KioskConfig) -> None:
    service = config.services["enterprise_opening"]
    go_to_form(terminal, service)
    fields = fields_by_id(terminal)
    assert fields["legal_rep_name"]["readonly"] and fields["legal_rep_id_number"]["readonly"]
    assert fields["enterprise_name"]["section"]  # the licence part starts here
    assert {f["section"] for f in fields.values() if f["section"]} >= {
        "一、营业执照",
        "二、公章刻制",
        "三、银行开户",
        "四、税务登记",
    }
    # Multi-choice: toggles, unknown values ignored, at most 8.
    scope = [c["value"] for c in fields["business_scope"]["choices"]]
    for value in scope[:9]:
        terminal.intent("input", {"field": "business_scope", "value": value})
    f = fields_by_id(terminal)["business_scope"]
    assert f["value"] == scope[:8] and f["error"] == "invalid.too_many"
    terminal.intent("input", {"field": "business_scope", "value": scope[0]})
    terminal.intent("input", {"field": "business_scope", "value": "gambling"})
    assert fields_by_id(terminal)["business_scope"]["value"] == scope[1:8]
    # Rows: add, type, remove; at most max_rows.
    for _ in range(12):
        terminal.intent("row_add", {"field": "shareholders"})
    assert len(fields_by_id(terminal)["shareholders"]["value"]) == 10
    for _ in range(8):
        terminal.intent("row_remove", {"field": "shareholders", "row": 0})
    terminal.intent("row_remove", {"field": "shareholders", "row": 5})  # no such row
    rows = [("王小明", SIM_ID, "60"), ("李华", "110105198001010016", "30")]
    for i, (name, number, money) in enumerate(rows):
        for column, value in (("name", name), ("id_number", number), ("contribution", money)):
            args = {"field": "shareholders", "row": i, "column": column, "value": value}
            terminal.intent("row_input", args)
    terminal.intent("row_input", {"field": "shareholders", "row": 0, "column": "x", "value": "1"})
    assert fields_by_id(terminal)["shareholders"]["value"][1] == {
        "name": "李华",
        "id_number": "110105198001010016",
        "contribution": "30",
    }
    fill_form(terminal)  # fills the rest (and row 0 again with valid samples)
    terminal.intent("row_remove", {"field": "shareholders", "row": 2})  # the row it added
    terminal.intent("input", {"field": "registered_capital", "value": "abc"})
    terminal.intent("row_input", {"field": "shareholders", "row": 1, "column": "id_number",
                                  "value": "110105198001010017"})  # fmt: skip
    terminal.intent("next")
    f = fields_by_id(terminal)
    assert terminal.view.screen == "fill_form"
    assert f["registered_capital"]["error"] == "invalid.money"
    assert f["shareholders"]["error"] == "invalid.rows"
    assert f["shareholders"]["cell_errors"] == {"1.id_number": "invalid.id_number.check"}
    terminal.intent("row_input", {"field": "shareholders", "row": 1, "column": "id_number",
                                  "value": "110105198001010016"})  # fmt: skip
    terminal.intent("input", {"field": "registered_capital", "value": "150"})
    terminal.intent("next")  # 100 (sample) + 30 is not 150
    assert fields_by_id(terminal)["shareholders"]["error"] == "invalid.capital_sum"
    terminal.intent("input", {"field": "registered_capital", "value": "130"})
    terminal.intent("next")
    assert terminal.view.screen == "review"
    shown = {f["label"]: f["value"] for f in terminal.view.data["fields"]}
    assert shown["股东（出资人）"] == "王** 110105********002X 100\n李* 110105********0016 30"
    assert SIM_ID not in str(terminal.view.data)


def test_enterprise_opening_is_one_transaction_with_the_2_hour_promise(
    terminal: Terminal, config: KioskConfig
) -> None:
    service = config.services["enterprise_opening"]
    go_to_form(terminal, service)
    fill_form(terminal)
    terminal.intent("next")
    terminal.intent("submit")
    terminal.run_until(on("rating"))
    [tx] = [i for i in terminal.outbox.items() if i.service_id == "enterprise_opening"]
    public = tx.payload["fields"]
    assert public["business_scope"] == [service.fields[7].choices[0].value]
    assert public["seals"] and public["bank"] and public["taxpayer_kind"]
    assert "shareholders" not in public and SIM_ID not in str(tx.payload)
    personal = terminal.outbox.personal(tx.transaction_id)["fields"]
    assert personal["shareholders"] == [
        {"name": "王小明", "id_number": SIM_ID, "contribution": "100"}
    ]
    text = receipt_text(terminal)
    assert "服务承诺：0材料、0费用，工作时间内2小时办结" in text
    assert "同步办理：营业执照、公章刻制、银行开户、税务登记" in text
    assert SIM_ID not in text and "王小明" not in text
    terminal.intent("rate", {"score": 5})
    assert terminal.view.data["promise"] and len(terminal.view.data["parts"]) == 4


def test_enterprise_opening_reaches_the_intake_as_four_applications(
    online: tuple[Terminal, IntakeServer],
) -> None:
    terminal, server = online
    config = terminal.config
    tid = to_rating(terminal, config, "enterprise_opening")
    terminal.intent("rate", {"score": 5})
    wait_for(lambda: len(server.store.applications(tid)) == 4)
    kinds = [a["kind"] for a in server.store.applications(tid)]
    assert kinds == ["business_licence", "seal", "bank_account", "tax_registration"]
    wait_for(lambda: terminal.outbox.depth() == 0)


def lookup_field(terminal: Terminal) -> dict[str, Any]:
    return next(f for f in terminal.view.data["fields"] if f["type"] == "lookup")


def identify_for(terminal: Terminal, service_id: str) -> None:
    terminal.intent("start")
    terminal.intent("choose_service", {"service_id": service_id})
    assert terminal.view.screen == "identify", terminal.view.message
    terminal.inject("idcard", "card_insert", "resident")
    terminal.run_until(on("fill_form"))


def test_licence_self_print_lists_the_enterprises_and_prints_the_copy(
    online: tuple[Terminal, IntakeServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    terminal, server = online
    server.store.add_enterprise(
        SIM_ID,
        "91350100M000100Y43",
        name="示例科技有限公司",
        type="有限责任公司",
        legal_representative=SIM_NAME,
        registered_capital="壹佰万元整",
        established_on="2020年07月01日",
        term="长期",
        address="示例市示例路1号",
        scope="技术服务",
    )
    server.store.add_enterprise("110105198001010016", "91110000000000000X", name="别人的公司")
    identify_for(terminal, "licence_selfprint")
    terminal.run_until(lambda v: lookup_field(terminal)["lookup_state"] == "ready")
    assert terminal.view.message is None
    field = lookup_field(terminal)
    assert [c["value"] for c in field["choices"]] == ["91350100M000100Y43"]
    assert field["choices"][0]["label"].startswith("示例科技有限公司")
    terminal.intent("input", {"field": "credit_code", "value": "91110000000000000X"})
    terminal.intent("next")  # not one of theirs
    assert lookup_field(terminal)["error"] == "invalid.choice"
    terminal.intent("input", {"field": "credit_code", "value": "91350100M000100Y43"})
    terminal.intent("next")
    assert terminal.view.screen == "review"
    terminal.intent("submit")
    terminal.run_until(on("rating"), timeout=15)
    printed = terminal.devices["licence"].printed  # type: ignore[attr-defined]
    document = printed[-1][1]
    assert document["template"] == "licence_selfprint"
    assert document["fields"]["统一社会信用代码"] == "91350100M000100Y43"
    assert document["fields"]["名称"] == "示例科技有限公司"
    assert document["fields"]["法定代表人"] == SIM_NAME
    assert SIM_ID not in caplog.text  # the holder's ID number only travels in a header


def test_lookup_timeout_is_told_and_never_blocks(online: tuple[Terminal, IntakeServer]) -> None:
    terminal, server = online
    server.chaos = intake_server.Chaos(("timeout",), hang_s=3.0)
    identify_for(terminal, "licence_selfprint")
    # The GUI thread is free while the intake hangs: intents are answered at once.
    started = time.monotonic()
    terminal.intent("activity")
    assert lookup_field(terminal)["lookup_state"] == "loading"
    assert terminal.view.message == "lookup.loading"
    assert time.monotonic() - started < 0.2
    terminal.run_until(lambda v: lookup_field(terminal)["lookup_state"] == "failed", timeout=10)
    assert terminal.view.message == "lookup.failed"
    assert lookup_field(terminal)["lookup_reason"] == "timeout"
    elapsed = time.monotonic() - started
    assert elapsed < 4, elapsed  # the 1 s read timeout, not the server's 3 s hang
    server.chaos = intake_server.Chaos()
    terminal.intent("lookup_retry")
    terminal.run_until(lambda v: lookup_field(terminal)["lookup_state"] == "ready", timeout=10)
    assert terminal.view.message == "lookup.none_enterprises"  # nobody's representative


def test_e_certificates_listed_and_printed(online: tuple[Terminal, IntakeServer]) -> None:
    terminal, server = online
    server.store.add_certificate(SIM_ID, "C-2", "marriage", "结婚证", "2021-05-20")
    server.store.add_certificate(SIM_ID, "C-1", "degree", "学士学位证书", "2015-07-01")
    identify_for(terminal, "e_licence_print")
    terminal.run_until(lambda v: lookup_field(terminal)["lookup_state"] == "ready")
    choices = lookup_field(terminal)["choices"]
    assert [c["value"] for c in choices] == ["C-1", "C-2"]
    terminal.intent("input", {"field": "certificate_id", "value": "C-2"})
    terminal.intent("next")
    terminal.intent("submit")
    terminal.run_until(on("rating"), timeout=15)
    document = terminal.devices["licence"].printed[-1][1]  # type: ignore[attr-defined]
    assert document["template"] == "e_licence_print"
    assert document["fields"]["证照名称"] == "结婚证"
    assert document["fields"]["证照编号"] == "C-2"


def test_lookup_services_unavailable_offline(terminal: Terminal, config: KioskConfig) -> None:
    # No intake at all: the terminal is offline and says why on the service list.
    terminal.intent("start")
    for service_id in ("licence_selfprint", "e_licence_print"):
        reason = terminal.flow.service_unavailable_reason(config.services[service_id])
        assert reason == "unavailable.offline"
        terminal.intent("choose_service", {"service_id": service_id})
        assert terminal.view.screen == "choose_service"
        assert terminal.view.message == "unavailable.offline"


def test_server_lists_enterprises_by_representative(server: IntakeServer) -> None:
    server.store.add_enterprise(SIM_ID, "91350100m000100y43", name="示例科技有限公司")
    url = server.url + "/v1/enterprises"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    found = requests.get(url, headers={**auth, "X-Holder-Id": SIM_ID}, timeout=5).json()
    assert found == {
        "enterprises": [{"credit_code": "91350100M000100Y43", "name": "示例科技有限公司"}]
    }
    other = requests.get(url, headers={**auth, "X-Holder-Id": "110105198001010016"}, timeout=5)
    assert other.json() == {"enterprises": []}
    assert requests.get(url, headers=auth, timeout=5).status_code == 400
    assert requests.get(url, headers={"X-Holder-Id": SIM_ID}, timeout=5).status_code == 401


def test_new_personal_values_are_never_spoken(terminal: Terminal, config: KioskConfig) -> None:
    """Voice guidance skips personal values: courier details and shareholder rows count."""
    go_to_form(terminal, config.services["no_criminal_record"])
    fill_form(terminal)
    fill_courier(terminal)
    secrets = terminal.flow.personal_strings()
    assert {"王小明", "13800138000", "天河路1号示例大厦101室"} <= secrets
    terminal.intent("cancel")
    go_to_form(terminal, config.services["enterprise_opening"])
    fill_form(terminal)
    assert SIM_ID in terminal.flow.personal_strings()


def test_a_duplicate_work_order_receipt_keeps_number_and_qr(
    terminal: Terminal, config: KioskConfig
) -> None:
    at(terminal, BEFORE_NATIONAL_DAY)
    tid = to_rating(terminal, config, "hotline_complaint")
    original = receipt_text(terminal)
    terminal.intent("rate", {"score": 5})
    count = len(terminal.devices["receipt"].printed)  # type: ignore[attr-defined]
    terminal.reprint_receipt(tid)
    terminal.run_until(
        lambda v: len(terminal.devices["receipt"].printed) > count  # type: ignore[attr-defined]
    )
    text = receipt_text(terminal)
    number = terminal.outbox.get(tid).receipt_number
    assert "补打" in text and f"工单编号：{number}" in text and "12345热线工单回执" in text
    assert receipt_qr(terminal) == config.hotline.track_url + number
    assert "办理时限" in original


def test_contract_names_ratings_enterprises_and_the_split() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "intake-api.yaml").read_text("utf-8")
    for word in (
        "/v1/enterprises:",
        "kiosk.rating",
        "invalid_rating",
        "Rating:",
        "Enterprise:",
        "Application:",
        "applications:",
        "business_licence, seal, bank_account, tax_registration",
    ):
        assert word in text, word


def test_fetch_with_a_missing_ca_bundle_is_a_reason_not_an_exception(tmp_path: Path) -> None:
    # requests raises a plain OSError (not a RequestException) for an unusable CA bundle path.
    result = lookup.fetch(
        "https://127.0.0.1:9",
        "enterprises",
        SIM_ID,
        ca_bundle=tmp_path / "missing-ca.pem",
        connect_timeout_s=1,
        read_timeout_s=1,
    )
    assert result == {"ok": False, "reason": "credentials"}
