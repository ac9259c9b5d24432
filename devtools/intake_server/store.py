"""The reference intake server's SQLite store: transactions, ratings, lookups, licences.

Idempotent on the transaction id with no expiry: a transaction sent again, a minute or a month
later, is answered "duplicate" and stored once.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from devtools.intake_server.pdf import minimal_pdf
from devtools.samples import DEMO_CERTIFICATES, DEMO_CREDIT_CODE, DEMO_ENTERPRISE, DEMO_HOLDER

MAX_BATCH = 500
MAX_REQUEST_BYTES = 16 * 1024 * 1024
# 好差评 ratings travel as transactions of this reserved service id (kiosk.session uses the same).
RATING_SERVICE_ID = "kiosk.rating"
# 企业开办一件事: one transaction, split here into the four department applications.
ENTERPRISE_SERVICE_ID = "enterprise_opening"
ENTERPRISE_APPLICATIONS: tuple[tuple[str, str], ...] = (
    ("business_licence", "YYZZ"),  # market regulation: the business licence
    ("seal", "YZKZ"),  # public security: seal engraving
    ("bank_account", "YHKH"),  # the bank: basic account
    ("tax_registration", "SWDJ"),  # taxation: tax registration and invoices
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _hash_holder(id_number: str) -> str:
    return hashlib.sha256(b"kiosk-holder:" + id_number.strip().upper().encode()).hexdigest()


def _rating_problem(payload: Any) -> str | None:
    """Why a rating transaction's payload is refused (a stable code), None when it is fine."""
    if not isinstance(payload, dict) or payload.get("kind") != "rating":
        return "invalid_rating"
    score = payload.get("score")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        return "invalid_rating"
    rated = payload.get("rates_transaction_id")
    if not isinstance(rated, str) or not _UUID.match(rated):
        return "invalid_rating"
    reasons = payload.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        return "invalid_rating"
    if bool(payload.get("follow_up")) != (score <= 2):
        return "invalid_rating"  # bad ratings, and only they, are flagged for follow-up
    return None


