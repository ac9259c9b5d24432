"""`kiosk devices test-print receipt|licence [--sim] [--preview out.png]`: a test page.

Prints a test receipt or a test A4 document (a sample business licence copy) on the configured
printer, or on the simulator with `--sim`, waits for the printer's answer, and writes a PNG
preview of what was printed. Only sample data is printed: no personal data.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk import documents
from kiosk.commands.devices import subcommands

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2

SAMPLE_LICENCE_FIELDS = {
    "统一社会信用代码": "91310000MA1TEST00X",
    "名称": "样本科技有限公司（测试页）",
    "类型": "有限责任公司（自然人投资或控股）",
    "法定代表人": "测试",
    "注册资本": "人民币壹佰万元整",
    "成立日期": "2020年01月01日",
    "营业期限": "2020年01月01日至长期",
    "住所": "某某市某某区某某路1号（测试地址）",
    "经营范围": "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
    "软件开发；信息系统集成服务。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
    "登记机关": "某某区市场监督管理局",
    "登记日期": "2026年01月01日",
}


def sample_receipt(config: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """The blocks of the test receipt (sample data only)."""
    now = now or datetime.now()
    content = documents.ReceiptContent(
        centre_name=config.terminal.centre_name.zh,
        terminal_id=config.terminal.id,
        service_title="打印机测试页（长事项名称用于检查自动换行是否正确显示）",
        service_title_en="Printer test page",
        receipt_number=f"TEST-{now:%Y%m%d}-0000",
        transaction_id="00000000-0000-7000-8000-000000000000",
        issued_at=now,
        deadline=date(now.year, now.month, now.day),
        delivery="pickup",
        applicant="测**",
    )
    return documents.receipt_blocks(content)


def sample_licence() -> dict[str, Any]:
    """The test A4 document: a sample business licence copy."""
    document = documents.licence_document(
        "business_licence_copy",
        title="营业执照（副本）测试页",
        fields=SAMPLE_LICENCE_FIELDS,
        transaction_id="00000000-0000-7000-8000-000000000000",
    )
    document["printed_at"] = datetime.now().strftime("%Y-%m-%d %H:%M")
    return document


def _load(args: argparse.Namespace) -> Any:
    from kiosk.config import ConfigError, load_config

    try:
        return load_config([Path(d) for d in args.config_dir] if args.config_dir else None)
    except ConfigError as exc:
        print("Configuration refused:", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return None


def _print_and_wait(
    device_class: str,
    backend: str,
    options: dict[str, Any],
    document: Any,
    timeout: float,
    *,
    render: bool = False,
) -> tuple[Any, dict[str, Any] | None]:
    """Start the device, print one job, wait for printed/print_failed; (device, event).

    `render`: the licence printer makes the Qt application object its rendering needs, here on
    the main thread (the device loads Qt, through the registry; the core stays Qt-free).
    """
    from drivers.registry import create_device

    done = threading.Event()
    result: dict[str, Any] = {}

    def on_event(event: Any) -> None:
        if event.kind in ("printed", "print_failed") and not done.is_set():
            result.update(kind=event.kind, **dict(event.payload))
            done.set()

    device = create_device(device_class, backend, on_event, **options)
    if render:
        device.prepare_rendering()  # type: ignore[attr-defined]
    device.start()
    try:
        device.print_document(f"test-{int(time.time())}", document)  # type: ignore[attr-defined]
        if not done.wait(timeout):
            return device, None
        return device, result
    finally:
        device.stop()


def _receipt_preview(device: Any, blocks: list[dict[str, Any]], options: dict[str, Any]) -> bytes:
    from drivers.receipt.escpos import preview_bytes
    from drivers.receipt.sink import decode, render_png

    paper_mm = int(options.get("paper_mm", 80))
    printed = getattr(device, "printed", None)
    sink = getattr(device, "sink", None)
    if sink is not None and printed:
        return render_png(printed[-1], None, paper_mm)  # what went over the wire
    return render_png(decode(preview_bytes(blocks, options))[0], None, paper_mm)


def cmd_test_print(args: argparse.Namespace) -> int:
    """Print a test page on the configured printer (or the simulator) and write its preview."""
    config = _load(args)
    if config is None:
        return EXIT_CONFIG
    settings = getattr(config.devices, args.what)
    options = dict(settings.options)
    if args.what == "receipt":
        document: Any = sample_receipt(config)
        backend = "escpos_sim" if args.sim else settings.backend
        if args.sim:
            options.pop("url", None)
    else:
        document = sample_licence()
        backend = "sim" if args.sim else settings.backend
    render = args.what == "licence" and (backend != "sim" or bool(args.preview))
    try:
        device, outcome = _print_and_wait(
            args.what, backend, options, document, args.timeout, render=render
        )
    except Exception as exc:  # a printer that cannot even be set up: say why, no trace
        print(f"{args.what}: cannot use backend {backend!r}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.preview:
        if args.what == "receipt":
            Path(args.preview).write_bytes(_receipt_preview(device, document, options))
        else:
            # The printer's own preview (drivers/licence); the receipt's preview chain is about
            # to become drivers/receipt/preview.py::preview_png (the drivers work).
            Path(args.preview).write_bytes(device.preview_png(document, dpi=int(args.dpi)))
        print(f"preview written to {args.preview}")
    if outcome is None:
        print(f"{args.what}: no answer from the printer within {args.timeout:.0f} s")
        return EXIT_FAILED
    if outcome["kind"] != "printed":
        print(f"{args.what}: test page failed: {outcome.get('reason', 'unknown')}")
        return EXIT_FAILED
    print(f"{args.what}: test page printed ({backend})")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk devices test-print`."""
    parser = subcommands(sub).add_parser(
        "test-print",
        help="print a test receipt or A4 page and write its preview",
        description=cmd_test_print.__doc__,
    )
    parser.add_argument("what", choices=("receipt", "licence"), help="which printer")
    parser.add_argument(
        "--sim",
        action="store_true",
        help="use the simulator (receipt: the ESC/POS sink; licence: render only)",
    )
    parser.add_argument("--preview", metavar="PNG", help="write a PNG preview of the page")
    parser.add_argument(
        "--dpi", type=int, default=100, help="resolution of the licence preview (default 100)"
    )
    parser.add_argument(
        "--config-dir", action="append", metavar="DIR", help="config overlay(s) to load"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for the printer (default 60)"
    )
    parser.set_defaults(func=cmd_test_print)
