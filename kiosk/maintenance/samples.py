"""What the device tests show and print: a masked card read, fictional test documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk import privacy

__all__ = ["masked_identity", "sample_licence_document", "sample_receipt_blocks"]


def masked_identity(record: Any) -> dict[str, Any]:
    """What the card test shows: the card type, the name and number masked, photo yes/no."""
    name = str(getattr(record, "name", "") or "")
    number = str(getattr(record, "id_number", "") or "")
    return {
        "card_type": str(getattr(record, "card_type", "")),
        "name": privacy.mask_name(name) if name else "",
        "id_number": privacy.mask_id_number(number) if number else "",
        "photo": getattr(record, "photo", None) is not None,
    }


def sample_receipt_blocks(terminal_id: str, now: float) -> list[dict[str, Any]]:
    """A fictional test receipt (no citizen), clearly marked as a test."""
    stamp = datetime.fromtimestamp(now).strftime("%Y-%m-%d %H:%M:%S")
    return [
        {"kind": "text", "text": "打印测试 Printer test", "align": "center", "bold": True},
        {"kind": "rule"},
        {"kind": "text", "text": f"终端 Terminal: {terminal_id}"},
        {"kind": "text", "text": f"时间 Time: {stamp}"},
        {"kind": "text", "text": "中文字符测试：办事指南 营业执照"},
        {"kind": "text", "text": "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"},
        {"kind": "qr", "data": f"TEST-{terminal_id}"},
        {"kind": "text", "text": "本凭条仅供测试，无效", "align": "center"},
        {"kind": "feed", "lines": 2},
        {"kind": "cut"},
    ]


def sample_licence_document(terminal_id: str, now: float) -> dict[str, Any]:
    """A fictional A4 test page (the statement layout), clearly marked as a test."""
    stamp = datetime.fromtimestamp(now).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "template": "statement",
        "title": "打印测试页 Printer test page",
        "fields": {
            "终端 Terminal": terminal_id,
            "时间 Time": stamp,
            "中文": "办事指南 营业执照 公积金缴存明细",
            "说明 Note": "本页仅供测试，无效 / Test page, not valid",
        },
        "transaction_id": f"TEST-{terminal_id}",
    }
