"""`kiosk maintenance hash-pin`: make the scrypt hash of a technician PIN for the config."""

from __future__ import annotations

import argparse
import getpass
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk maintenance`."""
    parser = sub.add_parser("maintenance", help="technician maintenance mode tools")
    msub = parser.add_subparsers(dest="maintenance_command", metavar="COMMAND")
    hash_pin = msub.add_parser(
        "hash-pin", help="print the scrypt hash of a PIN", description=cmd_hash_pin.__doc__
    )
    hash_pin.add_argument(
        "--stdin", action="store_true", help="read the PIN from standard input, not a prompt"
    )
    hash_pin.add_argument(
        "--role",
        choices=("technician", "supervisor"),
        default="technician",
        help="technician (at least 8 digits) or supervisor (at least 10)",
    )
    hash_pin.set_defaults(func=cmd_hash_pin)
    parser.set_defaults(func=lambda _a: (parser.print_help(sys.stderr), 2)[1])


def cmd_hash_pin(args: argparse.Namespace) -> int:
    """Read a PIN (technician 8-16 digits, supervisor 10-16) without echoing it and print the
    hash to put in [[maintenance.pins]] hash = "..."; the PIN itself is never printed or logged."""
    from kiosk.maintenance import hash_pin

    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("PIN: ")
        if getpass.getpass("PIN again: ") != pin:
            print("the two PINs differ", file=sys.stderr)
            return 2
    try:
        print(hash_pin(pin, role=getattr(args, "role", "technician")))
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0
