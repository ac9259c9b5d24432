"""The one config schema: pydantic models for terminal settings and the service catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from drivers.status import FAULT_WORDS as _DRIVER_FAULT_WORDS
from kiosk.validators import VALIDATORS

__all__ = [
    "FAULT_WORDS",
    "PREFILL_SOURCES",
    "SCREENS",
    "TYPE_VALIDATORS",
    "Choice",
    "Department",
    "DeviceSettings",
    "DevicesSettings",
    "FieldType",
    "FleetSettings",
    "FormField",
    "IntakeSettings",
    "KioskConfig",
    "LocalText",
    "MaintenancePin",
    "MaintenanceSettings",
    "MetricsSettings",
    "OutboxSettings",
    "Service",
    "TerminalSettings",
    "TimeoutSettings",
    "UiSettings",
    "catalogue_problems",
    "service_problems",
]

SCREENS: tuple[str, ...] = (
    "attract",
    "choose_service",
    "identify",
    "verify_face",
    "fill_form",
    "review",
    "submitting",
    "printing",
    "rating",
    "done",
)

# Fault-injection vocabulary shared by simulators, the rig and tests (DEVICES.md); the
# drivers own it, config only checks against it.
FAULT_WORDS: tuple[str, ...] = tuple(sorted(_DRIVER_FAULT_WORDS))
# Words that take one argument, e.g. "card_insert <profile>".
_FAULT_WORDS_WITH_ARG = frozenset({"card_insert"})

PREFILL_SOURCES: tuple[str, ...] = (
    "id_card.name",
    "id_card.id_number",
    "id_card.sex",
    "id_card.birth_date",
    "id_card.address",
)

FieldType = Literal[
    "text",
    "textarea",
    "name",
    "phone",
    "id_number",
    "credit_code",
    "postal_code",
    "number",
    "date",
    "choice",
]

# The validator a field gets from its type when it names none.
TYPE_VALIDATORS: dict[str, str] = {
    "name": "name",
    "phone": "phone",
    "id_number": "id_number",
    "credit_code": "credit_code",
    "postal_code": "postal_code",
    "number": "number",
    "date": "date",
}

_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Ident = Annotated[StrictStr, Field(pattern=_ID_PATTERN, max_length=64)]
Loc = tuple[str | int, ...]


def _fail(code: str, reason: str) -> PydanticCustomError:
    # The reason goes in as context so braces in it are never read as a template.
    return PydanticCustomError(code, "{reason}", {"reason": reason})


def _check_fault(word: str) -> str:
    parts = word.split()
    if not parts or parts[0] not in FAULT_WORDS:
        raise _fail(
            "unknown_fault", f"unknown fault word {word!r} (known: {' '.join(FAULT_WORDS)})"
        )
    if len(parts) > 1 and parts[0] not in _FAULT_WORDS_WITH_ARG:
        raise _fail("fault_argument", f"fault word {parts[0]!r} takes no argument")
    if len(parts) > 2:
        raise _fail("fault_argument", f"fault word {parts[0]!r} takes at most one argument")
    return word


def _check_screen(screen: str) -> str:
    if screen not in SCREENS:
        raise _fail("unknown_screen", f"unknown screen id {screen!r} (known: {' '.join(SCREENS)})")
    return screen


FaultWord = Annotated[StrictStr, AfterValidator(_check_fault)]
ScreenId = Annotated[StrictStr, AfterValidator(_check_screen)]
Seconds = Annotated[StrictInt, Field(ge=5, le=3600)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(_Model):
    """A text in Chinese and English."""

    zh: Annotated[StrictStr, Field(min_length=1)]
    en: Annotated[StrictStr, Field(min_length=1)]

    def get(self, lang: str) -> str:
        """Return the text for a UI language ("en" -> English, anything else -> Chinese)."""
        return self.en if lang == "en" or lang.startswith("en_") else self.zh


class Choice(_Model):
    """One option of a choice field: the stored value and its label."""

    value: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    label: LocalText


class FormField(_Model):
    """One input on a service's form."""

    id: Ident
    type: FieldType = "text"
    label: LocalText
    required: StrictBool = True
    validator: StrictStr | None = Field(default=None, validate_default=True)
    prefill: StrictStr | None = None
    choices: tuple[Choice, ...] = Field(default=(), validate_default=True)
    max_length: Annotated[StrictInt, Field(ge=1, le=5000)] = 200
    personal: StrictBool = False

    @field_validator("validator")
    @classmethod
    def _validator_known(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return TYPE_VALIDATORS.get(info.data.get("type", ""))
        if v not in VALIDATORS:
            raise _fail(
                "unknown_validator", f"unknown validator {v!r} (known: {', '.join(VALIDATORS)})"
            )
        return v

    @field_validator("prefill")
    @classmethod
    def _prefill_known(cls, v: str | None) -> str | None:
        if v is not None and v not in PREFILL_SOURCES:
            raise _fail(
                "unknown_prefill", f"unknown prefill {v!r} (known: {', '.join(PREFILL_SOURCES)})"
            )
        return v

    @field_validator("choices")
    @classmethod
    def _choices_match_type(cls, v: tuple[Choice, ...], info: ValidationInfo) -> tuple[Choice, ...]:
        if "type" not in info.data:
            return v  # the type itself is wrong; that error is enough
        if info.data["type"] == "choice" and not v:
            raise _fail("choices_missing", "a field of type 'choice' needs at least one choice")
        if info.data["type"] != "choice" and v:
            raise _fail("choices_unexpected", "choices are only allowed with type 'choice'")
        values = [c.value for c in v]
        dupes = sorted({x for x in values if values.count(x) > 1})
        if dupes:
            raise _fail("choices_duplicate", f"duplicate choice value(s): {', '.join(dupes)}")
        return v


class Department(_Model):
    """A department of the service centre."""

    id: Ident
    title: LocalText


class Service(_Model):
    """One service of the catalogue, rendered as a form by the UI."""

    id: Ident
    department: StrictStr
    title: LocalText
    description: LocalText | None = None
    identity: Literal["none", "id_card", "id_card_face"] = "none"
    fields: tuple[FormField, ...] = ()
    outputs: tuple[Literal["receipt", "licence"], ...] = Field(default=("receipt",), min_length=1)
    delivery: tuple[Literal["pickup", "courier"], ...] = Field(default=("pickup",), min_length=1)
    deadline_working_days: Annotated[StrictInt, Field(ge=0, le=365)] | None = None
    online_only: StrictBool = False
    keywords: tuple[Annotated[StrictStr, Field(min_length=1)], ...] = ()

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Service:
        # The loader defers these to report each with its own key; direct construction raises.
        if not (info.context or {}).get("defer_checks"):
            problems = service_problems(self)
            if problems:
                raise ValueError("; ".join(f"{_loc_str(loc)}: {why}" for loc, why in problems))
        return self


# Field types whose values are always personal data.
PERSONAL_FIELD_TYPES = frozenset({"name", "id_number", "phone"})


def service_problems(service: Service) -> list[tuple[Loc, str]]:
    """Return cross-field problems of one service as (location, reason) pairs."""
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    for i, f in enumerate(service.fields):
        if f.id in seen:
            problems.append(
                (("fields", i, "id"), f"duplicate field id {f.id!r} (also fields[{seen[f.id]}])")
            )
        else:
            seen[f.id] = i
        if f.prefill is not None and service.identity == "none":
            problems.append(
                (
                    ("fields", i, "prefill"),
                    f"prefill {f.prefill!r} needs the service's identity to be 'id_card' or "
                    "'id_card_face' (it is 'none')",
                )
            )
        if not f.personal and (f.prefill is not None or f.type in PERSONAL_FIELD_TYPES):
            # Otherwise the value would travel unencrypted and show unmasked on review.
            problems.append(
                (
                    ("fields", i, "personal"),
                    f"a {'field read from the ID card' if f.prefill else f.type + ' field'} "
                    "holds personal data: set personal = true",
                )
            )
    for key in ("outputs", "delivery"):
        values: tuple[str, ...] = getattr(service, key)
        if len(set(values)) != len(values):
            problems.append(((key,), "lists the same value twice"))
    return problems


def catalogue_problems(
    departments: set[str] | dict[str, Any], services: dict[str, Service]
) -> list[tuple[Loc, str]]:
    """Return problems between services and departments, located under ("services", id, ...)."""
    known = ", ".join(sorted(departments)) or "none"
    return [
        (("services", sid, "department"), f"unknown department {s.department!r} (known: {known})")
        for sid, s in services.items()
        if s.department not in departments
    ]


class TerminalSettings(_Model):
    """Identity of this terminal."""

    id: Annotated[StrictStr, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")]
    centre_name: LocalText
    profile: Literal["production", "development"] = "production"
    state_dir: Path = Path("/var/lib/kiosk")

    @field_validator("state_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        if not v.is_absolute():
            raise _fail("relative_path", f"must be an absolute path (got {str(v)!r})")
        return v


class DeviceSettings(_Model):
    """How to drive one device: which backend, its options, faults to inject at start."""

    backend: Annotated[StrictStr, Field(min_length=1, max_length=64)] = "sim"
    enabled: StrictBool = True
    options: dict[str, Any] = Field(default_factory=dict)
    faults: tuple[FaultWord, ...] = ()


class DevicesSettings(_Model):
    """The four device classes of a terminal."""

    idcard: DeviceSettings = Field(default_factory=DeviceSettings)
    receipt: DeviceSettings = Field(default_factory=DeviceSettings)
    licence: DeviceSettings = Field(default_factory=DeviceSettings)
    camera: DeviceSettings = Field(default_factory=DeviceSettings)


class TimeoutSettings(_Model):
    """Inactivity timeouts in seconds, with per-screen overrides."""

    default_s: Seconds = 60
    warning_s: Annotated[StrictInt, Field(ge=0, le=600)] = 15
    screens: dict[ScreenId, Seconds] = Field(default_factory=dict)

    @field_validator("warning_s")
    @classmethod
    def _warning_shorter(cls, v: int, info: ValidationInfo) -> int:
        default = info.data.get("default_s")
        if default is not None and v >= default:
            raise _fail("warning_too_long", f"must be shorter than default_s ({default})")
        return v

    @field_validator("screens")
    @classmethod
    def _screens_longer(cls, v: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        warning = info.data.get("warning_s")
        short = [s for s, t in v.items() if warning is not None and t <= warning]
        if short:
            raise _fail(
                "timeout_too_short",
                f"timeout of {', '.join(short)} must be longer than warning_s ({warning})",
            )
        return v


class UiSettings(_Model):
    """Language and window of the citizen UI."""

    language: Literal["zh_CN", "en"] = "zh_CN"
    fullscreen: StrictBool = True
    orientation: Literal["auto", "portrait", "landscape"] = "auto"


class OutboxSettings(_Model):
    """Where the durable outbox and its key live (relative paths are under state_dir)."""

    path: Path | None = None
    key_path: Path | None = None


_SCRYPT_RE = r"^scrypt\$n=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"


class MaintenancePin(_Model):
    """One technician's PIN, stored as a scrypt hash (`kiosk maintenance hash-pin`)."""

    id: Ident
    role: Literal["technician", "supervisor"] = "technician"
    hash: Annotated[StrictStr, Field(pattern=_SCRYPT_RE, max_length=300)]


class MaintenanceSettings(_Model):
    """Technician maintenance mode: entry gesture, PINs, lockout, automatic exit."""

    pins: tuple[MaintenancePin, ...] = ()
    max_failures: Annotated[StrictInt, Field(ge=1, le=20)] = 5
    lockout_s: Annotated[StrictInt, Field(ge=10, le=86400)] = 900
    gesture_taps: Annotated[StrictInt, Field(ge=2, le=10)] = 5
    gesture_window_s: Annotated[StrictInt, Field(ge=1, le=10)] = 3
    gesture_corner: Literal["top_left", "top_right", "bottom_left", "bottom_right"] = "top_right"
    idle_exit_s: Annotated[StrictInt, Field(ge=30, le=3600)] = 300


class MetricsSettings(_Model):
    """The Prometheus text endpoint."""

    enabled: StrictBool = True
    host: StrictStr = "127.0.0.1"
    port: Annotated[StrictInt, Field(ge=0, le=65535)] = 9108


class FleetSettings(_Model):
    """Where signed config bundles come from and which keys may sign them."""

    conf_dir: Path = Path("/etc/kiosk/conf.d")
    trust_dir: Path = Path("/etc/kiosk/trust")
    poll_s: Annotated[StrictInt, Field(ge=1, le=3600)] = 10
    accept_unsigned_in_development: StrictBool = True


class IntakeSettings(_Model):
    """The central intake API that the sync worker sends the outbox to (no url: none)."""

    url: Annotated[StrictStr, Field(pattern=r"^https?://[^\s/]+(/\S*)?$")] | None = None
    token_file: Path | None = None
    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    batch_size: Annotated[StrictInt, Field(ge=1, le=500)] = 50
    heartbeat_s: Annotated[StrictInt, Field(ge=10, le=3600)] = 60
    connect_timeout_s: Annotated[StrictInt, Field(ge=1, le=60)] = 5
    read_timeout_s: Annotated[StrictInt, Field(ge=1, le=300)] = 30

    @field_validator("url")
    @classmethod
    def _tls_unless_loopback(cls, v: str | None) -> str | None:
        if v is None or v.startswith("https://"):
            return v
        host = v[len("http://") :].split("/", 1)[0].rsplit(":", 1)[0]
        if host not in ("127.0.0.1", "localhost", "[::1]"):
            raise _fail("insecure_url", "must be https:// (plain http only for 127.0.0.1)")
        return v

    @field_validator("client_key")
    @classmethod
    def _key_needs_cert(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        if v is not None and info.data.get("client_cert") is None:
            raise _fail("key_without_cert", "client_key needs client_cert")
        return v


class KioskConfig(_Model):
    """The whole validated configuration of one terminal."""

    terminal: TerminalSettings
    devices: DevicesSettings = Field(default_factory=DevicesSettings)
    timeouts: TimeoutSettings = Field(default_factory=TimeoutSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    maintenance: MaintenanceSettings = Field(default_factory=MaintenanceSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    fleet: FleetSettings = Field(default_factory=FleetSettings)
    departments: dict[str, Department] = Field(default_factory=dict)
    services: dict[str, Service] = Field(default_factory=dict)
    sources: tuple[Path, ...] = ()

    @model_validator(mode="after")
    def _cross_checks(self) -> KioskConfig:
        problems = catalogue_problems(self.departments, self.services)
        for key, dept in self.departments.items():
            if dept.id != key:
                problems.append((("departments", key, "id"), f"must match its key {key!r}"))
        for key, svc in self.services.items():
            if svc.id != key:
                problems.append((("services", key, "id"), f"must match its key {key!r}"))
        if problems:
            raise ValueError("; ".join(f"{_loc_str(loc)}: {why}" for loc, why in problems))
        return self

    def outbox_path(self) -> Path:
        """Return the outbox database path (default: state_dir/outbox.sqlite3)."""
        return self.terminal.state_dir / (self.outbox.path or "outbox.sqlite3")

    def outbox_key_path(self) -> Path:
        """Return the outbox encryption key path (default: state_dir/outbox.key)."""
        return self.terminal.state_dir / (self.outbox.key_path or "outbox.key")

    def timeout_for(self, screen: str) -> int:
        """Return the inactivity timeout in seconds for a screen id."""
        return self.timeouts.screens.get(screen, self.timeouts.default_s)


def _loc_str(loc: Loc) -> str:
    """Format a location as an operator reads it in TOML: a.b[0].c."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
