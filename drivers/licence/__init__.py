"""Licence / certificate (A4) printers: the device class.

The document is a driver-neutral mapping built by the kiosk core; backends render it (Qt/CUPS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from drivers.printing import Printer
from drivers.status import Status


class LicencePrinter(Printer):
    """An A4 printer: events printed {job_id} / print_failed {job_id, reason}."""

    device_class: ClassVar[str] = "licence"

    def print_document(self, job_id: str, document: Mapping[str, Any]) -> None:
        """Print a document asynchronously; the result comes back as printed / print_failed."""
        if not isinstance(document, Mapping):
            self._log.error("print job %s refused: document is not a mapping", job_id)
            self._submit(lambda: self._fail(job_id, Status.CONFIGURATION_ERROR))
            return
        self._queue_job(job_id, dict(document))

    def prepare_rendering(self) -> None:
        """Create the Qt application object rendering needs (headless tools, main thread only)."""
        from drivers.licence.render import ensure_qt

        ensure_qt()

    def preview_png(self, document: Mapping[str, Any], *, dpi: int = 60) -> bytes:
        """The page as this printer would print it, as a PNG (maintenance test print).

        Pure rendering (Qt, no device I/O): any thread may call it, never the GUI's for long.
        """
        from drivers.licence.render import render_png

        layouts = getattr(self.options, "layouts_dir", None)  # both backends take it
        return render_png(dict(document), dpi=dpi, layouts_dir=layouts)
