"""Technician maintenance mode, Qt-free: gesture, PIN, lockout, session gating, auto-exit.

`Maintenance` (mode.py) is a small state machine the UI renders (`view()`) and drives (`tap`,
`enter_pin`, `activity`, `exit`, `tick`):

    closed --gesture--> pin --right PIN--> open --exit / inactivity--> closed
              │          └─wrong PIN x max_failures--> locked --lockout--> closed
              └─(citizen session running)--> waiting --session ends--> pin

PINs (pins.py) are stored in config as scrypt hashes (`hash_pin`) that carry the PIN's
length, so config refuses a technician PIN under 8 digits and a supervisor PIN under 10. Every
attempt is logged with the PIN id on success and never with the PIN. Lockouts grow (15 min,
1 h, 4 h, 24 h) and survive a restart: the record in the state directory is written atomically
with fsync, and when it cannot be written the terminal stays locked (fail closed).

`PaperCounters` (paper.py) counts paper replacements; `SystemActions` (actions.py) restarts,
reboots or leaves to the desktop; `MaintenanceConsole` (console.py) gathers what the
maintenance screens show (devices, queue, config) and the actions they offer.
"""

from __future__ import annotations

from kiosk.config.schema import MaintenanceSettings
from kiosk.maintenance.actions import SystemActions
from kiosk.maintenance.console import DEVICE_TESTS, MaintenanceConsole
from kiosk.maintenance.mode import Maintenance, Mode
from kiosk.maintenance.paper import PAPER_KINDS, PaperCounters
from kiosk.maintenance.pins import MIN_PIN_DIGITS, hash_pin, pin_digits, verify_pin
from kiosk.maintenance.samples import (
    masked_identity,
    sample_licence_document,
    sample_receipt_blocks,
)
from kiosk.watchdog import EXIT_DESKTOP, EXIT_RESTART

__all__ = [
    "DEVICE_TESTS",
    "EXIT_DESKTOP",
    "EXIT_RESTART",
    "MIN_PIN_DIGITS",
    "PAPER_KINDS",
    "Maintenance",
    "MaintenanceConsole",
    "MaintenanceSettings",
    "Mode",
    "PaperCounters",
    "SystemActions",
    "hash_pin",
    "masked_identity",
    "pin_digits",
    "sample_licence_document",
    "sample_receipt_blocks",
    "verify_pin",
]
