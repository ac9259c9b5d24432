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
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from drivers.registry import OPTIONS as DEVICE_OPTIONS
from drivers.status import FAULT_WORDS as _DRIVER_FAULT_WORDS
from kiosk.validators import VALIDATORS

__all__ = [
    "FAULT_WORDS",
    "PREFILL_SOURCES",
    "SCREENS",
    "TYPE_VALIDATORS",
    "AccessibilitySettings",
    "Choice",
    "Department",
    "DeviceSettings",
    "DevicesSettings",
    "DisplaySettings",
    "FieldType",
    "FleetSettings",
    "FormField",
    "HotlineSettings",
    "IntakeSettings",
    "KioskConfig",
    "LocalText",
    "MaintenancePin",
    "MaintenanceSettings",
    "MetricsSettings",
    "OutboxSettings",
    "RatingSettings",
    "Service",
    "TerminalSettings",
    "Theme",
    "TimeoutSettings",
    "UiSettings",
    "catalogue_problems",
    "service_problems",
    "theme_problems",
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
    "multi_choice",  # several of `choices` (e.g. a business scope), up to `max_choices`
    "money",  # an amount: digits with up to 2 decimals, more than 0
    "rows",  # a repeated group of `columns` (e.g. shareholders), up to `max_rows`
    "lookup",  # pick one of the items the service's online `lookup` found
]

# The validator a field gets from its type when it names none.
TYPE_VALIDATORS: dict[str, str] = {
    "name": "name",
    "phone": "phone",
    "id_number": "id_number",
    "credit_code": "credit_code",
    "postal_code": "postal_code",
    "number": "number",
    "money": "money",
    "date": "date",
}

_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Ident = Annotated[StrictStr, Field(pattern=_ID_PATTERN, max_length=64)]


def _check_hours(spec: str) -> str:
    """The hours must also parse (an empty range "08:00-08:00" would fail at every is_open)."""
    from kiosk.hours import parse_hours

    try:
        parse_hours(spec)
    except ValueError as exc:
        raise PydanticCustomError("opening_hours", "{reason}", {"reason": str(exc)}) from None
    return spec


# Opening hours: "08:30-17:30", or several ranges "08:30-12:00,13:30-17:30" (24:00 = midnight).
OpeningHours = Annotated[
    StrictStr,
    Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)"
        r"(,([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00))*$"
    ),
    AfterValidator(_check_hours),
]
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


class RowColumn(_Model):
    """One column of a `rows` field (a shareholder's name, ID number, contribution...)."""

    id: Ident
    type: Literal["text", "name", "id_number", "credit_code", "phone", "number", "money"] = "text"
    label: LocalText
    required: StrictBool = True
    max_length: Annotated[StrictInt, Field(ge=1, le=200)] = 60
    sums_to: Ident | None = None  # a money column whose total must equal that field's value


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
    section: LocalText | None = None  # a heading shown above this field (long forms)
    max_choices: Annotated[StrictInt, Field(ge=0, le=100)] = 0  # multi_choice; 0: no limit
    columns: tuple[RowColumn, ...] = Field(default=(), validate_default=True)
    max_rows: Annotated[StrictInt, Field(ge=1, le=50)] = 10

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
        with_choices = ("choice", "multi_choice")
        if info.data["type"] in with_choices and not v:
            raise _fail(
                "choices_missing",
                f"a field of type {info.data['type']!r} needs at least one choice",
            )
        if info.data["type"] not in with_choices and v:
            raise _fail(
                "choices_unexpected", "choices are only allowed with type 'choice'/'multi_choice'"
            )
        values = [c.value for c in v]
        dupes = sorted({x for x in values if values.count(x) > 1})
        if dupes:
            raise _fail("choices_duplicate", f"duplicate choice value(s): {', '.join(dupes)}")
        return v

    @field_validator("columns")
    @classmethod
    def _columns_match_type(
        cls, v: tuple[RowColumn, ...], info: ValidationInfo
    ) -> tuple[RowColumn, ...]:
        if "type" not in info.data:
            return v
        if info.data["type"] == "rows" and not v:
            raise _fail("columns_missing", "a field of type 'rows' needs at least one column")
        if info.data["type"] != "rows" and v:
            raise _fail("columns_unexpected", "columns are only allowed with type 'rows'")
        ids = [c.id for c in v]
        dupes = sorted({x for x in ids if ids.count(x) > 1})
        if dupes:
            raise _fail("columns_duplicate", f"duplicate column id(s): {', '.join(dupes)}")
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
    work_order: StrictBool = False  # a 12345 work order: numbered, tracked by QR
    promise: LocalText | None = None  # a service promise printed on the receipt ("2 hours")
    parts: tuple[LocalText, ...] = ()  # what one application covers (企业开办: four parts)
    # An online lookup through the intake after identification; its items fill `lookup` fields.
    lookup: Literal["enterprises", "certificates"] | None = None
    hours: OpeningHours | None = None  # outside them the service is greyed (unavailable.hours)
    working_days_only: StrictBool = False  # closed on holidays and weekends (not make-up days)

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Service:
        # The loader defers these to report each with its own key; direct construction raises.
        if not (info.context or {}).get("defer_checks"):
            problems = service_problems(self)
            if problems:
                raise ValueError("; ".join(f"{_loc_str(loc)}: {why}" for loc, why in problems))
        return self


