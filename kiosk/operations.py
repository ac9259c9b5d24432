"""What runs beside the citizen flow: fleet config, health, metrics, maintenance mode.

`Operations` wires them to one terminal: the config watcher's thread and the metrics server's
thread start and stop with it, and one tick hook on the owner's thread drives the maintenance
timers, applies a checked config bundle when idle and records device status changes.

`load_startup_config` chooses the config a terminal starts with: the fleet directory if its
bundle checks, else the last good bundle (verified again), with the terminal's own file on top.
That file may set only identity and device keys (`TERMINAL_FILE_KEYS`); the production profile
is the default and refuses simulated devices; development must be asked for explicitly.
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
from kiosk.config.loader import (
    ETC_DIR,
    ConfigError,
    simulator_problems,
    terminal_file_problems,
)
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

__all__ = ["Operations", "load_startup_config", "with_development"]

log = logging.getLogger("kiosk.operations")

_OBSERVE_EVERY_S = 1.0


def with_development(config: KioskConfig) -> KioskConfig:
    """`config` in the development profile (the explicit switch: `kiosk run --development`)."""
    terminal = config.terminal.model_copy(update={"profile": "development"})
    return config.model_copy(update={"terminal": terminal})


def _under_etc(path: Path, etc_dir: Path) -> Path:
    # The fleet and trust directories live beside terminal.toml (the file cannot move them).
    try:
        return etc_dir / path.relative_to(ETC_DIR)
    except ValueError:
        return path


def load_startup_config(
    etc_dir: Path = ETC_DIR, state_dir: Path | None = None, *, development: bool = False
) -> tuple[KioskConfig, FleetConfig]:
    """The config to start with, and the fleet; ConfigError if even the base is unusable.

    ConfigError too for a terminal file that sets keys outside `TERMINAL_FILE_KEYS` and, in the
    production profile, for simulated devices. A refused fleet bundle is not an error: it is
    recorded and the last good one (or the base) runs.
    """
    own_file = etc_dir / "terminal.toml"
    own = [own_file] if own_file.is_file() else []
    if own:
        problems = terminal_file_problems(own_file)
        if problems:
            raise ConfigError(problems)
    base = load_config(own)
    if development:
        base = with_development(base)
    fleet = FleetConfig(
        state_dir or base.terminal.state_dir,
        _under_etc(base.fleet.conf_dir, etc_dir),
        trust=_under_etc(base.fleet.trust_dir, etc_dir),
        profile=base.terminal.profile,
        accept_unsigned_in_development=base.fleet.accept_unsigned_in_development,
        extra_layers=own,
        audience=base.fleet.audience,
        max_version_step=base.fleet.max_version_step,
    )
    layer = fleet.startup_layer()
    if layer is None:
        log.warning("config: no usable fleet bundle; running on shipped defaults + own file")
        config = base
    else:
        config = load_config([layer, *own])
        if config.terminal.profile != base.terminal.profile:
            # The profile is the terminal's decision, never the bundle's.
            terminal = config.terminal.model_copy(update={"profile": base.terminal.profile})
            config = config.model_copy(update={"terminal": terminal})
    problems = simulator_problems(config)
    if problems:
        raise ConfigError(problems)
    return config, fleet


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

    @property
    def development(self) -> bool:
        """True in the development profile (the UI shows a banner while it is)."""
        return bool(self.terminal.config.development)

    def config_status(self) -> dict[str, Any]:
        """Applied bundle, last refusal, pending version, restart needs and the profile."""
        status: dict[str, Any] = (
            self.fleet.status() if self.fleet is not None else {"version": None, "signed": None}
        )
        status["development"] = self.development
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
