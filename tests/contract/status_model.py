"""The status model every device backend honours (DEVICES.md), as tests a contract suite imports.

A suite module (one per device class) provides a `target` fixture yielding a `Target` and
imports the tests below; each test then runs against every target of that class: the
simulators always, real hardware with `--hil`. For hardware, the fault actions ask the person
at the bench to cause the condition, as the ID reader suite does for cards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from drivers.base import Device
from drivers.status import STOPPED, Status
from tests.idcard_support import Events


@dataclass
class Target:
    """How to drive one backend under test.

    `cause(device, word)` brings about the condition a fault word names (an injection, a
    command to the server behind the device, or a request to the person at the bench);
    `faults` are the words this target can cause, each with the status it must produce and the
    word that ends it. `job(device)` starts the device's job; `done` is the
    event kind it ends with.
    """

    name: str
    make: Callable[[Events], Device]
    cause: Callable[[Device, str], object]
    faults: list[tuple[str, Status, str]] = field(default_factory=list)
    unplug: tuple[str, str] | None = ("unplug", "replug")
    job: Callable[[Device], object] | None = None
    done: str = ""
    wait_s: float = 5.0


def ask(request: pytest.FixtureRequest, text: str) -> Callable[[], None]:
    """A step that prints `text` to the person at the bench (hardware runs)."""

    def prompt() -> None:
        capman = request.config.pluginmanager.getplugin("capturemanager")
        with capman.global_and_fixture_disabled():
            print(f"\n>>> HIL: {text}", flush=True)

    return prompt


def hil_targets(config: pytest.Config, named: dict[str, str]) -> list[str]:
    """The hardware targets whose environment variable is set; with --hil and none set, the
    `hil-missing` target, which fails: --hil without hardware is a mistake, not a pass."""
    import os

    if not config.getoption("--hil"):
        return []
    found = [name for name, variable in named.items() if os.environ.get(variable)]
    return found or ["hil-missing"]


@pytest.fixture
def device(target: Target) -> Iterator[tuple[Device, Events]]:
    events = Events()
    dev = target.make(events)
    dev.start()
    try:
        yield dev, events
    finally:
        dev.stop()


def _settle(device: Device, events: Events, status: Status, timeout: float) -> None:
    """Wait until `device` reports `status` (as an event, or already current)."""
    if device.status.status is status:
        return
    events.wait_status(status, timeout)
    assert device.status.status is status


def test_starts_ready(target: Target, device: tuple[Device, Events]) -> None:
    dev, _ = device
    assert dev.status.status is Status.OK and dev.status.usable


def test_does_its_job_when_ready(target: Target, device: tuple[Device, Events]) -> None:
    if target.job is None:
        pytest.fail(f"{target.name}: the target names no job")
    dev, events = device
    target.job(dev)
    assert events.wait(target.done, target.wait_s).kind == target.done
    assert dev.status.usable


def test_fault_words_map_to_statuses(target: Target, device: tuple[Device, Events]) -> None:
    assert target.faults, f"{target.name}: the target names no fault it can cause"
    dev, events = device
    for word, status, clear in target.faults:
        target.cause(dev, word)
        _settle(dev, events, status, target.wait_s)
        target.cause(dev, clear)
        _settle(dev, events, Status.OK, target.wait_s)
        assert dev.status.usable, word


def test_unplug_and_replug(target: Target, device: tuple[Device, Events]) -> None:
    if target.unplug is None:
        pytest.fail(f"{target.name}: the target cannot be unplugged")
    dev, events = device
    unplug, replug = target.unplug
    for _ in range(2):  # twice: a device that came back can be lost again
        target.cause(dev, unplug)
        _settle(dev, events, Status.NOT_REACHABLE, target.wait_s)
        assert not dev.status.usable
        target.cause(dev, replug)
        _settle(dev, events, Status.OK, target.wait_s)


def test_stops_promptly(target: Target, device: tuple[Device, Events]) -> None:
    dev, _ = device
    start = time.monotonic()
    dev.stop()
    assert time.monotonic() - start < 1.5
    assert dev.status == STOPPED and not dev.status.usable
