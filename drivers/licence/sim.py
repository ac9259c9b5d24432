"""An in-process A4 printer that records what it printed and takes fault words."""

from __future__ import annotations

from typing import Any, ClassVar

from drivers.licence import LicencePrinter
from drivers.options import LicenceSimOptions
from drivers.simprinter import PRINTER_WORDS, SimulatedPrinterMixin


class SimulatedLicencePrinter(SimulatedPrinterMixin, LicencePrinter):
    """A4 printer simulator: `printed` holds (job_id, document) of every finished job.

    Paper words act on the A4 tray; `toner_low` / `toner_empty` give media_low / consumables.
    Options: `print_delay_s` (default 0.01), `keep_jobs`, `layouts_dir`, `faults`
    (drivers/options.py `LicenceSimOptions`).
    """

    injections: ClassVar[frozenset[str]] = PRINTER_WORDS | {"toner_low", "toner_empty"}
    Options = LicenceSimOptions
    options: LicenceSimOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        self._init_sim(self.options)

    def _copy(self, content: Any) -> Any:
        return dict(content)
