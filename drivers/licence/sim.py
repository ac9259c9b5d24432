"""An in-process A4 printer that records what it printed and takes fault words."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from drivers.licence import LicencePrinter
from drivers.simprinter import PRINTER_WORDS, SLOW_PRINT_S, PrinterSimState
from drivers.status import DeviceStatus


class SimulatedLicencePrinter(LicencePrinter):
    """A4 printer simulator: `printed` holds (job_id, document) of every finished job.

    Paper words act on the A4 tray; `toner_low` / `toner_empty` give media_low / consumables.
    Options: `print_delay_s` (default 0.01), `faults`.
    """

    injections: ClassVar[frozenset[str]] = PRINTER_WORDS | {"toner_low", "toner_empty"}

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        self._sim = PrinterSimState()
        self._print_delay_s = float(options.get("print_delay_s", 0.01))
        self._printed: list[tuple[str, dict[str, Any]]] = []
        self._printed_lock = threading.Lock()

    @property
    def printed(self) -> list[tuple[str, dict[str, Any]]]:
        """A snapshot of the finished jobs, oldest first."""
        with self._printed_lock:
            return list(self._printed)

    def _apply_injection(self, word: str, args: tuple[str, ...]) -> None:
        self._sim.apply(word)
        self._set_status(self._sim.status())

    def _open(self) -> DeviceStatus:
        return self._sim.status()

    def _read_status(self) -> DeviceStatus:
        return self._sim.status()

    def _print(self, job_id: str, content: Any) -> None:
        delay = SLOW_PRINT_S if self._sim.slow else self._print_delay_s
        if not self._pump(delay):
            return
        if not self._sim.status().usable:
            return
        with self._printed_lock:
            self._printed.append((job_id, dict(content)))
