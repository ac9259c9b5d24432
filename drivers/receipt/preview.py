"""What a receipt looks like on paper, without a printer: the blocks are encoded with the
printer's ESC/POS profile, decoded by the sink simulator's parser and drawn back as a PNG, so a
preview shows exactly what the bytes say (maintenance test print, rig, `kiosk devices`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from drivers.options import ReceiptProfileOptions


def preview_png(
    blocks: Sequence[Mapping[str, Any]],
    options: Mapping[str, Any] | ReceiptProfileOptions | None = None,
) -> bytes:
    """PNG bytes of `blocks` as printed with the profile in `options` (device options: keys
    other than the profile's are ignored). ValueError for a malformed block."""
    from drivers.receipt import sink, validate_blocks
    from drivers.receipt.escpos import EscposEncoder, EscposProfile

    profile = EscposProfile.from_options(options or {})
    data = EscposEncoder(profile).encode(validate_blocks(blocks)).data
    docs = sink.decode(data)
    return sink.render_png(docs[-1], paper_mm=profile.paper_mm)
