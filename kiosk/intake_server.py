"""Reference implementation of the intake API (docs/intake-api.yaml) on SQLite.

For development, demos, tests and the rig: `kiosk intake-server --db FILE --port N`. It is
idempotent on the transaction id with no expiry: a transaction sent again, a minute or a month
later, is answered "duplicate" and stored once. `--chaos` makes it misbehave the ways a real
network and a real central system do, so the sync worker can be tested against them.

Plain stdlib (http.server, sqlite3): the central system is someone else's product; this only has
to be a faithful, deterministic stand-in.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
import re
import socket
import sqlite3
import ssl
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger("kiosk.intake_server")

MAX_BATCH = 500
MAX_REQUEST_BYTES = 16 * 1024 * 1024
BIG_BODY_BYTES = 10 * 1024 * 1024
# Modes of --chaos. The ones marked "after commit" store the batch first and then fail to
# answer properly: the ambiguous failures that make a naive client send duplicates.
CHAOS_MODES: dict[str, str] = {
    "timeout": "hold the request without answering (longer than the client's read timeout)",
    "500": "answer 500 Internal Server Error",
    "429": "answer 429 Too Many Requests with Retry-After",
    "503": "answer 503 Service Unavailable with Retry-After",
    "reset": "reset the TCP connection (RST) without answering",
    "malformed": "after commit: answer 200 with malformed JSON",
    "slow": "answer correctly, but only after a delay below the client's timeout",
    "10mb": "after commit: answer 200 with a 10 MB body",
    "lost-ack": "after commit: reset the connection instead of answering",
    "item-retry": "answer some items 'retry' (a department system is down)",
}
# 好差评 ratings travel as transactions of this reserved service id (kiosk.flow uses the same).
RATING_SERVICE_ID = "kiosk.rating"
# 企业开办一件事: one transaction, split here into the four department applications.
ENTERPRISE_SERVICE_ID = "enterprise_opening"
ENTERPRISE_APPLICATIONS: tuple[tuple[str, str], ...] = (
    ("business_licence", "YYZZ"),  # market regulation: the business licence
    ("seal", "YZKZ"),  # public security: seal engraving
    ("bank_account", "YHKH"),  # the bank: basic account
    ("tax_registration", "SWDJ"),  # taxation: tax registration and invoices
)
# Fictional demo records (--demo, the rig): the simulator's card holder (GB 11643's example
# number) holds two e-certificates and is the legal representative of one company.
DEMO_HOLDER = "11010519491231002X"
DEMO_CREDIT_CODE = "91350100M000100Y43"
DEMO_ENTERPRISE = {
    "name": "示例科技有限公司",
    "type": "有限责任公司（自然人投资或控股）",
    "legal_representative": "测试样例",
    "registered_capital": "壹佰万元整",
    "established_on": "2020年07月01日",
    "term": "2020年07月01日至长期",
    "address": "示例市示例区示例路1号",
    "scope": "技术服务、技术开发、技术咨询；软件开发。",
}
DEMO_CERTIFICATES = (
    ("DEMO-1", "degree", "学士学位证书（示例）", "2020-07-01", None),
    ("DEMO-2", "marriage", "结婚证（示例）", "2022-05-20", None),
)
_TERMINAL_PATH = re.compile(r"^/v1/terminals/([A-Za-z0-9-]{1,40})/heartbeat$")
_LICENCE_PATH = re.compile(r"^/v1/licences/([0-9A-HJ-NPQRTUWXY]{18})$")
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


def minimal_pdf(title: str) -> bytes:
    """A small valid one-page PDF showing `title` (ASCII) - the reference licence document."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n".encode()
    out += b"%%EOF\n"
    return bytes(out)


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


