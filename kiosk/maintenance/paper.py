"""Paper-replaced counters of maintenance mode, persisted in the state directory."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["PAPER_KINDS", "PaperCounters"]

PAPER_KINDS = ("receipt", "licence")  # receipt roll, A4 paper

log = logging.getLogger("kiosk.maintenance")


class PaperCounters:
    """How often the technician replaced the receipt roll and the A4 paper, and when.

    Persisted in the state directory (JSON, written to a temporary file, fsynced, renamed), so
    a power cut never leaves a half file; an unreadable file starts the counts afresh (logged).
    """

    def __init__(self, path: Path | None, *, wall_clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self._wall = wall_clock
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Any]] = {k: {"count": 0, "last": None} for k in PAPER_KINDS}
        if path is not None:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                for kind in PAPER_KINDS:
                    entry = raw.get(kind) or {}
                    self._data[kind] = {
                        "count": int(entry.get("count", 0)),
                        "last": None if entry.get("last") is None else float(entry["last"]),
                    }
            except FileNotFoundError:
                pass
            except (OSError, ValueError, TypeError, AttributeError):
                log.error("paper counters unreadable; starting from zero")

    def replaced(self, kind: str, by: str | None = None) -> dict[str, Any]:
        """Count one replacement of `kind` ("receipt" or "licence") now; returns its entry."""
        if kind not in PAPER_KINDS:
            raise ValueError(f"unknown paper {kind[:20]!r} (known: {', '.join(PAPER_KINDS)})")
        with self._lock:
            entry = self._data[kind]
            entry["count"] += 1
            entry["last"] = self._wall()
            self._save()
            result = dict(entry)
        log.info("maintenance: %s paper replaced by %s (count %d)", kind, by, result["count"])
        return result

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Per kind: count and last (epoch seconds or None)."""
        with self._lock:
            return {k: dict(v) for k, v in self._data.items()}

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self._data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._path)
