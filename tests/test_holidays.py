"""Holiday calendars as config files, and deadlines in working days that use them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.config import ConfigError, KioskConfig
from kiosk.config.holidays import load_calendar
from kiosk.terminal import Terminal
from kiosk.workdays import add_working_days

from .test_flow import complete


def test_shipped_2026_calendar() -> None:
    cal = load_calendar()
    # Spring Festival: 2026-02-15 .. 02-23 off, Saturdays 02-14 and 02-28 worked.
    assert not cal.is_working_day(date(2026, 2, 16))
    assert not cal.is_working_day(date(2026, 2, 23))
    assert cal.is_working_day(date(2026, 2, 14))
    assert cal.is_working_day(date(2026, 2, 28))
    # National Day: 10-01 .. 10-07 off, Sunday 09-20 and Saturday 10-10 worked.
    assert not cal.is_working_day(date(2026, 10, 5))
    assert cal.is_working_day(date(2026, 9, 20))
    assert cal.is_working_day(date(2026, 10, 10))
    assert cal.is_working_day(date(2026, 1, 4))  # Sunday after New Year
    assert len(cal.holidays) == 33 and len(cal.makeup_days) == 6
    # Three working days after 30 September: 8 Oct, 9 Oct, and the make-up Saturday 10 Oct.
    assert add_working_days(date(2026, 9, 30), 3, cal) == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 5)  # weekends only


def test_fleet_adds_a_local_holiday(tmp_path: Path) -> None:
    layer = tmp_path / "conf.d"
    (layer / "holidays").mkdir(parents=True)
    (layer / "holidays" / "2026-local.toml").write_text(
        'year = 2026\n[[holidays]]\nname = { zh = "区庆", en = "District day" }\n'
        "days = [2026-12-01]\n",
        encoding="utf-8",
    )
    cal = load_calendar([layer])
    assert not cal.is_working_day(date(2026, 12, 1))
    assert not cal.is_working_day(date(2026, 10, 1))  # the shipped file still counts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "year = 2026\n[[holidays]]\nname = { zh = 'x' }\ndays = [2027-01-01]\n",
            "holidays[0].days[0]: 2027-01-01 is not in year 2026",
        ),
        (
            "year = 2026\n[[holidays]]\nname = { zh = 'x' }\nmakeup_days = [2026-03-02]\n",
            "is a weekday",
        ),
        (
            "year = 2026\n[[holidays]]\nname = { zh = 'x' }\ndays = ['2026-03-02']\n",
            "must be a TOML date",
        ),
        ("[[holidays]]\nname = { zh = 'x' }\n", "year: required"),
        ("year = 2026\nholiday = []\n", "holiday: unknown key"),
        ("year = 2026\n[[holidays]]\ndays = [2026-03-02]\n", "holidays[0].name: required"),
        ("year = 2026\n[[holidays]\n", "cannot read"),
    ],
)
def test_bad_calendar_files(tmp_path: Path, text: str, expected: str) -> None:
    layer = tmp_path / "conf.d"
    (layer / "holidays").mkdir(parents=True)
    path = layer / "holidays" / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_calendar([layer])
    assert any(str(p).startswith(str(path)) and expected in str(p) for p in info.value.problems), (
        str(info.value)
    )


def test_flow_deadline_skips_holidays(terminal: Terminal, config: KioskConfig) -> None:
    """build_terminal hands the calendar to the flow: a 1-working-day deadline on 30 Sep 2026
    falls on 8 Oct, after the National Day week, not on 1 Oct."""
    terminal.flow._wall = lambda: datetime(2026, 9, 30, 10, 0)
    terminal.set_connectivity("online")
    service = config.services["hotline_consult"]
    assert service.deadline_working_days == 1
    view = complete(terminal, service)
    assert view.data["deadline"] == "2026-10-08"