@dataclass
class Chaos:
    """Which failures to inject, how often, and their timings (changeable while running)."""

    modes: tuple[str, ...] = ()
    rate: float = 1.0
    retry_after_s: int = 2
    hang_s: float = 30.0
    slow_s: float = 1.0
    seed: int | None = None
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [m for m in self.modes if m not in CHAOS_MODES]
        if unknown:
            raise ValueError(f"unknown chaos mode {unknown[0]!r}; known: {', '.join(CHAOS_MODES)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("chaos rate must be between 0 and 1")
        self.rng = random.Random(self.seed)

    def pick(self) -> str | None:
        """The failure for this request, None for a normal answer."""
        if not self.modes or self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.modes)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the sync worker reuses its connection
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (40 ms per request on Linux loopback).
    disable_nagle_algorithm = True
    server: _HTTPServer

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)  # a client that never finishes its handshake
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    # -- plumbing --
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, json.dumps(value, ensure_ascii=False).encode("utf-8"), headers=headers)

    def _error(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self._json(status, {"error": {"code": code, "message": message}}, headers)

    def _reset(self) -> None:
        # SO_LINGER 0 turns close() into a TCP RST: the client sees "connection reset by peer".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _authorised(self) -> bool:
        tokens = self.server.tokens
        if not tokens:
            return True
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer ") and header[7:] in tokens:
            return True
        self._error(
            401,
            "unauthorized",
            "a valid bearer token is required",
            {"WWW-Authenticate": 'Bearer realm="intake"'},
        )
        return False

    def _read_json(self) -> tuple[bool, Any]:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_REQUEST_BYTES:
            self._error(413, "request_too_large", f"at most {MAX_REQUEST_BYTES} bytes")
            self.close_connection = True
            return False, None
        raw = self.rfile.read(length)
        try:
            return True, json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self._error(400, "malformed_request", "the body is not JSON")
            return False, None

    def _chaos_before(self, mode: str | None) -> bool:
        """Apply a failure that happens before anything is stored; True when it answered."""
        chaos = self.server.chaos
        if mode == "timeout":
            self.server.stopping.wait(chaos.hang_s)
            self._reset()
            return True
        if mode == "500":
            self._error(500, "internal_error", "chaos: internal error")
            return True
        if mode in ("429", "503"):
            self._error(
                int(mode),
                "rate_limited" if mode == "429" else "unavailable",
                "chaos: try again later",
                {"Retry-After": str(chaos.retry_after_s)},
            )
            return True
        if mode == "reset":
            self._reset()
            return True
        if mode == "slow" and self.server.stopping.wait(chaos.slow_s):
            self._reset()  # shutting down: answer nothing rather than touch a closed store
            return True
        return False

    def _answer(self, mode: str | None, status: int, value: Any) -> None:
        """Answer after the batch was stored, perhaps badly (the ambiguous failures)."""
        if mode == "malformed":
            self._send(200, b'{"results": [{"transaction_id": "')
        elif mode == "10mb":
            self._send(200, b'{"results": [], "padding": "' + b"x" * BIG_BODY_BYTES + b'"}')
        elif mode == "lost-ack":
            self._reset()
        else:
            self._json(status, value)

    # -- routes --
    def do_POST(self) -> None:
        self._guarded(self._post)

    def do_GET(self) -> None:
        self._guarded(self._get)

    def _guarded(self, route: Any) -> None:
        try:
            route()
        except (ConnectionError, TimeoutError):
            raise  # the client went away: nothing to answer
        except Exception:
            log.exception("intake server: %s failed", self.command)
            self.close_connection = True
            self._error(500, "internal_error", "the request failed on the server")

    def _post(self) -> None:
        self.server.requests += 1
        if not self._authorised():
            return
        path = self.path.split("?", 1)[0]
        ok, body = self._read_json()
        if not ok:
            return
        mode = self.server.chaos.pick()
        self.server.journal.append((time.monotonic(), path, mode))
        if self._chaos_before(mode):
            return
        if path == "/v1/transactions":
            self._transactions(body, mode)
            return
        match = _TERMINAL_PATH.match(path)
        if match:
            if not isinstance(body, dict):
                self._error(400, "malformed_request", "the heartbeat must be a JSON object")
                return
            self.server.store.heartbeat(match.group(1), body)
            self._answer(mode, 200, {"received_at": time.time()})
            return
        self._error(404, "not_found", "no such resource")

    def _transactions(self, body: Any, mode: str | None) -> None:
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("transactions"), list)
            or not isinstance(body.get("terminal_id"), str)
        ):
            self._error(400, "malformed_request", "expected {terminal_id, transactions: [...]}")
            return
        items = body["transactions"]
        if len(items) > MAX_BATCH:
            self._error(413, "batch_too_large", f"at most {MAX_BATCH} transactions per request")
            return
        results = self.server.store.ingest(body["terminal_id"], items)
        if mode == "item-retry":
            for result in results:
                if result["status"] != "rejected" and self.server.chaos.rng.random() < 0.5:
                    # Stored already: the retry will be answered "duplicate", as it must.
                    result.update(status="retry", reason="department_unavailable")
                    result["retry_after"] = self.server.chaos.retry_after_s
        self._answer(mode, 200, {"results": results})

    def _get(self) -> None:
        self.server.requests += 1
        if not self._authorised():
            return
        path = self.path.split("?", 1)[0]
        if path == "/v1/certificates":
            holder = self.headers.get("X-Holder-Id", "")
            if not holder:
                self._error(400, "missing_holder", "the X-Holder-Id header is required")
                return
            self._json(200, {"certificates": self.server.store.certificates(holder)})
            return
        if path == "/v1/enterprises":
            holder = self.headers.get("X-Holder-Id", "")
            if not holder:
                self._error(400, "missing_holder", "the X-Holder-Id header is required")
                return
            mode = self.server.chaos.pick()
            if self._chaos_before(mode):
                return
            self._json(200, {"enterprises": self.server.store.enterprises(holder)})
            return
        if path == "/v1/health":
            self._json(200, {"status": "ok", "transactions": self.server.store.count()})
            return
        match = _LICENCE_PATH.match(path)
        if match:
            pdf = self.server.store.licence(match.group(1))
            if pdf is None:
                self._error(404, "not_found", "no licence with that credit code")
            else:
                self._send(200, pdf, "application/pdf")
            return
        self._error(404, "not_found", "no such resource")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], store: IntakeStore, chaos: Chaos, tokens: frozenset[str]
    ) -> None:
        self.store = store
        self.chaos = chaos
        self.tokens = tokens
        self.stopping = threading.Event()
        self.requests = 0
        # (monotonic time, path, chaos mode) of every authorised POST: tests check pacing.
        self._active = threading.Condition()
        self._connections: set[Any] = set()
        self.journal: deque[tuple[float, str, str | None]] = deque(maxlen=100_000)
        super().__init__(address, _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._active:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._active:
                self._connections.discard(request)
                self._active.notify_all()

    def close_connections(self, timeout: float) -> None:
        """Cut every open (keep-alive) connection and wait for their handlers to finish."""
        with self._active:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._active.wait_for(lambda: not self._connections, timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed or timed out mid-request is routine here (the kill and chaos tests);
        # socketserver would print a traceback to stderr for each.
        log.debug("request from %s failed", client_address, exc_info=True)


class IntakeServer:
    """The reference server on a background thread (tests, demos) or in the foreground (CLI)."""

    def __init__(
        self,
        db: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Iterable[str] = (),
        chaos: Chaos | None = None,
        known_services: Iterable[str] | None = None,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        client_ca: str | Path | None = None,
    ) -> None:
        self.store = IntakeStore(db, known_services=known_services)
        self._httpd = _HTTPServer((host, port), self.store, chaos or Chaos(), frozenset(tokens))
        self.tls = tls_cert is not None
        if tls_cert is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(tls_cert, tls_key)
            if client_ca is not None:  # mutual TLS: only terminals with a certificate get in
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(client_ca)
            # The handshake happens in the handler thread, not in the accept loop.
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        elif client_ca is not None:
            raise ValueError("client_ca needs tls_cert")
        self._thread: threading.Thread | None = None

    @property
    def chaos(self) -> Chaos:
        """The active chaos settings; assign a new Chaos to change them while running."""
        return self._httpd.chaos

    @chaos.setter
    def chaos(self, value: Chaos) -> None:
        self._httpd.chaos = value

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8080."""
        host = self._httpd.server_address[0]
        if isinstance(host, bytes):
            host = host.decode()
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def journal(self) -> deque[tuple[float, str, str | None]]:
        """(monotonic time, path, chaos mode or None) of each POST that got past auth."""
        return self._httpd.journal

    @property
    def requests(self) -> int:
        """How many requests arrived so far."""
        return self._httpd.requests

    def start(self) -> IntakeServer:
        """Serve on a background thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="intake-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving, release held requests and close the database (idempotent)."""
        if self._httpd.stopping.is_set():
            return
        self._httpd.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        # Idle keep-alive connections would otherwise go on being served by their threads.
        self._httpd.close_connections(timeout=5.0)
        self.store.close()

    def __enter__(self) -> IntakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
