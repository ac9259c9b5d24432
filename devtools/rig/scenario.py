"""Rig scenarios: a TOML file of setup plus a list of steps, validated into `Scenario`.

Each `[[step]]` table has exactly one action key (see STEP_KINDS and docs/rig.md) plus optional
modifiers: `timeout` (seconds to wait for it), `device` (for `fault`), `note` (free text for the
report). Errors name the file, the step number and the reason.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.status import FAULT_WORDS

# action key -> what its value is (for the error messages and docs/rig.md)
STEP_KINDS: dict[str, str] = {
    "tap": "objectName of a QML item to click",
    "service": "service id: tap that service on the choose-service screen",
    "card": "card profile inserted into the ID reader (card_insert <profile>)",
    "face": "face clip / outcome the camera sees next (match, mismatch, genuine, impostor, ...)",
    "type": "{ field, text }: type text into a form field",
    "choose": "{ field, value }: pick a choice of a form field",
    "pick": "field id: wait for the field's choices (an online lookup) and tap the first",
    "delivery": "delivery option on the review screen (pickup, courier)",
    "rate": "rating 1-5 on the rating screen",
    "fault": "a fault word of DEVICES.md, with `device` unless the word implies it",
    "intent": "{ name, payload }: send a flow intent directly (no item to tap)",
    "wait": "seconds to let pass",
    "screenshot": "name of a PNG to save now",
    "expect_screen": "screen id (or a list of them) to wait for",
    "expect_message": "message key to wait for (empty string: no message)",
    "expect_service": "{ id, available, reason }: a service's availability",
    "expect_matrix": "device classes that are out: every service needing one is unavailable",
    "expect_receipt": "text the session's receipt contains",
    "expect_licence": "true: the session's licence was printed; false: it was not",
    "expect_intake": "'accepted': the intake server stored the session's transaction",
}
MODIFIERS = frozenset({"timeout", "device", "note"})
DEVICE_CLASSES = ("idcard", "receipt", "licence", "camera")
# The device a fault word goes to when the step names none.
DEFAULT_DEVICE = {
    "card_insert": "idcard",
    "card_remove": "idcard",
    "garbage": "idcard",
    "camera_stall": "camera",
    "paper_low": "receipt",
    "paper_empty": "receipt",
    "paper_jam": "receipt",
    "cover_open": "receipt",
    "cutter_jam": "receipt",
    "media_present": "receipt",
    "media_taken": "receipt",
}
# Words beyond DEVICES.md that simulators take: a technician clearing faults, toner, a face.
EXTRA_WORDS = frozenset({"reset", "toner_low", "toner_empty", "face"})
DEFAULT_TIMEOUT_S = 10.0


class ScenarioError(ValueError):
    """A scenario file that cannot be used (the message names file, step and reason)."""


@dataclass(frozen=True)
class Step:
    """One step: its kind (the action key), the value, and the modifiers."""

    index: int
    kind: str
    value: Any
    timeout: float | None = None
    device: str | None = None
    note: str = ""

    def describe(self) -> str:
        """A short human line for reports ("fault paper_empty on receipt")."""
        value = self.value
        if isinstance(value, Mapping):
            value = " ".join(f"{k}={v}" for k, v in value.items())
        text = f"{self.kind} {value}"
        if self.device:
            text += f" on {self.device}"
        return text


@dataclass(frozen=True)
class Setup:
    """What the bench needs: an intake server, backends per device class, start-up faults."""

    intake: bool = False
    backends: Mapping[str, str] = field(default_factory=dict)
    faults: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    language: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A named list of steps with its setup."""

    name: str
    path: Path | None
    steps: tuple[Step, ...]
    setup: Setup = Setup()
    description: str = ""
    tags: tuple[str, ...] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def id(self) -> str:
        """The file's stem, or the name when built in memory."""
        return self.path.stem if self.path is not None else self.name


def _fail(where: str, reason: str) -> ScenarioError:
    return ScenarioError(f"{where}: {reason}")


def _check_value(kind: str, value: Any, where: str) -> Any:
    def want(ok: bool, what: str) -> None:
        if not ok:
            raise _fail(where, f"{kind} needs {what}, got {value!r}")

    texts = ("tap", "service", "card", "face", "delivery", "screenshot", "expect_receipt", "pick")
    if kind in texts:
        want(isinstance(value, str) and bool(value), "a non-empty string")
    elif kind in ("type", "choose"):
        key = "text" if kind == "type" else "value"
        want(
            isinstance(value, Mapping)
            and isinstance(value.get("field"), str)
            and isinstance(value.get(key), str)
            and set(value) == {"field", key},
            f"{{ field = ..., {key} = ... }}",
        )
    elif kind == "rate":
        want(isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5, "1-5")
    elif kind == "fault":
        want(isinstance(value, str) and bool(value.split()), "a fault word")
        word = value.split()[0]
        if word not in FAULT_WORDS | EXTRA_WORDS:
            raise _fail(where, f"unknown fault word {word!r} (known: {' '.join(FAULT_WORDS)})")
    elif kind == "intent":
        want(
            isinstance(value, Mapping)
            and isinstance(value.get("name"), str)
            and isinstance(value.get("payload", {}), Mapping),
            "{ name = ..., payload = {...} }",
        )
    elif kind == "wait":
        want(isinstance(value, int | float) and not isinstance(value, bool) and value >= 0, "≥ 0")
    elif kind == "expect_screen":
        ok = isinstance(value, str) or (
            isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        )
        want(bool(ok), "a screen id or a list of them")
    elif kind == "expect_message":
        want(isinstance(value, str), "a message key")
    elif kind == "expect_service":
        want(
            isinstance(value, Mapping)
            and isinstance(value.get("id"), str)
            and isinstance(value.get("available", True), bool)
            and isinstance(value.get("reason", ""), str),
            "{ id = ..., available = true|false, reason = ... }",
        )
    elif kind == "expect_matrix":
        want(
            isinstance(value, list) and all(v in DEVICE_CLASSES for v in value),
            f"a list of device classes ({', '.join(DEVICE_CLASSES)})",
        )
    elif kind == "expect_licence":
        want(isinstance(value, bool), "true or false")
    elif kind == "expect_intake":
        want(value == "accepted", "'accepted'")
    return value


