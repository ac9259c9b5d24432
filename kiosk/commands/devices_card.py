"""`kiosk devices read-card`: read one identity document with the configured or named reader.

Prints the record with personal data masked (the ID number as 110105********002X) unless
`--reveal`, and the photo's format and size. Exit codes: 0 read, 2 no card / timeout,
3 device fault, 4 invalid card data.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.commands.devices import subcommands

EXIT_READ, EXIT_NO_CARD, EXIT_DEVICE, EXIT_INVALID = 0, 2, 3, 4
_NO_CARD_REASONS = {"timeout", "media_removed"}


def _options(args: argparse.Namespace) -> tuple[str, dict[str, Any]] | None:
    """(backend, options) from config, overridden by the command line; None: config refused."""
    backend: str | None = args.backend
    options: dict[str, Any] = {}
    if args.config_dir or backend is None:
        from kiosk.config import ConfigError, load_config

        try:
            config = load_config([Path(d) for d in args.config_dir] if args.config_dir else None)
        except ConfigError as exc:
            print(f"Configuration refused:\n{exc}", file=sys.stderr)
            return None
        settings = config.devices.idcard
        if backend is None or backend == settings.backend:
            backend = settings.backend
            options.update(settings.options)
    assert backend is not None
    if args.url:
        options["url"] = args.url
    if args.reader:
        options["reader"] = args.reader
    if args.mrz:
        options["mrz"] = args.mrz
    if args.baudrate:
        options["baudrate"] = args.baudrate
    return backend, options


def _masked_date(value: Any, reveal: bool) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text if reveal else text[:4] + "-**-**"


def record_view(record: Any, reveal: bool) -> dict[str, Any]:
    """The record as printable fields, masked unless `reveal`."""
    from kiosk.privacy import mask_id_number, mask_name, mask_text

    def m(fn: Any, value: str) -> str:
        return value if reveal or not value else str(fn(value))

    photo = record.photo or b""
    return {
        "card_type": record.card_type,
        "name": m(mask_name, record.name),
        "sex": record.sex,
        "nation": record.nation,
        "birth_date": _masked_date(record.birth_date, reveal),
        "address": m(mask_text, record.address),
        "id_number": m(mask_id_number, record.id_number),
        "authority": record.authority,
        "valid_from": record.valid_from.isoformat() if record.valid_from else None,
        "valid_until": record.valid_until.isoformat() if record.valid_until else "长期",
        "photo_format": record.photo_format,
        "photo_bytes": len(photo),
        "photo_decoded": bool(getattr(record, "photo_decoded", False)),
    }


def cmd_read_card(args: argparse.Namespace) -> int:
    """Wait for one card on the reader and print what it holds (masked)."""
    chosen = _options(args)
    if chosen is None:
        return EXIT_DEVICE
    backend, options = chosen
    from drivers.base import DeviceError
    from drivers.registry import create_device

    events: queue.Queue[Any] = queue.Queue()
    try:
        device = create_device("idcard", backend, events.put, **options)
    except (DeviceError, ValueError) as exc:
        print(f"read-card: reader cannot be set up: {exc}", file=sys.stderr)
        return EXIT_DEVICE
    device.start()
    try:
        if not device.status.usable:
            status = device.status
            why = status.detail or status.state
            print(f"read-card: reader not available: {status.status} ({why})", file=sys.stderr)
            return EXIT_DEVICE
        if not args.json:
            print(f"Waiting up to {args.timeout:g} s for a card ({backend})...", file=sys.stderr)
        return _wait(events, args)
    finally:
        device.stop()


def _wait(events: queue.Queue[Any], args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            print("read-card: no card within the timeout", file=sys.stderr)
            return EXIT_NO_CARD
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            continue
        if event.kind == "status_changed" and not event.payload["status"].usable:
            status = event.payload["status"]
            print(f"read-card: reader fault: {status.status}", file=sys.stderr)
            return EXIT_DEVICE
        if event.kind == "card_error":
            reason = str(event.payload.get("reason"))
            print(f"read-card: card not read: {reason}", file=sys.stderr)
            return EXIT_NO_CARD if reason in _NO_CARD_REASONS else EXIT_INVALID
        if event.kind == "card_read":
            view = record_view(event.payload["record"], args.reveal)
            if args.json:
                print(json.dumps(view, ensure_ascii=False, indent=2))
            else:
                for key, value in view.items():
                    print(f"{key:>14}: {'' if value is None else value}")
            return EXIT_READ


def register(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk devices read-card`."""
    parser = subcommands(sub).add_parser(
        "read-card",
        help="read one ID card or travel document and print it (masked)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--backend", choices=("sam", "pcsc", "sim"), help="reader backend (default: from config)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="SAM reader port: device path, socket://host:port, loop://")
    where.add_argument("--reader", metavar="NAME", help="PC/SC reader name (or part of it)")
    parser.add_argument(
        "--mrz",
        help='travel documents: "DOCNUMBER,YYMMDD,YYMMDD" or the 24-character MRZ information',
    )
    parser.add_argument("--baudrate", type=int, help="SAM reader baud rate (default 115200)")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)"
    )
    parser.add_argument("--json", action="store_true", help="print the record as JSON")
    parser.add_argument(
        "--reveal", action="store_true", help="print personal data unmasked (technician use)"
    )
    parser.add_argument(
        "--config-dir", action="append", metavar="DIR", help="config overlay(s) to load"
    )
    parser.set_defaults(func=cmd_read_card)
