"""One contract for every receipt printer backend: simulators always, real hardware with --hil.

Targets:
- `sim`: the in-process SimulatedReceiptPrinter, faults injected;
- `escpos-sink`: the real EscposReceiptPrinter over TCP to the ESC/POS sink simulator, faults
  injected into the sink (the driver only sees what the printer answers);
- with `--hil`, `hil-escpos` when KIOSK_HIL_RECEIPT_URL names the printer (`tcp://host:9100`,
  `serial:///dev/ttyUSB0?baudrate=19200`): the test asks the person at the bench to open the
  cover, take the paper out, unplug the cable..., waiting KIOSK_HIL_WAIT_S seconds (default 60).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from drivers.base import Device
from drivers.receipt.sink import EscposSink
from drivers.registry import create_device
from drivers.status import Status
from tests.contract.status_model import (
    Target,
    ask,
    device,
    hil_targets,
    test_does_its_job_when_ready,
    test_fault_words_map_to_statuses,
    test_starts_ready,
    test_stops_promptly,
    test_unplug_and_replug,
)

__all__ = [
    "device",
    "test_does_its_job_when_ready",
    "test_fault_words_map_to_statuses",
    "test_starts_ready",
    "test_stops_promptly",
    "test_unplug_and_replug",
]

FAULTS = [
    ("paper_low", Status.MEDIA_LOW, "reset"),
    ("paper_empty", Status.MEDIA_EMPTY, "reset"),
    ("cover_open", Status.COVER_OPEN, "reset"),
    ("paper_jam", Status.MEDIA_JAMMED, "reset"),
    ("power_off", Status.NOT_RESPONDING, "power_on"),
]
RECEIPT = [{"kind": "text", "text": "contract 合同"}, {"kind": "qr", "data": "x"}, {"kind": "cut"}]


def _print(dev: Device) -> None:
    dev.print_document("contract-1", RECEIPT)  # type: ignore[attr-defined]


def _inject(dev: Device, word: str) -> None:
    dev.inject(word)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        targets = ["sim", "escpos-sink"]
        targets += hil_targets(metafunc.config, {"hil-escpos": "KIOSK_HIL_RECEIPT_URL"})
        metafunc.parametrize("target", targets, indirect=True)


@pytest.fixture
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    name = request.param
    if name == "sim":
        yield Target(
            name,
            lambda ev: create_device("receipt", "sim", ev),
            _inject,
            FAULTS,
            job=_print,
            done="printed",
        )
    elif name == "escpos-sink":
        sink = EscposSink().start()
        try:
            yield Target(
                name,
                lambda ev: create_device(
                    "receipt",
                    "escpos",
                    ev,
                    url=sink.url,
                    poll_interval_s=0.1,
                    status_timeout_s=0.3,
                    timeout_s=0.5,
                    job_ack="process_id",
                ),
                lambda dev, word: sink.inject(word),
                FAULTS,
                job=_print,
                done="printed",
            )
        finally:
            sink.stop()
    elif name == "hil-escpos":
        wait_s = float(os.environ.get("KIOSK_HIL_WAIT_S", "60"))
        steps = {
            "paper_low": "load a nearly finished paper roll",
            "paper_empty": "take the paper roll out",
            "cover_open": "open the printer cover",
            "paper_jam": "jam the paper at the cutter",
            "power_off": "switch the printer off",
            "reset": "put a full roll in, clear the jam and close the cover",
            "power_on": "switch the printer on",
            "unplug": "unplug the printer's cable",
            "replug": "plug the printer's cable back in",
        }
        prompts = {word: ask(request, text) for word, text in steps.items()}
        yield Target(
            name,
            lambda ev: create_device(
                "receipt", "escpos", ev, url=os.environ["KIOSK_HIL_RECEIPT_URL"], poll_interval_s=1
            ),
            lambda dev, word: prompts[word](),
            FAULTS,
            job=_print,
            done="printed",
            wait_s=wait_s,
        )
    else:
        pytest.fail("--hil given but KIOSK_HIL_RECEIPT_URL is not set")
