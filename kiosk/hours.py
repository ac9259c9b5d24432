"""Opening hours of services and of the terminal ("08:30-17:30", several ranges allowed).

A service (or the whole terminal) with `hours` is usable only inside them; with
`working_days_only` only on working days of the holiday calendar (kiosk.workdays: public
holidays closed, make-up working days open). Ranges end exclusive: "08:30-17:30" is open at
17:29 and closed at 17:30. A range whose end is before its start runs past midnight
("22:00-06:00"); its after-midnight part belongs to the day it started on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kiosk.workdays import WorkCalendar

__all__ = ["is_open", "parse_hours"]


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def parse_hours(spec: str) -> list[tuple[int, int]]:
    """The ranges of `spec` as (start, end) minutes after midnight (ValueError if malformed)."""
    out = []
    for part in spec.split(","):
        start, sep, end = part.strip().partition("-")
        if not sep:
            raise ValueError(f"opening hours range {part!r} needs a '-'")
        a, b = _minutes(start), _minutes(end)
        if a == b:
            raise ValueError(f"opening hours range {part!r} is empty")
        out.append((a, b))
    return out


def _working(day: date, calendar: WorkCalendar | None) -> bool:
    if calendar is None:
        return day.weekday() < 5
    return calendar.is_working_day(day)


def is_open(
    hours: str | None,
    working_days_only: bool,
    now: datetime,
    calendar: WorkCalendar | None = None,
) -> bool:
    """True when `now` is inside the opening hours (no hours: always, subject to the days)."""
    minute = now.hour * 60 + now.minute
    today, yesterday = now.date(), now.date() - timedelta(days=1)
    if hours is None:
        return not working_days_only or _working(today, calendar)
    for start, end in parse_hours(hours):
        if start < end:
            if start <= minute < end and (not working_days_only or _working(today, calendar)):
                return True
        else:  # past midnight: the evening part today, the morning part from yesterday
            if minute >= start and (not working_days_only or _working(today, calendar)):
                return True
            if minute < end and (not working_days_only or _working(yesterday, calendar)):
                return True
    return False
