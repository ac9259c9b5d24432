"""UUIDv7 transaction ids (RFC 9562): time-ordered, so ids sort by creation time."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable

_RAND_A_MAX = 0xFFF


class Uuid7Generator:
    """Makes UUIDv7 strings that strictly increase within the process.

    Within one millisecond the 12-bit rand_a field is a counter (RFC 9562 method 1); when it
    overflows, or the clock steps back, the timestamp is carried forward instead.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0

    def __call__(self) -> str:
        """A new UUIDv7 string."""
        with self._lock:
            ms = int(self._clock() * 1000)
            if ms > self._last_ms:
                self._last_ms = ms
                # Start low in the counter space so that many ids fit in one millisecond.
                self._counter = int.from_bytes(os.urandom(2), "big") & 0x7FF
            else:
                self._counter += 1
                if self._counter > _RAND_A_MAX:
                    self._last_ms += 1
                    self._counter = 0
            ms, counter = self._last_ms, self._counter
        rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
        return str(uuid.UUID(int=value))


def uuid7_time(value: str) -> float:
    """The creation time (Unix seconds) encoded in a UUIDv7 string."""
    return (uuid.UUID(value).int >> 80) / 1000.0
