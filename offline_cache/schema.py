"""Numbered schema migrations, recorded in the `migrations` table of the database itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


def _v1_initial(db: Database) -> None:
    db.table("transactions").create(
        {
            "transaction_id": str,  # UUIDv7; the idempotency key at the intake API
            "receipt_number": str,
            "service_id": str,
            "state": str,  # queued -> sending -> accepted | rejected
            "created_at": float,
            "updated_at": float,
            "attempts": int,
            "next_attempt_at": float,
            "last_error": str,  # a reason code, never personal data
            "payload": str,  # non-personal JSON, plain
            "personal_ct": bytes,  # AES-256-GCM ciphertext of the personal JSON
            "personal_nonce": bytes,
            "key_id": str,
        },
        pk="transaction_id",
        not_null=["receipt_number", "service_id", "state", "created_at", "attempts", "payload"],
        defaults={"state": "queued", "attempts": 0},
    )
    db.table("transactions").create_index(["receipt_number"], unique=True)
    db.table("transactions").create_index(["state", "created_at"])
    db.table("receipt_sequences").create(
        {"day": str, "last_seq": int}, pk="day", not_null=["last_seq"]
    )
    db.table("print_jobs").create(
        {
            "job_id": str,
            "transaction_id": str,
            "kind": str,  # "receipt" | "licence" | ...
            "state": str,  # pending -> sent -> confirmed | failed
            "reason": str,
            "created_at": float,
            "updated_at": float,
        },
        pk="job_id",
        not_null=["transaction_id", "kind", "state", "created_at", "updated_at"],
        foreign_keys=[("transaction_id", "transactions", "transaction_id")],
    )
    db.table("print_jobs").create_index(["transaction_id"])


def _v2_sync(db: Database) -> None:
    # What remains of a transaction after the intake API settled it: no personal data, ever.
    db.table("audit").create(
        {
            "id": int,
            "transaction_id": str,
            "receipt_number": str,
            "service_id": str,
            "event": str,  # accepted | rejected | requeued | pruned
            "at": float,
            "attempts": int,
            "detail": str,  # a reason code or the server's reference, never personal data
        },
        pk="id",
        not_null=["transaction_id", "receipt_number", "service_id", "event", "at", "attempts"],
    )
    db.table("audit").create_index(["transaction_id"])


# (version, name, apply). Append only: a released migration is never edited.
MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "initial", _v1_initial),
    (2, "sync", _v2_sync),
]
