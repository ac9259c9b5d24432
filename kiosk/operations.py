"""What runs beside the citizen flow: fleet config, health, metrics, maintenance mode.

`Operations` wires them to one terminal: the config watcher's thread and the metrics server's
thread start and stop with it, and one tick hook on the owner's thread drives the maintenance
timers, applies a checked config bundle when idle and records device status changes.

`load_startup_config` chooses the config a terminal starts with: the fleet directory if its
bundle checks, else the last good bundle, with the terminal's own file on top.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import logring
from kiosk.config import KioskConfig, load_config
from kiosk.config.fleet import ConfigWatcher, FleetConfig, IdleApplier
from kiosk.config.loader import ETC_DIR
from kiosk.health import Health
from kiosk.maintenance import (
    Maintenance,
    MaintenanceConsole,
    Mode,
    PaperCounters,
    SystemActions,
)
from kiosk.maintenance_metrics import LockoutCollector, PaperCollector
from kiosk.metrics import FlowMetrics, MetricsServer, TerminalCollector, build_registry

__all__ = ["Operations", "load_startup_config"]

log = logging.getLogger("kiosk.operations")

_OBSERVE_EVERY_S = 1.0


def load_startup_config(
    etc_dir: Path = ETC_DIR, state_dir: Path | None = None
) -> tuple[KioskConfig, FleetConfig]:
    """The config to start with (ConfigError if even the base is broken), and the fleet."""
    own = [etc_dir / "terminal.toml"] if (etc_dir / "terminal.toml").is_file() else []
    base = load_config(own)
    fleet = FleetConfig(
        state_dir or base.terminal.state_dir,
        base.fleet.conf_dir,
        trust=base.fleet.trust_dir,
        profile=base.terminal.profile,
        accept_unsigned_in_development=base.fleet.accept_unsigned_in_development,
        extra_layers=own,
    )
    layer = fleet.startup_layer()
    if layer is None:
        log.warning("config: no usable fleet bundle; running on shipped defaults + own file")
        return base, fleet
    return load_config([layer, *own]), fleet


class Operations:
    """Fleet config, health, metrics and maintenance mode around one terminal."""

    def __init__(
        self,
        terminal: Any,
        *,
        fleet: FleetConfig | None = None,
        state_dir: Path | None = None,
        sync_stats: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics_port: int | None = None,
    ) -> None:
        self.terminal = terminal
        self.fleet = fleet
        config: KioskConfig = terminal.config
        state = state_dir or config.terminal.state_dir
        self._clock = clock
        self.maintenance = Maintenance(
            config.maintenance,
            session_active=lambda: bool(terminal.session_active),
            clock=clock,
            state_path=Path(state) / "maintenance.json",
        )
        self.health = Health(
            terminal,
            config_status=self.config_status,
            sync_stats=sync_stats,
            maintenance=lambda: self.maintenance.is_open,
        )
        self.paper = PaperCounters(Path(state) / "paper.json")
        self.console = MaintenanceConsole(
            terminal,
            self.health,
            config_status=self.config_status,
            settings=config.maintenance,
            paper=self.paper,
            logs=logring.install(),
        )
        # Restart / reboot / leave to the desktop; the UI sets `actions.exit_app` (Qt's exit).
        self.actions = SystemActions(self.maintenance, clock=clock)
        self.watcher: ConfigWatcher | None = None
        self.applier: IdleApplier | None = None
        if fleet is not None:
            self.watcher = ConfigWatcher(fleet, poll_s=config.fleet.poll_s)
            self.watcher.mark_current()
            self.applier = IdleApplier(
                self.watcher,
                terminal,
                busy=lambda: self.maintenance.mode is not Mode.CLOSED,
            )
        self.registry = build_registry()
        self.flow_metrics = FlowMetrics(self.registry, clock)
        self.flow_metrics.attach(terminal)
        self.registry.register(
            TerminalCollector(
                terminal,
                config_status=self.config_status,
                sync_stats=sync_stats,
                maintenance=lambda: self.maintenance.is_open,
            )
        )
        self.registry.register(PaperCollector(self.paper))
        self.registry.register(LockoutCollector(self.maintenance))
        self.metrics_server: MetricsServer | None = None
        if config.metrics.enabled:
            port = config.metrics.port if metrics_port is None else metrics_port
            self.metrics_server = MetricsServer(self.registry, config.metrics.host, port)
        self._next_observe = 0.0
        terminal.add_tick_hook(self.tick)

    def config_status(self) -> dict[str, Any]:
        """Applied bundle, last refusal, pending version and restart needs."""
        status: dict[str, Any] = (
            self.fleet.status() if self.fleet is not None else {"version": None, "signed": None}
        )
        pending = self.watcher.pending if self.watcher is not None else None
        status["pending_version"] = pending.version if pending is not None else None
        status["restart_needed"] = list(self.applier.restart_needed) if self.applier else []
        # PIN lockouts reach the heartbeat (and the log bundle) here, beside the config.
        status["maintenance"] = self.maintenance.lockout_status()
        return status

    def start(self) -> None:
        """Start the metrics endpoint and the config watcher."""
        if self.metrics_server is not None:
            try:
                self.metrics_server.start()
            except OSError as exc:  # a busy port must not keep citizens from the terminal
                log.error("metrics: cannot listen: %s", exc.strerror or type(exc).__name__)
                self.metrics_server = None
        if self.watcher is not None:
            self.watcher.start()

    def stop(self) -> None:
        """Stop the watcher and the metrics endpoint."""
        if self.watcher is not None:
            self.watcher.stop()
        if self.metrics_server is not None:
            self.metrics_server.stop()

    def tick(self) -> None:
        """Owner-thread work after each terminal tick."""
        self.maintenance.tick()
        if self.applier is not None:
            self.applier()
        now = self._clock()
        if now >= self._next_observe:
            self._next_observe = now + _OBSERVE_EVERY_S
            self.health.observe()
