"""Night-time screen blanking: the [display] settings as QML reads them (NightBlank.qml)."""

from __future__ import annotations

from typing import Any


def display_settings(terminal: Any) -> dict[str, Any]:
    """`displaySettings` for QML: blankFrom/blankTo ("HH:MM" or "") and blankAfterS."""
    display = getattr(getattr(terminal, "config", None), "display", None)
    if display is None:
        return {"blankFrom": "", "blankTo": "", "blankAfterS": 60}
    return {
        "blankFrom": display.blank_from or "",
        "blankTo": display.blank_to or "",
        "blankAfterS": int(display.blank_after_s),
    }
