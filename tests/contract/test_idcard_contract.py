"""One contract for every ID card reader backend: simulators always, real hardware with --hil.

Targets:
- `sam-pty`, `sam-tcp`: SamCardReader against the SAM simulator on a real pty / TCP socket;
- `pcsc-vpcd`: PcscDocumentReader through a real pcscd + vpcd and the eMRTD emulator;
- with `--hil`, `hil-sam` when KIOSK_HIL_SAM_URL names the reader's port (and optionally
  KIOSK_HIL_SAM_BAUD), `hil-pcsc` when KIOSK_HIL_PCSC_READER names a PC/SC reader (with
  KIOSK_HIL_MRZ, the MRZ key of the test passport). The test asks the person at the bench to
  insert and remove the card, waiting KIOSK_HIL_WAIT_S seconds (default 60) for each.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from drivers.base import Device
from drivers.idcard import CARD_TYPES, IdentityRecord, id_number_valid
from drivers.idcard.samsim import SamSimulator
from drivers.idcard.vicc import VirtualPassport
from drivers.registry import create_device
from drivers.status import Status
from tests import idcard_support
from tests.idcard_support import VPCD_READER, Events

# Fixtures shared by the ID card modules (pcscd runs once per session whichever module starts it).
pcscd = idcard_support.pcscd
vpcd_empty = idcard_support.vpcd_empty
face_jpeg = idcard_support.face_jpeg

SIM_TARGETS = ["sam-pty", "sam-tcp", "pcsc-vpcd"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" not in metafunc.fixturenames:
        return
    targets = list(SIM_TARGETS)
    if metafunc.config.getoption("--hil"):
        hil = []
        if os.environ.get("KIOSK_HIL_SAM_URL"):
            hil.append("hil-sam")
        if os.environ.get("KIOSK_HIL_PCSC_READER"):
            hil.append("hil-pcsc")
        # --hil without hardware named is a mistake, not a pass: the hil-missing target fails.
        targets += hil or ["hil-missing"]
    metafunc.parametrize("target", targets, indirect=True)


@dataclass
class Target:
    """How to drive one reader under test."""

    name: str
    make: Callable[[Events], Device]
    insert: Callable[[], object]
    remove: Callable[[], object]
    wait_s: float = 5.0


def _ask(request: pytest.FixtureRequest, text: str) -> Callable[[], None]:
    def prompt() -> None:
        capman = request.config.pluginmanager.getplugin("capturemanager")
        with capman.global_and_fixture_disabled():
            print(f"\n>>> HIL: {text}", flush=True)

    return prompt


@pytest.fixture
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    name = request.param
    if name.startswith("sam-"):
        transport = name.removeprefix("sam-")
        sim = SamSimulator(transport=transport, link=tmp_path / "ttySAM0").start()
        try:
            yield Target(
                name,
                lambda ev: create_device("idcard", "sam", ev, url=sim.url, poll_interval_s=0.05),
                lambda: sim.inject("card_insert", "resident"),
                lambda: sim.inject("card_remove"),
            )
        finally:
            sim.stop()
    elif name == "pcsc-vpcd":
        pcscd = request.getfixturevalue("vpcd_empty")
        link = pcscd.link(VirtualPassport.specimen(request.getfixturevalue("face_jpeg")))
        try:
            yield Target(
                name,
                lambda ev: create_device(
                    "idcard",
                    "pcsc",
                    ev,
                    reader=VPCD_READER,
                    mrz="L898902C<369080619406236",
                    poll_interval_s=0.05,
                ),
                link.insert,
                link.remove,
            )
        finally:
            link.remove()
    elif name == "hil-sam":
        options: dict[str, object] = {"url": os.environ["KIOSK_HIL_SAM_URL"]}
        if os.environ.get("KIOSK_HIL_SAM_BAUD"):
            options["baudrate"] = int(os.environ["KIOSK_HIL_SAM_BAUD"])
        yield Target(
            name,
            lambda ev: create_device("idcard", "sam", ev, **options),
            _ask(request, "place a resident ID card on the reader"),
            _ask(request, "take the card off the reader"),
            float(os.environ.get("KIOSK_HIL_WAIT_S", "60")),
        )
    elif name == "hil-pcsc":
        yield Target(
            name,
            lambda ev: create_device(
                "idcard",
                "pcsc",
                ev,
                reader=os.environ["KIOSK_HIL_PCSC_READER"],
                mrz=os.environ.get("KIOSK_HIL_MRZ") or None,
            ),
            _ask(request, "put the test passport on the reader"),
            _ask(request, "take the passport off the reader"),
            float(os.environ.get("KIOSK_HIL_WAIT_S", "60")),
        )
    else:
        pytest.fail("--hil given but neither KIOSK_HIL_SAM_URL nor KIOSK_HIL_PCSC_READER is set")


@pytest.fixture
def reader(target: Target) -> Iterator[tuple[Device, Events]]:
    events = Events()
    device = target.make(events)
    device.start()
    try:
        yield device, events
    finally:
        device.stop()


def _check_record(record: IdentityRecord) -> None:
    assert isinstance(record, IdentityRecord)
    assert record.card_type in CARD_TYPES
    assert record.name and record.sex in ("M", "F", "X")
    assert isinstance(record.birth_date, date)
    assert record.id_number
    if record.card_type in ("resident", "hmt_residence"):
        assert id_number_valid(record.id_number)
    assert record.photo and record.photo_format
    assert record.name not in repr(record) and record.id_number not in repr(record)


def test_starts_ready(target: Target, reader: tuple[Device, Events]) -> None:
    device, _ = reader
    assert device.status.status == Status.OK and device.status.usable


def test_insert_read_remove_and_again(target: Target, reader: tuple[Device, Events]) -> None:
    _, events = reader
    for _ in range(2):
        target.insert()
        events.wait("card_inserted", target.wait_s)
        _check_record(events.wait("card_read", target.wait_s).payload["record"])
        target.remove()
        events.wait("card_removed", target.wait_s)


def test_stops_promptly_with_a_card_in(target: Target, reader: tuple[Device, Events]) -> None:
    device, events = reader
    target.insert()
    events.wait("card_read", target.wait_s)
    start = time.monotonic()
    device.stop()
    assert time.monotonic() - start < 1.0
    assert not device.status.usable
    target.remove()


def test_no_personal_data_in_logs(
    target: Target, reader: tuple[Device, Events], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, events = reader
    target.insert()
    record = events.wait("card_read", target.wait_s).payload["record"]
    target.remove()
    events.wait("card_removed", target.wait_s)
    for secret in (record.name, record.id_number, record.address, record.birth_date.isoformat()):
        if secret:
            assert secret not in caplog.text
