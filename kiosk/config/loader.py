"""Layered loading of the TOML config: shipped defaults, fleet overlays, the terminal's own file.

Every problem in every file is collected and reported as ``FILE: KEY: REASON``; nothing here
lets a traceback reach the operator.
"""

from __future__ import annotations

import copy
import logging
import re
import tomllib
import types
import typing
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from kiosk.config.schema import (
    AccessibilitySettings,
    Department,
    DevicesSettings,
    DisplaySettings,
    FleetSettings,
    IntakeSettings,
    KioskConfig,
    Loc,
    MaintenanceSettings,
    MetricsSettings,
    OutboxSettings,
    Service,
    TerminalSettings,
    Theme,
    TimeoutSettings,
    UiSettings,
    _loc_str,
    catalogue_problems,
    service_problems,
    theme_problems,
)

__all__ = [
    "ETC_DIR",
    "TERMINAL_FILE_KEYS",
    "ConfigError",
    "ConfigProblem",
    "default_overlays",
    "load_config",
    "shipped_dir",
    "simulator_problems",
    "terminal_file_problems",
]

log = logging.getLogger("kiosk.config")

ETC_DIR = Path("/etc/kiosk")

_SECTIONS: dict[str, Any] = {
    "terminal": TerminalSettings,
    "devices": DevicesSettings,
    "timeouts": TimeoutSettings,
    "ui": UiSettings,
    "display": DisplaySettings,
    "outbox": OutboxSettings,
    "intake": IntakeSettings,
    "maintenance": MaintenanceSettings,
    "metrics": MetricsSettings,
    "fleet": FleetSettings,
    "accessibility": AccessibilitySettings,
    "departments": dict[str, Department],
    "themes": dict[str, Theme],
}
_ADAPTERS: dict[str, TypeAdapter[Any]] = {k: TypeAdapter(v) for k, v in _SECTIONS.items()}
_SERVICE_ADAPTER: TypeAdapter[Service] = TypeAdapter(Service)
_STEM_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TOML_LINE_RE = re.compile(r"\(at line (\d+), column (\d+)\)")
_MAX_SHOWN = 60  # longest input value echoed back in a message


class ConfigProblem(NamedTuple):
    """One problem in one file: where, which key, and why."""

    file: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}"


class ConfigError(Exception):
    """The config is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems: list[ConfigProblem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def shipped_dir() -> Path:
    """Return the directory of defaults shipped in the package."""
    return Path(str(resources.files("kiosk") / "defaults"))


def default_overlays() -> list[Path]:
    """Return the fleet directory and the terminal's own file, those that exist."""
    candidates = [ETC_DIR / "conf.d", ETC_DIR / "terminal.toml"]
    return [p for p in candidates if p.exists()]


# What the terminal's own (unsigned) file may set: who it is and which devices it drives. Every
# other key, security ones above all (intake, PINs, reboot command, metrics, trust), comes from
# the signed fleet bundle.
TERMINAL_FILE_KEYS: tuple[tuple[str, ...], ...] = (
    ("terminal", "id"),
    ("terminal", "centre_name"),
    ("terminal", "profile"),
    ("terminal", "state_dir"),
    ("devices",),
    ("display",),
    ("ui", "orientation"),
    ("fleet", "fleet_id"),
    ("fleet", "stage"),
)


def terminal_file_problems(path: Path) -> list[ConfigProblem]:
    """Keys of the terminal's own file outside `TERMINAL_FILE_KEYS`, one problem each.

    A file that cannot be read or parsed gives nothing here: `load_config` reports it.
    """
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    allowed = ", ".join(".".join(k) for k in TERMINAL_FILE_KEYS)
    out: list[ConfigProblem] = []

    def walk(table: dict[str, Any], here: tuple[str, ...]) -> None:
        for key, value in table.items():
            loc = (*here, key)
            if any(loc[: len(a)] == a for a in TERMINAL_FILE_KEYS):
                continue
            if isinstance(value, dict) and value:
                walk(value, loc)
                continue
            reason = (
                f"not allowed in the terminal's own file; set it in the signed bundle ({allowed})"
            )
            out.append(ConfigProblem(str(path), ".".join(loc), reason))

    walk(data, ())
    return out


def simulator_problems(config: KioskConfig) -> list[ConfigProblem]:
    """In the production profile, every enabled device on the simulator backend is a problem."""
    if config.terminal.profile == "development":
        return []
    out = []
    for name in ("idcard", "receipt", "licence", "camera"):
        device = getattr(config.devices, name)
        if device.enabled and device.backend == "sim":
            out.append(
                ConfigProblem(
                    "production profile",
                    f"devices.{name}.backend",
                    "the simulator is refused in production: set the real backend in "
                    "terminal.toml, or run with --development",
                )
            )
    return out