class Theme(_Model):
    """A life event (一件事一次办): the services a citizen usually needs for it, in order."""

    id: Ident
    title: LocalText
    description: LocalText | None = None
    services: tuple[Ident, ...] = Field(min_length=1)
    keywords: tuple[Annotated[StrictStr, Field(min_length=1)], ...] = ()


def theme_problems(
    themes: dict[str, Theme], services: set[str] | dict[str, Any]
) -> list[tuple[Loc, str]]:
    """Return problems of themes against the catalogue, located under ("themes", id, ...)."""
    problems: list[tuple[Loc, str]] = []
    for tid, theme in themes.items():
        seen: set[str] = set()
        for i, sid in enumerate(theme.services):
            loc: Loc = ("themes", tid, "services", i)
            if sid in seen:
                problems.append((loc, f"lists service {sid!r} twice"))
            elif sid not in services:
                problems.append((loc, f"unknown service {sid!r} (no file services/{sid}.toml)"))
            seen.add(sid)
    return problems


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
        elif not f.personal and "address" in f.id:
            # A home, premises or incident address locates a person: personal data too.
            problems.append(
                (
                    ("fields", i, "personal"),
                    "an address field holds personal data: set personal = true",
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
    hours: OpeningHours | None = None  # every service is greyed outside them
    working_days_only: StrictBool = False

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

    @model_validator(mode="after")
    def _backend_options(self) -> DevicesSettings:
        """Each device's backend exists and its `options` are the ones that backend takes
        (the backend's model in drivers/options.py), so a mistyped key is refused here."""
        problems: list[InitErrorDetails] = []
        for device_class in ("idcard", "receipt", "licence", "camera"):
            problems.extend(_device_problems(device_class, getattr(self, device_class)))
        if problems:
            raise ValidationError.from_exception_data("DevicesSettings", problems)
        return self


# Option names that changed, so that an old fleet file's error says what to write instead.
_RENAMED_OPTIONS = {"poll_s": "poll_interval_s", "reconnect_s": "reconnect_interval_s"}


def _device_problems(device_class: str, settings: DeviceSettings) -> list[InitErrorDetails]:
    models = DEVICE_OPTIONS[device_class]
    model = models.get(settings.backend)
    if model is None:
        known = ", ".join(sorted(models))
        reason = f"unknown {device_class} backend {settings.backend!r} (known: {known})"
        return [
            InitErrorDetails(
                type=_fail("unknown_backend", reason),
                loc=(device_class, "backend"),
                input=settings.backend,
            )
        ]
    try:
        model.model_validate(settings.options)
    except ValidationError as exc:
        out: list[InitErrorDetails] = []
        for err in exc.errors():
            loc = (device_class, "options", *err["loc"])
            if err["type"] == "extra_forbidden":
                allowed = ", ".join(f for f in model.model_fields if f != "faults")
                renamed = _RENAMED_OPTIONS.get(str(err["loc"][-1]))
                hint = f"renamed to {renamed}; " if renamed in model.model_fields else ""
                error: Any = _fail(
                    "unknown_option",
                    f"unknown option of the {settings.backend} backend ({hint}allowed: {allowed})",
                )
            else:
                error = err["type"]
            detail = InitErrorDetails(type=error, loc=loc, input=err["input"])
            if "ctx" in err and not isinstance(error, PydanticCustomError):
                detail["ctx"] = err["ctx"]
            out.append(detail)
        return out
    return []


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


ClockTime = Annotated[StrictStr, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class DisplaySettings(_Model):
    """Night-time screen blanking on the attract screen (docs/install.md)."""

    blank_from: ClockTime | None = None
    blank_to: ClockTime | None = None
    blank_after_s: Annotated[StrictInt, Field(ge=10, le=3600)] = 60

    @model_validator(mode="after")
    def _both_or_neither(self) -> DisplaySettings:
        if (self.blank_from is None) != (self.blank_to is None):
            raise _fail("blank_pair", "blank_from and blank_to go together")
        if self.blank_from is not None and self.blank_from == self.blank_to:
            raise _fail("blank_empty", "blank_from and blank_to must differ")
        return self


class AccessibilitySettings(_Model):
    """Elderly mode, the lower-reach layout and voice guidance (docs/accessibility.md)."""

    elderly_timeout_factor: Annotated[float, Field(ge=1.0, le=5.0)] = 2.0
    keep_modes_after_session: StrictBool = False
    screen_bottom_mm: Annotated[StrictInt, Field(ge=0, le=2500)] = 760
    screen_height_mm: Annotated[StrictInt, Field(ge=100, le=2500)] = 950
    reach_min_mm: Annotated[StrictInt, Field(ge=0, le=2500)] = 380
    reach_max_mm: Annotated[StrictInt, Field(ge=0, le=2500)] = 1220
    voice: Literal["espeak-ng", "off"] = "espeak-ng"
    voice_volume: Annotated[StrictInt, Field(ge=0, le=100)] = 70
    voice_rate_wpm: Annotated[StrictInt, Field(ge=80, le=400)] = 150

    @field_validator("reach_max_mm")
    @classmethod
    def _band_not_empty(cls, v: int, info: ValidationInfo) -> int:
        low = info.data.get("reach_min_mm")
        if low is not None and v <= low:
            raise _fail("empty_reach_band", f"must be above reach_min_mm ({low})")
        return v


class OutboxSettings(_Model):
    """Where the durable outbox and its key live (relative paths are under state_dir)."""

    path: Path | None = None
    key_path: Path | None = None


_SCRYPT_RE = r"^scrypt\$n=[0-9]+,r=[0-9]+,p=[0-9]+,d=([0-9]+)\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"
_MIN_PIN_DIGITS = {"technician": 8, "supervisor": 10}  # = kiosk.maintenance.pins.MIN_PIN_DIGITS


class MaintenancePin(_Model):
    """One technician's PIN, stored as a scrypt hash (`kiosk maintenance hash-pin`).

    The hash carries the PIN's number of digits (bound into the hash): at least 8 for a
    technician, 10 for a supervisor.
    """

    id: Ident
    role: Literal["technician", "supervisor"] = "technician"
    hash: Annotated[StrictStr, Field(pattern=_SCRYPT_RE, max_length=300)]

    @model_validator(mode="after")
    def _long_enough(self) -> MaintenancePin:
        digits = int(self.hash.split(",d=", 1)[1].split("$", 1)[0])
        if digits < _MIN_PIN_DIGITS[self.role]:
            raise _fail(
                "pin_too_short", f"a {self.role} PIN needs {_MIN_PIN_DIGITS[self.role]} digits"
            )
        return self


class MaintenanceSettings(_Model):
    """Technician maintenance mode: entry gesture, PINs, lockout, automatic exit."""

    pins: tuple[MaintenancePin, ...] = ()
    max_failures: Annotated[StrictInt, Field(ge=1, le=20)] = 5
    lockout_s: Annotated[StrictInt, Field(ge=10, le=86400)] = 900
    gesture_taps: Annotated[StrictInt, Field(ge=2, le=10)] = 5
    gesture_window_s: Annotated[StrictInt, Field(ge=1, le=10)] = 3
    gesture_corner: Literal["top_left", "top_right", "bottom_left", "bottom_right"] = "top_right"
    idle_exit_s: Annotated[StrictInt, Field(ge=30, le=3600)] = 300
    # Log bundle export: a configured directory, else a removable mount under usb_roots.
    export_dir: Path | None = None
    usb_roots: tuple[Path, ...] = (Path("/media"), Path("/run/media"))
    reboot_command: tuple[StrictStr, ...] = Field(default=("systemctl", "reboot"), min_length=1)
    confirm_s: Annotated[StrictInt, Field(ge=2, le=60)] = 10  # the second tap must come within


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
    # The audience a bundle must be signed for: "<fleet_id>/<stage>" (set in terminal.toml).
    fleet_id: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")] = "default"
    stage: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,31}$")] = "production"
    max_version_step: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = 100

    @property
    def audience(self) -> str:
        """What a bundle's manifest must name to apply here."""
        return f"{self.fleet_id}/{self.stage}"


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


class RatingSettings(_Model):
    """好差评: the reasons offered on a bad rating and the follow-up deadline it gets."""

    reasons: tuple[Choice, ...] = Field(
        default=(
            Choice(value="slow", label=LocalText(zh="办理时间太长", en="It took too long")),
            Choice(
                value="hard_to_use",
                label=LocalText(zh="操作复杂、不易使用", en="Hard to use"),
            ),
            Choice(
                value="unclear",
                label=LocalText(zh="办事指引不清楚", en="The instructions were unclear"),
            ),
            Choice(
                value="device_fault",
                label=LocalText(zh="设备故障或打印问题", en="A device or printing problem"),
            ),
            Choice(
                value="too_many_materials",
                label=LocalText(zh="材料或信息填写过多", en="Too much to fill in"),
            ),
            Choice(value="other", label=LocalText(zh="其他", en="Something else")),
        ),
        min_length=1,
    )
    follow_up_working_days: Annotated[StrictInt, Field(ge=1, le=60)] = 15
    comment_max_length: Annotated[StrictInt, Field(ge=0, le=500)] = 100


class HotlineSettings(_Model):
    """12345 work orders: where a citizen tracks an order (the QR on the receipt)."""

    track_url: Annotated[StrictStr, Field(pattern=r"^https?://\S+$")] = (
        "https://12345.example.gov.cn/track?no="
    )


class KioskConfig(_Model):
    """The whole validated configuration of one terminal."""

    terminal: TerminalSettings
    devices: DevicesSettings = Field(default_factory=DevicesSettings)
    timeouts: TimeoutSettings = Field(default_factory=TimeoutSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    display: DisplaySettings = Field(default_factory=DisplaySettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    maintenance: MaintenanceSettings = Field(default_factory=MaintenanceSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    fleet: FleetSettings = Field(default_factory=FleetSettings)
    accessibility: AccessibilitySettings = Field(default_factory=AccessibilitySettings)
    rating: RatingSettings = Field(default_factory=RatingSettings)
    hotline: HotlineSettings = Field(default_factory=HotlineSettings)
    departments: dict[str, Department] = Field(default_factory=dict)
    services: dict[str, Service] = Field(default_factory=dict)
    themes: dict[str, Theme] = Field(default_factory=dict)
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
        problems.extend(theme_problems(self.themes, self.services))
        for key, theme in self.themes.items():
            if theme.id != key:
                problems.append((("themes", key, "id"), f"must match its key {key!r}"))
        if problems:
            raise ValueError("; ".join(f"{_loc_str(loc)}: {why}" for loc, why in problems))
        return self

    @property
    def development(self) -> bool:
        """True in the development profile: the UI shows a banner, simulators are allowed."""
        return self.terminal.profile == "development"

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
