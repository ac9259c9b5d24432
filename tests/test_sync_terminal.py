"""build_terminal starts a sync worker when [intake] url is set (needs the terminal wiring)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from devtools.intake_server import IntakeServer
from kiosk.compose import build_terminal
from kiosk.config import KioskConfig, load_config

from .conftest import write_overlay


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_terminal_syncs_heartbeats_and_follows_connectivity(
    overlay_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "intake.token").write_text("tok\n")
    server = IntakeServer(tmp_path / "intake.sqlite3", tokens=["tok"]).start()
    write_overlay(
        overlay_dir,
        f'[intake]\nurl = "{server.url}"\ntoken_file = "intake.token"\nheartbeat_s = 10\n',
        name="60-intake.toml",
    )
    config = load_config([overlay_dir])
    terminal = build_terminal(config, sim=True, state_dir=state)
    try:
        assert terminal.connectivity() == "offline"
        terminal.start()
        wait_for(lambda: terminal.connectivity() == "online")
        beat = server.store.heartbeats(config.terminal.id)[0]["body"]
        assert beat["app_version"] and len(beat["config_version"]) == 12
        assert set(beat["devices"]) == {"idcard", "receipt", "licence", "camera"}
        terminal.submit("tax_record", {"copies": 1}, {"name": "测试样例"})
        wait_for(lambda: server.store.count() == 1)
        server.stop()
        terminal.submit("tax_record", {"copies": 1}, {"name": "测试样例"})
        wait_for(lambda: terminal.connectivity() == "offline")
        assert terminal.outbox.depth() == 1
    finally:
        terminal.stop()
        server.stop()  # idempotent


def test_no_intake_url_means_no_worker(config: KioskConfig, tmp_path: Path) -> None:
    terminal = build_terminal(config, sim=True, state_dir=tmp_path / "state")
    try:
        assert terminal.sync is None and terminal.connectivity() == "offline"
    finally:
        terminal.stop()


def test_heartbeat_uses_the_health_provider(overlay_dir: Path, tmp_path: Path) -> None:
    from kiosk.health import Health

    server = IntakeServer(tmp_path / "intake.sqlite3").start()
    write_overlay(overlay_dir, f'[intake]\nurl = "{server.url}"\n', name="60-intake.toml")
    terminal = build_terminal(load_config([overlay_dir]), sim=True, state_dir=tmp_path / "s")
    terminal.set_health_provider(
        Health(terminal, sync_stats=lambda: terminal.sync.stats).snapshot  # type: ignore[union-attr]
    )
    try:
        terminal.start()
        wait_for(lambda: bool(server.store.heartbeats()))
        body = server.store.heartbeats()[0]["body"]
        assert body["state"] and "services" in body and body["sync"]["failures"] == 0
        assert body["queue"]["depth"] == 0 and body["app_version"]
    finally:
        terminal.stop()
        server.stop()
