"""The per-device ring of raw I/O: bounded, thread-safe, and never holding personal data.

A real card read through the SAM driver (against the SAM simulator on a TCP socket) and a real
receipt through the ESC/POS driver (against the in-process sink) leave commands and status in
the ring, but no byte of the name or ID number in any encoding."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.base import IO_SHOWN_BYTES, IoRing, mask_bytes
from drivers.idcard.sam import SamCardReader
from drivers.idcard.samsim import SamSimulator
from drivers.receipt import validate_blocks
from drivers.receipt.sink import SinkReceiptPrinter

from . import idcard_support, test_cups
from .idcard_support import Events, Pcscd
from .print_support import Events as PrintEvents
from .test_cups import Cups

vpcd_empty = idcard_support.vpcd_empty
pcscd = idcard_support.pcscd
face_jpeg = idcard_support.face_jpeg
cups = test_cups.cups  # a private cupsd with a cups-pdf queue

NAME = "测试样例"
ID_NUMBER = "11010519491231002X"


def _forbidden(*values: str) -> list[str]:
    """Every way the values could sit in a ring dump: text and hex of each encoding."""
    out: list[str] = []
    for value in values:
        out.append(value)
        for encoding in ("gb18030", "utf-16-le", "utf-16-be", "utf-8", "ascii"):
            try:
                raw = value.encode(encoding)
            except UnicodeEncodeError:
                continue
            out += [raw.hex(), raw.hex(" ")]
    return out


def _dump(ring: IoRing) -> str:
    return json.dumps([r.as_dict() for r in ring.snapshot()], ensure_ascii=False).lower()


def assert_clean(ring: IoRing, *values: str) -> None:
    dump = _dump(ring)
    for needle in _forbidden(*values):
        assert needle.lower() not in dump, f"personal bytes in the I/O ring: {needle!r}"


def test_masking_and_bounds() -> None:
    assert mask_bytes(b"\x01\x02\x03") == "01 02 03"
    assert mask_bytes(b"\xaa\xbbsecret\x90\x00", head=2, tail=2) == "aa bb <6 bytes> 90 00"
    assert mask_bytes(b"secret", head=0) == "<6 bytes>"
    assert mask_bytes(bytes(100) + b"secret", head=100).endswith("00 …<4 more bytes> <6 bytes>")
    long = mask_bytes(bytes(300))
    assert long.endswith(f"…<{300 - IO_SHOWN_BYTES} more bytes>")
    ring = IoRing(capacity=5)
    threads = [
        threading.Thread(
            target=lambda k=k: [ring.record("out", bytes([k, i])) for i in range(200)]  # type: ignore[misc]
        )
        for k in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ring.total == 800 and len(ring.snapshot()) == 5
    assert ring.snapshot(2) == ring.snapshot()[-2:]
    # Idle polling is kept once and counted: single repeats and repeating pairs.
    ring = IoRing(capacity=10)
    ring.record("note", note="opened")
    for _ in range(50):
        ring.record("out", b"\x20\x01", note="find")
        ring.record("in", b"\x80", note="no card")
    ring.record("in", b"\x9f", note="card")
    for _ in range(3):
        ring.record("note", note="tick")
    got = [(r.note, r.repeats) for r in ring.snapshot()]
    assert got == [("opened", 1), ("find", 50), ("no card", 50), ("card", 1), ("tick", 3)]
    assert ring.total == 105


@pytest.fixture
def sam_sim(tmp_path: Path) -> Iterator[SamSimulator]:
    sim = SamSimulator(transport="tcp", link=tmp_path / "ttySAM0").start()
    try:
        yield sim
    finally:
        sim.stop()


def test_card_read_leaves_no_personal_bytes(sam_sim: SamSimulator) -> None:
    events = Events()
    reader = SamCardReader(events, url=sam_sim.url, poll_interval_s=0.05)
    reader.start()
    try:
        sam_sim.inject("card_insert", "resident")
        record = events.wait("card_read").payload["record"]
        assert record.name == NAME and record.id_number == ID_NUMBER  # the read did happen
    finally:
        reader.stop()
    records = reader.io.snapshot()
    notes = [r.note for r in records]
    # Commands and answers are there: SAM status, find, select, read (header kept).
    assert "cmd 11 FF" in notes and "cmd 20 01" in notes and "cmd 30 01" in notes
    read_answer = [r for r in records if r.direction == "in" and r.length > 1000]
    assert read_answer, "the read answer is recorded"
    assert read_answer[0].data.startswith("aa aa aa 96 69")
    assert read_answer[0].data.endswith(f"<{read_answer[0].length - 10} bytes>")
    assert_clean(reader.io, NAME, ID_NUMBER, "19491231", "示例省示例市测试路1号")


def test_receipt_text_is_masked() -> None:
    events = PrintEvents()
    printer = SinkReceiptPrinter(events)
    printer.start()
    try:
        printer.print_document(
            "job-1",
            validate_blocks(
                [
                    {"kind": "text", "text": f"申请人 {NAME}"},
                    {"kind": "text", "text": f"证件 {ID_NUMBER}"},
                    {"kind": "qr", "data": ID_NUMBER},
                    {"kind": "cut"},
                ]
            ),
        )
        assert events.job().kind == "printed"
        assert any(NAME in line for line in printer.printed[0].lines())  # it did print the name
    finally:
        printer.stop()
    records = printer.io.snapshot()
    job = [r for r in records if r.note == "job job-1"]
    assert job and job[0].data.startswith("1b 40 1c 26 <")  # init + Chinese mode in full
    assert any(r.note.startswith("status query") for r in records)
    assert any(r.note == "job acknowledgement" for r in records)
    assert_clean(printer.io, NAME, ID_NUMBER)


def test_camera_preview_with_face_box_and_frame_stats() -> None:
    import time

    from drivers.camera.videosim import VideoSimCamera

    frames: list[tuple[tuple[int, ...], object]] = []
    camera = VideoSimCamera(lambda event: None)
    camera.set_preview_listener(lambda frame, box, hint: frames.append((frame.shape, box)))
    camera.start()
    try:
        camera.start_preview(20.0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(box for _, box in frames):
            time.sleep(0.05)
        boxed = [box for _, box in frames if box]
        assert boxed, f"no face box in {len(frames)} preview frames"
        x, y, w, h = boxed[0]  # type: ignore[misc]
        assert 0 <= x < 1 and 0 <= y < 1 and 0.05 < w < 1 and 0.05 < h < 1
        camera.stop_verification()  # ends the preview early
        time.sleep(0.3)
        count = len(frames)
        time.sleep(0.3)
        assert len(frames) == count
    finally:
        camera.stop()
    notes = [r.note for r in camera.io.snapshot()]
    assert "opened" in notes and "maintenance preview for 20 s" in notes
    assert any(n.startswith("frames ") and "fps" in n for n in notes)
    assert any(n.startswith("maintenance preview ended") for n in notes)
    assert all(r.length == 0 for r in camera.io.snapshot())  # no image bytes, ever


def test_travel_document_read_keeps_only_headers_and_status_words(
    vpcd_empty: Pcscd, face_jpeg: bytes
) -> None:
    import re

    from drivers.idcard.pcsc import PcscDocumentReader
    from drivers.idcard.vicc import VirtualPassport

    events = Events()
    reader = PcscDocumentReader(
        events,
        reader=idcard_support.VPCD_READER,
        poll_interval_s=0.05,
        mrz="L898902C<369080619406236",
    )
    reader.start()
    try:
        with vpcd_empty.link(VirtualPassport.specimen(face_jpeg)):
            record = events.wait("card_read").payload["record"]
    finally:
        reader.stop()
    assert record.name == "ERIKSSON ANNA MARIA"
    records = reader.io.snapshot()
    answers = [r for r in records if r.direction == "in"]
    commands = [r for r in records if r.direction == "out"]
    assert len(answers) > 5 and len(commands) == len(answers)
    # Every answer: its data by length, then the status word.
    assert all(re.fullmatch(r"(<\d+ bytes> )?[0-9a-f]{2} [0-9a-f]{2}", r.data) for r in answers)
    # SELECT of the passport application in full; secure-messaging commands by header only.
    assert commands[0].data.startswith("00 a4 04 0c 07 a0 00 00 02 47 10 01")
    wrapped = [r for r in commands if r.data.startswith("0c")]
    assert wrapped and all(
        re.fullmatch(r"0c( [0-9a-f]{2}){4} <\d+ bytes>", r.data) for r in wrapped
    )
    assert_clean(reader.io, "ERIKSSON", "ANNA MARIA", "L898902C", "690806")


def test_ipp_requests_in_full_and_the_pdf_by_length(qapp: object, cups: Cups) -> None:
    from drivers.licence.cups import CupsDocumentPrinter

    events = PrintEvents(job_timeout=30)
    device = CupsDocumentPrinter(events, queue=cups.queue, server=cups.socket, poll_interval_s=0)
    device.start()
    try:
        device.print_document(
            "job-io",
            {
                "template": "statement",
                "title": "测试",
                "fields": {"姓名": NAME, "证件号码": ID_NUMBER},
                "transaction_id": "TEST-IO",
            },
        )
        assert events.job().kind == "printed"
    finally:
        device.stop()
    records = device.io.snapshot()
    jobs = [r for r in records if r.note.startswith("IPP Print-Job") and r.direction == "out"]
    assert len(jobs) == 1
    assert jobs[0].data.startswith("01 01 00 02")  # IPP 1.1, Print-Job
    hidden = int(jobs[0].data.rsplit("<", 1)[1].split()[0])
    assert jobs[0].data.endswith(f"<{hidden} bytes>") and hidden > 1000  # the PDF
    assert "25 50 44 46" not in jobs[0].data  # "%PDF" never shown
    answers = [r for r in records if r.direction == "in" and "Print-Job" in r.note]
    assert answers and answers[0].note.endswith("status 0x0000")
    assert any("Get-Job-Attributes" in r.note for r in records)
    assert_clean(device.io, NAME, ID_NUMBER)