def load_config(overlays: Sequence[Path] | None = None) -> KioskConfig:
    """Load and validate the shipped defaults plus overlays (None: the default overlays)."""
    layers = [shipped_dir(), *(default_overlays() if overlays is None else overlays)]
    loader = _Loader()
    for layer in layers:
        loader.add_layer(Path(layer))
    config = loader.validate()
    log.info(
        "config loaded from %d files: %d services, %d departments",
        len(config.sources),
        len(config.services),
        len(config.departments),
    )
    return config


class _Loader:
    """Accumulates layers with provenance, then validates everything at once."""

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}
        # key path -> file that last set it; tables are recorded too, lists only as a whole.
        self.provenance: dict[Loc, str] = {}
        self.services: dict[str, tuple[Path, dict[str, Any]]] = {}
        self.sources: list[Path] = []
        self.seen: list[str] = []  # every file tried, in load order, readable or not
        self.problems: list[ConfigProblem] = []

    # -- reading -------------------------------------------------------------------------------

    def add_layer(self, layer: Path) -> None:
        if layer.is_dir():
            log.debug("config layer (directory) %s", layer)
            for path in _toml_files(layer):
                self._add_settings_file(path)
            services_dir = layer / "services"
            if services_dir.is_dir():
                for path in _toml_files(services_dir):
                    self._add_service_file(path)
        elif layer.is_file():
            log.debug("config layer (file) %s", layer)
            self._add_settings_file(layer)
        else:
            self.seen.append(str(layer))
            self.problems.append(ConfigProblem(str(layer), "-", "no such file or directory"))

    def _read(self, path: Path) -> dict[str, Any] | None:
        self.seen.append(str(path))
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as exc:
            self.problems.append(ConfigProblem(str(path), "-", f"cannot read: {exc.strerror}"))
            return None
        except UnicodeDecodeError as exc:
            reason = f"not UTF-8 (byte {exc.start})"
            self.problems.append(ConfigProblem(str(path), "-", reason))
            return None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            m = _TOML_LINE_RE.search(msg)
            key = f"line {m.group(1)}" if m else "-"
            reason = _TOML_LINE_RE.sub("", msg).strip()
            if m:
                reason += f" (column {m.group(2)})"
            self.problems.append(ConfigProblem(str(path), key, f"invalid TOML: {reason}"))
            return None
        self.sources.append(path)
        return data

    def _add_settings_file(self, path: Path) -> None:
        data = self._read(path)
        if data is not None:
            _merge(self.settings, data, self.provenance, str(path), ())

    def _add_service_file(self, path: Path) -> None:
        if not _STEM_RE.match(path.stem):
            reason = (
                "file name must be a service id: lowercase letters, digits, _ (e.g. tax_record)"
            )
            self.seen.append(str(path))
            self.problems.append(ConfigProblem(str(path), "-", reason))
            return
        data = self._read(path)
        if data is not None:
            # A later layer's file with the same stem replaces the service whole.
            self.services[path.stem] = (path, data)

    # -- validating ----------------------------------------------------------------------------

    def _where(self, loc: Loc) -> str:
        for n in range(len(loc), 0, -1):
            if loc[:n] in self.provenance:
                return self.provenance[loc[:n]]
        return str(self.sources[0]) if self.sources else str(shipped_dir())

    def _settings_problem(self, loc: Loc, reason: str) -> None:
        self.problems.append(ConfigProblem(self._where(loc), _loc_str(loc), reason))

    def validate(self) -> KioskConfig:
        sections: dict[str, Any] = {}
        for key in self.settings:
            if key not in _SECTIONS:
                hint = " (services are files under services/)" if key == "services" else ""
                known = ", ".join(_SECTIONS)
                self._settings_problem((key,), f"unknown table{hint} (allowed: {known})")

        departments_raw = self.settings.get("departments", {})
        if isinstance(departments_raw, dict):
            departments_raw = self._inject_department_ids(departments_raw)
        themes_raw = self.settings.get("themes", {})
        if isinstance(themes_raw, dict):
            themes_raw = self._inject_department_ids(themes_raw, section="themes")
        for name, schema in _SECTIONS.items():
            raw = departments_raw if name == "departments" else self.settings.get(name, {})
            raw = themes_raw if name == "themes" else raw
            try:
                sections[name] = _ADAPTERS[name].validate_python(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    self._settings_problem((name, *_err_loc(err)), _reason(err, schema))

        services = self._validate_services()
        known_departments = (
            sections["departments"]
            if "departments" in sections
            else (departments_raw if isinstance(departments_raw, dict) else {})
        )
        for loc, reason in catalogue_problems(known_departments, services):
            path, _ = self.services[str(loc[1])]
            self.problems.append(ConfigProblem(str(path), _loc_str(loc[2:]), reason))
        if "themes" in sections:
            # Against every service file, valid or not: a broken file is reported on its own.
            for loc, reason in theme_problems(sections["themes"], self.services):
                self._settings_problem(loc, reason)

        if self.problems:
            # Grouped by file in load order (stable: within a file, schema order).
            order = {f: i for i, f in enumerate(self.seen)}
            self.problems.sort(key=lambda p: order.get(p.file, len(order)))
            raise ConfigError(self.problems)
        try:
            return KioskConfig.model_validate(
                {**sections, "services": services, "sources": tuple(self.sources)}
            )
        except ValidationError as exc:  # all checks above should make this unreachable
            raise ConfigError(
                [
                    ConfigProblem(self._where(()), _loc_str(tuple(e["loc"])), e["msg"])
                    for e in exc.errors()
                ]
            ) from None

    def _inject_department_ids(
        self, raw: dict[str, Any], section: str = "departments"
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, dict):
                if "id" not in value:
                    value = {**value, "id": key}
                elif value["id"] != key:
                    loc = (section, key, "id")
                    self._settings_problem(
                        loc, f"must match the table name {key!r} (or be left out)"
                    )
            out[key] = value
        return out

    def _validate_services(self) -> dict[str, Service]:
        valid: dict[str, Service] = {}
        # Catalogue order is file-name order, across all layers.
        for stem, (path, raw) in sorted(self.services.items(), key=lambda kv: kv[1][0].name):
            file = str(path)
            if "id" not in raw:
                raw = {**raw, "id": stem}
            elif raw["id"] != stem:
                reason = f"must match the file name {stem!r} (or be left out)"
                self.problems.append(ConfigProblem(file, "id", reason))
                continue
            try:
                service = _SERVICE_ADAPTER.validate_python(raw, context={"defer_checks": True})
            except ValidationError as exc:
                for err in exc.errors():
                    key = _loc_str(_err_loc(err))
                    self.problems.append(ConfigProblem(file, key, _reason(err, Service)))
                continue
            cross = service_problems(service)
            for loc, reason in cross:
                self.problems.append(ConfigProblem(file, _loc_str(loc), reason))
            if not cross:
                valid[stem] = service
        return valid


def _toml_files(directory: Path) -> list[Path]:
    # Dotfiles are skipped: editors and sync tools leave temporary copies there.
    return sorted(p for p in directory.glob("*.toml") if p.is_file() and not p.name.startswith("."))


def _merge(
    base: dict[str, Any], over: dict[str, Any], prov: dict[Loc, str], file: str, path: Loc
) -> None:
    """Deep-merge tables of over into base (lists and scalars replace), recording provenance."""
    for key, value in over.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            prov[here] = file
            _merge(base[key], value, prov, file, here)
            continue
        for stale in [p for p in prov if p[: len(here)] == here]:
            del prov[stale]
        base[key] = copy.deepcopy(value)
        _mark(value, prov, file, here)


def _mark(value: Any, prov: dict[Loc, str], file: str, path: Loc) -> None:
    prov[path] = file
    if isinstance(value, dict):
        for key, sub in value.items():
            _mark(sub, prov, file, (*path, key))


# -- turning pydantic errors into operator messages ---------------------------------------------

_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "tuple_type": "a list",
    "list_type": "a list",
    "path_type": "a path string",
}


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _err_loc(err: ErrorDetails) -> Loc:
    # pydantic marks errors in a dict key with a trailing "[key]"; the key itself names it.
    loc = tuple(err["loc"])
    return loc[:-1] if loc and loc[-1] == "[key]" else loc


