"""Terminal state, the per-service availability matrix for every device fault, and the health
snapshot carried by the heartbeat to a real intake server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from devtools.intake_server import IntakeServer
from kiosk.config import Service
from kiosk.health import Health, TerminalState, terminal_state
from kiosk.terminal import Terminal
from offline_cache.sync import SyncWorker


def needs(service: Service) -> set[str]:
    """The devices a service needs, from its definition (the rule the matrix checks)."""
    out = set(service.outputs)
    if service.identity != "none":
        out.add("idcard")
    if service.identity == "id_card_face":
        out.add("camera")
    return out


def wait_status(terminal: Terminal, device: str, pred: Callable[[str], bool]) -> None:
    deadline = time.monotonic() + 5
    while not pred(str(terminal.devices[device].status.status)):
        assert time.monotonic() < deadline, terminal.devices[device].status
        time.sleep(0.005)
    terminal.process_events()


# DEVICES.md fault table: (device, injected word) -> (status, severity, action, usable)
MATRIX = [
    ("receipt", "paper_low", "media_low", "warning", "clear", True),
    ("receipt", "paper_empty", "media_empty", "alarm", "clear", False),
    ("receipt", "paper_jam", "media_jammed", "alarm", "clear", False),
    ("receipt", "cover_open", "cover_open", "alarm", "clear", False),
    ("receipt", "cutter_jam", "hardware_error", "alarm", "maintenance", False),
    ("receipt", "media_present", "media_present", "normal", "none", True),
    ("receipt", "unplug", "not_reachable", "alarm", "reset", False),
    ("receipt", "power_off", "not_responding", "alarm", "reset", False),
    ("licence", "paper_empty", "media_empty", "alarm", "clear", False),
    ("licence", "paper_jam", "media_jammed", "alarm", "clear", False),
    ("licence", "toner_low", "media_low", "warning", "clear", True),
    ("licence", "toner_empty", "consumables", "alarm", "clear", False),
    ("licence", "cutter_jam", "hardware_error", "alarm", "maintenance", False),
    ("licence", "unplug", "not_reachable", "alarm", "reset", False),
    ("idcard", "unplug", "not_reachable", "alarm", "reset", False),
    ("idcard", "power_off", "not_responding", "alarm", "reset", False),
    ("camera", "camera_stall", "not_responding", "alarm", "reset", False),
    ("camera", "unplug", "not_reachable", "alarm", "reset", False),
]


@pytest.mark.parametrize(("device", "word", "status", "severity", "action", "usable"), MATRIX)
def test_availability_matrix(
    terminal: Terminal,
    device: str,
    word: str,
    status: str,
    severity: str,
    action: str,
    usable: bool,
) -> None:
    terminal.set_connectivity("online")
    health = Health(terminal)
    assert health.state().state is TerminalState.AVAILABLE
    terminal.inject(device, word)
    wait_status(terminal, device, lambda s: s == status)
    snap = health.snapshot()
    record = snap["devices"][device]
    assert (record["status"], record["severity"], record["action"]) == (status, severity, action)
    unavailable = snap["services"]["unavailable"]
    for sid, service in terminal.config.services.items():
        blocked = device in needs(service) and not usable
        assert (sid in unavailable) == blocked, sid
        if blocked:
            assert unavailable[sid] == f"unavailable.{device}"
    # One device alone never takes the whole terminal down: others' services keep running.
    assert snap["state"] == "available"
    # The service list greys exactly those services, with the reason.
    terminal.intent("start")
    listed = {s["id"]: s for s in terminal.view.data["services"]}
    assert {k for k, s in listed.items() if not s["available"]} == set(unavailable)


def test_offline_disables_only_online_services(terminal: Terminal) -> None:
    health = Health(terminal)
    assert terminal.connectivity() == "offline"
    snap = health.snapshot()
    online_only = {sid for sid, s in terminal.config.services.items() if s.online_only}
    assert set(snap["services"]["unavailable"]) == online_only
    assert all(v == "unavailable.offline" for v in snap["services"]["unavailable"].values())
    assert snap["state"] == "available"
    terminal.set_connectivity("online")
    assert Health(terminal).snapshot()["services"]["unavailable"] == {}


def test_out_of_service_reasons(terminal: Terminal) -> None:
    terminal.set_connectivity("online")
    terminal.inject("receipt", "paper_empty")
    terminal.inject("licence", "paper_empty")
    wait_status(terminal, "receipt", lambda s: s == "media_empty")
    wait_status(terminal, "licence", lambda s: s == "media_empty")
    info = terminal_state(terminal)
    assert (info.state, info.reason) == (TerminalState.UNAVAILABLE, "consumables")
    assert str(info) == "unavailable(consumables)"
    # The citizen is told the terminal is out of service.
    assert terminal.view.data["available"] is False
    terminal.intent("start")
    assert terminal.view.screen == "attract" and terminal.view.message == "terminal.out_of_service"
    terminal.inject("receipt", "cutter_jam")
    wait_status(terminal, "receipt", lambda s: s == "hardware_error")
    assert terminal_state(terminal).reason == "hardware"
    # Back: paper refilled on both printers (reset clears the simulated faults).
    terminal.inject("receipt", "reset")
    terminal.inject("licence", "reset")
    wait_status(terminal, "receipt", lambda s: s == "ok")
    wait_status(terminal, "licence", lambda s: s == "ok")
    assert terminal_state(terminal).state is TerminalState.AVAILABLE


def test_states_active_maintenance_stopped(terminal: Terminal) -> None:
    in_maintenance = False
    health = Health(terminal, maintenance=lambda: in_maintenance)
    terminal.intent("start")
    assert health.state().state is TerminalState.ACTIVE
    terminal.intent("cancel")
    assert health.state().state is TerminalState.AVAILABLE
    in_maintenance = True
    assert health.state().state is TerminalState.MAINTENANCE
    for device in terminal.devices.values():
        device.stop()
    assert health.state().state is TerminalState.STOPPED


def test_last_error_and_history(terminal: Terminal) -> None:
    health = Health(terminal)
    health.observe()
    assert health.last_error == {}
    terminal.inject("receipt", "paper_jam")
    wait_status(terminal, "receipt", lambda s: s == "media_jammed")
    health.observe()
    terminal.inject("receipt", "reset")
    wait_status(terminal, "receipt", lambda s: s == "ok")
    health.observe()
    assert health.last_error["receipt"]["status"] == "media_jammed"
    assert [r["status"] for r in health.history["receipt"]] == ["ok", "media_jammed", "ok"]
    snap = health.snapshot()
    assert snap["devices"]["receipt"]["status"] == "ok"
    assert snap["devices"]["receipt"]["last_error"]["status"] == "media_jammed"


def test_snapshot_in_heartbeat(terminal: Terminal, tmp_path: Path) -> None:
    """The snapshot reaches a real intake server through the sync worker's heartbeat."""
    server = IntakeServer(tmp_path / "intake.sqlite3", tokens=["t0ken"])
    server.start()
    config_status = {"version": 7, "last_refusal": {"code": "tampered", "reason": "x"}}
    health = Health(terminal, config_status=lambda: config_status)
    worker = SyncWorker(
        terminal.outbox,
        server.url,
        terminal_id=terminal.config.terminal.id,
        token="t0ken",
        heartbeat_s=0.05,
        health=health.snapshot,
        idle_poll_s=0.02,
    )
    try:
        terminal.inject("licence", "paper_empty")
        wait_status(terminal, "licence", lambda s: s == "media_empty")
        worker.start()
        deadline = time.monotonic() + 10
        while not server.store.heartbeats():
            assert time.monotonic() < deadline, "no heartbeat arrived"
            time.sleep(0.02)
        worker.stop()
        beat = server.store.heartbeats()[0]
    finally:
        worker.stop()
        server.stop()
    body = beat["body"] if isinstance(beat["body"], dict) else json.loads(beat["body"])
    assert body["state"] == "available"
    assert body["devices"]["licence"]["status"] == "media_empty"
    assert body["services"]["unavailable"]["tax_record"] == "unavailable.licence"
    assert body["config"]["last_refusal"]["code"] == "tampered"
    assert body["queue"]["depth"] == 0
    text = json.dumps(body, ensure_ascii=False)
    assert "11010519491231002X" not in text and "测试样例" not in text
