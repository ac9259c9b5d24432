"""Holiday calendars as config files: ``holidays/*.toml`` in any directory layer.

Each file covers one year (or a local addition to one) and lists the public holidays and the
make-up working days (调休). Files of all layers are read in layer order; a later layer's file
with the same name replaces the earlier one whole (as service files do). Problems are reported
as `ConfigError` with file, key and reason, like every other config file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.config.loader import ConfigError, ConfigProblem, shipped_dir
from kiosk.workdays import WorkCalendar

__all__ = ["HOLIDAYS_DIR", "calendar_layers", "load_calendar"]

HOLIDAYS_DIR = "holidays"
_ALLOWED = {"year", "source", "holidays"}
_ENTRY_ALLOWED = {"name", "days", "makeup_days"}


def calendar_layers(sources: Sequence[Path], *, development: bool = False) -> list[Path]:
    """The layer directories behind a loaded config's source files, in load order.

    Outside development only signed layers count (a directory holding a ``manifest.json``:
    the verified bundle copy) besides the shipped defaults, so an unsigned
    ``/etc/kiosk/holidays/`` beside ``terminal.toml`` never changes the calendar.
    """
    out: list[Path] = []
    shipped = shipped_dir()
    for src in sources:
        layer = src.parent.parent if src.parent.name == "services" else src.parent
        if layer in out:
            continue
        if not development and layer != shipped and not (layer / "manifest.json").is_file():
            continue
        out.append(layer)
    return out


def load_calendar(layers: Sequence[Path] | None = None) -> WorkCalendar:
    """Read the shipped calendar files plus those of `layers`; ConfigError on any problem."""
    chosen: dict[str, Path] = {}
    dirs = [shipped_dir(), *(layers or [])]
    for layer in dirs:
        folder = Path(layer) / HOLIDAYS_DIR
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            if path.is_file() and not path.name.startswith("."):
                chosen[path.name] = path
    holidays: set[date] = set()
    makeup: set[date] = set()
    problems: list[ConfigProblem] = []
    for path in sorted(chosen.values(), key=lambda p: p.name):
        _read_file(path, holidays, makeup, problems)
    clash = sorted(holidays & makeup)
    if clash and not problems:
        problems.append(
            ConfigProblem(
                str(chosen[sorted(chosen)[-1]]),
                "-",
                f"{clash[0].isoformat()} is both a holiday and a make-up day",
            )
        )
    if problems:
        raise ConfigError(problems)
    return WorkCalendar.of(holidays, makeup)


def _read_file(
    path: Path, holidays: set[date], makeup: set[date], problems: list[ConfigProblem]
) -> None:
    file = str(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(ConfigProblem(file, "-", f"cannot read: {exc}"))
        return
    for key in sorted(set(data) - _ALLOWED):
        problems.append(ConfigProblem(file, key, f"unknown key (allowed: {', '.join(_ALLOWED)})"))
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        problems.append(ConfigProblem(file, "year", "required: the year as an integer"))
        return
    entries = data.get("holidays", [])
    if not isinstance(entries, list):
        problems.append(ConfigProblem(file, "holidays", "must be a list of [[holidays]] tables"))
        return
    for i, entry in enumerate(entries):
        where = f"holidays[{i}]"
        if not isinstance(entry, dict):
            problems.append(ConfigProblem(file, where, "must be a table"))
            continue
        for key in sorted(set(entry) - _ENTRY_ALLOWED):
            problems.append(
                ConfigProblem(
                    file, f"{where}.{key}", f"unknown key (allowed: {', '.join(_ENTRY_ALLOWED)})"
                )
            )
        name = entry.get("name")
        if not (isinstance(name, dict) and isinstance(name.get("zh"), str)):
            reason = "required: { zh = ..., en = ... }"
            problems.append(ConfigProblem(file, f"{where}.name", reason))
        for key, target, weekend_only in (
            ("days", holidays, False),
            ("makeup_days", makeup, True),
        ):
            days = _dates(entry.get(key, []), year, file, f"{where}.{key}", problems)
            for day in days:
                if weekend_only and day.weekday() < 5:
                    problems.append(
                        ConfigProblem(
                            file,
                            f"{where}.{key}",
                            f"{day.isoformat()} is a weekday; a make-up day is a worked weekend",
                        )
                    )
                target.add(day)


def _dates(value: Any, year: int, file: str, key: str, problems: list[ConfigProblem]) -> list[date]:
    if not isinstance(value, list):
        problems.append(ConfigProblem(file, key, "must be a list of dates (2026-01-01)"))
        return []
    out: list[date] = []
    for i, item in enumerate(value):
        if not isinstance(item, date) or hasattr(item, "hour"):
            problems.append(
                ConfigProblem(file, f"{key}[{i}]", f"must be a TOML date, got {item!r:.40}")
            )
            continue
        if item.year != year:
            problems.append(
                ConfigProblem(file, f"{key}[{i}]", f"{item.isoformat()} is not in year {year}")
            )
            continue
        out.append(item)
    return out
