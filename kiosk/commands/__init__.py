"""Subcommands of `kiosk` beyond run and config validate, one module each.

Every module here defines `register(sub)` taking the top-level subparsers object and adding its
parser with `set_defaults(func=...)`. The list below is explicit (a new command is one line
here); the developer commands (rig, intake-server, eval-face) are `kiosk-dev` (devtools.cli).
"""

from __future__ import annotations

import argparse

from kiosk.commands import config_bundle, devices, devices_card, devices_print, maintenance, queue

# `devices` before its tools (they add sub-subcommands to it); config_bundle after `kiosk config`.
COMMANDS = (config_bundle, devices, devices_card, devices_print, maintenance, queue)


def register_all(sub: argparse._SubParsersAction) -> None:
    """Let every command module add its parser."""
    for module in COMMANDS:
        module.register(sub)
