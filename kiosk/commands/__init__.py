"""Subcommands of `kiosk` beyond run and config validate, one module each.

Every module here defines `register(sub)` taking the top-level subparsers object and adding its
parser with `set_defaults(func=...)`; `kiosk.cli` discovers them, so adding a command needs no
edit elsewhere. Keep imports of heavy libraries inside the command functions.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil


def register_all(sub: argparse._SubParsersAction) -> None:
    """Let every command module add its parser."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub)