def _step(raw: Any, index: int, where: str) -> Step:
    here = f"{where}: step {index + 1}"
    if not isinstance(raw, Mapping):
        raise _fail(here, "a step must be a table")
    actions = [k for k in raw if k in STEP_KINDS]
    unknown = [k for k in raw if k not in STEP_KINDS and k not in MODIFIERS]
    if unknown:
        raise _fail(here, f"unknown key(s) {', '.join(map(repr, unknown))}")
    if len(actions) != 1:
        raise _fail(here, f"exactly one action key needed (one of {', '.join(STEP_KINDS)})")
    kind = actions[0]
    value = _check_value(kind, raw[kind], here)
    device = raw.get("device")
    if device is not None and device not in DEVICE_CLASSES:
        raise _fail(here, f"unknown device {device!r} (known: {', '.join(DEVICE_CLASSES)})")
    if kind == "fault" and device is None:
        device = DEFAULT_DEVICE.get(str(value).split()[0])
        if device is None:
            raise _fail(here, f"fault {value!r} needs `device` (one of {DEVICE_CLASSES})")
    timeout = raw.get("timeout")
    if timeout is not None and (
        not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0
    ):
        raise _fail(here, "timeout must be a positive number of seconds")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise _fail(here, "note must be a string")
    return Step(index, kind, value, float(timeout) if timeout else None, device, note)


def _setup(raw: Any, where: str) -> Setup:
    if raw is None:
        return Setup()
    if not isinstance(raw, Mapping):
        raise _fail(where, "[setup] must be a table")
    unknown = set(raw) - {"intake", "backends", "faults", "language"}
    if unknown:
        raise _fail(where, f"[setup]: unknown key(s) {', '.join(sorted(unknown))}")
    intake = raw.get("intake", False)
    if not isinstance(intake, bool):
        raise _fail(where, "[setup] intake must be true or false")
    backends = raw.get("backends", {})
    faults = raw.get("faults", {})
    for name, table in (("backends", backends), ("faults", faults)):
        if not isinstance(table, Mapping) or not set(table) <= set(DEVICE_CLASSES):
            raise _fail(where, f"[setup] {name} is a table keyed by {', '.join(DEVICE_CLASSES)}")
    if not all(isinstance(v, str) for v in backends.values()):
        raise _fail(where, "[setup] backends values are backend names")
    checked: dict[str, tuple[str, ...]] = {}
    for device, words in faults.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise _fail(where, f"[setup] faults.{device} is a list of fault words")
        for word in words:
            if not word.split() or word.split()[0] not in FAULT_WORDS:
                raise _fail(where, f"[setup] faults.{device}: unknown fault word {word!r}")
        checked[device] = tuple(words)
    language = raw.get("language")
    if language not in (None, "zh_CN", "en"):
        raise _fail(where, "[setup] language is zh_CN or en")
    return Setup(intake, dict(backends), checked, language)


def parse_scenario(data: Mapping[str, Any], where: str, path: Path | None = None) -> Scenario:
    """Validate a scenario's parsed TOML."""
    unknown = set(data) - {"name", "description", "tags", "timeout_s", "setup", "step"}
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    name = data.get("name", path.stem if path is not None else "")
    if not isinstance(name, str) or not name:
        raise _fail(where, "name must be a non-empty string")
    steps_raw = data.get("step", [])
    if not isinstance(steps_raw, list) or not steps_raw:
        raise _fail(where, "a scenario needs at least one [[step]]")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _fail(where, "tags must be a list of strings")
    timeout_s = data.get("timeout_s", DEFAULT_TIMEOUT_S)
    if not isinstance(timeout_s, int | float) or isinstance(timeout_s, bool) or timeout_s <= 0:
        raise _fail(where, "timeout_s must be a positive number")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise _fail(where, "description must be a string")
    return Scenario(
        name=name,
        path=path,
        steps=tuple(_step(raw, i, where) for i, raw in enumerate(steps_raw)),
        setup=_setup(data.get("setup"), where),
        description=description,
        tags=tuple(tags),
        timeout_s=float(timeout_s),
    )


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from exc
    return parse_scenario(data, str(path), path)


def scenario_files(paths: list[Path]) -> list[Path]:
    """Expand directories into their *.toml files (recursively, sorted); files stay as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob("*.toml")))
        else:
            found.append(path)
    return found
