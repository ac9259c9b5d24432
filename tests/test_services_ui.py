"""Issue 9 services through the Qt Quick UI (offscreen, pytest-qt): a courier delivery with the
region pickers, a bad rating with reasons, and a 12345 work order with its tracking QR code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QImage

from devtools.qtdriver import find_item, wait_until
from kiosk.session import RATING_SERVICE_ID
from ui.app import KioskUi

from .qt_support import QT_MARKS, item, shown_ui, tap, wait_screen

pytestmark = QT_MARKS


@pytest.fixture
def ui(qapp: Any, terminal: Any) -> Iterator[KioskUi]:
    yield from shown_ui(qapp, terminal)


def field(ui: KioskUi, field_id: str) -> dict[str, Any]:
    return next(f for f in ui.bridge.data["fields"] if f["id"] == field_id)


def type_into(ui: KioskUi, name: str, text: str) -> None:
    editor = item(ui, name)
    editor.setProperty("text", text)
    wait_until(lambda: True, "typed")


def fill_plain_fields(ui: KioskUi) -> None:
    for f in list(ui.bridge.data["fields"]):
        if f["readonly"] or f["id"] == "delivery" or f["id"].startswith("courier_"):
            continue
        if f["type"] == "choice":
            tap(ui, f"field_{f['id']}_{f['choices'][0]['value']}")
        elif f["type"] == "phone":
            type_into(ui, f"field_{f['id']}", "13800138000")
        else:
            type_into(ui, f"field_{f['id']}", "因工作需要")


def start(ui: KioskUi, terminal: Any, service_id: str) -> None:
    tap(ui, "startButton")
    wait_screen(ui, "choose_service")
    tap(ui, f"service_{service_id}")
    if terminal.config.services[service_id].identity != "none":
        wait_screen(ui, "identify")
        terminal.inject("idcard", "card_insert", "resident")
    wait_screen(ui, "fill_form")


def test_courier_journey_with_region_pickers(ui: KioskUi, terminal: Any) -> None:
    start(ui, terminal, "no_criminal_record")
    fill_plain_fields(ui)
    assert find_item(ui.window, "field_courier_region_province") is None  # pickup by default
    tap(ui, "field_delivery_courier")
    wait_until(lambda: ui.bridge.data["fields"][-1]["id"] == "courier_detail", "courier fields")
    type_into(ui, "field_courier_recipient", "王小明")
    type_into(ui, "field_courier_phone", "13800138000")
    # The city and district pickers open only once the level above is chosen.
    assert not item(ui, "field_courier_region_city").isEnabled()
    tap(ui, "field_courier_region_province")
    tap(ui, "region_440000")  # 广东省: the picker moves on to its cities
    tap(ui, "region_440100")  # 广州市
    tap(ui, "region_440106")  # 天河区: the picker closes
    wait_until(lambda: find_item(ui.window, "region_440106") is None, "the picker to close")
    region = field(ui, "courier_region")
    assert region["value"] == "广东省广州市天河区"
    assert item(ui, "field_courier_region_district").property("text") == "天河区"
    tap(ui, "nextButton")
    wait_until(lambda: field(ui, "courier_detail")["error"] == "required", "detail required")
    assert item(ui, "error_courier_detail").property("text")
    type_into(ui, "field_courier_detail", "天河路1号示例大厦101室")
    tap(ui, "nextButton")
    wait_screen(ui, "review")
    address = item(ui, "courierAddress").property("text")
    assert address.startswith("广东省广州市天河区") and "天河路" not in address
    assert item(ui, "courierRecipient").property("text") == "王**  138****8000"
    tap(ui, "submitButton")
    wait_screen(ui, "rating")
    tap(ui, "rate_5")
    wait_screen(ui, "done")
    [tx] = [i for i in terminal.outbox.items() if i.service_id == "no_criminal_record"]
    assert terminal.outbox.personal(tx.transaction_id)["courier"]["district_code"] == "440106"


def test_bad_rating_with_reasons(ui: KioskUi, terminal: Any) -> None:
    start(ui, terminal, "hotline_consult")
    fill_plain_fields(ui)
    tap(ui, "nextButton")
    wait_screen(ui, "review")
    tap(ui, "submitButton")
    wait_screen(ui, "rating")
    tap(ui, "rate_1")
    wait_until(lambda: ui.bridge.data.get("stage") == "reasons", "the reasons")
    tap(ui, "ratingSubmit")  # no reason yet: asked for one
    wait_until(lambda: ui.bridge.data.get("error") == "rating.reason_needed", "reason needed")
    assert item(ui, "ratingMessage").property("text")
    tap(ui, "reason_hard_to_use")
    wait_until(lambda: any(r["selected"] for r in ui.bridge.data["reasons"]), "reason chosen")
    type_into(ui, "ratingComment", "按钮太多")
    wait_until(lambda: ui.bridge.data.get("comment") == "按钮太多", "comment")
    tap(ui, "ratingSubmit")
    wait_screen(ui, "done")
    wait_until(
        lambda: (
            (terminal.process_events() or True)
            and any(i.service_id == RATING_SERVICE_ID for i in terminal.outbox.items())
        ),
        "the rating to be stored",
    )
    [rating] = [i for i in terminal.outbox.items() if i.service_id == RATING_SERVICE_ID]
    assert rating.payload["score"] == 1 and rating.payload["reasons"] == ["hard_to_use"]
    assert rating.payload["follow_up"] is True and rating.payload["follow_up_due"]


def test_12345_work_order_shows_number_deadline_and_qr(ui: KioskUi, terminal: Any) -> None:
    start(ui, terminal, "hotline_help")
    fill_plain_fields(ui)
    tap(ui, "nextButton")
    wait_screen(ui, "review")
    tap(ui, "submitButton")
    wait_screen(ui, "rating")
    tap(ui, "rate_4")
    wait_screen(ui, "done")
    data = ui.bridge.data
    assert data["work_order"] is True and data["deadline"]
    number = item(ui, "receiptNumber").property("text")
    assert number == data["receipt_number"] and data["track_url"].endswith(number)
    qr = item(ui, "trackQr")
    assert qr.width() >= 100 and qr.width() == qr.height()
    # The QR code is drawn: its area holds both dark and light pixels.
    wait_until(lambda: True, "paint")
    image: QImage = ui.window.grabWindow()
    corner = qr.mapToScene(qr.boundingRect().topLeft()).toPoint()
    colours = {
        image.pixelColor(corner.x() + dx, corner.y() + dy).lightness()
        for dx in range(0, int(qr.width()), 4)
        for dy in range(0, int(qr.height()), 4)
    }
    assert min(colours) < 50 and max(colours) > 200
    # No ID card was used: no reminder to take one.
    assert find_item(ui.window, "finishButton") is not None


def test_enterprise_opening_form_with_scope_shareholders_and_money(
    ui: KioskUi, terminal: Any
) -> None:
    start(ui, terminal, "enterprise_opening")
    assert field(ui, "legal_rep_name")["readonly"]  # the representative is the card holder
    tap(ui, "field_shareholders_add")
    wait_until(lambda: len(field(ui, "shareholders")["value"]) == 1, "a shareholder row")
    type_into(ui, "field_shareholders_0_name", "王小明")
    type_into(ui, "field_shareholders_0_id_number", "11010519491231002X")
    type_into(ui, "field_shareholders_0_contribution", "60")
    tap(ui, "field_shareholders_add")
    type_into(ui, "field_shareholders_1_name", "李华")
    type_into(ui, "field_shareholders_1_id_number", "110105198001010016")
    type_into(ui, "field_shareholders_1_contribution", "30")
    type_into(ui, "field_contact_phone", "13800138000")
    type_into(ui, "field_enterprise_name", "示例科技有限公司")
    tap(ui, "field_enterprise_type_llc")
    type_into(ui, "field_registered_capital", "100")
    type_into(ui, "field_business_address", "示例区示例路1号")
    tap(ui, "field_business_scope_software")
    tap(ui, "field_business_scope_consulting")
    tap(ui, "field_seals_official")
    tap(ui, "field_bank_icbc")
    tap(ui, "field_taxpayer_kind_small_scale")
    tap(ui, "nextButton")
    # 60 + 30 is not the registered capital of 100: the shareholders' field says so.
    wait_until(lambda: field(ui, "shareholders")["error"] == "invalid.capital_sum", "sum error")
    assert item(ui, "error_shareholders").property("text")
    type_into(ui, "field_shareholders_1_contribution", "40")
    tap(ui, "nextButton")
    wait_screen(ui, "review")
    values = [f["value"] for f in ui.bridge.data["fields"]]
    assert "软件开发、企业管理咨询" in values
    assert "王** 110105********002X 60\n李* 110105********0016 40" in values
    tap(ui, "submitButton")
    wait_screen(ui, "rating")
    tap(ui, "rate_5")
    wait_screen(ui, "done")
    assert "2" in ui.bridge.data["promise"] and len(ui.bridge.data["parts"]) == 4
    assert item(ui, "donePromise").property("text")
    [tx] = [i for i in terminal.outbox.items() if i.service_id == "enterprise_opening"]
    assert tx.payload["fields"]["business_scope"] == ["software", "consulting"]
    assert tx.payload["fields"]["registered_capital"] == "100"
    shareholders = terminal.outbox.personal(tx.transaction_id)["fields"]["shareholders"]
    assert [s["contribution"] for s in shareholders] == ["60", "40"]


def test_licence_self_print_when_the_intake_is_down(ui: KioskUi, terminal: Any) -> None:
    """Online (as the sync saw it a moment ago) but the lookup fails: told, retry offered."""
    terminal.set_connectivity("online")
    start(ui, terminal, "licence_selfprint")
    # This terminal has no intake URL: the lookup fails at once, off the GUI thread.
    wait_until(
        lambda: (terminal.process_events() or True) and ui.bridge.message == "lookup.failed",
        "the lookup to fail",
    )
    assert item(ui, "formMessage").property("text")
    tap(ui, "lookupRetry")
    wait_until(
        lambda: (terminal.process_events() or True) and ui.bridge.message == "lookup.failed",
        "the retry to fail too",
    )
