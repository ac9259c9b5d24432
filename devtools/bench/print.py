"""Bench rows for printing (issue 4): receipt bytes and licence PDF, medians on this machine."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

RECEIPT_TARGET_MS = 20.0
LICENCE_TARGET_MS = 300.0


def _median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(first call, median of the following `runs`) in milliseconds."""
    begun = time.perf_counter()
    fn()
    first = (time.perf_counter() - begun) * 1000
    times = []
    for _ in range(runs):
        begun = time.perf_counter()
        fn()
        times.append((time.perf_counter() - begun) * 1000)
    return first, statistics.median(times)


def _receipt_blocks() -> list[dict[str, Any]]:
    from kiosk.documents import ReceiptContent, receipt_blocks

    return receipt_blocks(
        ReceiptContent(
            centre_name="上海市某某区行政服务中心",
            terminal_id="KIOSK-01",
            service_title="营业执照变更登记（名称、住所、经营范围变更）",
            service_title_en="Business licence change",
            receipt_number="KIOSK01-20261127-0001",
            transaction_id="01933b7e-1f2a-7c3d-8e4f-0123456789ab",
            issued_at=datetime(2026, 11, 27, 9, 30),
            deadline=date(2026, 12, 4),
            delivery="courier",
            applicant="张*明",
        )
    )


def rows() -> list[tuple[str, str, str, bool | None]]:
    """(name, measured, target, passed) rows for ./run bench."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from drivers.receipt.escpos import EscposEncoder, EscposProfile

    blocks = _receipt_blocks()
    out: list[tuple[str, str, str, bool | None]] = []
    native = EscposEncoder(EscposProfile(paper_mm=80))
    _, median = _median_ms(lambda: native.encode(blocks), 200)
    out.append(
        (
            "receipt bytes, Chinese + QR (GB18030 mode, native QR, 80 mm)",
            f"{median:.2f} ms",
            f"<= {RECEIPT_TARGET_MS:.0f} ms",
            median <= RECEIPT_TARGET_MS,
        )
    )
    raster = EscposEncoder(EscposProfile(paper_mm=58, chinese="raster", qr="raster"))
    first, median = _median_ms(lambda: raster.encode(blocks), 30)
    out.append(
        (
            "receipt bytes, Chinese + QR as raster images (58 mm)",
            f"{median:.1f} ms (first {first:.0f} ms)",
            f"<= {RECEIPT_TARGET_MS:.0f} ms",
            median <= RECEIPT_TARGET_MS,
        )
    )
    from drivers.licence.render import ensure_qt, render_pdf

    ensure_qt()
    document = {
        "template": "licence_selfprint",
        "title": "营业执照",
        "transaction_id": "01933b7e-1f2a-7c3d-8e4f-0123456789ab",
        "printed_at": "2026-11-27 09:30",
        "fields": {
            "统一社会信用代码": "91310000MA1K35XXXX",
            "名称": "上海某某信息科技有限公司",
            "类型": "有限责任公司（自然人投资或控股）",
            "法定代表人": "张*明",
            "注册资本": "人民币100.0000万元整",
            "成立日期": "2019年03月15日",
            "营业期限": "2019年03月15日至不约定期限",
            "住所": "上海市浦东新区某某路1234号5幢6层",
            "经营范围": "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
            "软件开发；信息系统集成服务；计算机系统服务；数据处理服务。" * 2,
            "登记机关": "上海市浦东新区市场监督管理局",
            "登记日期": "2024年05月20日",
        },
    }
    first, median = _median_ms(lambda: render_pdf(document), 15)
    out.append(
        (
            "licence PDF (营业执照副本, A4, fonts embedded)",
            f"{median:.0f} ms (first {first:.0f} ms)",
            f"<= {LICENCE_TARGET_MS:.0f} ms",
            median <= LICENCE_TARGET_MS,
        )
    )
    return out


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(str(c) for c in row))
