"""The device status model shared by every device class (see design/DEVICES.md).

Modelled on CUSS / XFS: a coarse availability, a finer state, one status code, a severity and
the action that fixes it (who has to come). `DeviceStatus.for_status` fills the defaults from the
fault table so that every backend reports the same fault the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Availability(StrEnum):
    """Whether the device can take work."""

    READY = "ready"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"


class Severity(StrEnum):
    """How loudly the fleet should be told."""

    NORMAL = "normal"
    WARNING = "warning"
    ALARM = "alarm"


class Action(StrEnum):
    """Who or what fixes the condition (XFS vocabulary, plus the citizen retrying)."""

    NONE = "none"
    CLEAR = "clear"
    MAINTENANCE = "maintenance"
    SUSPEND = "suspend"
    RESET = "reset"
    CONFIGURATION = "configuration"
    USER_RETRY = "user_retry"


class Status(StrEnum):
    """One status code from the DEVICES.md fault table."""

    OK = "ok"
    MEDIA_LOW = "media_low"
    MEDIA_EMPTY = "media_empty"
    MEDIA_JAMMED = "media_jammed"
    COVER_OPEN = "cover_open"
    HARDWARE_ERROR = "hardware_error"
    MEDIA_PRESENT = "media_present"
    CONSUMABLES = "consumables"
    MEDIA_DAMAGED = "media_damaged"
    MEDIA_REMOVED = "media_removed"
    NOT_REACHABLE = "not_reachable"
    NOT_RESPONDING = "not_responding"
    TIMEOUT = "timeout"
    CONFIGURATION_ERROR = "configuration_error"


# Finer states (DeviceStatus.state).
STATES = frozenset(
    {"starting", "ready", "busy", "offline", "no_device", "power_off", "hardware_error"}
    | {"user_error"}
)

# status -> (availability, finer state, severity, action), from the DEVICES.md fault table.
# media_present: the receipt waits in the mouth; the device is usable but the next session waits
# ("busy"), severity starts normal (a backend may raise it to warning when it is left too long).
_TABLE: dict[Status, tuple[Availability, str, Severity, Action]] = {
    Status.OK: (Availability.READY, "ready", Severity.NORMAL, Action.NONE),
    Status.MEDIA_LOW: (Availability.READY, "ready", Severity.WARNING, Action.CLEAR),
    Status.MEDIA_EMPTY: (Availability.UNAVAILABLE, "user_error", Severity.ALARM, Action.CLEAR),
    Status.MEDIA_JAMMED: (Availability.UNAVAILABLE, "user_error", Severity.ALARM, Action.CLEAR),
    Status.COVER_OPEN: (Availability.UNAVAILABLE, "user_error", Severity.ALARM, Action.CLEAR),
    Status.HARDWARE_ERROR: (
        Availability.UNAVAILABLE,
        "hardware_error",
        Severity.ALARM,
        Action.MAINTENANCE,
    ),
    Status.MEDIA_PRESENT: (Availability.BUSY, "busy", Severity.NORMAL, Action.NONE),
    Status.CONSUMABLES: (Availability.UNAVAILABLE, "user_error", Severity.ALARM, Action.CLEAR),
    Status.MEDIA_DAMAGED: (Availability.READY, "ready", Severity.NORMAL, Action.USER_RETRY),
    Status.MEDIA_REMOVED: (Availability.READY, "ready", Severity.NORMAL, Action.USER_RETRY),
    Status.NOT_REACHABLE: (Availability.UNAVAILABLE, "no_device", Severity.ALARM, Action.RESET),
    Status.NOT_RESPONDING: (Availability.UNAVAILABLE, "offline", Severity.ALARM, Action.RESET),
    Status.TIMEOUT: (Availability.READY, "ready", Severity.NORMAL, Action.NONE),
    Status.CONFIGURATION_ERROR: (
        Availability.UNAVAILABLE,
        "offline",
        Severity.ALARM,
        Action.CONFIGURATION,
    ),
}


@dataclass(frozen=True)
class DeviceStatus:
    """What a device publishes: availability, finer state, status code, severity, action.

    `detail` is a short technical note for maintenance staff; it never carries personal data.
    """

    availability: Availability
    state: str
    status: Status = Status.OK
    severity: Severity = Severity.NORMAL
    action: Action = Action.NONE
    detail: str = ""

    @property
    def usable(self) -> bool:
        """True when the device can take work (ready or busy, not unavailable)."""
        return self.availability is not Availability.UNAVAILABLE

    @classmethod
    def for_status(
        cls, status: Status, detail: str = "", *, state: str | None = None
    ) -> DeviceStatus:
        """The status record for `status` with the defaults of the DEVICES.md fault table."""
        availability, default_state, severity, action = _TABLE[Status(status)]
        return cls(
            availability=availability,
            state=state if state is not None else default_state,
            status=Status(status),
            severity=severity,
            action=action,
            detail=detail,
        )


STARTING = DeviceStatus(Availability.UNAVAILABLE, "starting")
STOPPED = DeviceStatus(Availability.UNAVAILABLE, "offline")

FAULT_WORDS: frozenset[str] = frozenset(
    {
        "paper_low",
        "paper_empty",
        "paper_jam",
        "cover_open",
        "cutter_jam",
        "media_present",
        "media_taken",
        "power_off",
        "power_on",
        "unplug",
        "replug",
        "garbage",
        "slow",
        "card_insert",
        "card_remove",
        "camera_stall",
    }
)
