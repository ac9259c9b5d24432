"""Deadlines in working days.

A working day is Monday to Friday, minus public holidays, plus the make-up working days (调休)
on which a weekend day is worked. The holiday calendar itself is config (a later issue ships it
per year); with no calendar only weekends are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class WorkCalendar:
    """Public holidays and make-up working days."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_days: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, holidays: Iterable[date] = (), makeup_days: Iterable[date] = ()) -> WorkCalendar:
        """Build a calendar from any iterables of dates."""
        return cls(frozenset(holidays), frozenset(makeup_days))

    def is_working_day(self, day: date) -> bool:
        """True when offices are open on `day`."""
        if day in self.makeup_days:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def add_working_days(start: date, days: int, calendar: WorkCalendar | None = None) -> date:
    """The date `days` working days after `start` (the day of application does not count)."""
    cal = calendar or WorkCalendar()
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    return day
