"""What a receipt or a printed document says, as driver-neutral blocks.

The drivers render blocks (text, rule, QR, barcode, feed, cut) to their own protocol; this module
decides the content and never talks to a device. Personal data is masked on the receipt: it lies
in the tray of a public hall if the citizen forgets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

Block = dict[str, Any]

DELIVERY_TEXT = {
    "pickup": {"zh": "窗口领取", "en": "Pick up at a service window"},
    "courier": {"zh": "免费快递送达", "en": "Free courier delivery"},
}


@dataclass(frozen=True)
class ReceiptContent:
    """Everything a receipt shows; no unmasked personal data."""

    centre_name: str
    terminal_id: str
    service_title: str
    service_title_en: str
    receipt_number: str
    transaction_id: str
    issued_at: datetime
    deadline: date | None
    delivery: str
    applicant: str | None = None  # masked name
    duplicate: bool = False


def _text(text: str, *, align: str = "left", bold: bool = False, scale: int = 1) -> Block:
    return {"kind": "text", "text": text, "align": align, "bold": bold, "scale": scale}


def receipt_blocks(content: ReceiptContent) -> list[Block]:
    """The receipt as blocks for a receipt printer."""
    blocks: list[Block] = [
        _text(content.centre_name, align="center", bold=True, scale=2),
        _text("自助服务受理回执", align="center", bold=True),
        _text("Self-service acknowledgement", align="center"),
    ]
    if content.duplicate:
        blocks.append(_text("【补打 DUPLICATE】", align="center", bold=True))
    blocks += [
        {"kind": "rule"},
        _text(f"事项：{content.service_title}"),
        _text(f"Service: {content.service_title_en}"),
        _text(f"受理编号：{content.receipt_number}", bold=True),
        _text(f"时间：{content.issued_at:%Y-%m-%d %H:%M}"),
    ]
    if content.applicant:
        blocks.append(_text(f"申请人：{content.applicant}"))
    delivery = DELIVERY_TEXT.get(content.delivery, DELIVERY_TEXT["pickup"])
    blocks.append(_text(f"领取方式：{delivery['zh']}"))
    if content.deadline is not None:
        blocks.append(_text(f"承诺办结：{content.deadline:%Y-%m-%d} 前"))
    blocks += [
        {"kind": "rule"},
        {"kind": "qr", "data": f"KIOSK-TX:{content.transaction_id}"},
        _text("扫码查询办理进度", align="center"),
        {"kind": "barcode", "data": content.receipt_number},
        _text(f"终端 {content.terminal_id}", align="center"),
        _text("请妥善保管本回执，凭受理编号查询或领取结果。", align="left"),
        {"kind": "feed", "lines": 3},
        {"kind": "cut"},
    ]
    return blocks


def licence_document(
    template: str, *, title: str, fields: Mapping[str, str], transaction_id: str
) -> dict[str, Any]:
    """An A4 document request: a template id plus its field values (rendered by the driver)."""
    return {
        "template": template,
        "title": title,
        "fields": dict(fields),
        "transaction_id": transaction_id,
    }
