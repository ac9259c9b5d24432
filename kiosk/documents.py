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
    courier: tuple[str, ...] = ()  # masked recipient lines when sent by courier
    work_order: bool = False  # a 12345 work order: numbered and tracked by URL
    track_url: str | None = None  # the work order's tracking URL (its QR code)
    deadline_working_days: int | None = None
    promise: str | None = None  # a service promise, e.g. 企业开办's "2小时内办结"
    parts: tuple[str, ...] = ()  # what the one application covers (企业开办: four parts)


def _text(text: str, *, align: str = "left", bold: bool = False, scale: int = 1) -> Block:
    return {"kind": "text", "text": text, "align": align, "bold": bold, "scale": scale}


def receipt_blocks(content: ReceiptContent) -> list[Block]:
    """The receipt as blocks for a receipt printer."""
    heading = (
        ("12345热线工单回执", "12345 hotline work order")
        if content.work_order
        else (
            "自助服务受理回执",
            "Self-service acknowledgement",
        )
    )
    number_label = "工单编号" if content.work_order else "受理编号"
    blocks: list[Block] = [
        _text(content.centre_name, align="center", bold=True, scale=2),
        _text(heading[0], align="center", bold=True),
        _text(heading[1], align="center"),
    ]
    if content.duplicate:
        blocks.append(_text("【补打 DUPLICATE】", align="center", bold=True))
    blocks += [
        {"kind": "rule"},
        _text(f"事项：{content.service_title}"),
        _text(f"Service: {content.service_title_en}"),
        _text(f"{number_label}：{content.receipt_number}", bold=True),
        _text(f"时间：{content.issued_at:%Y-%m-%d %H:%M}"),
    ]
    if content.applicant:
        blocks.append(_text(f"申请人：{content.applicant}"))
    if content.parts:
        blocks.append(_text(f"同步办理：{'、'.join(content.parts)}"))
    if content.promise:
        blocks.append(_text(f"服务承诺：{content.promise}", bold=True))
    if not content.work_order:
        delivery = DELIVERY_TEXT.get(content.delivery, DELIVERY_TEXT["pickup"])
        blocks.append(_text(f"领取方式：{delivery['zh']}"))
        blocks += [_text(line) for line in content.courier]
    if content.deadline is not None:
        days = (
            f"（{content.deadline_working_days}个工作日）" if content.deadline_working_days else ""
        )
        label = "办理时限" if content.work_order else "承诺办结"
        blocks.append(_text(f"{label}：{content.deadline:%Y-%m-%d} 前{days}"))
    qr = content.track_url if content.work_order and content.track_url else None
    blocks += [
        {"kind": "rule"},
        {"kind": "qr", "data": qr or f"KIOSK-TX:{content.transaction_id}"},
        _text("扫码查询工单办理进度" if qr else "扫码查询办理进度", align="center"),
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
