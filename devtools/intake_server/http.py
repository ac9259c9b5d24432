"""The HTTP side of the reference intake server: a request handler with a route table.

Plain http.server rather than a framework: the chaos modes need socket-level control (an RST
through SO_LINGER, holding or cutting connections), which a framework hides.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import ssl
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devtools.intake_server.chaos import BIG_BODY_BYTES, Chaos
from devtools.intake_server.store import MAX_BATCH, MAX_REQUEST_BYTES, IntakeStore

log = logging.getLogger("devtools.intake_server")


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
        route, arg = _route("POST", path)
        if route is None:
            self._error(404, "not_found", "no such resource")
        else:
            route(self, body, mode, arg)

    def _get(self) -> None:
        self.server.requests += 1
        if not self._authorised():
            return
        route, arg = _route("GET", self.path.split("?", 1)[0])
        if route is None:
            self._error(404, "not_found", "no such resource")
        else:
            route(self, None, None, arg)

    # -- handlers: (self, JSON body or None, chaos mode or None, path capture or "") --
    def _transactions(self, body: Any, mode: str | None, _arg: str) -> None:
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

    def _heartbeat(self, body: Any, mode: str | None, terminal_id: str) -> None:
        if not isinstance(body, dict):
            self._error(400, "malformed_request", "the heartbeat must be a JSON object")
            return
        self.server.store.heartbeat(terminal_id, body)
        self._answer(mode, 200, {"received_at": time.time()})

    def _holder(self) -> str | None:
        holder = self.headers.get("X-Holder-Id", "")
        if not holder:
            self._error(400, "missing_holder", "the X-Holder-Id header is required")
            return None
        return holder

    def _certificates(self, _body: Any, _mode: str | None, _arg: str) -> None:
        holder = self._holder()
        if holder is not None:
            self._json(200, {"certificates": self.server.store.certificates(holder)})

    def _enterprises(self, _body: Any, _mode: str | None, _arg: str) -> None:
        holder = self._holder()
        if holder is None:
            return
        mode = self.server.chaos.pick()
        if self._chaos_before(mode):
            return
        self._json(200, {"enterprises": self.server.store.enterprises(holder)})

    def _health(self, _body: Any, _mode: str | None, _arg: str) -> None:
        self._json(200, {"status": "ok", "transactions": self.server.store.count()})

    def _licence(self, _body: Any, _mode: str | None, credit_code: str) -> None:
        pdf = self.server.store.licence(credit_code)
        if pdf is None:
            self._error(404, "not_found", "no licence with that credit code")
        else:
            self._send(200, pdf, "application/pdf")


_Route = Callable[[_Handler, Any, "str | None", str], None]
# (method, path pattern, handler): the whole API on one screen. A pattern's one group, if any,
# is passed to the handler.
ROUTES: tuple[tuple[str, re.Pattern[str], _Route], ...] = (
    ("POST", re.compile(r"^/v1/transactions$"), _Handler._transactions),
    ("POST", re.compile(r"^/v1/terminals/([A-Za-z0-9-]{1,40})/heartbeat$"), _Handler._heartbeat),
    ("GET", re.compile(r"^/v1/certificates$"), _Handler._certificates),
    ("GET", re.compile(r"^/v1/enterprises$"), _Handler._enterprises),
    ("GET", re.compile(r"^/v1/health$"), _Handler._health),
    ("GET", re.compile(r"^/v1/licences/([0-9A-HJ-NPQRTUWXY]{18})$"), _Handler._licence),
)


def _route(method: str, path: str) -> tuple[_Route | None, str]:
    for verb, pattern, handler in ROUTES:
        match = pattern.match(path) if verb == method else None
        if match:
            return handler, match.group(1) if pattern.groups else ""
    return None, ""


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