class IntakeStore:
    """The reference server's database: transactions (idempotent), heartbeats, documents."""

    def __init__(self, path: str | Path, *, known_services: Iterable[str] | None = None) -> None:
        self.path = Path(path)
        self.known_services = None if known_services is None else frozenset(known_services)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS transactions (
                transaction_id TEXT PRIMARY KEY,
                terminal_id TEXT NOT NULL,
                receipt_number TEXT NOT NULL,
                service_id TEXT NOT NULL,
                created_at REAL,
                payload TEXT NOT NULL,
                personal TEXT NOT NULL,
                received_at REAL NOT NULL,
                deliveries INTEGER NOT NULL DEFAULT 1
            );
            CREATE UNIQUE INDEX IF NOT EXISTS transactions_receipt
                ON transactions (terminal_id, receipt_number);
            CREATE TABLE IF NOT EXISTS heartbeats (
                id INTEGER PRIMARY KEY,
                terminal_id TEXT NOT NULL,
                received_at REAL NOT NULL,
                body TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS certificates (
                holder TEXT NOT NULL,
                certificate_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                title TEXT NOT NULL,
                issued_on TEXT NOT NULL,
                valid_until TEXT,
                PRIMARY KEY (holder, certificate_id)
            );
            CREATE TABLE IF NOT EXISTS licences (
                credit_code TEXT PRIMARY KEY,
                title TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS enterprises (
                holder TEXT NOT NULL,
                credit_code TEXT NOT NULL,
                details TEXT NOT NULL,
                PRIMARY KEY (holder, credit_code)
            );
            CREATE TABLE IF NOT EXISTS ratings (
                transaction_id TEXT PRIMARY KEY REFERENCES transactions (transaction_id),
                rates_transaction_id TEXT NOT NULL,
                rated_service_id TEXT,
                score INTEGER NOT NULL,
                reasons TEXT NOT NULL,
                follow_up INTEGER NOT NULL,
                follow_up_due TEXT
            );
            CREATE TABLE IF NOT EXISTS applications (
                application_number TEXT PRIMARY KEY,
                transaction_id TEXT NOT NULL REFERENCES transactions (transaction_id),
                kind TEXT NOT NULL,
                seq INTEGER NOT NULL,
                UNIQUE (transaction_id, kind)
            );
            """
        )

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    # -- transactions --
    def _problem(self, item: Any) -> str | None:
        if not isinstance(item, dict):
            return "invalid_item"
        tid = item.get("transaction_id")
        if not isinstance(tid, str) or not _UUID.match(tid):
            return "invalid_transaction_id"
        for key in ("receipt_number", "service_id"):
            if not isinstance(item.get(key), str) or not item[key]:
                return f"missing_{key}"
        for key in ("payload", "personal"):
            if not isinstance(item.get(key, {}), dict):
                return f"invalid_{key}"
        if item["service_id"] == RATING_SERVICE_ID:
            return _rating_problem(item.get("payload", {}))
        if self.known_services is not None and item["service_id"] not in self.known_services:
            return "unknown_service"
        return None

    def _store_extras(self, conn: sqlite3.Connection, tid: str, item: dict[str, Any]) -> None:
        """What some transactions add: a rating row, or the four enterprise applications."""
        payload = item.get("payload", {})
        if item["service_id"] == RATING_SERVICE_ID:
            conn.execute(
                "INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    tid,
                    payload["rates_transaction_id"],
                    payload.get("rated_service_id"),
                    payload["score"],
                    json.dumps(payload.get("reasons", []), ensure_ascii=False),
                    1 if payload.get("follow_up") else 0,
                    payload.get("follow_up_due"),
                ),
            )
        elif item["service_id"] == ENTERPRISE_SERVICE_ID:
            day = time.strftime("%Y%m%d", time.localtime())
            for kind, prefix in ENTERPRISE_APPLICATIONS:
                seq = conn.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM applications WHERE kind = ?", (kind,)
                ).fetchone()[0]
                conn.execute(
                    "INSERT INTO applications VALUES (?, ?, ?, ?)",
                    (f"{prefix}{day}{seq:06d}", tid, kind, seq),
                )

    def _applications_of(self, conn: sqlite3.Connection, tid: str) -> list[dict[str, str]]:
        rows = conn.execute(
            "SELECT kind, application_number FROM applications WHERE transaction_id = ?", (tid,)
        ).fetchall()
        order = {kind: n for n, (kind, _prefix) in enumerate(ENTERPRISE_APPLICATIONS)}
        rows.sort(key=lambda r: order.get(r[0], len(order)))
        return [{"kind": k, "application_number": n} for k, n in rows]

    def ingest(
        self, terminal_id: str, items: list[Any], *, now: float | None = None
    ) -> list[dict[str, Any]]:
        """Store a batch in one DB transaction; per-item results in request order."""
        now = time.time() if now is None else now
        results: list[dict[str, Any]] = []
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for item in items:
                    tid = item.get("transaction_id") if isinstance(item, dict) else None
                    tid = tid if isinstance(tid, str) else None
                    problem = self._problem(item)
                    if problem is not None:
                        results.append(
                            {"transaction_id": tid, "status": "rejected", "reason": problem}
                        )
                        continue
                    assert tid is not None  # _problem() checked it is a UUID
                    cur = conn.execute(
                        "UPDATE transactions SET deliveries = deliveries + 1 "
                        "WHERE transaction_id = ?",
                        (tid,),
                    )
                    if cur.rowcount:
                        result: dict[str, Any] = {"transaction_id": tid, "status": "duplicate"}
                        applications = self._applications_of(conn, tid)
                        if applications:
                            result["applications"] = applications
                        results.append(result)
                        continue
                    try:
                        conn.execute(
                            "INSERT INTO transactions (transaction_id, terminal_id, "
                            "receipt_number, service_id, created_at, payload, personal, "
                            "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                tid,
                                terminal_id,
                                item["receipt_number"],
                                item["service_id"],
                                item.get("created_at"),
                                json.dumps(item.get("payload", {}), ensure_ascii=False),
                                json.dumps(item.get("personal", {}), ensure_ascii=False),
                                now,
                            ),
                        )
                    except sqlite3.IntegrityError:
                        results.append(
                            {
                                "transaction_id": tid,
                                "status": "rejected",
                                "reason": "receipt_number_conflict",
                            }
                        )
                        continue
                    self._store_extras(conn, tid, item)
                    accepted: dict[str, Any] = {"transaction_id": tid, "status": "accepted"}
                    applications = self._applications_of(conn, tid)
                    if applications:
                        accepted["applications"] = applications
                    results.append(accepted)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return results

    def transactions(self) -> list[dict[str, Any]]:
        """Every stored transaction (for tests and demos)."""
        with self._lock:
            cursor = self._conn.execute(
                "SELECT transaction_id, terminal_id, receipt_number, service_id, deliveries "
                "FROM transactions ORDER BY rowid"
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def ratings(self) -> list[dict[str, Any]]:
        """Every stored 好差评 rating, oldest first (for tests, demos and follow-up lists)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT transaction_id, rates_transaction_id, rated_service_id, score, reasons, "
                "follow_up, follow_up_due FROM ratings ORDER BY rowid"
            ).fetchall()
        return [
            {
                "transaction_id": t,
                "rates_transaction_id": r,
                "rated_service_id": s,
                "score": score,
                "reasons": json.loads(reasons),
                "follow_up": bool(follow_up),
                "follow_up_due": due,
            }
            for t, r, s, score, reasons, follow_up, due in rows
        ]

    def applications(self, transaction_id: str) -> list[dict[str, str]]:
        """The department applications a transaction was split into (enterprise opening)."""
        with self._lock:
            return self._applications_of(self._conn, transaction_id)

    def count(self) -> int:
        """How many distinct transactions are stored."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM transactions").fetchone()[0])

    # -- heartbeats --
    def heartbeat(self, terminal_id: str, body: Mapping[str, Any]) -> None:
        """Store one health snapshot."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO heartbeats (terminal_id, received_at, body) VALUES (?, ?, ?)",
                (terminal_id, time.time(), json.dumps(body, ensure_ascii=False)),
            )

    def heartbeats(self, terminal_id: str | None = None) -> list[dict[str, Any]]:
        """Stored snapshots, oldest first."""
        sql = "SELECT terminal_id, received_at, body FROM heartbeats"
        params: tuple[Any, ...] = ()
        if terminal_id is not None:
            sql += " WHERE terminal_id = ?"
            params = (terminal_id,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        return [{"terminal_id": t, "received_at": r, "body": json.loads(b)} for t, r, b in rows]

    # -- documents --
    def add_certificate(
        self,
        id_number: str,
        certificate_id: str,
        kind: str,
        title: str,
        issued_on: str,
        valid_until: str | None = None,
    ) -> None:
        """Register an e-certificate of a holder (stored under a hash of the id number)."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO certificates VALUES (?, ?, ?, ?, ?, ?)",
                (_hash_holder(id_number), certificate_id, kind, title, issued_on, valid_until),
            )

    def certificates(self, id_number: str) -> list[dict[str, Any]]:
        """The holder's e-certificates."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT certificate_id, kind, title, issued_on, valid_until FROM certificates "
                "WHERE holder = ? ORDER BY issued_on, certificate_id",
                (_hash_holder(id_number),),
            ).fetchall()
        keys = ("certificate_id", "kind", "title", "issued_on", "valid_until")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def add_enterprise(self, legal_rep_id_number: str, credit_code: str, **details: str) -> None:
        """Register an enterprise whose legal representative holds `legal_rep_id_number`.

        `details` are the licence's entries: name, type, legal_representative,
        registered_capital, established_on, term, address, scope (stored under a hash of the
        representative's ID number, as certificates are).
        """
        record = {"credit_code": credit_code.upper(), **details}
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO enterprises VALUES (?, ?, ?)",
                (
                    _hash_holder(legal_rep_id_number),
                    credit_code.upper(),
                    json.dumps(record, ensure_ascii=False),
                ),
            )

    def enterprises(self, legal_rep_id_number: str) -> list[dict[str, Any]]:
        """The enterprises whose legal representative holds that ID number."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT details FROM enterprises WHERE holder = ? ORDER BY credit_code",
                (_hash_holder(legal_rep_id_number),),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def seed_demo(self, holder_id: str = DEMO_HOLDER) -> None:
        """Add the fictional demo records for `holder_id` (lookups answer something)."""
        self.add_licence(DEMO_CREDIT_CODE, "Demo Trading Co")
        self.add_enterprise(holder_id, DEMO_CREDIT_CODE, **DEMO_ENTERPRISE)
        for certificate_id, kind, title, issued_on, valid_until in DEMO_CERTIFICATES:
            self.add_certificate(holder_id, certificate_id, kind, title, issued_on, valid_until)

    def add_licence(self, credit_code: str, title: str) -> None:
        """Register a business licence that GET /v1/licences/{credit_code} returns as a PDF."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO licences VALUES (?, ?)", (credit_code.upper(), title)
            )

    def licence(self, credit_code: str) -> bytes | None:
        """The licence PDF, None when the credit code is unknown."""
        with self._lock:
            row = self._conn.execute(
                "SELECT title FROM licences WHERE credit_code = ?", (credit_code,)
            ).fetchone()
        return None if row is None else minimal_pdf(f"Business licence {credit_code} {row[0]}")
