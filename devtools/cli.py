"""`kiosk-dev`: the developer commands (rig, intake-server, eval-face, tour), not on terminals."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from devtools.commands import eval_face, intake_server, rig
from kiosk import __version__

COMMANDS = (rig, intake_server, eval_face)


def _tour(args: argparse.Namespace) -> int:
    from devtools.tour import main as tour_main

    dirs = [Path(d) for d in args.config_dir] if args.config_dir else None
    state = Path(args.state_dir) if args.state_dir else None
    return tour_main(Path(args.out_dir), state_dir=state, config_dirs=dirs)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every developer command."""
    parser = argparse.ArgumentParser(prog="kiosk-dev", description="Kiosk developer tools.")
    parser.add_argument("--version", action="version", version=f"kiosk-dev {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    tour = sub.add_parser("tour", help="write the screenshot tour (a simulated terminal)")
    tour.add_argument("out_dir", metavar="DIR", help="where the PNGs go")
    tour.add_argument("--state-dir", metavar="DIR", help="terminal state (default: temporary)")
    tour.add_argument("--config-dir", action="append", metavar="DIR", help="config overlay(s)")
    tour.set_defaults(func=_tour)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kiosk-dev` console script and of `python -m devtools`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
