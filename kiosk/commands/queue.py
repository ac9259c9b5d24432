"""`kiosk queue status|list|show ID|retry ID|dead [--json]`: the outbox for technicians.

Never prints personal data: the outbox keeps it encrypted and these commands never decrypt it.
Payloads are shown by their keys only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_CONFIG = 2
EXIT_FAULT = 3


def _paths(args: argparse.Namespace) -> tuple[Path, Path, str] | None:
    from kiosk.config import ConfigError, load_config

    overlays = [Path(d) for d in args.config_dir] if args.config_dir else None
    try:
        config = load_config(overlays)
    except ConfigError as exc:
        print("Configuration refused:", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return None
    db, key = config.outbox_path(), config.outbox_key_path()
    if args.state_dir:
        db, key = Path(args.state_dir) / "outbox.sqlite3", Path(args.state_dir) / "outbox.key"
    return db, key, config.terminal.id


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _item_dict(item: Any, now: float) -> dict[str, Any]:
    return {
        "transaction_id": item.transaction_id,
        "receipt_number": item.receipt_number,
        "service_id": item.service_id,
        "state": item.state,
        "attempts": item.attempts,
        "created_at": item.created_at,
        "age_s": round(now - item.created_at, 1),
        "next_attempt_at": item.next_attempt_at,
        "last_error": item.last_error,
        "has_personal": item.has_personal,
        "payload_keys": sorted(item.payload),
    }


def _table(items: list[dict[str, Any]]) -> str:
    header = ("RECEIPT", "TRANSACTION", "SERVICE", "STATE", "TRIES", "AGE", "LAST ERROR")
    rows = [
        (
            i["receipt_number"],
            i["transaction_id"],
            i["service_id"],
            i["state"],
            str(i["attempts"]),
            _age(i["age_s"]),
            i["last_error"] or "",
        )
        for i in items
    ]
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    )


def cmd_queue(args: argparse.Namespace) -> int:
    """Inspect and retry the outbox of this terminal (no personal data is shown)."""
    from offline_cache import NotFound, Outbox, OutboxCorrupt, OutboxError

    found = _paths(args)
    if found is None:
        return EXIT_CONFIG
    db, key, terminal_id = found
    if not db.exists():
        print(f"kiosk queue: no outbox at {db}", file=sys.stderr)
        return EXIT_FAULT
    try:
        outbox = Outbox(db, terminal_id, key_path=key)
    except OutboxCorrupt as exc:
        print(f"kiosk queue: FAULT: {exc}", file=sys.stderr)
        return EXIT_FAULT
    except OutboxError as exc:
        print(f"kiosk queue: cannot open the outbox: {exc}", file=sys.stderr)
        return EXIT_FAULT
    try:
        return _run(args, outbox)
    except NotFound as exc:
        print(f"kiosk queue: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except OutboxError as exc:
        print(f"kiosk queue: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        outbox.close()


def _emit(args: argparse.Namespace, value: Any, text: str) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False) if args.json else text)


def _run(args: argparse.Namespace, outbox: Any) -> int:
    now = time.time()
    action = args.queue_command
    if action == "status":
        counts = outbox.counts()
        oldest = outbox.oldest_age(now)
        next_due = outbox.next_due()
        value = {
            "outbox": str(outbox.path),
            "counts": counts,
            "depth": counts["queued"] + counts["sending"],
            "oldest_queued_age_s": None if oldest is None else round(oldest, 1),
            "dead_letters": counts["rejected"],
            "next_attempt_in_s": None if next_due is None else round(max(0, next_due - now), 1),
        }
        text = "\n".join(
            [
                f"outbox:        {outbox.path}",
                f"waiting:       {value['depth']} (queued {counts['queued']}, "
                f"sending {counts['sending']})",
                f"oldest:        {_age(oldest)}",
                f"accepted:      {counts['accepted']}",
                f"dead letters:  {counts['rejected']}",
                f"next attempt:  {_age(value['next_attempt_in_s'])}",
            ]
        )
        _emit(args, value, text)
        return EXIT_OK
    if action in ("list", "dead"):
        state = "rejected" if action == "dead" else args.state
        items = [_item_dict(i, now) for i in outbox.items(state, limit=args.limit)]
        text = _table(items) if items else "(none)"
        _emit(args, items, text)
        return EXIT_OK
    if action == "show":
        item = _item_dict(outbox.find(args.id), now)
        item["audit"] = [
            {k: row[k] for k in ("event", "at", "attempts", "detail")}
            for row in outbox.audit(item["transaction_id"])
        ]
        item["print_jobs"] = [
            {k: job[k] for k in ("kind", "state", "reason", "created_at")}
            for job in outbox.print_jobs(item["transaction_id"])
        ]
        lines = [f"{k + ':':16}{v}" for k, v in item.items() if k not in ("audit", "print_jobs")]
        lines += [
            f"audit:          {a['event']} after {a['attempts']} tries ({a['detail'] or '-'})"
            for a in item["audit"]
        ]
        lines += [
            f"print job:      {j['kind']} {j['state']} {j['reason'] or ''}".rstrip()
            for j in item["print_jobs"]
        ]
        _emit(args, item, "\n".join(lines))
        return EXIT_OK
    if action == "retry":
        item = outbox.find(args.id)
        before = outbox.requeue(item.transaction_id)
        value = {"transaction_id": item.transaction_id, "was": before, "now": "queued"}
        _emit(args, value, f"{item.receipt_number}: {before} -> queued, due now")
        return EXIT_OK
    raise AssertionError(action)


def register(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk queue`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument(
        "--config-dir",
        action="append",
        metavar="DIR",
        help="config overlay(s) instead of /etc/kiosk/conf.d and /etc/kiosk/terminal.toml",
    )
    common.add_argument("--state-dir", metavar="DIR", help="where the outbox lives")
    queue = sub.add_parser(
        "queue", help="inspect and retry the outbox", description=cmd_queue.__doc__
    )
    qsub = queue.add_subparsers(dest="queue_command", metavar="COMMAND")
    qsub.add_parser("status", parents=[common], help="counts, oldest waiting, dead letters")
    lst = qsub.add_parser("list", parents=[common], help="transactions, oldest first")
    lst.add_argument(
        "--state", choices=("queued", "sending", "accepted", "rejected"), help="only this state"
    )
    lst.add_argument("--limit", type=int, default=100, help="at most this many rows")
    show = qsub.add_parser("show", parents=[common], help="one transaction and its audit trail")
    show.add_argument("id", help="receipt number, transaction id or a unique id prefix")
    retry = qsub.add_parser("retry", parents=[common], help="send a transaction again now")
    retry.add_argument("id", help="receipt number, transaction id or a unique id prefix")
    dead = qsub.add_parser("dead", parents=[common], help="dead letters and their reasons")
    dead.add_argument("--limit", type=int, default=100, help="at most this many rows")
    for p in qsub.choices.values():
        p.set_defaults(func=cmd_queue)

    def usage(_args: argparse.Namespace) -> int:
        queue.print_help(sys.stderr)
        return EXIT_CONFIG

    queue.set_defaults(func=usage)
