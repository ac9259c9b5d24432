"""ESC/POS: encoder, status mapping, and the real driver against the sink (TCP and pty)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from drivers.receipt.escpos import (
    CHINESE_ON,
    EscposEncoder,
    EscposProfile,
    EscposReceiptPrinter,
    display_width,
    status_from_answers,
    wrap,
)
from drivers.receipt.sink import EscposSink, SinkReceiptPrinter, decode, render_png
from drivers.registry import create_device
from drivers.status import Availability, Severity, Status
from kiosk.documents import ReceiptContent, receipt_blocks

from .print_support import Events

TX = "01933b7e-1f2a-7c3d-8e4f-0123456789ab"


def content(**overrides: Any) -> ReceiptContent:
    values: dict[str, Any] = {
        "centre_name": "上海市某某区行政服务中心",
        "terminal_id": "KIOSK-01",
        "service_title": "营业执照变更登记",
        "service_title_en": "Business licence change",
        "receipt_number": "KIOSK01-20261127-0001",
        "transaction_id": TX,
        "issued_at": datetime(2026, 11, 27, 9, 30),
        "deadline": date(2026, 12, 4),
        "delivery": "courier",
        "applicant": "张*明",
    }
    values.update(overrides)
    return ReceiptContent(**values)


def decode_qr(png: bytes) -> str:
    image = np.array(Image.open(io.BytesIO(png)).convert("L"))
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return str(text)


# -- encoder -----------------------------------------------------------------------------------
def test_wrap_by_display_width_breaks_latin_at_spaces_and_keeps_punctuation() -> None:
    lines = wrap("Service: Business licence change of registered address", 32)
    assert lines == ["Service: Business licence change", "of registered address"]
    assert all(display_width(line) <= 32 for line in wrap("事项：" + "很长的事项名称" * 10, 32))
    # A closing full-width punctuation mark never starts a line.
    lines = wrap("一二三四五六七八九十一二三四五六，后面", 32)
    assert not lines[1].startswith("，")
    many = wrap("长" * 400, 32)
    assert len(many) == 8 and many[-1].endswith("…")


def test_gb18030_mode_encodes_chinese_and_lone_fullwidth_punctuation() -> None:
    # python-escpos 3.1 would print a line of only full-width punctuation as "?".
    blocks = [{"kind": "text", "text": "【】：（）"}, {"kind": "text", "text": "受理编号"}]
    encoded = EscposEncoder(EscposProfile()).encode(blocks)
    assert CHINESE_ON in encoded.data
    assert "【】：（）".encode("gbk") in encoded.data
    assert "受理编号".encode("gbk") in encoded.data
    assert encoded.replaced == 0
    assert decode(encoded.data)[0].lines() == ["【】：（）", "受理编号"]


def test_unprintable_characters_are_replaced_and_counted() -> None:
    blocks = [{"kind": "text", "text": "申请人：王𠀀明 😀\x07"}]
    encoded = EscposEncoder(EscposProfile()).encode(blocks)
    assert encoded.replaced == 3  # a 4-byte GB18030 ideograph, an emoji, a control character
    assert decode(encoded.data)[0].lines() == ["申请人：王?明 ??"]


@pytest.mark.parametrize(
    ("profile", "columns"),
    [
        (EscposProfile(paper_mm=80), 48),
        (EscposProfile(paper_mm=58), 32),
        (EscposProfile(paper_mm=58, chinese="raster", qr="raster"), 32),
    ],
)
def test_receipt_round_trips_through_the_decoder(profile: EscposProfile, columns: int) -> None:
    encoded = EscposEncoder(profile).encode(receipt_blocks(content(duplicate=True)))
    docs = decode(encoded.data)
    assert len(docs) == 1 and docs[0].cut
    doc = docs[0]
    barcode = doc.of_kind("barcode")[0]
    assert barcode["data"] == "KIOSK01-20261127-0001"
    assert barcode["width"] * (len(barcode["data"]) * 11 + 35) <= profile.dots
    if profile.chinese == "gb18030":
        lines = doc.lines()
        assert "".join(lines[:2]).startswith("上海市某某区行政服务中心")  # scale 2 may wrap
        assert "【补打 DUPLICATE】" in lines
        assert "受理编号：KIOSK01-20261127-0001" in lines
        assert all(display_width(line) <= columns for line in lines)
        assert doc.of_kind("qr")[0]["data"] == f"KIOSK-TX:{TX}"
    else:
        assert doc.of_kind("image")  # Chinese lines and the QR code went as raster images
    png = render_png(doc, None, profile.paper_mm)
    assert decode_qr(png) == f"KIOSK-TX:{TX}"  # scannable, whichever way it was printed


def test_status_answers_map_to_devices_md() -> None:
    ok = {"printer": 0x12, "offline": 0x12, "error": 0x12, "paper": 0x12, "sensor": 0x00}

    def status(**changes: int) -> Any:
        return status_from_answers({**ok, **changes})

    assert status().status is Status.OK
    low = status(paper=0x12 | 0x0C)
    assert low.status is Status.MEDIA_LOW and low.availability is Availability.READY
    assert low.severity is Severity.WARNING
    assert status(paper=0x12 | 0x60).status is Status.MEDIA_EMPTY
    assert status(sensor=0x0C).status is Status.MEDIA_EMPTY
    assert status(offline=0x12 | 0x04, printer=0x1A).status is Status.COVER_OPEN
    assert status(error=0x12 | 0x04).status is Status.HARDWARE_ERROR
    assert status(error=0x12 | 0x40).status is Status.MEDIA_JAMMED
    assert status(sensor=0x20).status is Status.MEDIA_PRESENT
    assert status(printer=0xFF).status is Status.NOT_RESPONDING  # garbage is not success


# -- the driver against the sink -----------------------------------------------------------------
@pytest.fixture(params=["tcp", "pty"])
def sink(request: pytest.FixtureRequest) -> Iterator[EscposSink]:
    with EscposSink(pty=request.param == "pty", slow_answer_s=0.2) as s:
        yield s


@pytest.fixture
def printer_for(sink: EscposSink) -> Iterator[Callable[..., tuple[EscposReceiptPrinter, Events]]]:
    made: list[EscposReceiptPrinter] = []

    def make(**options: Any) -> tuple[EscposReceiptPrinter, Events]:
        events = Events()
        settings = {"url": sink.url, "poll_interval_s": 0, "status_timeout_s": 0.3, **options}
        printer = EscposReceiptPrinter(events, **settings)
        printer.start()
        made.append(printer)
        return printer, events

    yield make
    for printer in made:
        printer.stop()


@pytest.mark.parametrize("ack", ["status", "process_id"])
def test_prints_a_receipt_and_the_sink_decodes_it(
    sink: EscposSink, printer_for: Callable[..., Any], ack: str
) -> None:
    printer, events = printer_for(job_ack=ack)
    assert printer.status.status is Status.OK
    printer.print_document("job-1", receipt_blocks(content()))
    event = events.job()
    assert event.kind == "printed" and event.payload["job_id"] == "job-1"
    doc = sink.wait_documents(1)[0]
    assert doc.lines()[0] == "上海市某某区行政服务中心"
    assert decode_qr(sink.preview()) == f"KIOSK-TX:{TX}"


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("paper_empty", Status.MEDIA_EMPTY),
        ("cover_open", Status.COVER_OPEN),
        ("paper_jam", Status.MEDIA_JAMMED),
        ("cutter_jam", Status.HARDWARE_ERROR),
        ("power_off", Status.NOT_RESPONDING),
        ("garbage", Status.NOT_RESPONDING),
    ],
)
def test_a_fault_before_the_job_fails_it_and_nothing_prints_later(
    sink: EscposSink, printer_for: Callable[..., Any], word: str, status: Status
) -> None:
    printer, events = printer_for(job_ack="process_id")
    sink.inject(word)
    printer.print_document("job-1", receipt_blocks(content()))
    event = events.job()
    assert event.kind == "print_failed" and event.payload["reason"] == status
    assert not printer.status.usable
    sink.inject("power_on")
    sink.inject("reset")  # paper refilled, cover closed, jam cleared
    time.sleep(0.2)
    assert sink.documents == []  # the refused job never prints by surprise


@pytest.mark.parametrize("ack", ["status", "process_id"])
def test_paper_out_mid_job_fails_the_job_and_clears_the_printer_buffer(
    sink: EscposSink, printer_for: Callable[..., Any], ack: str
) -> None:
    printer, events = printer_for(job_ack=ack, job_timeout_s=0.5)
    sink.schedule("paper_empty")  # runs out when the job's data arrives
    printer.print_document("job-1", receipt_blocks(content()))
    event = events.job()
    assert event.kind == "print_failed" and event.payload["reason"] == Status.MEDIA_EMPTY
    deadline = time.monotonic() + 2
    while sink.backlog_bytes and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sink.backlog_bytes == 0  # DLE DC4 8 reached the printer
    sink.inject("reset")
    time.sleep(0.2)
    assert sink.documents == []  # a real printer would have printed its backlog now


def test_the_sink_prints_its_backlog_after_a_refill_like_a_real_printer() -> None:
    """Why the driver clears the buffer: without it the job comes out later, by surprise."""
    with EscposSink() as sink:
        import socket

        with socket.create_connection((sink.host, sink.port)) as conn:
            sink.inject("paper_empty")
            conn.sendall(EscposEncoder().encode(receipt_blocks(content())).data)
            deadline = time.monotonic() + 2
            while not sink.backlog_bytes and time.monotonic() < deadline:
                time.sleep(0.01)
            assert sink.documents == [] and sink.backlog_bytes > 0
            sink.inject("reset")
            assert len(sink.wait_documents(1)) == 1


def test_paper_low_prints_but_reports_degraded(
    sink: EscposSink, printer_for: Callable[..., Any]
) -> None:
    printer, events = printer_for()
    sink.inject("paper_low")
    printer.print_document("job-1", receipt_blocks(content()))
    assert events.job().kind == "printed"
    assert printer.status.status is Status.MEDIA_LOW and printer.status.usable


def test_unplugged_printer_is_not_reachable_and_comes_back() -> None:
    with EscposSink() as sink:
        events = Events()
        printer = EscposReceiptPrinter(
            events, url=sink.url, poll_interval_s=0, status_timeout_s=0.3
        )
        printer.start()
        try:
            sink.inject("unplug")
            printer.print_document("job-1", receipt_blocks(content()))
            event = events.job()
            assert event.kind == "print_failed"
            assert event.payload["reason"] in (Status.NOT_REACHABLE, Status.NOT_RESPONDING)
            sink.inject("replug")
            printer.print_document("job-2", receipt_blocks(content()))
            assert events.job().kind == "printed"
            assert len(sink.wait_documents(1)) == 1
        finally:
            printer.stop()


def test_silent_printer_fails_fast() -> None:
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts the connection, never answers: a hung printer
    try:
        events = Events()
        printer = EscposReceiptPrinter(
            events,
            url=f"tcp://127.0.0.1:{server.getsockname()[1]}",
            poll_interval_s=0,
            status_timeout_s=0.2,
        )
        begun = time.monotonic()
        printer.start()
        assert printer.status.status is Status.NOT_RESPONDING
        printer.print_document("job-1", receipt_blocks(content()))
        assert events.job().payload["reason"] == Status.NOT_RESPONDING
        assert time.monotonic() - begun < 3
        printer.stop()
    finally:
        server.close()


def test_nothing_listening_is_not_reachable() -> None:
    events = Events()
    printer = EscposReceiptPrinter(
        events, url="tcp://127.0.0.1:9", poll_interval_s=0, timeout_s=0.5
    )
    printer.start()
    try:
        assert printer.status.status is Status.NOT_REACHABLE
    finally:
        printer.stop()


def test_sink_backed_simulator_is_registered_and_takes_fault_words() -> None:
    events = Events()
    device = create_device("receipt", "escpos_sim", events, paper_mm=58, faults=["paper_low"])
    assert isinstance(device, SinkReceiptPrinter)
    device.start()
    try:
        assert device.status.status is Status.MEDIA_LOW
        device.print_document("job-1", receipt_blocks(content()))  # type: ignore[attr-defined]
        assert events.job().kind == "printed"
        assert "自助服务受理回执" in device.printed[0].lines()
        device.inject("paper_empty")
        device.print_document("job-2", receipt_blocks(content()))  # type: ignore[attr-defined]
        assert events.job().payload["reason"] == Status.MEDIA_EMPTY
    finally:
        device.stop()


def test_bad_urls_and_profiles_are_refused() -> None:
    with pytest.raises(ValueError, match="scheme"):
        EscposReceiptPrinter(print, url="lpt://1")
    with pytest.raises(ValueError, match="paper_mm"):
        EscposReceiptPrinter(print, url="tcp://127.0.0.1:9100", paper_mm=76)


def test_receipt_left_in_the_mouth_is_reported_until_taken(
    sink: EscposSink, printer_for: Callable[..., Any]
) -> None:
    printer, _events = printer_for()
    sink.inject("media_present")
    assert printer._poll_status().status is Status.MEDIA_PRESENT
    assert printer.status.availability is Availability.BUSY
    sink.inject("media_taken")
    assert printer._poll_status().status is Status.OK


def test_the_sink_runs_standalone_and_takes_fault_words_on_stdin(tmp_path: Any) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drivers.receipt.sink",
            "--port",
            "0",
            "--preview-dir",
            str(tmp_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        url = proc.stdout.readline().split()[3].rstrip(";")
        events = Events()
        printer = EscposReceiptPrinter(events, url=url, poll_interval_s=0, job_ack="process_id")
        printer.start()
        try:
            printer.print_document("job-1", receipt_blocks(content()))
            assert events.job().kind == "printed"
            proc.stdin.write("paper_empty\n")
            proc.stdin.flush()
            deadline = time.monotonic() + 5
            while not (tmp_path / "receipt-1.png").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            assert decode_qr((tmp_path / "receipt-1.png").read_bytes()) == f"KIOSK-TX:{TX}"
            assert printer._poll_status().status is Status.MEDIA_EMPTY
        finally:
            printer.stop()
    finally:
        proc.stdin.close()
        proc.wait(10)
        proc.stdout.close()


def test_a_slow_printer_still_prints_within_the_status_timeout() -> None:
    with EscposSink(slow_answer_s=0.1) as sink:
        events = Events()
        printer = EscposReceiptPrinter(
            events, url=sink.url, poll_interval_s=0, job_ack="process_id"
        )
        printer.start()
        try:
            sink.inject("slow")
            printer.print_document("job-1", receipt_blocks(content()))
            assert events.job().kind == "printed"
            assert len(sink.wait_documents(1)) == 1
        finally:
            printer.stop()
