"""Metrics of maintenance mode: paper-replaced counters and PIN lockouts (read at scrape time)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["LockoutCollector", "PaperCollector"]


class PaperCollector(Collector):
    """kiosk_paper_replaced_total and kiosk_paper_replaced_timestamp_seconds per printer."""

    def __init__(self, paper: Any) -> None:
        self._paper = paper

    def collect(self) -> Iterable[Any]:
        counts = CounterMetricFamily(
            "kiosk_paper_replaced",
            "Paper replacements a technician confirmed in maintenance mode, per printer "
            "(receipt roll, A4 paper); persisted across restarts.",
            labels=["printer"],
        )
        last = GaugeMetricFamily(
            "kiosk_paper_replaced_timestamp_seconds",
            "When the paper of this printer was last replaced (Unix time; 0 never).",
            labels=["printer"],
        )
        for printer, entry in sorted(self._paper.snapshot().items()):
            counts.add_metric([printer], float(entry["count"]))
            last.add_metric([printer], float(entry["last"] or 0.0))
        yield counts
        yield last


class LockoutCollector(Collector):
    """kiosk_maintenance_lockouts_total, _locked and _last_lockout_timestamp_seconds.

    Alert on any increase of the total: a PIN pad locked after repeated wrong PINs is a
    guessing attempt on an unattended terminal.
    """

    def __init__(self, maintenance: Any) -> None:
        self._maintenance = maintenance

    def collect(self) -> Iterable[Any]:
        status = self._maintenance.lockout_status()
        total = CounterMetricFamily(
            "kiosk_maintenance_lockouts",
            "Times maintenance PIN entry was locked after repeated wrong PINs; persisted.",
        )
        total.add_metric([], float(status["lockouts_total"]))
        locked = GaugeMetricFamily(
            "kiosk_maintenance_locked",
            "1 while maintenance PIN entry is locked (or its record cannot be written).",
        )
        locked.add_metric([], 1.0 if status["locked"] else 0.0)
        last = GaugeMetricFamily(
            "kiosk_maintenance_last_lockout_timestamp_seconds",
            "When maintenance PIN entry was last locked (Unix time; 0 never).",
        )
        last.add_metric([], float(status["last_lockout_at"] or 0.0))
        yield total
        yield locked
        yield last
