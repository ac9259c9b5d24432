"""Collecting printer events in tests (shared by the ESC/POS and CUPS suites)."""

from __future__ import annotations

import queue
import time

from drivers.base import DeviceEvent


class Events:
    """Device events collected from the worker thread."""

    def __init__(self, job_timeout: float = 5.0) -> None:
        self.queue: queue.Queue[DeviceEvent] = queue.Queue()
        self.job_timeout = job_timeout

    def __call__(self, event: DeviceEvent) -> None:
        self.queue.put(event)

    def job(self, timeout: float | None = None) -> DeviceEvent:
        """The next printed / print_failed event."""
        deadline = time.monotonic() + (self.job_timeout if timeout is None else timeout)
        while time.monotonic() < deadline:
            try:
                event = self.queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if event.kind in ("printed", "print_failed"):
                return event
        raise AssertionError("no job result")
