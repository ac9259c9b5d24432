"""The composition root: builds a Terminal (devices, outbox, flow, voice, sync) from config."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.base import Device, DeviceEvent
from drivers.registry import create_device, fit_options
from kiosk.config import KioskConfig
from kiosk.devices import DEVICE_CLASSES, Devices
from kiosk.terminal import Terminal
from kiosk.workdays import WorkCalendar
from offline_cache import Outbox

if TYPE_CHECKING:  # requests costs ~0.1 s at start; only terminals with an intake need it
    from offline_cache.client import IntakeClient
    from offline_cache.sync import SyncWorker

log = logging.getLogger("kiosk.compose")


def build_terminal(
    config: KioskConfig,
    *,
    sim: bool = False,
    state_dir: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
    calendar: WorkCalendar | None = None,
) -> Terminal:
    """Build a terminal from config; `sim` replaces every device with its simulator."""
    outbox_path = config.outbox_path()
    key_path = config.outbox_key_path()
    if state_dir is not None:
        outbox_path = state_dir / "outbox.sqlite3"
        key_path = state_dir / "outbox.key"
    outbox = Outbox(outbox_path, config.terminal.id, key_path=key_path)
    holder: list[Terminal] = []

    def on_event(event: DeviceEvent) -> None:
        holder[0]._on_device_event(event)

    found: dict[str, Device] = {}
    for device_class in DEVICE_CLASSES:
        settings = getattr(config.devices, device_class)
        if not settings.enabled:
            continue
        backend = "sim" if sim else settings.backend
        options = dict(settings.options)
        if backend != settings.backend:  # the simulator takes only its own options
            options = fit_options(device_class, backend, options)
        if settings.faults:
            options["faults"] = list(settings.faults)
        found[device_class] = create_device(device_class, backend, on_event, **options)
    devices = Devices.of(found)
    if calendar is None:
        from kiosk.config.holidays import calendar_layers, load_calendar

        calendar = load_calendar(
            calendar_layers(config.sources, development=config.terminal.profile == "development")
        )
    terminal = Terminal(config, outbox=outbox, devices=devices, clock=clock, calendar=calendar)
    holder.append(terminal)
    terminal.attach_voice(make_voice(config))
    # Without an intake URL the terminal stays honestly offline: online-only services show as
    # unavailable with that reason, everything else works and queues.
    if config.intake.url:
        terminal.intake = make_intake_client(config, state_dir or config.terminal.state_dir)
        terminal.sync = make_sync_worker(config, outbox, terminal, terminal.intake)
    return terminal


def make_voice(config: KioskConfig) -> Any | None:
    """The voice guidance device of `[accessibility]`; None when off or not installed."""
    if config.accessibility.voice == "off":
        return None
    from drivers.voice import EspeakVoice, VoiceUnavailable

    try:
        return EspeakVoice(rate_wpm=config.accessibility.voice_rate_wpm)
    except VoiceUnavailable as exc:
        log.warning("voice guidance unavailable: %s", exc)
        return None


def make_intake_client(config: KioskConfig, base: Path) -> IntakeClient:
    """The one intake client of `[intake]` (relative paths under `base`, the state directory).

    A production terminal refuses an https intake without its own CA bundle (IntakeConfigError).
    """
    from offline_cache.client import IntakeClient

    intake = config.intake
    assert intake.url is not None

    def path(p: Path | None) -> Path | None:
        return None if p is None else base / p

    return IntakeClient(
        intake.url,
        token_file=path(intake.token_file),
        ca_bundle=path(intake.ca_bundle),
        client_cert=path(intake.client_cert),
        client_key=path(intake.client_key),
        connect_timeout_s=intake.connect_timeout_s,
        read_timeout_s=intake.read_timeout_s,
        require_ca=config.terminal.profile == "production",
    )


def make_sync_worker(
    config: KioskConfig, outbox: Outbox, terminal: Terminal, client: IntakeClient
) -> SyncWorker:
    """The sync worker of `[intake]`, sending through the terminal's intake client."""
    from offline_cache.sync import SyncWorker

    intake = config.intake
    return SyncWorker(
        outbox,
        client,
        terminal_id=config.terminal.id,
        batch_size=intake.batch_size,
        heartbeat_s=intake.heartbeat_s,
        health=terminal.health_snapshot,
        on_state=terminal.set_connectivity,
    )
