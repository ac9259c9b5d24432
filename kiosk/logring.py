"""Recent log lines in memory, for maintenance mode and the log bundle.

`RingLogHandler` keeps the last records (level, logger, message, time) in a bounded deque. By
policy logs hold no personal data (ids and codes only); the ring keeps exception types, never
tracebacks' values, so an exception message that slipped through does not travel further.
`install()` puts one handler on the root logger (idempotent, thread-safe).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any

__all__ = ["RingLogHandler", "install", "installed"]

DEFAULT_CAPACITY = 1000
MAX_MESSAGE = 500

_lock = threading.Lock()
_installed: RingLogHandler | None = None


class RingLogHandler(logging.Handler):
    """The last `capacity` log records as plain dicts."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._records: collections.deque[dict[str, Any]] = collections.deque(
            maxlen=max(1, capacity)
        )
        self._ring_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break logging
            message = str(record.msg)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "…"
        if record.exc_info and record.exc_info[0] is not None:
            message += f" [{record.exc_info[0].__name__}]"
        entry = {
            "at": record.created,
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        with self._ring_lock:
            self._records.append(entry)

    def records(self, limit: int | None = None, min_level: int = logging.NOTSET) -> list[dict]:
        """The kept records, oldest first (the last `limit`, at `min_level` or above)."""
        with self._ring_lock:
            items = list(self._records)
        if min_level > logging.NOTSET:
            items = [r for r in items if logging.getLevelName(r["level"]) >= min_level]
        return items[-limit:] if limit else items

    def text(self) -> str:
        """The records as log lines (for the bundle)."""
        lines = []
        for r in self.records():
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["at"]))
            lines.append(f"{stamp} {r['level']} {r['logger']}: {r['message']}")
        return "\n".join(lines) + ("\n" if lines else "")


def install(capacity: int = DEFAULT_CAPACITY) -> RingLogHandler:
    """The process's ring handler, attached to the root logger on first call."""
    global _installed
    with _lock:
        if _installed is None:
            _installed = RingLogHandler(capacity)
            logging.getLogger().addHandler(_installed)
        return _installed


def installed() -> RingLogHandler | None:
    """The ring handler if `install()` ran."""
    return _installed
