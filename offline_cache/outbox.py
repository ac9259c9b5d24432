"""The durable outbox: transactions stored in SQLite before the citizen gets a receipt.

Durability: WAL with synchronous=FULL, so a committed enqueue survives a power cut; every write
is one explicit `BEGIN IMMEDIATE ... COMMIT` (a kill mid-write leaves nothing half-written,
persist-queue #58). Personal data is AES-256-GCM encrypted per row; the plain `payload` holds only
non-personal data. One connection, guarded by a lock, serves every thread ("database is locked"
under threads is the other persist-queue lesson).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from offline_cache.crypto import Cipher, create_key_file, dump_json, read_key_file
from offline_cache.errors import NotFound, OutboxCorrupt, OutboxError, StorageFull
from offline_cache.ids import Uuid7Generator
from offline_cache.schema import MIGRATIONS

log = logging.getLogger("offline_cache.outbox")

STATES = ("queued", "sending", "accepted", "rejected")
PENDING_STATES = ("queued", "sending")
PRINT_STATES = ("pending", "sent", "confirmed", "failed")
# print job state -> states it may move to
PRINT_TRANSITIONS = {
    "pending": {"sent", "confirmed", "failed"},
    "sent": {"confirmed", "failed"},
    "confirmed": set(),
    "failed": set(),
}
BUSY_TIMEOUT_MS = 5000
_TERMINAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


@dataclass(frozen=True)
class Enqueued:
    """What enqueue() hands back: the ids printed on the receipt."""

    transaction_id: str
    receipt_number: str
    created_at: float


@dataclass(frozen=True)
class OutboxItem:
    """One stored transaction, without its personal data (see Outbox.personal)."""

    transaction_id: str
    receipt_number: str
    service_id: str
    state: str
    created_at: float
    attempts: int
    payload: dict[str, Any]
    has_personal: bool
    next_attempt_at: float | None = None
    last_error: str | None = None
    updated_at: float | None = None


@dataclass(frozen=True)
class Claimed:
    """A transaction claimed for sending, with its decrypted personal data (never in repr)."""

    transaction_id: str
    receipt_number: str
    service_id: str
    created_at: float
    attempts: int
    payload: dict[str, Any]
    personal: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Outcome:
    """What the intake API said about one claimed transaction.

    kind: "accepted" (also for the server's "duplicate"), "rejected" (dead letter, `reason`
    says why) or "retry" (back to the queue, due again in `delay_s`).
    """

    transaction_id: str
    kind: str
    reason: str | None = None
    delay_s: float = 0.0


OUTCOME_KINDS = ("accepted", "rejected", "retry")
CLAIM_LEASE_S = 300.0


class _CorruptFile(Exception):
    pass


def _errorcode(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF  # primary code of an extended one


def _map_error(exc: sqlite3.Error) -> OutboxError:
    code = _errorcode(exc)
    if code == sqlite3.SQLITE_FULL:
        return StorageFull("outbox storage is full; the write was rolled back")
    if code in _CORRUPT_CODES:
        return OutboxCorrupt("outbox database is corrupt; reopen it to move the file aside")
    # SQLite's messages name tables and columns, never the values.
    return OutboxError(f"outbox database error: {type(exc).__name__}: {exc}")


class Outbox:
    """Durable, encrypted store of transactions waiting for the intake API, plus print jobs."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        terminal_id: str,
        *,
        key_path: str | os.PathLike[str],
        clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
        max_size_bytes: int | None = None,
    ) -> None:
        if not _TERMINAL_ID.fullmatch(terminal_id):
            raise ValueError("terminal id must be 1-40 letters, digits or dashes")
        self.path = Path(path)
        self.terminal_id = terminal_id
        self._prefix = terminal_id.replace("-", "")
        self._clock = clock
        self._tz = tz  # None: the terminal's local time decides the receipt day
        self._ids = Uuid7Generator(clock)
        self._lock = threading.RLock()
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = self._connect_checked()
        try:
            if max_size_bytes is not None:
                page_size = self._conn.execute("PRAGMA page_size").fetchone()[0]
                pages = max(1, math.ceil(max_size_bytes / page_size))
                self._conn.execute(f"PRAGMA max_page_count = {int(pages)}")
            self._migrate()
            self._cipher = self._load_cipher(Path(key_path))
        except BaseException:
            self._conn.close()
            self._closed = True
            raise

    # -- opening --
    def _connect_checked(self) -> sqlite3.Connection:
        # isolation_level=None: the module never opens transactions behind our back; every write
        # below is an explicit BEGIN IMMEDIATE ... COMMIT.
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise OutboxError(f"outbox database refused WAL mode ({mode})")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Deleted personal data is overwritten with zeros in the file, not just unlinked.
            conn.execute("PRAGMA secure_delete = ON")
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if rows != [("ok",)]:
                raise _CorruptFile
        except (sqlite3.DatabaseError, _CorruptFile) as exc:
            conn.close()
            if isinstance(exc, _CorruptFile) or _errorcode(exc) in _CORRUPT_CODES:
                aside = self._move_aside()
                log.error("outbox database is corrupt; moved aside to %s", aside.name)
                raise OutboxCorrupt(
                    f"outbox database failed its integrity check; moved aside to {aside}"
                ) from None
            raise _map_error(exc) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(self._clock()))
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, aside)
        # Keep the WAL with its database, so that whoever inspects the copy sees everything.
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
        return aside

    def _migrate(self) -> None:
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS [migrations] ([version] INTEGER PRIMARY KEY, "
                "[name] TEXT NOT NULL, [applied_at] FLOAT NOT NULL)"
            )
        applied = {row[0] for row in self._conn.execute("SELECT version FROM migrations")}
        known = max(version for version, _, _ in MIGRATIONS)
        if applied and max(applied) > known:
            raise OutboxError(
                f"outbox schema version {max(applied)} is newer than this software ({known})"
            )
        pending = [m for m in MIGRATIONS if m[0] not in applied]
        if not pending:
            return
        # sqlite-utils (and the numpy it imports) costs ~0.25 s: load it only when the schema
        # has to change, not on every start of the terminal.
        from sqlite_utils import Database

        db = Database(self._conn, execute_plugins=False)
        for version, name, apply in pending:
            with self._write() as conn:
                apply(db)
                conn.execute(
                    "INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, self._clock()),
                )
            log.info("outbox migration %d (%s) applied", version, name)

    def _load_cipher(self, key_path: Path) -> Cipher:
        if key_path.exists():
            return Cipher(read_key_file(key_path))
        encrypted = self._conn.execute(
            "SELECT COUNT(*) FROM transactions WHERE personal_ct IS NOT NULL"
        ).fetchone()[0]
        if encrypted:
            # A new key would make those rows unreadable for good: let a human decide.
            raise OutboxError(
                f"outbox key file {key_path} is missing but {encrypted} rows are encrypted"
            )
        return Cipher(create_key_file(key_path))

    # -- plumbing --
    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise OutboxError("outbox is closed")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise _map_error(exc) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: all of it is committed, or none of it."""
        with self._lock:
            if self._closed:
                raise OutboxError("outbox is closed")
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise _map_error(exc) from exc

    def _day(self, when: float) -> str:
        return datetime.fromtimestamp(when, tz=self._tz).strftime("%Y%m%d")

    @staticmethod
    def _item(row: sqlite3.Row | tuple[Any, ...]) -> OutboxItem:
        (tid, receipt, service, state, created, attempts, payload, has_personal) = row[:8]
        next_at, last_error, updated = row[8:11]
        return OutboxItem(
            transaction_id=tid,
            receipt_number=receipt,
            service_id=service,
            state=state,
            created_at=created,
            attempts=attempts,
            payload=json.loads(payload),
            has_personal=bool(has_personal),
            next_attempt_at=next_at,
            last_error=last_error,
            updated_at=updated,
        )

    _ITEM_COLUMNS = (
        "transaction_id, receipt_number, service_id, state, created_at, attempts, payload, "
        "personal_ct IS NOT NULL, next_attempt_at, last_error, updated_at"
    )

    # -- transactions --
    def enqueue(
        self, service_id: str, payload: Mapping[str, Any], personal: Mapping[str, Any]
    ) -> Enqueued:
        """Store a transaction durably and allocate its receipt number, in one DB transaction."""
        if not isinstance(service_id, str) or not service_id:
            raise ValueError("service_id must be a non-empty string")
        payload_json = dump_json(payload, "payload")
        now = self._clock()
        transaction_id = self._ids()
        nonce: bytes | None = None
        ciphertext: bytes | None = None
        key_id: str | None = None
        if personal:
            nonce, ciphertext = self._cipher.seal(transaction_id, personal)
            key_id = self._cipher.key_id
        day = self._day(now)
        with self._write() as conn:
            # fetchall(): a RETURNING statement must run to completion before COMMIT.
            seq = conn.execute(
                "INSERT INTO receipt_sequences (day, last_seq) VALUES (?, 1) "
                "ON CONFLICT (day) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
                (day,),
            ).fetchall()[0][0]
            receipt_number = f"{self._prefix}-{day}-{seq:04d}"
            conn.execute(
                "INSERT INTO transactions (transaction_id, receipt_number, service_id, state, "
                "created_at, updated_at, attempts, payload, personal_ct, personal_nonce, key_id) "
                "VALUES (?, ?, ?, 'queued', ?, ?, 0, ?, ?, ?, ?)",
                (
                    transaction_id,
                    receipt_number,
                    service_id,
                    now,
                    now,
                    payload_json,
                    ciphertext,
                    nonce,
                    key_id,
                ),
            )
        log.info("enqueued %s as %s (%s)", transaction_id, receipt_number, service_id)
        return Enqueued(transaction_id, receipt_number, now)

    def get(self, transaction_id: str) -> OutboxItem:
        """The stored transaction; NotFound (a KeyError) if there is none."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {self._ITEM_COLUMNS} FROM transactions WHERE transaction_id = ?",
                (transaction_id,),
            ).fetchone()
        if row is None:
            raise NotFound(f"no transaction {transaction_id}")
        return self._item(row)

    def personal(self, transaction_id: str) -> dict[str, Any]:
        """Decrypt a transaction's personal data ({} when it has none)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT personal_ct, personal_nonce, key_id FROM transactions "
                "WHERE transaction_id = ?",
                (transaction_id,),
            ).fetchone()
        if row is None:
            raise NotFound(f"no transaction {transaction_id}")
        ciphertext, nonce, key_id = row
        if ciphertext is None:
            return {}
        return self._cipher.open(transaction_id, key_id, nonce, ciphertext)

    def depth(self) -> int:
        """How many transactions still wait for the intake API (queued + sending)."""
        with self._read() as conn:
            count: int = conn.execute(
                "SELECT COUNT(*) FROM transactions WHERE state IN ('queued', 'sending')"
            ).fetchone()[0]
        return count

    def oldest_age(self, now: float | None = None) -> float | None:
        """Seconds the oldest waiting transaction has waited; None when nothing waits."""
        with self._read() as conn:
            oldest = conn.execute(
                "SELECT MIN(created_at) FROM transactions WHERE state IN ('queued', 'sending')"
            ).fetchone()[0]
        if oldest is None:
            return None
        return max(0.0, (self._clock() if now is None else now) - oldest)

    def items(self, state: str | None = None, limit: int = 100) -> list[OutboxItem]:
        """Transactions, oldest first, optionally only those in `state`."""
        if state is not None and state not in STATES:
            raise ValueError(f"unknown state {state!r}; known: {', '.join(STATES)}")
        sql = f"SELECT {self._ITEM_COLUMNS} FROM transactions"
        params: tuple[Any, ...] = ()
        if state is not None:
            sql += " WHERE state = ?"
            params = (state,)
        sql += " ORDER BY created_at, transaction_id LIMIT ?"
        with self._read() as conn:
            rows = conn.execute(sql, (*params, int(limit))).fetchall()
        return [self._item(row) for row in rows]

    # -- sync: claim, settle, dead letters --
    def claim(self, limit: int = 50, lease_s: float = CLAIM_LEASE_S) -> list[Claimed]:
        """Mark up to `limit` due transactions "sending" (oldest first) and return them.

        A claim is a lease: a row whose sender died goes back to the queue when the lease runs
        out (or at once through release_claims() when the next worker starts). Every claim counts
        one attempt.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        now = self._clock()
        with self._write() as conn:
            rows = conn.execute(
                "SELECT transaction_id, receipt_number, service_id, created_at, attempts, payload, "
                "personal_ct, personal_nonce, key_id FROM transactions "
                "WHERE state IN ('queued', 'sending') AND COALESCE(next_attempt_at, 0) <= ? "
                "ORDER BY created_at, transaction_id LIMIT ?",
                (now, int(limit)),
            ).fetchall()
            if not rows:
                return []
            conn.executemany(
                "UPDATE transactions SET state = 'sending', attempts = attempts + 1, "
                "next_attempt_at = ?, updated_at = ? WHERE transaction_id = ?",
                [(now + lease_s, now, row[0]) for row in rows],
            )
        claimed = []
        unreadable = []
        for tid, receipt, service, created, attempts, payload, ct, nonce, key_id in rows:
            try:
                personal = {} if ct is None else self._cipher.open(tid, key_id, nonce, ct)
            except OutboxError:
                # Tampered, or sealed with a key this terminal no longer has: a dead letter for
                # a human, not a poison pill that blocks every batch behind it.
                log.error("outbox: personal data of %s cannot be decrypted", tid)
                unreadable.append(Outcome(tid, "rejected", "personal_data_unreadable"))
                continue
            claimed.append(
                Claimed(tid, receipt, service, created, attempts + 1, json.loads(payload), personal)
            )
        if unreadable:
            self.settle(unreadable)
        return claimed

    def settle(self, outcomes: list[Outcome]) -> int:
        """Record the intake API's answers in one DB transaction; returns rows changed.

        Accepted rows lose their personal data (overwritten, secure_delete) and leave an audit
        row; rejected rows become dead letters with the reason and keep their encrypted data so
        that a technician can retry them. An outcome for a row that is no longer waiting (say a
        late duplicate answer) changes nothing.
        """
        for outcome in outcomes:
            if outcome.kind not in OUTCOME_KINDS:
                raise ValueError(f"unknown outcome {outcome.kind!r}")
        if not outcomes:
            return 0
        now = self._clock()
        changed = 0
        with self._write() as conn:
            for o in outcomes:
                if o.kind == "accepted":
                    cur = conn.execute(
                        "UPDATE transactions SET state = 'accepted', personal_ct = NULL, "
                        "personal_nonce = NULL, key_id = NULL, next_attempt_at = NULL, "
                        "last_error = NULL, updated_at = ? "
                        "WHERE transaction_id = ? AND state IN ('queued', 'sending')",
                        (now, o.transaction_id),
                    )
                elif o.kind == "rejected":
                    cur = conn.execute(
                        "UPDATE transactions SET state = 'rejected', next_attempt_at = NULL, "
                        "last_error = ?, updated_at = ? "
                        "WHERE transaction_id = ? AND state IN ('queued', 'sending')",
                        (o.reason or "rejected", now, o.transaction_id),
                    )
                else:
                    cur = conn.execute(
                        "UPDATE transactions SET state = 'queued', next_attempt_at = ?, "
                        "last_error = ?, updated_at = ? "
                        "WHERE transaction_id = ? AND state IN ('queued', 'sending')",
                        (now + max(0.0, o.delay_s), o.reason, now, o.transaction_id),
                    )
                if cur.rowcount and o.kind != "retry":
                    self._audit(conn, o.transaction_id, o.kind, o.reason, now)
                changed += cur.rowcount
        return changed

    def ack(self, transaction_id: str) -> bool:
        """The intake API has the transaction: settle it as accepted."""
        return self.settle([Outcome(transaction_id, "accepted")]) == 1

    def reject(self, transaction_id: str, reason: str) -> bool:
        """Dead-letter a transaction with the server's reason (never silently dropped)."""
        return self.settle([Outcome(transaction_id, "rejected", reason)]) == 1

    def retry_later(self, transaction_id: str, delay_s: float, reason: str | None = None) -> bool:
        """Put a claimed transaction back in the queue, due in `delay_s` seconds."""
        return self.settle([Outcome(transaction_id, "retry", reason, delay_s)]) == 1

    def release_claims(self) -> int:
        """Return every "sending" row to the queue, due now (a new worker starts)."""
        now = self._clock()
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE transactions SET state = 'queued', next_attempt_at = ?, updated_at = ? "
                "WHERE state = 'sending'",
                (now, now),
            )
        return cur.rowcount

    def requeue(self, transaction_id: str) -> str:
        """Technician's retry: a dead letter goes back to the queue, a waiting row is due now.

        Returns the state the row had; OutboxError for an accepted one.
        """
        now = self._clock()
        with self._write() as conn:
            row = conn.execute(
                "SELECT state FROM transactions WHERE transaction_id = ?", (transaction_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no transaction {transaction_id}")
            state = row[0]
            if state == "accepted":
                raise OutboxError(f"transaction {transaction_id} was already accepted")
            conn.execute(
                "UPDATE transactions SET state = 'queued', next_attempt_at = ?, updated_at = ? "
                "WHERE transaction_id = ?",
                (now, now, transaction_id),
            )
            if state == "rejected":
                self._audit(conn, transaction_id, "requeued", "operator", now)
        return str(state)

    def _audit(
        self,
        conn: sqlite3.Connection,
        transaction_id: str,
        event: str,
        detail: str | None,
        now: float,
    ) -> None:
        conn.execute(
            "INSERT INTO audit (transaction_id, receipt_number, service_id, event, at, attempts, "
            "detail) SELECT transaction_id, receipt_number, service_id, ?, ?, attempts, ? "
            "FROM transactions WHERE transaction_id = ?",
            (event, now, detail, transaction_id),
        )

    def audit(self, transaction_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Audit rows (non-personal), oldest first, optionally of one transaction."""
        sql = (
            "SELECT id, transaction_id, receipt_number, service_id, event, at, attempts, detail "
            "FROM audit"
        )
        params: tuple[Any, ...] = ()
        if transaction_id is not None:
            sql += " WHERE transaction_id = ?"
            params = (transaction_id,)
        sql += " ORDER BY id LIMIT ?"
        with self._read() as conn:
            cursor = conn.execute(sql, (*params, int(limit)))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def counts(self) -> dict[str, int]:
        """Number of transactions in each state (every state present, zeros included)."""
        with self._read() as conn:
            found = dict(
                conn.execute("SELECT state, COUNT(*) FROM transactions GROUP BY state").fetchall()
            )
        return {state: int(found.get(state, 0)) for state in STATES}

    def next_due(self) -> float | None:
        """When the next waiting transaction is due (clock time); None when nothing waits."""
        with self._read() as conn:
            value = conn.execute(
                "SELECT MIN(COALESCE(next_attempt_at, 0)) FROM transactions "
                "WHERE state IN ('queued', 'sending')"
            ).fetchone()[0]
        return None if value is None else float(value)

    def find(self, key: str) -> OutboxItem:
        """The transaction with this receipt number or id (or the one id that starts so)."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {self._ITEM_COLUMNS} FROM transactions "
                "WHERE receipt_number = ? OR transaction_id = ?",
                (key, key),
            ).fetchall()
            if not rows and len(key) >= 4:
                rows = conn.execute(
                    f"SELECT {self._ITEM_COLUMNS} FROM transactions "
                    "WHERE substr(transaction_id, 1, ?) = ? LIMIT 2",
                    (len(key), key.lower()),
                ).fetchall()
        if not rows:
            raise NotFound(f"no transaction {key}")
        if len(rows) > 1:
            raise NotFound(f"{key} is ambiguous; give more of the id")
        return self._item(rows[0])

    def prune(self, older_than_s: float) -> int:
        """Delete accepted rows settled more than `older_than_s` ago; their audit rows stay."""
        cutoff = self._clock() - older_than_s
        with self._write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT transaction_id FROM transactions WHERE state = 'accepted' "
                    "AND updated_at < ?",
                    (cutoff,),
                ).fetchall()
            ]
            for tid in ids:
                self._audit(conn, tid, "pruned", None, cutoff)
                conn.execute("DELETE FROM print_jobs WHERE transaction_id = ?", (tid,))
                conn.execute("DELETE FROM transactions WHERE transaction_id = ?", (tid,))
        return len(ids)

    # -- print-job journal --
    def record_print(self, transaction_id: str, kind: str) -> str:
        """Journal a new print job (state "pending") durably; returns its job id."""
        if not kind:
            raise ValueError("kind must be a non-empty string")
        job_id = self._ids()
        now = self._clock()
        with self._write() as conn:
            exists = conn.execute(
                "SELECT 1 FROM transactions WHERE transaction_id = ?", (transaction_id,)
            ).fetchone()
            if exists is None:
                raise NotFound(f"no transaction {transaction_id}")
            conn.execute(
                "INSERT INTO print_jobs (job_id, transaction_id, kind, state, reason, created_at, "
                "updated_at) VALUES (?, ?, ?, 'pending', NULL, ?, ?)",
                (job_id, transaction_id, kind, now, now),
            )
        return job_id

    def mark_print(self, job_id: str, state: str, reason: str | None = None) -> None:
        """Move a print job to "sent", "confirmed" or "failed" (same state again is a no-op)."""
        if state not in ("sent", "confirmed", "failed"):
            raise ValueError(f"unknown print state {state!r}")
        with self._write() as conn:
            row = conn.execute(
                "SELECT state FROM print_jobs WHERE job_id = ?", (job_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no print job {job_id}")
            current = row[0]
            if current == state:
                return
            if state not in PRINT_TRANSITIONS[current]:
                raise OutboxError(f"print job {job_id}: {current} -> {state} is not allowed")
            conn.execute(
                "UPDATE print_jobs SET state = ?, reason = ?, updated_at = ? WHERE job_id = ?",
                (state, reason, self._clock(), job_id),
            )

    def print_jobs(self, transaction_id: str) -> list[dict[str, Any]]:
        """The print jobs of a transaction, oldest first."""
        with self._read() as conn:
            cursor = conn.execute(
                "SELECT job_id, transaction_id, kind, state, reason, created_at, updated_at "
                "FROM print_jobs WHERE transaction_id = ? ORDER BY created_at, job_id",
                (transaction_id,),
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- lifecycle --
    def migrations(self) -> list[tuple[int, str]]:
        """(version, name) of the applied schema migrations."""
        with self._read() as conn:
            return [
                (v, n) for v, n in conn.execute("SELECT version, name FROM migrations ORDER BY 1")
            ]

    def close(self) -> None:
        """Close the database (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