def _reason(err: ErrorDetails, root: Any) -> str:
    kind = err["type"]
    loc = _err_loc(err)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, loc[:-1])
        return "unknown key" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    if kind == "missing":
        return "required key missing"
    if kind in _TYPE_NAMES:
        return (
            f"must be {_TYPE_NAMES[kind]} (got {type(err['input']).__name__} {_show(err['input'])})"
        )
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind in ("literal_error", "string_pattern_mismatch") or kind.startswith(
        ("greater_than", "less_than", "too_short", "too_long", "string_too")
    ):
        return f"{msg} (got {_show(err['input'])})"
    return msg


def _unwrap(ann: Any) -> Any:
    origin = get_origin(ann)
    if origin is typing.Annotated:
        return _unwrap(get_args(ann)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(ann) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else ann
    return ann


def _allowed_keys(root: Any, path: Loc) -> list[str]:
    """Walk the schema along path and list the keys the table there accepts."""
    ann = root
    for step in path:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            if not isinstance(step, str) or step not in ann.model_fields:
                return []
            ann = ann.model_fields[step].annotation
        elif get_origin(ann) is tuple:
            ann = get_args(ann)[0]
        elif get_origin(ann) is dict:
            ann = get_args(ann)[1]
        else:
            return []
    ann = _unwrap(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return list(ann.model_fields)
    return []
