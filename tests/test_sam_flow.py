"""The citizen flow with the real SAM backend (configured, not injected) and the pty simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.idcard.sam import SamCardReader
from drivers.idcard.samsim import SamSimulator
from kiosk.compose import build_terminal
from kiosk.config import KioskConfig, Service, load_config
from kiosk.terminal import Terminal
from tests.conftest import FakeClock, write_overlay


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SamSimulator]:
    with SamSimulator(transport="pty", link=tmp_path / "ttySAM0") as simulator:
        yield simulator


@pytest.fixture
def sam_config(tmp_path: Path, sim: SamSimulator) -> KioskConfig:
    overlay = write_overlay(
        tmp_path / "conf.d",
        f"""
[terminal]
state_dir = "{tmp_path / "state"}"

[devices.idcard]
backend = "sam"

[devices.idcard.options]
url = "{sim.url}"
poll_interval_s = 0.05
reconnect_interval_s = 0.1
response_timeout_s = 0.2
""",
    )
    return load_config([overlay])


@pytest.fixture
def sam_terminal(sam_config: KioskConfig, tmp_path: Path) -> Iterator[Terminal]:
    term = build_terminal(sam_config, state_dir=tmp_path / "state", clock=FakeClock())
    term.start()
    try:
        yield term
    finally:
        term.stop()


def _id_service(config: KioskConfig) -> Service:
    return next(
        s for s in config.services.values() if s.identity == "id_card_face" and not s.online_only
    )


def test_configured_sam_reader_identifies_the_citizen(
    sam_terminal: Terminal, sam_config: KioskConfig, sim: SamSimulator
) -> None:
    assert isinstance(sam_terminal.devices["idcard"], SamCardReader)
    sam_terminal.intent("start")
    sam_terminal.intent("choose_service", {"service_id": _id_service(sam_config).id})
    assert sam_terminal.view.screen == "identify"
    sim.inject("card_insert", "resident")
    sam_terminal.run_until(lambda v: v.screen in ("verify_face", "fill_form"))


def test_bad_card_gets_a_calm_message(
    sam_terminal: Terminal, sam_config: KioskConfig, sim: SamSimulator
) -> None:
    sam_terminal.intent("start")
    sam_terminal.intent("choose_service", {"service_id": _id_service(sam_config).id})
    sim.inject("card_insert", "bad_check")
    view = sam_terminal.run_until(lambda v: v.message == "idcard.invalid")
    assert view.screen == "identify"
    sim.inject("card_remove")
    time.sleep(0.3)  # a person takes longer than a poll to swap cards
    sim.inject("card_insert", "damaged")
    sam_terminal.run_until(lambda v: v.message == "idcard.reinsert")


def test_unplugged_reader_disables_id_services_until_it_is_back(
    sam_terminal: Terminal, sam_config: KioskConfig, sim: SamSimulator
) -> None:
    service = _id_service(sam_config)
    sim.inject("unplug")
    sam_terminal.run_until(lambda v: not sam_terminal.devices["idcard"].status.usable)
    sam_terminal.intent("start")
    listed = {s["id"]: s for s in sam_terminal.view.data["services"]}
    assert listed[service.id]["available"] is False
    sim.inject("replug")
    sam_terminal.run_until(lambda v: sam_terminal.devices["idcard"].status.usable)
    sam_terminal.process_events()
    listed = {s["id"]: s for s in sam_terminal.view.data["services"]}
    assert listed[service.id]["available"] is True
