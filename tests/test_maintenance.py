"""Maintenance mode without Qt: gesture, PIN hashes, lockout (also across a restart), entry
only between sessions, automatic exit, and the console's data and actions."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.config.schema import MaintenancePin, MaintenanceSettings
from kiosk.health import Health
from kiosk.maintenance import Maintenance, MaintenanceConsole, Mode, hash_pin, verify_pin
from kiosk.terminal import Terminal

from .conftest import FakeClock, write_overlay

TECH_PIN = "48291375"
SUPER_PIN = "9081726354"


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
    encoded = hash_pin("12345678")
    assert encoded.startswith("scrypt$n=16384,r=8,p=1,d=8$")
    assert verify_pin("12345678", encoded) and not verify_pin("12345679", encoded)
    assert hash_pin("12345678") != encoded  # salted
    assert not verify_pin("12345678", "plain:12345678")
    with pytest.raises(ValueError):
        hash_pin("12a45678")
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
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("24681012\n"))
    assert main(["maintenance", "hash-pin", "--stdin"]) == 0
    encoded = capsys.readouterr().out.strip()
    assert "24681012" not in encoded and verify_pin("24681012", encoded)
    overlay = write_overlay(
        tmp_path / "conf.d",
        f'[maintenance]\nlockout_s = 60\n[[maintenance.pins]]\nid = "tech07"\nhash = "{encoded}"\n',
    )
    config = load_config([overlay])
    m = Maintenance(config.maintenance, session_active=lambda: False)
    m.request_entry()
    assert m.enter_pin("24681012") == "ok" and m.user == "tech07"
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


# -- paper counters, system actions, opening hours, logs and export, storage thread -----------


def test_paper_counters_persist_atomically_and_are_a_metric(tmp_path: Path) -> None:
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from kiosk.maintenance import PaperCounters
    from kiosk.maintenance_metrics import PaperCollector

    wall = Wall()
    path = tmp_path / "state" / "paper.json"
    paper = PaperCounters(path, wall_clock=wall)
    assert paper.snapshot()["receipt"] == {"count": 0, "last": None}
    paper.replaced("receipt", "tech01")
    wall.now += 3600
    entry = paper.replaced("receipt", "tech01")
    paper.replaced("licence")
    assert entry == {"count": 2, "last": wall.now}
    with pytest.raises(ValueError):
        paper.replaced("toner")
    assert sorted(p.name for p in path.parent.iterdir()) == ["paper.json"]  # no temp file left
    again = PaperCounters(path)
    assert again.snapshot() == paper.snapshot()
    path.write_text("{not json", encoding="utf-8")
    assert PaperCounters(path).snapshot()["receipt"]["count"] == 0  # unreadable: from zero
    registry = CollectorRegistry()
    registry.register(PaperCollector(again))
    samples = {
        (s.name, s.labels["printer"]): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
    }
    assert samples[("kiosk_paper_replaced_total", "receipt")] == 2
    assert samples[("kiosk_paper_replaced_total", "licence")] == 1
    assert samples[("kiosk_paper_replaced_timestamp_seconds", "receipt")] == wall.now


def _open(settings: MaintenanceSettings, clock: FakeClock, pin: str) -> Maintenance:
    m = make(settings, clock, Wall(), session=[False])
    m.request_entry()
    assert m.enter_pin(pin) == "ok"
    return m


def test_restart_reboot_desktop_need_confirmation_and_role(
    settings: MaintenanceSettings,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import sys

    from kiosk.maintenance import EXIT_DESKTOP, EXIT_RESTART, SystemActions

    marker = tmp_path / "rebooted"
    fake_reboot = (sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x')")
    settings = settings.model_copy(update={"reboot_command": fake_reboot, "confirm_s": 10})
    exits: list[int] = []
    with caplog.at_level(logging.INFO, logger="kiosk.maintenance"):
        m = _open(settings, clock, TECH_PIN)
        actions = SystemActions(m, exit_app=exits.append, clock=clock)
        # Leaving to the desktop needs a supervisor.
        assert actions.request("desktop") == "refused: needs a supervisor PIN"
        # Reboot: the first tap arms, a late second tap only arms again, a timely one runs.
        assert actions.request("reboot") == "confirm" and actions.armed == "reboot"
        clock.advance(11)
        assert actions.armed is None
        assert actions.request("reboot") == "confirm"
        assert not marker.exists()
        clock.advance(2)
        assert actions.request("reboot") == "done"
        assert marker.read_text() == "x"
        # Another action in between disarms the first.
        assert actions.request("restart") == "confirm"
        assert actions.request("reboot") == "confirm"
        assert actions.request("restart") == "confirm"
        assert actions.request("restart") == "done"
        assert exits == [EXIT_RESTART] and actions.requested_exit == 75
        assert m.mode is Mode.CLOSED and m.view()["exit_reason"] == "restart"
        assert actions.request("restart") == "refused: maintenance mode is not open"
        # A supervisor may leave to the desktop.
        sup = _open(settings, clock, SUPER_PIN)
        actions = SystemActions(sup, exit_app=exits.append, clock=clock)
        assert actions.request("desktop") == "confirm"
        assert actions.request("desktop") == "done"
        assert exits == [EXIT_RESTART, EXIT_DESKTOP] and EXIT_DESKTOP == 76
    # A failing reboot command is reported, not hidden.
    failing = settings.model_copy(
        update={"reboot_command": (sys.executable, "-c", "raise SystemExit(3)")}
    )
    m = _open(failing, clock, TECH_PIN)
    actions = SystemActions(m, clock=clock)
    actions.request("reboot")
    assert actions.request("reboot") == "failed: exit status 3"
    # Audit: who asked and who confirmed, never a PIN.
    assert "reboot confirmed by tech01 (technician)" in caplog.text
    assert "desktop refused for tech01" in caplog.text
    assert "desktop confirmed by sup01 (supervisor)" in caplog.text
    assert TECH_PIN not in caplog.text and SUPER_PIN not in caplog.text


def test_opening_hours_rules() -> None:
    from datetime import date, datetime

    from kiosk.hours import is_open, parse_hours
    from kiosk.workdays import WorkCalendar

    assert parse_hours("08:30-12:00,13:30-17:30") == [(510, 720), (810, 1050)]
    cal = WorkCalendar.of(holidays=[date(2026, 10, 1)], makeup_days=[date(2026, 10, 10)])
    thu = datetime(2026, 11, 26, 8, 29)
    assert not is_open("08:30-17:30", False, thu)
    assert is_open("08:30-17:30", False, thu.replace(minute=30))
    assert not is_open("08:30-17:30", False, thu.replace(hour=17, minute=30))  # end exclusive
    assert not is_open("08:30-12:00,13:30-17:30", False, thu.replace(hour=12, minute=45))
    assert is_open(None, False, thu) and is_open(None, True, thu, cal)
    assert not is_open(None, True, datetime(2026, 11, 28, 10, 0), cal)  # Saturday
    assert not is_open("08:30-17:30", True, datetime(2026, 10, 1, 10, 0), cal)  # National Day
    assert is_open("08:30-17:30", True, datetime(2026, 10, 10, 10, 0), cal)  # make-up Saturday
    # Past midnight: the early hours belong to the evening before.
    assert is_open("22:00-06:00", False, datetime(2026, 11, 26, 23, 0))
    assert is_open("22:00-06:00", False, datetime(2026, 11, 27, 5, 59))
    assert not is_open("22:00-06:00", False, datetime(2026, 11, 27, 6, 0))
    assert not is_open("22:00-06:00", True, datetime(2026, 11, 29, 3, 0), cal)  # after a Sat


def test_services_outside_their_hours_are_greyed(tmp_path: Path) -> None:
    from datetime import date, datetime

    from kiosk.compose import build_terminal
    from kiosk.config import ConfigError
    from kiosk.workdays import WorkCalendar

    for bad in ('"8:30-17:30"', '"08:30-25:00"', '"08:30"'):
        broken = write_overlay(tmp_path / f"bad{len(bad)}", f"[terminal]\nhours = {bad}\n")
        with pytest.raises(ConfigError, match=r"terminal\.hours"):
            load_config([broken])
    overlay = write_overlay(
        tmp_path / "conf.d",
        f'[terminal]\nstate_dir = "{tmp_path / "state"}"\nhours = "07:00-22:00"\n',
    )
    term = build_terminal(load_config([overlay]), sim=True, state_dir=tmp_path / "state")
    term.start()
    try:
        flow = term.flow
        now = [datetime(2026, 11, 26, 10, 0)]  # a Thursday
        flow._wall = lambda: now[0]
        flow._calendar = WorkCalendar.of(holidays=[date(2026, 10, 1)])
        service = next(s for s in term.config.services.values() if s.identity == "none")
        limited = service.model_copy(update={"hours": "08:30-17:30", "working_days_only": True})
        assert flow.service_unavailable_reason(limited) is None
        now[0] = datetime(2026, 11, 26, 18, 0)
        assert flow.service_unavailable_reason(limited) == "unavailable.hours"
        assert flow.service_unavailable_reason(service) is None  # the others stay usable
        now[0] = datetime(2026, 10, 1, 10, 0)  # a public holiday
        assert flow.service_unavailable_reason(limited) == "unavailable.hours"
        now[0] = datetime(2026, 11, 26, 3, 0)  # the terminal itself is closed at 3 a.m.
        assert flow.service_unavailable_reason(service) == "unavailable.hours"
        assert not flow.any_service_available()
        state = Health(term).state()  # closed for the night is not a fault
        assert (str(state.state), state.reason) == ("unavailable", "hours")
    finally:
        term.stop()


NAME = "测试样例"
ID_NUMBER = "11010519491231002X"


def mountinfo_line(point: Path, fstype: str = "vfat") -> str:
    """A /proc/self/mountinfo line for `point` with its real device number."""
    dev = point.stat().st_dev
    escaped = str(point).replace(" ", "\\040")
    return f"100 1 {os.major(dev)}:{os.minor(dev)} / {escaped} rw,nosuid - {fstype} /dev/sdb1 rw\n"


def _fake_usb(tmp_path: Path) -> tuple[Path, Path]:
    stick = tmp_path / "media" / "kiosk" / "USB STICK"
    stick.mkdir(parents=True)
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
        + mountinfo_line(tmp_path / "media", "tmpfs")
        + mountinfo_line(stick),
        encoding="utf-8",
    )
    return stick, mounts


def test_usb_detection_and_refusal(tmp_path: Path) -> None:
    from kiosk.logbundle import ExportRefused, find_export_dir, removable_mounts

    stick, mounts = _fake_usb(tmp_path)
    roots = (tmp_path / "media", tmp_path / "run" / "media")
    assert removable_mounts(roots, mounts) == [stick]  # the tmpfs on the root is no stick
    assert find_export_dir(stick, roots, mounts) == stick  # the configured mount point
    # Only a vfat/exFAT mount exactly at the mount point: not a directory elsewhere, not the
    # tmpfs above it, not the kiosk's default mount point when nothing is mounted there.
    with pytest.raises(ExportRefused, match="no USB stick found"):
        find_export_dir(tmp_path, roots, mounts)
    with pytest.raises(ExportRefused, match="is not a USB stick"):
        find_export_dir(tmp_path / "media", roots, mounts)
    with pytest.raises(ExportRefused, match="no USB stick found"):
        find_export_dir(None, (tmp_path / "elsewhere",), mounts)


def test_log_ring_and_bundle_without_personal_data(terminal: Terminal, tmp_path: Path) -> None:
    import tarfile

    from kiosk.logring import RingLogHandler
    from kiosk.maintenance import PaperCounters

    ring = RingLogHandler(capacity=50)
    logger = logging.getLogger("kiosk.test_bundle")
    logger.setLevel(logging.INFO)
    logger.addHandler(ring)
    try:
        for i in range(60):
            logger.info("line %d", i)
        try:
            raise RuntimeError("detail that must not travel")
        except RuntimeError:
            logger.exception("something failed")
    finally:
        logger.removeHandler(ring)
    records = ring.records()
    assert len(records) == 50 and records[-1]["message"] == "something failed [RuntimeError]"
    assert "must not travel" not in ring.text()
    assert ring.records(min_level=logging.ERROR) == records[-1:]

    stick, mounts = _fake_usb(tmp_path)
    settings = MaintenanceSettings(usb_roots=(tmp_path / "media",), export_dir=stick)
    console = MaintenanceConsole(
        terminal,
        Health(terminal),
        settings=settings,
        paper=PaperCounters(tmp_path / "paper.json"),
        logs=ring,
        mounts_file=mounts,
    )
    # A card read and a receipt test leave traffic in the rings first.
    assert console.test_card() is None
    terminal.run_until(lambda v: (console.test_result("idcard") or {}).get("state") == "ok")
    masked = console.test_result("idcard")["masked"]
    assert masked["name"] == "测***" and masked["id_number"] == "110105********002X"
    assert masked["card_type"] == "resident" and masked["photo"] is True
    problem, png = console.test_print("receipt")
    assert problem is None and png is not None and png.startswith(b"\x89PNG")
    terminal.run_until(lambda v: (console.test_result("receipt") or {}).get("state") == "ok")
    console.paper_replaced("receipt", "tech01")

    done: list[tuple[object, str | None]] = []
    console.export_logs_async(lambda path, error: done.append((path, error)))
    terminal.run_until(lambda v: bool(done), timeout=10)
    path, error = done[0]
    assert error is None and isinstance(path, Path) and path.parent == stick
    assert path.name.startswith(f"kiosk-logs-{terminal.config.terminal.id}-")
    assert not [p for p in stick.iterdir() if p.name.endswith(".part")]
    with tarfile.open(path) as tar:
        names = sorted(n.rsplit("/", 1)[1] for n in tar.getnames())
        texts = {
            n.rsplit("/", 1)[1]: tar.extractfile(n).read().decode()  # type: ignore[union-attr]
            for n in tar.getnames()
        }
    assert names == [
        "config.json",
        "devices.json",
        "health.json",
        "logs.txt",
        "manifest.json",
        "paper.json",
        "queue.json",
    ]
    assert "something failed" in texts["logs.txt"]
    assert '"count": 1' in texts["paper.json"] and '"depth"' in texts["queue.json"]
    assert "read resident card (simulated)" in texts["devices.json"]
    everything = "\n".join(texts.values())
    for secret in (NAME, ID_NUMBER, "19491231"):
        assert secret not in everything
    # No stick: refused with a message, nothing written.
    refusals: list[str | None] = []
    console.settings = MaintenanceSettings(usb_roots=(tmp_path / "nothing",))
    console.export_logs_async(lambda path, error: refusals.append(error))
    terminal.run_until(lambda v: bool(refusals))
    assert refusals[0] is not None and refusals[0].startswith("ExportRefused: no USB stick")


def test_outbox_reads_run_on_the_storage_thread(terminal: Terminal) -> None:
    import threading

    outbox = terminal.outbox
    seen: list[str] = []
    real_counts = outbox.counts

    def counts() -> dict[str, int]:
        seen.append(threading.current_thread().name)
        return real_counts()

    outbox.counts = counts  # type: ignore[method-assign]
    console = MaintenanceConsole(terminal, Health(terminal))
    done = terminal.outbox.enqueue("hotline_consult", {"fields": {}}, {"fields": {}})
    terminal.outbox.reject(done.transaction_id, "invalid_service")
    results: list[tuple[object, str | None, str]] = []
    console.queue_async(
        lambda figures, error: results.append((figures, error, threading.current_thread().name))
    )
    assert results == []  # asynchronous: nothing until the owner processes events
    terminal.run_until(lambda v: bool(results))
    figures, error, thread = results[0]
    assert error is None and thread == threading.main_thread().name
    assert seen and all(name.startswith("kiosk-storage") for name in seen)
    assert figures["dead_letters"][0]["reason"] == "invalid_service"  # type: ignore[index]
    retried: list[tuple[object, str | None]] = []
    console.retry_async(done.transaction_id, lambda prev, err: retried.append((prev, err)))
    terminal.run_until(lambda v: bool(retried))
    assert retried == [("rejected", None)]
    # A failing query comes back as an error, not an exception on the storage thread.
    failed: list[tuple[object, str | None]] = []
    outbox.counts = lambda: 1 / 0  # type: ignore[method-assign, assignment, misc]
    console.queue_async(lambda figures, error: failed.append((figures, error)))
    terminal.run_until(lambda v: bool(failed))
    assert failed == [(None, "ZeroDivisionError")]
