"""Maintenance mode without Qt: gesture, PIN hashes, lockout (also across a restart), entry
only between sessions, automatic exit, and the console's data and actions."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.config.schema import MaintenancePin, MaintenanceSettings
from kiosk.health import Health
from kiosk.maintenance import Maintenance, MaintenanceConsole, Mode, hash_pin, verify_pin
from kiosk.terminal import Terminal

from .conftest import FakeClock, write_overlay

TECH_PIN = "482913"
SUPER_PIN = "90817263"


@pytest.fixture(scope="module")
def settings() -> MaintenanceSettings:
    return MaintenanceSettings(
        pins=(
            MaintenancePin(id="tech01", hash=hash_pin(TECH_PIN)),
            MaintenancePin(id="sup01", role="supervisor", hash=hash_pin(SUPER_PIN)),
        ),
        max_failures=5,
        lockout_s=900,
    )


class Wall:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make(
    settings: MaintenanceSettings,
    clock: FakeClock,
    wall: Wall,
    *,
    session: list[bool],
    state: Path | None = None,
) -> Maintenance:
    return Maintenance(
        settings, session_active=lambda: session[0], clock=clock, wall_clock=wall, state_path=state
    )


def test_hash_and_verify() -> None:
    encoded = hash_pin("1234")
    assert encoded.startswith("scrypt$n=16384,r=8,p=1$")
    assert verify_pin("1234", encoded) and not verify_pin("1235", encoded)
    assert hash_pin("1234") != encoded  # salted
    assert not verify_pin("1234", "plain:1234")
    with pytest.raises(ValueError):
        hash_pin("12a4")
    # The schema accepts what hash_pin writes.
    MaintenancePin(id="t", hash=encoded)


def test_gesture_needs_five_taps_within_the_window(
    settings: MaintenanceSettings, clock: FakeClock
) -> None:
    m = make(settings, clock, Wall(), session=[False])
    for _ in range(4):
        assert not m.tap("top_right")
        clock.advance(0.5)
    clock.advance(2.0)  # the first taps fall out of the 3 s window
    assert not m.tap("top_right")
    assert m.mode is Mode.CLOSED
    m.tap("bottom_left")  # another corner resets the count
    for _ in range(5):
        done = m.tap("top_right")
        clock.advance(0.3)
    assert done and m.mode is Mode.PIN


def test_pin_entry_and_roles(
    settings: MaintenanceSettings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    m = make(settings, clock, Wall(), session=[False])
    assert m.enter_pin(TECH_PIN) == "not_asked"
    m.request_entry()
    with caplog.at_level(logging.INFO, logger="kiosk.maintenance"):
        assert m.enter_pin("000000") == "wrong"
        assert m.enter_pin(TECH_PIN) == "ok"
    assert m.is_open and m.user == "tech01" and not m.can_leave_to_desktop()
    assert TECH_PIN not in caplog.text and "000000" not in caplog.text
    assert "wrong PIN (attempt 1 of 5)" in caplog.text and "entered by tech01" in caplog.text
    m.exit()
    m.request_entry()
    assert m.enter_pin(SUPER_PIN) == "ok" and m.can_leave_to_desktop()


def test_lockout_after_five_failures_survives_restart(
    settings: MaintenanceSettings, clock: FakeClock, tmp_path: Path
) -> None:
    wall = Wall()
    state = tmp_path / "maintenance.json"
    m = make(settings, clock, wall, session=[False], state=state)
    m.request_entry()
    results = [m.enter_pin("1111") for _ in range(5)]
    assert results == ["wrong"] * 4 + ["locked"]
    assert m.mode is Mode.LOCKED and m.lockout_remaining() == 900
    assert m.enter_pin(TECH_PIN) == "locked"  # even the right PIN
    # A power cycle does not reset the lockout.
    again = make(settings, clock, wall, session=[False], state=state)
    assert again.mode is Mode.LOCKED
    again.request_entry()
    assert again.mode is Mode.LOCKED
    wall.now += 899
    again.tick()
    assert again.mode is Mode.LOCKED and again.lockout_remaining() == 1
    wall.now += 2
    again.tick()
    assert again.mode is Mode.CLOSED
    again.request_entry()
    assert again.enter_pin(TECH_PIN) == "ok"
    assert again.view()["attempts_left"] == 5


def test_entry_waits_for_the_session_to_end(
    settings: MaintenanceSettings, clock: FakeClock
) -> None:
    session = [True]
    m = make(settings, clock, Wall(), session=session)
    m.request_entry()
    assert m.mode is Mode.WAITING
    assert m.enter_pin(TECH_PIN) == "not_asked"
    m.tick()
    assert m.mode is Mode.WAITING
    session[0] = False
    m.tick()
    assert m.mode is Mode.PIN
    assert m.enter_pin(TECH_PIN) == "ok"


def test_automatic_exit_after_inactivity(settings: MaintenanceSettings, clock: FakeClock) -> None:
    m = make(settings, clock, Wall(), session=[False])
    seen: list[str] = []
    m.subscribe(lambda view: seen.append(view["mode"]))
    m.request_entry()
    m.enter_pin(TECH_PIN)
    clock.advance(250)
    m.activity()
    clock.advance(250)
    m.tick()
    assert m.is_open
    clock.advance(51)
    m.tick()
    assert m.mode is Mode.CLOSED and m.view()["exit_reason"] == "inactivity"
    assert seen == ["pin", "open", "closed"]
    # An abandoned PIN pad closes too.
    m.request_entry()
    clock.advance(61)
    m.tick()
    assert m.mode is Mode.CLOSED


def test_pins_from_config_and_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("246810\n"))
    assert main(["maintenance", "hash-pin", "--stdin"]) == 0
    encoded = capsys.readouterr().out.strip()
    assert "246810" not in encoded and verify_pin("246810", encoded)
    overlay = write_overlay(
        tmp_path / "conf.d",
        f'[maintenance]\nlockout_s = 60\n[[maintenance.pins]]\nid = "tech07"\nhash = "{encoded}"\n',
    )
    config = load_config([overlay])
    m = Maintenance(config.maintenance, session_active=lambda: False)
    m.request_entry()
    assert m.enter_pin("246810") == "ok" and m.user == "tech07"
    bad = write_overlay(tmp_path / "bad", '[[maintenance.pins]]\nid = "x"\nhash = "1234"\n')
    assert main(["config", "validate", str(bad)]) == 2
    assert "maintenance.pins[0].hash" in capsys.readouterr().err


def test_console(terminal: Terminal) -> None:
    health = Health(terminal)
    console = MaintenanceConsole(terminal, health, config_status=lambda: {"version": 3})
    assert console.run_test("receipt", "paper_empty") is None
    terminal.run_until(lambda v: not terminal.devices["receipt"].status.usable)
    devices = {d["device"]: d for d in console.devices()}
    assert devices["receipt"]["status"] == "media_empty"
    assert devices["receipt"]["last_error"]["status"] == "media_empty"
    assert devices["receipt"]["action"] == "clear"
    assert "paper_empty" in devices["receipt"]["tests"]
    assert console.run_test("receipt", "self_destruct") is not None
    # A dead letter shows with its reason and can be retried.
    done = terminal.outbox.enqueue("hotline_consult", {"fields": {}}, {"fields": {}})
    terminal.outbox.reject(done.transaction_id, "invalid_service")
    queue = console.queue()
    assert queue["dead_letters"] == [
        {
            "transaction_id": done.transaction_id,
            "service_id": "hotline_consult",
            "reason": "invalid_service",
        }
    ]
    assert console.retry(done.transaction_id) == "rejected"
    assert console.queue()["depth"] == 1
    cfg = console.config()
    assert cfg["version"] == 3 and cfg["sources"] and cfg["terminal_id"]
