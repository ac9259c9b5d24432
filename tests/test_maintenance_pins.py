"""Maintenance PINs and lockouts (M3, L13): 8/10-digit minimums, lockouts that grow and
survive restarts, a record written with fsync and failing closed, metrics and heartbeat."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from kiosk.config.schema import MaintenancePin, MaintenanceSettings
from kiosk.maintenance import Maintenance, Mode, hash_pin, verify_pin
from kiosk.maintenance_metrics import LockoutCollector

from .conftest import FakeClock

TECH_PIN = "48291375"
SUPER_PIN = "9081726354"


class Wall:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


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


def _make(settings: MaintenanceSettings, wall: Wall, state: Path | None) -> Maintenance:
    return Maintenance(
        settings, session_active=lambda: False, clock=FakeClock(), wall_clock=wall, state_path=state
    )


def test_a_four_digit_pin_is_refused_everywhere() -> None:
    for short in ("1234", "123456", "1234567"):
        with pytest.raises(ValueError):
            hash_pin(short)
    with pytest.raises(ValueError):
        hash_pin("123456789", role="supervisor")  # 9 digits: enough for a technician only
    tech9 = hash_pin("123456789")
    MaintenancePin(id="t", hash=tech9)
    with pytest.raises(ValidationError, match="supervisor PIN needs 10 digits"):
        MaintenancePin(id="s", role="supervisor", hash=tech9)
    # An old-format hash (no digit count) no longer loads, and editing the digit count into a
    # hash does not make a short PIN pass: the count is bound into the hash.
    with pytest.raises(ValidationError):
        MaintenancePin(id="t", hash="scrypt$n=16384,r=8,p=1$c2FsdA==$AAAA")
    forged = tech9.replace(",d=9$", ",d=10$")
    MaintenancePin(id="s", role="supervisor", hash=forged)  # loads, but no PIN matches it
    assert not verify_pin("123456789", forged)
    assert not verify_pin("1234567890", forged)
    assert verify_pin("123456789", tech9) and not verify_pin("12345678", tech9)


def _lock_once(m: Maintenance) -> None:
    m.request_entry()
    assert m.mode is Mode.PIN
    assert [m.enter_pin("00000000") for _ in range(5)][-1] == "locked"


def test_lockouts_grow_and_survive_restarts(settings: MaintenanceSettings, tmp_path: Path) -> None:
    wall, state = Wall(), tmp_path / "maintenance.json"
    m = _make(settings, wall, state)
    durations = []
    for _ in range(5):
        _lock_once(m)
        durations.append(m.lockout_remaining())
        m = _make(settings, wall, state)  # a power cycle at each lockout
        assert m.mode is Mode.LOCKED
        wall.now += m.lockout_remaining() + 1
        m.tick()
        assert m.mode is Mode.CLOSED
    assert durations == [900, 3600, 14400, 86400, 86400]
    status = m.lockout_status()
    assert status["lockouts_total"] == 5 and status["last_lockout_at"] is not None
    record = json.loads(state.read_text())
    assert record["lockouts_total"] == 5 and record["level"] == 5
    assert (state.stat().st_mode & 0o777) == 0o600
    # A right PIN resets the growth (not the total count).
    m.request_entry()
    assert m.enter_pin(TECH_PIN) == "ok"
    m.exit()
    _lock_once(m)
    assert m.lockout_remaining() == 900 and m.lockout_status()["lockouts_total"] == 6


def test_the_record_is_fsynced_and_renamed(
    settings: MaintenanceSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    def replace(a: str, b: str) -> None:
        calls.append("replace")
        real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    m = _make(settings, Wall(), tmp_path / "maintenance.json")
    m.request_entry()
    assert m.enter_pin("00000000") == "wrong"
    assert calls == ["fsync", "replace", "fsync"]  # file, rename, directory
    assert [p.name for p in tmp_path.iterdir()] == ["maintenance.json"]


def test_a_record_that_cannot_be_written_keeps_the_terminal_locked(
    settings: MaintenanceSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import kiosk.maintenance.mode as mode

    wall, state = Wall(), tmp_path / "maintenance.json"
    m = _make(settings, wall, state)
    m.request_entry()
    real_open = os.open

    def full_disk(path: object, flags: int, *args: object, **kw: object) -> int:
        if str(path).endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(mode.os, "open", full_disk)
    # The first wrong PIN cannot be counted durably: entry is locked at once.
    assert m.enter_pin("00000000") == "locked"
    assert m.mode is Mode.LOCKED and m.lockout_status()["record_unsaved"]
    assert m.enter_pin(TECH_PIN) == "locked"
    wall.now += 10 * 86400  # however long it waits, it stays locked while unsaved
    m.tick()
    assert m.mode is Mode.LOCKED and m.lockout_remaining() > 0
    assert not state.exists()
    monkeypatch.setattr(mode.os, "open", real_open)
    m._next_retry = 0.0
    m.tick()  # the record is written now; the lockout may run out
    assert not m.lockout_status()["record_unsaved"]
    assert json.loads(state.read_text())["failures"] == 1
    m.tick()
    assert m.mode is Mode.CLOSED


def test_lockouts_are_metrics(settings: MaintenanceSettings, tmp_path: Path) -> None:
    m = _make(settings, Wall(), tmp_path / "maintenance.json")
    seen: list[dict[str, object]] = []
    m.on_lockout(seen.append)
    _lock_once(m)
    families = {f.name: f for f in LockoutCollector(m).collect()}
    assert families["kiosk_maintenance_lockouts"].samples[0].value == 1.0
    assert families["kiosk_maintenance_locked"].samples[0].value == 1.0
    last = families["kiosk_maintenance_last_lockout_timestamp_seconds"].samples[0].value
    assert last == 1_800_000_000.0
    assert len(seen) == 1 and seen[0]["lockouts_total"] == 1


def test_lockouts_reach_the_heartbeat_and_the_scrape(terminal: object, tmp_path: Path) -> None:
    from prometheus_client import generate_latest

    from kiosk.operations import Operations

    ops = Operations(terminal, state_dir=tmp_path / "state")
    ops.maintenance.request_entry()
    for _ in range(ops.maintenance.settings.max_failures):
        ops.maintenance.enter_pin("00000000")
    body = ops.health.snapshot()
    assert body["config"]["maintenance"]["lockouts_total"] == 1
    assert body["config"]["maintenance"]["locked"] is True
    scrape = generate_latest(ops.registry).decode()
    assert "kiosk_maintenance_lockouts_total 1.0" in scrape
