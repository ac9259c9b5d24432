"""Metrics of maintenance mode: the paper-replaced counters (read at scrape time)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["PaperCollector"]


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
