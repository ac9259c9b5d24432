"""SamCardReader against the SAM simulator on real ptys and TCP sockets."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.idcard import IdentityRecord
from drivers.idcard.sam import SamCardReader
from drivers.idcard.samsim import FAKE_WLT, SamSimulator
from drivers.registry import create_device
from drivers.status import Status

from .idcard_support import Events


@pytest.fixture(params=["pty", "tcp"])
def sim(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SamSimulator]:
    simulator = SamSimulator(
        transport=request.param, link=tmp_path / "ttySAM0", slow_read_s=0.6
    ).start()
    try:
        yield simulator
    finally:
        simulator.stop()


def _reader(sim: SamSimulator, events: Events, **options: object) -> SamCardReader:
    opts: dict[str, object] = {"url": sim.url, "poll_interval_s": 0.05}
    opts.update(options)
    reader = SamCardReader(events, **opts)
    reader.start()
    return reader


@pytest.fixture
def events() -> Events:
    return Events()


def test_registry_builds_the_sam_backend(sim: SamSimulator, events: Events) -> None:
    reader = create_device("idcard", "sam", events, url=sim.url)
    assert isinstance(reader, SamCardReader)


def test_insert_read_remove(sim: SamSimulator, events: Events) -> None:
    reader = _reader(sim, events)
    try:
        assert reader.status.status == Status.OK
        sim.inject("card_insert", "resident")
        events.wait("card_inserted")
        record = events.wait("card_read").payload["record"]
        assert isinstance(record, IdentityRecord)
        assert record.card_type == "resident" and record.name == "测试样例"
        assert record.photo == FAKE_WLT and record.photo_format == "wlt"
        sim.inject("card_remove")
        events.wait("card_removed")
        assert (0x30, 0x01) in sim.received
    finally:
        reader.stop()


@pytest.mark.parametrize(
    ("profile", "reason"),
    [
        ("damaged", "media_damaged"),
        ("bad_check", "invalid_data"),
        ("unknown_layout", "unsupported_card"),
    ],
)
def test_card_errors(sim: SamSimulator, events: Events, profile: str, reason: str) -> None:
    reader = _reader(sim, events)
    try:
        sim.inject("card_insert", profile)
        assert events.wait("card_error").payload["reason"] == reason
    finally:
        reader.stop()


def test_fingerprint_read_command(sim: SamSimulator, events: Events) -> None:
    reader = _reader(sim, events, fingerprint=True)
    try:
        sim.inject("card_insert", "resident_fp")
        assert events.wait("card_read").payload["record"].card_type == "resident"
        assert (0x30, 0x10) in sim.received
    finally:
        reader.stop()


def test_garbage_on_the_line_is_survived(sim: SamSimulator, events: Events) -> None:
    reader = _reader(sim, events)
    try:
        sim.inject("garbage")
        sim.inject("card_insert", "resident")
        assert events.wait("card_read").payload["record"].card_type == "resident"
    finally:
        reader.stop()


def test_slow_read_times_out_then_card_removed_mid_read(sim: SamSimulator, events: Events) -> None:
    reader = _reader(sim, events, read_timeout_s=0.3)
    try:
        sim.inject("slow")
        sim.inject("card_insert", "resident")
        assert events.wait("card_error").payload["reason"] == "timeout"
        sim.inject("card_remove")
        events.wait("card_removed")
    finally:
        reader.stop()


def test_card_pulled_during_a_read(tmp_path: Path, events: Events) -> None:
    with SamSimulator(transport="pty", link=tmp_path / "tty", read_delay_s=0.4) as sim:
        reader = _reader(sim, events)
        try:
            sim.inject("card_insert", "resident")
            events.wait("card_inserted")
            time.sleep(0.1)
            sim.inject("card_remove")
            assert events.wait("card_error").payload["reason"] == "media_removed"
        finally:
            reader.stop()


def test_power_off_and_on(sim: SamSimulator, events: Events) -> None:
    reader = _reader(sim, events, response_timeout_s=0.2)
    try:
        sim.inject("card_insert", "resident")
        events.wait("card_read")
        sim.inject("power_off")
        events.wait_status(Status.NOT_RESPONDING)
        events.wait("card_removed")  # unknown while the reader was silent: read it afresh
        sim.inject("power_on")
        events.wait_status(Status.OK)
        events.wait("card_read")
    finally:
        reader.stop()


def test_unplug_replug_logged_once_each_way(
    sim: SamSimulator, events: Events, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="drivers.idcard")
    reader = _reader(sim, events, reconnect_interval_s=0.1, response_timeout_s=0.2)
    try:
        sim.inject("card_insert", "resident")
        events.wait("card_read")
        caplog.clear()
        sim.inject("unplug")
        events.wait("card_removed")
        assert reader.status.status == Status.NOT_REACHABLE
        time.sleep(0.5)  # several failed reconnects: still one log line
        sim.inject("replug")
        events.wait_status(Status.OK)
        events.wait("card_inserted")  # the card still in the reader is read again
        events.wait("card_read")
        lines = [r.getMessage() for r in caplog.records]
        assert sum("unavailable" in line for line in lines) == 1, lines
        assert sum("available: ok" in line for line in lines) == 1, lines
    finally:
        reader.stop()


def test_reader_started_before_the_device_exists(tmp_path: Path, events: Events) -> None:
    link = tmp_path / "later"
    reader = SamCardReader(events, url=str(link), poll_interval_s=0.05, reconnect_interval_s=0.1)
    reader.start()
    try:
        assert reader.status.status == Status.NOT_REACHABLE
        with SamSimulator(transport="pty", link=link):
            events.wait_status(Status.OK)
    finally:
        reader.stop()


def test_loop_url_is_silent_not_a_crash(events: Events) -> None:
    # loop:// echoes our own commands: never a valid answer.
    reader = SamCardReader(events, url="loop://", response_timeout_s=0.1)
    reader.start()
    try:
        assert not reader.status.usable
    finally:
        reader.stop()


def test_personal_data_never_logged(
    sim: SamSimulator, events: Events, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reader = _reader(sim, events)
    try:
        for profile in ("resident", "bad_check", "hmt"):
            sim.inject("card_insert", profile)
            events.wait("card_inserted")
            sim.inject("card_remove")
            events.wait("card_removed")
    finally:
        reader.stop()
    text = caplog.text + " ".join(repr(e.payload) for e in events.seen)
    for secret in ("测试样例", "11010519491231002", "示例省", "19491231", "8100001990"):
        assert secret not in text


WLT_STUB = r"""
#include <string.h>
/* A stand-in for a vendor WLT library: a 102x126 grey BMP whatever the input. */
int unpack(const char *src, char *dst, int flag) {
    if (flag != 602 || memcmp(src, "SIMWLT", 6) != 0) return -1;
    unsigned char h[54] = {'B','M'};
    unsigned int size = 38862, off = 54, hs = 40, w = 102, hgt = 126, img = 38808;
    memcpy(h + 2, &size, 4); memcpy(h + 10, &off, 4); memcpy(h + 14, &hs, 4);
    memcpy(h + 18, &w, 4); memcpy(h + 22, &hgt, 4); h[26] = 1; h[28] = 24;
    memcpy(h + 34, &img, 4);
    memcpy(dst, h, 54); memset(dst + 54, 0x80, img);
    return 1;
}
"""


def test_wlt_decoder_plugged_in_by_path(sim: SamSimulator, events: Events, tmp_path: Path) -> None:
    src = tmp_path / "wlt.c"
    src.write_text(WLT_STUB)
    lib = tmp_path / "libwltstub.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    reader = _reader(sim, events, wlt_library=str(lib))
    try:
        sim.inject("card_insert", "resident")
        record = events.wait("card_read").payload["record"]
        assert record.photo_format == "bmp" and record.photo[:2] == b"BM"
        assert len(record.photo) == 38862
    finally:
        reader.stop()


def test_missing_wlt_library_keeps_raw_photo(sim: SamSimulator, events: Events) -> None:
    reader = _reader(sim, events, wlt_library="/nonexistent/libwlt.so")
    try:
        sim.inject("card_insert", "resident")
        record = events.wait("card_read").payload["record"]
        assert record.photo_format == "wlt" and record.photo == FAKE_WLT
    finally:
        reader.stop()
