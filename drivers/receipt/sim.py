"""An in-process receipt printer that records what it printed and takes fault words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from drivers.options import ReceiptSimOptions
from drivers.receipt import ReceiptPrinter
from drivers.receipt.text import display_width, wrap
from drivers.simprinter import PRINTER_WORDS, SimulatedPrinterMixin


def _align(line: str, align: str, width: int) -> str:
    pad = max(0, width - display_width(line))
    if align == "center":
        return " " * (pad // 2) + line
    if align == "right":
        return " " * pad + line
    return line


def render_text(blocks: Sequence[Mapping[str, Any]], width: int = 32) -> str:
    """Plain-text preview of receipt blocks, `width` columns wide (for tests and previews)."""
    out: list[str] = []
    for block in blocks:
        kind = block.get("kind")
        if kind == "text":
            scale = int(block.get("scale", 1))
            # Double-size text takes twice the columns: wrap it at half the width.
            for line in wrap(str(block.get("text", "")), max(1, width // scale)):
                out.append(_align(line, str(block.get("align", "left")), width).rstrip())
        elif kind == "rule":
            out.append("-" * width)
        elif kind == "qr":
            out.append(_align(f"[QR {block.get('data', '')}]", "center", width))
        elif kind == "barcode":
            out.append(_align(f"|||| {block.get('data', '')} ||||", "center", width))
        elif kind == "feed":
            out.extend([""] * int(block.get("lines", 1)))
        elif kind == "cut":
            out.append("=" * width)
    return "\n".join(out)


class SimulatedReceiptPrinter(SimulatedPrinterMixin, ReceiptPrinter):
    """Receipt printer simulator: `printed` holds (job_id, blocks) of every finished job.

    Options: `print_delay_s` (default 0.01), `keep_jobs`, the receipt profile keys (for the
    preview), `faults` (drivers/options.py `ReceiptSimOptions`).
    """

    injections: ClassVar[frozenset[str]] = PRINTER_WORDS
    render_text = staticmethod(render_text)
    Options = ReceiptSimOptions
    options: ReceiptSimOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        self._init_sim(self.options)

    def _copy(self, content: Any) -> Any:
        return list(content)
