"""Accessibility arithmetic shared by the flow and the UI: the reach band and speech hygiene.

Qt-free. The UI does the drawing; this module decides which rows of the screen a wheelchair user
can reach and what voice guidance may say aloud.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Modes a citizen switches on screen; all off at the start of a session (unless configured).
MODES = ("elderly", "contrast", "low_reach")

# Elderly mode speaks this much slower than the configured rate.
ELDERLY_RATE_FACTOR = 0.8


@dataclass(frozen=True)
class ReachBand:
    """The part of the screen a seated user reaches, as fractions of its height from the top.

    `top` and `bottom` are in [0, 1] with top < bottom; `reachable` is False when the screen is
    mounted so that no row at all is inside the reach range (the layout then uses the lowest
    part of the screen and the operator must remount it).
    """

    top: float
    bottom: float
    reachable: bool


def reach_band(
    screen_bottom_mm: float, screen_height_mm: float, reach_min_mm: float, reach_max_mm: float
) -> ReachBand:
    """Rows of the screen between `reach_min_mm` and `reach_max_mm` above the floor."""
    if screen_height_mm <= 0:
        raise ValueError("screen height must be positive")
    screen_top_mm = screen_bottom_mm + screen_height_mm
    top_mm = min(screen_top_mm, reach_max_mm)
    bottom_mm = max(screen_bottom_mm, reach_min_mm)
    if top_mm - bottom_mm < 1:
        # Nothing is in reach: use the lowest tenth so the UI still works, and say so.
        return ReachBand(top=0.9, bottom=1.0, reachable=False)
    return ReachBand(
        top=round((screen_top_mm - top_mm) / screen_height_mm, 4),
        bottom=round((screen_top_mm - bottom_mm) / screen_height_mm, 4),
        reachable=True,
    )


def row_height_mm(row_fraction: float, screen_bottom_mm: float, screen_height_mm: float) -> float:
    """Height above the floor of a screen row given as a fraction of the height from the top."""
    return screen_bottom_mm + (1.0 - row_fraction) * screen_height_mm


# Runs of digits/letters that look like an ID, phone, document or receipt-free number: voice
# guidance reads fixed instructions and service titles only, so any such run is a leak. Digits
# may be grouped with single spaces or dashes ("138 0013 8000", "138-0013-8000").
_NUMBERISH = re.compile(r"[0-9Xx*](?:[\s-]?[0-9Xx*]){5,}|[A-Z]{1,2}(?:[\s-]?[0-9]){6,}")
_MAX_CHARS = 600


def speakable(text: str) -> str:
    """`text` made safe to read aloud: long number-like runs dropped, length capped.

    The screens compose what is spoken from their titles and instructions, never from form
    values; this is the second line of defence for ID numbers and phone numbers.
    """
    cleaned = _NUMBERISH.sub(" ", text)
    cleaned = " ".join(cleaned.split())
    return cleaned[:_MAX_CHARS]
