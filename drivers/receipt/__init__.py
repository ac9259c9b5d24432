"""Receipt printers: the device class and its driver-neutral document blocks.

Blocks are plain dicts built by the kiosk core (drivers never import it):
`{"kind": "text", "text": str, "align": "left|center|right", "bold": bool, "scale": 1|2}`,
`{"kind": "rule"}`, `{"kind": "qr", "data": str}`, `{"kind": "barcode", "data": str}`,
`{"kind": "feed", "lines": int}`, `{"kind": "cut"}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from drivers.printing import Printer
from drivers.status import Status

BLOCK_KINDS = frozenset({"text", "rule", "qr", "barcode", "feed", "cut"})
ALIGNS = frozenset({"left", "center", "right"})


def validate_blocks(blocks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Copy and check receipt blocks; ValueError (naming the block index, not its text)."""
    checked: list[dict[str, Any]] = []
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            raise ValueError(f"block {index} is not a mapping")
        kind = block.get("kind")
        if kind not in BLOCK_KINDS:
            raise ValueError(f"block {index} has unknown kind {str(kind)[:20]!r}")
        if kind == "text":
            if not isinstance(block.get("text"), str):
                raise ValueError(f"block {index}: text must be a string")
            if block.get("align", "left") not in ALIGNS:
                raise ValueError(f"block {index}: bad align")
            if block.get("scale", 1) not in (1, 2):
                raise ValueError(f"block {index}: scale must be 1 or 2")
        elif kind in ("qr", "barcode"):
            if not isinstance(block.get("data"), str) or not block["data"]:
                raise ValueError(f"block {index}: {kind} needs non-empty data")
        elif kind == "feed":
            lines = block.get("lines", 1)
            if not isinstance(lines, int) or not 0 <= lines <= 20:
                raise ValueError(f"block {index}: feed lines must be 0..20")
        checked.append(dict(block))
    return checked


class ReceiptPrinter(Printer):
    """A receipt printer: events printed {job_id} / print_failed {job_id, reason}."""

    device_class: ClassVar[str] = "receipt"

    def print_document(self, job_id: str, blocks: Sequence[Mapping[str, Any]]) -> None:
        """Print a receipt asynchronously; the result comes back as printed / print_failed."""
        try:
            checked = validate_blocks(blocks)
        except ValueError as exc:
            # A bad document is a software fault; report it as a failed job so the flow moves on.
            self._log.error("print job %s refused: %s", job_id, exc)
            self._submit(lambda: self._fail(job_id, Status.CONFIGURATION_ERROR))
            return
        self._queue_job(job_id, checked)

    def preview_png(self, blocks: Sequence[Mapping[str, Any]]) -> bytes:
        """What `blocks` look like on this printer's paper, as a PNG (maintenance test print):
        encoded with this printer's ESC/POS profile, decoded and drawn back.

        Pure (no device I/O): any thread may call it, never the GUI's for long.
        """
        from drivers.options import ReceiptProfileOptions
        from drivers.receipt.preview import preview_png

        profile = self.options if isinstance(self.options, ReceiptProfileOptions) else None
        return preview_png(blocks, profile)
