"""Fault state of a simulated printer, shared by the receipt and licence simulators."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from drivers.options import SimPrinterOptions
from drivers.sim.power import SimPower
from drivers.status import FAULT_WORDS, DeviceStatus, Status

# Fault words every simulated printer takes: the shared vocabulary less the card, camera and
# line-noise words, plus "reset" (a technician clearing the faults).
PRINTER_WORDS = (FAULT_WORDS - {"garbage", "card_insert", "card_remove", "camera_stall"}) | {
    "reset"
}
SLOW_PRINT_S = 2.0


@dataclass
class PrinterSimState(SimPower):
    """The conditions a simulated printer is in; `status()` reports the most severe one."""

    paper: str = "ok"  # ok | low | empty
    toner: str = "ok"  # ok | low | empty (A4 only)
    jammed: bool = False
    cover_open: bool = False
    hardware_fault: bool = False
    media_present: bool = False

    def apply(self, word: str) -> None:
        """Apply one fault word."""
        if self.apply_power(word) and word != "reset":
            return
        match word:
            case "paper_low":
                self.paper = "low"
            case "paper_empty":
                self.paper = "empty"
            case "paper_jam":
                self.jammed = True
            case "cover_open":
                self.cover_open = True
            case "cutter_jam":
                self.hardware_fault = True
            case "media_present":
                self.media_present = True
            case "media_taken":
                self.media_present = False
            case "toner_low":
                self.toner = "low"
            case "toner_empty":
                self.toner = "empty"
            case "reset":
                # A technician refilled paper/toner, cleared the jam, closed the cover.
                self.paper = self.toner = "ok"
                self.jammed = self.cover_open = self.hardware_fault = False
                self.media_present = False
            case _:
                raise ValueError(f"not a printer fault word: {word[:40]!r}")

    def status(self) -> DeviceStatus:
        """The status a real printer in these conditions would report."""
        power = self.power_status()
        if power is not None:
            return power
        for condition, status in (
            (self.hardware_fault, Status.HARDWARE_ERROR),
            (self.jammed, Status.MEDIA_JAMMED),
            (self.cover_open, Status.COVER_OPEN),
            (self.paper == "empty", Status.MEDIA_EMPTY),
            (self.toner == "empty", Status.CONSUMABLES),
            (self.media_present, Status.MEDIA_PRESENT),
            (self.paper == "low" or self.toner == "low", Status.MEDIA_LOW),
        ):
            if condition:
                return DeviceStatus.for_status(status)
        return DeviceStatus.for_status(Status.OK)


class SimulatedPrinterMixin:
    """What the receipt and A4 simulators share: the fault state and the record of jobs.

    Mixed in before the device class; `_copy` turns the job's content into what is recorded.
    """

    _sim: PrinterSimState

    def _init_sim(self, options: SimPrinterOptions) -> None:
        self._sim = PrinterSimState()
        self._print_delay_s = options.print_delay_s
        # Bounded: a terminal on simulators runs for weeks (soak, demo); tests look at the last
        # few jobs only.
        self._printed: deque[tuple[str, Any]] = deque(maxlen=options.keep_jobs)
        self._printed_lock = threading.Lock()

    @property
    def printed(self) -> list[tuple[str, Any]]:
        """A snapshot of the finished jobs (job id, content), oldest first."""
        with self._printed_lock:
            return list(self._printed)

    def _copy(self, content: Any) -> Any:
        raise NotImplementedError

    def _apply_injection(self, word: str, args: tuple[str, ...]) -> None:
        self._sim.apply(word)
        self._set_status(self._sim.status())  # type: ignore[attr-defined]

    def _open(self) -> DeviceStatus:
        return self._sim.status()

    def _read_status(self) -> DeviceStatus:
        return self._sim.status()

    def _print(self, job_id: str, content: Any) -> None:
        delay = SLOW_PRINT_S if self._sim.slow else self._print_delay_s
        if not self._pump(delay):  # type: ignore[attr-defined]
            return
        if not self._sim.status().usable:
            return  # the paper ran out mid-job: nothing complete came out
        self.io.note(f"job {job_id} printed (simulated)")  # type: ignore[attr-defined]
        with self._printed_lock:
            self._printed.append((job_id, self._copy(content)))
