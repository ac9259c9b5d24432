"""Shared fixtures: a terminal built from the shipped config with simulated devices."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt must never look for a display in tests; set before anything imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")
os.environ["QT_IM_MODULE"] = "qtvirtualkeyboard"
# Qt Virtual Keyboard keeps a user dictionary under XDG_CONFIG_HOME: tests get a private one
# rather than writing into the machine's home.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="kiosk-test-config-")

from kiosk.compose import build_terminal
from kiosk.config import KioskConfig, load_config
from kiosk.terminal import Terminal


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hil",
        action="store_true",
        help="also run the device contract suites against real hardware named by KIOSK_HIL_* "
        "environment variables",
    )


def write_overlay(directory: Path, text: str, name: str = "50-test.toml") -> Path:
    """Write one overlay file into `directory` and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def overlay_dir(tmp_path: Path) -> Path:
    """A fleet overlay that points the state directory into the test's tmp dir."""
    return write_overlay(
        tmp_path / "conf.d",
        f"""
[terminal]
profile = "development"
state_dir = "{tmp_path / "state"}"

[timeouts]
default_s = 60
warning_s = 10
""",
    )


@pytest.fixture
def config(overlay_dir: Path) -> KioskConfig:
    """The shipped config plus the test overlay."""
    return load_config([overlay_dir])


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def terminal(config: KioskConfig, clock: FakeClock, tmp_path: Path) -> Iterator[Terminal]:
    """A started terminal with simulated devices and a fake inactivity clock."""
    term = build_terminal(config, sim=True, state_dir=tmp_path / "state", clock=clock)
    term.start()
    try:
        yield term
    finally:
        term.stop()
