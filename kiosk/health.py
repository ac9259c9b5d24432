"""Terminal state after IATA CUSS and the health snapshot sent in the heartbeat.

`terminal_state` maps what the terminal knows to ``initialize -> unavailable(reason) <->
available <-> active``, plus ``maintenance`` and ``stopped`` (DEVICES.md). Availability is per
service (`kiosk.session.Flow.service_unavailable_reason`); the terminal is ``unavailable`` only
when no service at all can be used, and the reason says which kind of problem stops it.

`Health` also keeps, per device, the last error and a short ring buffer of status changes for
maintenance mode; call `Health.observe()` from the owner's tick. Nothing here holds personal
data: device details are technical notes, services are ids.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "UNAVAILABLE_REASONS",
    "Health",
    "TerminalState",
    "device_record",
    "service_availability",
    "terminal_state",
]

log = logging.getLogger("kiosk.health")

UNAVAILABLE_REASONS = ("hardware", "consumables", "internal", "backend", "hours")
_HISTORY = 20


class TerminalState(StrEnum):
    """CUSS terminal states."""

    INITIALIZE = "initialize"
    UNAVAILABLE = "unavailable"
    AVAILABLE = "available"
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    STOPPED = "stopped"


class HealthSource(Protocol):
    """What health reads from the terminal (kiosk.terminal.Terminal satisfies it)."""

    config: Any
    devices: Mapping[str, Any]
    flow: Any
    outbox: Any

    def connectivity(self) -> str: ...


@dataclass(frozen=True)
class StateInfo:
    """The terminal state and, for ``unavailable``, why."""

    state: TerminalState
    reason: str | None = None

    def __str__(self) -> str:
        return f"{self.state}({self.reason})" if self.reason else str(self.state)


def device_record(status: Any) -> dict[str, Any]:
    """The DEVICES.md device record of a drivers.status.DeviceStatus, JSON-able."""
    return {
        "availability": str(status.availability),
        "state": status.state,
        "status": str(status.status),
        "severity": str(status.severity),
        "action": str(status.action),
        "detail": status.detail,
    }


def service_availability(source: HealthSource) -> dict[str, str | None]:
    """Service id -> None when usable, else the reason key (``unavailable.receipt`` ...)."""
    flow = source.flow
    return {sid: flow.service_unavailable_reason(s) for sid, s in source.config.services.items()}


def _unavailable_reason(source: HealthSource, services: Mapping[str, str | None]) -> str:
    reasons = {r for r in services.values() if r}
    if not services:
        return "internal"  # no service configured: a config problem
    if reasons == {"unavailable.offline"}:
        return "backend"
    if reasons == {"unavailable.hours"}:
        return "hours"  # outside the opening hours: not a fault (DEVICES.md)
    blocking = [
        source.devices[r.removeprefix("unavailable.")].status
        for r in reasons
        if r.removeprefix("unavailable.") in source.devices
    ]
    unusable = [s for s in blocking if not s.usable]
    if unusable and all(str(s.action) == "clear" for s in unusable):
        return "consumables"
    if any(str(s.action) == "configuration" for s in unusable):
        return "internal"
    return "hardware"


def terminal_state(source: HealthSource, *, maintenance: bool = False) -> StateInfo:
    """The CUSS state of the terminal right now."""
    statuses = [d.status for d in source.devices.values()]
    if statuses and all(s.state == "offline" and str(s.status) == "ok" for s in statuses):
        return StateInfo(TerminalState.STOPPED)
    if maintenance:
        return StateInfo(TerminalState.MAINTENANCE)
    if any(s.state == "starting" for s in statuses):
        return StateInfo(TerminalState.INITIALIZE)
    if source.flow.session_active:
        return StateInfo(TerminalState.ACTIVE)
    services = service_availability(source)
    if any(r is None for r in services.values()):
        return StateInfo(TerminalState.AVAILABLE)
    return StateInfo(TerminalState.UNAVAILABLE, _unavailable_reason(source, services))


class Health:
    """Health of one terminal: state, devices, services, queue, config, for heartbeat and UI."""

    def __init__(
        self,
        source: HealthSource,
        *,
        config_status: Callable[[], Mapping[str, Any]] | None = None,
        sync_stats: Callable[[], Any] | None = None,
        maintenance: Callable[[], bool] = lambda: False,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self._config_status = config_status
        self._sync_stats = sync_stats
        self._maintenance = maintenance
        self._wall = wall_clock
        self._last: dict[str, Any] = {}
        self.last_error: dict[str, dict[str, Any]] = {}
        self.history: dict[str, collections.deque[dict[str, Any]]] = {}
        self._state: StateInfo | None = None

    def state(self) -> StateInfo:
        """The current CUSS state."""
        return terminal_state(self.source, maintenance=self._maintenance())

    def observe(self) -> None:
        """Record device status changes and state transitions (call from the owner's tick)."""
        now = self._wall()
        for name, device in self.source.devices.items():
            status = device.status
            if self._last.get(name) == status:
                continue
            self._last[name] = status
            record = {**device_record(status), "at": now}
            self.history.setdefault(name, collections.deque(maxlen=_HISTORY)).append(record)
            if str(status.status) != "ok" or not status.usable:
                self.last_error[name] = record
        state = self.state()
        if state != self._state:
            if self._state is not None:
                log.info("terminal state: %s -> %s", self._state, state)
            self._state = state

    def snapshot(self) -> dict[str, Any]:
        """The heartbeat's health part: JSON-able, no personal data."""
        source = self.source
        state = self.state()
        services = service_availability(source)
        devices = {}
        for name, device in source.devices.items():
            devices[name] = {
                **device_record(device.status),
                "last_error": self.last_error.get(name),
            }
        body: dict[str, Any] = {
            "terminal_id": source.config.terminal.id,
            "at": self._wall(),
            "state": str(state.state),
            "reason": state.reason,
            "connectivity": source.connectivity(),
            "devices": devices,
            "services": {
                "available": sorted(k for k, v in services.items() if v is None),
                "unavailable": {k: v for k, v in sorted(services.items()) if v is not None},
            },
            "sessions": dict(_copy(source.flow.completed_sessions)),
        }
        try:
            outbox = source.outbox
            counts = outbox.counts()
            oldest = outbox.oldest_age()
            body["queue"] = {
                "depth": counts.get("queued", 0) + counts.get("sending", 0),
                "oldest_queued_age_s": None if oldest is None else round(oldest, 1),
                "dead_letters": counts.get("rejected", 0),
            }
        except Exception as exc:  # a broken database must not hide the rest of the health
            body["queue"] = {"error": type(exc).__name__}
        if self._config_status is not None:
            body["config"] = dict(self._config_status())
        if self._sync_stats is not None:
            stats = self._sync_stats()
            body["sync"] = {
                "failures": getattr(stats, "failures", 0),
                "last_error": getattr(stats, "last_error", None),
                "last_success_at": getattr(stats, "last_success_at", None),
            }
        return body


def _copy(d: Mapping[str, int]) -> dict[str, int]:
    # Read from another thread (metrics, heartbeat) while the owner may add a key: retry.
    for _ in range(5):
        try:
            return dict(d)
        except RuntimeError:
            continue
    return {}
