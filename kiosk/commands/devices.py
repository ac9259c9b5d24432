"""`kiosk devices ...`: device tools for technicians, one sub-subcommand per module.

This module only creates the `devices` parser. A module that adds a device tool (test prints,
card reads, ...) calls `subcommands(sub)` from its own `register(sub)` and adds its parser there;
whichever module runs first creates `kiosk devices`, so the order of discovery does not matter.
"""

from __future__ import annotations

import argparse
import sys

_ATTR = "_kiosk_devices_subparsers"


def subcommands(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The subparsers of `kiosk devices` (created on first use for this parser tree)."""
    existing = getattr(sub, _ATTR, None)
    if existing is not None:
        return existing
    devices = sub.add_parser(
        "devices",
        help="device tools: test prints, card reads",
        description="Device tools for technicians.",
    )
    devices_sub = devices.add_subparsers(dest="devices_command", metavar="COMMAND")

    def usage(_args: argparse.Namespace) -> int:
        devices.print_help(sys.stderr)
        return 2

    devices.set_defaults(func=usage)
    setattr(sub, _ATTR, devices_sub)
    return devices_sub


def register(sub: argparse._SubParsersAction) -> None:
    """Create `kiosk devices` (its tools register themselves through `subcommands`)."""
    subcommands(sub)
