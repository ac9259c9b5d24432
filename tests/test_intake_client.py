"""The intake client fails closed on the wire: real HTTP on 127.0.0.1, hostile servers.

Redirects are not followed (nothing reaches the redirect target, the batch stays queued),
bodies are capped, slow bodies and headers are cut at the total deadline, JSON depth bombs are
refused and backed off, server codes are sanitised, credential errors name the file, and a
production terminal refuses an https intake without its own CA.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devtools.intake_server import IntakeServer
from kiosk import lookup
from kiosk.compose import build_terminal
from kiosk.config import load_config
from offline_cache import Outbox
from offline_cache.client import (
    DEGRADED,
    IntakeClient,
    IntakeConfigError,
    IntakeFailure,
    json_depth_ok,
    parse_json,
    safe_code,
)
from offline_cache.sync import UNKNOWN, SyncWorker

from .conftest import write_overlay

TERMINAL = "KIOSK-NET"
PERSONAL = {"name": "测试样例", "id_number": "11010519491231002X"}
HOLDER = "11010519491231002X"

Behaviour = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _any(self) -> None:
        server: Any = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server.requests.append((self.command, self.path, dict(self.headers), body))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            server.behaviour(self)

    do_GET = do_POST = _any


class Recorder:
    """A threaded HTTP server on 127.0.0.1 that records every request and runs `behaviour`."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.requests = []  # type: ignore[attr-defined]
        self.httpd.behaviour = behaviour  # type: ignore[attr-defined]
        self.httpd.stopping = threading.Event()  # type: ignore[attr-defined]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str], bytes]]:
        return self.httpd.requests  # type: ignore[attr-defined, no-any-return]

    def close(self) -> None:
        self.httpd.stopping.set()  # type: ignore[attr-defined]
        self.httpd.shutdown()
        self.thread.join(5)
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[Callable[[Behaviour], Recorder]]:
    made: list[Recorder] = []

    def make(behaviour: Behaviour) -> Recorder:
        made.append(Recorder(behaviour))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "o.sqlite3", TERMINAL, key_path=tmp_path / "o.key")
    try:
        yield box
    finally:
        box.close()


def _worker(outbox: Outbox, url: str, **kw: Any) -> SyncWorker:
    options: dict[str, Any] = {
        "terminal_id": TERMINAL,
        "token": "tok",
        "heartbeat_s": None,
        "backoff_base_s": 5.0,
        "backoff_cap_s": 5.0,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 2.0,
    }
    options.update(kw)
    return SyncWorker(outbox, url, **options)


def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


# -- redirects ------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_the_batch_stays_queued(
    status: int, outbox: Outbox, servers: Callable[[Behaviour], Recorder]
) -> None:
    target = servers(lambda h: _answer(h, 200, b'{"results": []}'))

    def redirect(h: BaseHTTPRequestHandler) -> None:
        _answer(h, status, b"x" * 10_000, Location=target.url + "/v1/transactions")

    intake = servers(redirect)
    ids = [outbox.enqueue("tax_record", {"n": i}, PERSONAL).transaction_id for i in range(3)]
    worker = _worker(outbox, intake.url)
    try:
        worker.run_once()
    finally:
        worker.stop()
    assert len(intake.requests) == 1 and target.requests == []
    assert worker.state == DEGRADED and worker.stats.last_error == "redirect"
    assert worker.blocked_for > 0  # backed off like any failure
    assert outbox.depth() == 3 and all(outbox.get(t).state == "queued" for t in ids)


def test_a_redirect_with_a_huge_body_is_closed_unread(
    outbox: Outbox, servers: Callable[[Behaviour], Recorder]
) -> None:
    target = servers(lambda h: _answer(h, 200, b"{}"))
    sent = [0]

    def redirect(h: BaseHTTPRequestHandler) -> None:
        h.send_response(307)
        h.send_header("Location", target.url + "/v1/transactions")
        h.send_header("Content-Length", str(400 * 1024 * 1024))
        h.end_headers()
        chunk = b"y" * 65536
        while not h.server.stopping.is_set():  # type: ignore[attr-defined]
            h.wfile.write(chunk)
            sent[0] += len(chunk)

    intake = servers(redirect)
    outbox.enqueue("tax_record", {}, PERSONAL)
    worker = _worker(outbox, intake.url)
    before, started = _rss_kb(), time.monotonic()
    try:
        worker.run_once()
    finally:
        worker.stop()
    elapsed = time.monotonic() - started
    assert worker.stats.last_error == "redirect" and target.requests == []
    assert elapsed < 1.0, elapsed
    assert _rss_kb() - before < 30_000  # the 400 MB body was never read into memory
    assert outbox.depth() == 1


def test_a_lookup_redirect_does_not_forward_the_holder_id(
    servers: Callable[[Behaviour], Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    target = servers(lambda h: _answer(h, 200, b'{"enterprises": []}'))
    intake = servers(lambda h: _answer(h, 302, b"", Location=target.url + "/v1/enterprises"))
    client = IntakeClient(intake.url, token="tok", connect_timeout_s=1, read_timeout_s=2)
    try:
        result = lookup.fetch(client, "enterprises", HOLDER)
    finally:
        client.close()
    assert result == {"ok": False, "reason": "redirect"}
    assert intake.requests[0][2]["X-Holder-Id"] == HOLDER
    assert target.requests == []
    assert HOLDER not in caplog.text


def test_the_heartbeat_does_not_follow_a_redirect(
    outbox: Outbox, servers: Callable[[Behaviour], Recorder]
) -> None:
    target = servers(lambda h: _answer(h, 200, b"{}"))
    intake = servers(lambda h: _answer(h, 307, b"", Location=target.url + "/hb"))
    worker = _worker(outbox, intake.url, heartbeat_s=60)
    try:
        worker.run_once()
    finally:
        worker.stop()
    assert [r[1] for r in intake.requests] == [f"/v1/terminals/{TERMINAL}/heartbeat"]
    assert target.requests == [] and worker.stats.last_error == "redirect"


# -- caps and deadlines ---------------------------------------------------------------------------
def _chunked_flood(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"[" + b"0," * 32767 + b"0"
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    for _ in range(50 * 1024 * 1024 // len(chunk)):  # 50 MB
        if h.server.stopping.is_set():  # type: ignore[attr-defined]
            return
        h.wfile.write(frame)
    h.wfile.write(b"0\r\n\r\n")


def test_an_oversized_chunked_body_is_cut_at_the_cap(
    outbox: Outbox, servers: Callable[[Behaviour], Recorder]
) -> None:
    intake = servers(_chunked_flood)
    outbox.enqueue("tax_record", {}, PERSONAL)
    worker = _worker(outbox, intake.url, max_response_bytes=1024 * 1024)
    before = _rss_kb()
    try:
        worker.run_once()
    finally:
        worker.stop()
    grown_kb = _rss_kb() - before
    assert worker.stats.last_error == "response_too_large"
    assert grown_kb < 20_000, grown_kb  # far below the 50 MB sent
    assert outbox.depth() == 1 and outbox.counts()["queued"] == 1


def test_a_declared_oversized_body_is_refused_before_reading(
    servers: Callable[[Behaviour], Recorder],
) -> None:
    intake = servers(lambda h: _answer(h, 200, b"0" * (2 * 1024 * 1024)))
    client = IntakeClient(intake.url, max_response_bytes=1024 * 1024)
    try:
        with pytest.raises(IntakeFailure) as info:
            client.request("GET", "/v1/enterprises")
    finally:
        client.close()
    assert info.value.reason == "response_too_large" and info.value.state == DEGRADED


def _trickle_body(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "100000")
    h.end_headers()
    while not h.server.stopping.wait(1.0):  # type: ignore[attr-defined]
        h.wfile.write(b" ")  # one byte a second: never trips a per-read timeout
        h.wfile.flush()


def test_a_body_trickled_one_byte_a_second_is_cut_at_the_total_deadline(
    outbox: Outbox, servers: Callable[[Behaviour], Recorder]
) -> None:
    intake = servers(_trickle_body)
    outbox.enqueue("tax_record", {}, PERSONAL)
    client = IntakeClient(intake.url, connect_timeout_s=1, read_timeout_s=5, total_timeout_s=1.5)
    worker = SyncWorker(outbox, client, terminal_id=TERMINAL, heartbeat_s=None)
    started = time.monotonic()
    try:
        worker.run_once()
    finally:
        worker.stop()
        client.close()
    elapsed = time.monotonic() - started
    assert worker.stats.last_error == "response_too_slow"
    assert 1.4 <= elapsed < 2.2, elapsed
    assert outbox.depth() == 1


def _trickle_headers(h: BaseHTTPRequestHandler) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
        if h.server.stopping.wait(0.3):  # type: ignore[attr-defined]
            return
        h.wfile.write(bytes([byte]))
        h.wfile.flush()


def test_headers_trickled_slowly_are_cut_at_the_total_deadline(
    servers: Callable[[Behaviour], Recorder],
) -> None:
    intake = servers(_trickle_headers)
    client = IntakeClient(intake.url, connect_timeout_s=1, read_timeout_s=5, total_timeout_s=1.0)
    started = time.monotonic()
    try:
        result = lookup.fetch(client, "enterprises", HOLDER)
    finally:
        client.close()
    elapsed = time.monotonic() - started
    assert result == {"ok": False, "reason": "timeout"}
    assert elapsed < 1.8, elapsed


def test_a_json_depth_bomb_is_refused_and_backed_off(
    outbox: Outbox, servers: Callable[[Behaviour], Recorder]
) -> None:
    intake = servers(lambda h: _answer(h, 200, b"[" * 200_000))
    outbox.enqueue("tax_record", {}, PERSONAL)
    worker = _worker(outbox, intake.url)
    try:
        worker.run_once()
    finally:
        worker.stop()
    assert worker.stats.last_error == "malformed_response" and worker.stats.failures == 1
    assert worker.blocked_for > 0 and outbox.counts()["queued"] == 1
    assert outbox.counts()["sending"] == 0  # settled as a retry, not left to its lease


def test_json_depth_is_checked_without_recursion() -> None:
    assert json_depth_ok(b'{"a": [[1, {"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]]}', 32)
    assert not json_depth_ok(b"[" * 33 + b"]" * 33, 32)
    assert json_depth_ok(b"[" * 32 + b"]" * 32, 32)
    assert parse_json(b'{"x": "\\"[[["}') == {"x": '"[[['}
    with pytest.raises(IntakeFailure, match="malformed_response"):
        parse_json(b"{" * 1_000_000)


# -- server strings -------------------------------------------------------------------------------
def test_control_characters_in_error_code_do_not_reach_the_queue_or_the_log(
    outbox: Outbox, servers: Callable[[Behaviour], Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    forged = "bad\x1b[31m\nJan 01 kiosk: FORGED"
    body = json.dumps({"error": {"code": forged, "message": "x"}}).encode()
    intake = servers(lambda h: _answer(h, 400, body))
    tid = outbox.enqueue("tax_record", {}, PERSONAL).transaction_id
    worker = _worker(outbox, intake.url)
    try:
        worker.run_once()
    finally:
        worker.stop()
    dead = outbox.get(tid)
    assert dead.state == "rejected" and dead.last_error == "http_400"
    assert "\x1b" not in caplog.text and "FORGED" not in caplog.text
    assert safe_code("schema_violation") == "schema_violation"
    for bad in (forged, "x" * 65, "名字", "", None, 7):
        assert safe_code(bad) is None


# -- credentials ----------------------------------------------------------------------------------
def test_a_missing_token_file_is_named_and_nothing_is_sent(
    tmp_path: Path, servers: Callable[[Behaviour], Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    intake = servers(lambda h: _answer(h, 200, b'{"enterprises": []}'))
    missing = tmp_path / "x" / "intake.token"
    client = IntakeClient(intake.url, token_file=missing)
    try:
        assert f"intake token file {missing} unreadable: No such file or directory" in caplog.text
        assert client.credential_error is not None and str(missing) in client.credential_error
        result = lookup.fetch(client, "enterprises", HOLDER)
        missing.parent.mkdir()
        missing.write_text("tok\n")
        again = lookup.fetch(client, "enterprises", HOLDER)  # fixed without a restart
    finally:
        client.close()
    assert result == {"ok": False, "reason": "credentials"}
    assert len(intake.requests) == 1 and intake.requests[0][2]["Authorization"] == "Bearer tok"
    assert again == {"ok": True, "items": []}


def test_a_missing_ca_bundle_is_named_and_never_falls_back_to_public_roots(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ca = tmp_path / "ca.pem"
    client = IntakeClient("https://127.0.0.1:9", ca_bundle=ca, connect_timeout_s=1)
    try:
        with pytest.raises(IntakeFailure, match="credentials"):
            client.request("GET", "/v1/enterprises")
    finally:
        client.close()
    assert f"intake CA bundle {ca} unreadable" in caplog.text


def test_require_ca_refuses_an_https_intake_without_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(IntakeConfigError, match=r"intake\.ca_bundle"):
        IntakeClient("https://intake.example.gov.cn", require_ca=True)
    pinned = IntakeClient("https://intake.example.gov.cn", require_ca=True, ca_bundle=tmp_path)
    pinned.close()
    IntakeClient("http://127.0.0.1:8080", require_ca=True).close()  # loopback: no TLS at all


def test_a_production_terminal_refuses_to_start_without_a_ca_bundle(
    overlay_dir: Path, tmp_path: Path
) -> None:
    write_overlay(
        overlay_dir,
        '[terminal]\nprofile = "production"\n[intake]\nurl = "https://intake.example.gov.cn"\n',
        name="60-intake.toml",
    )
    with pytest.raises(IntakeConfigError):
        build_terminal(load_config([overlay_dir]), sim=True, state_dir=tmp_path / "s")


def test_state_dir_moves_the_intake_credentials_too(overlay_dir: Path, tmp_path: Path) -> None:
    write_overlay(
        overlay_dir,
        '[intake]\nurl = "http://127.0.0.1:9"\ntoken_file = "intake.token"\n'
        'client_cert = "c.pem"\nclient_key = "k.pem"\n',
        name="60-intake.toml",
    )
    state = tmp_path / "elsewhere"
    terminal = build_terminal(load_config([overlay_dir]), sim=True, state_dir=state)
    try:
        client = terminal.intake
        assert client is not None and terminal.sync is not None
        assert terminal.sync.client is client  # one client for the sync and the lookups
        assert client.token_file == state / "intake.token"
        assert client.client_cert == state / "c.pem" and client.client_key == state / "k.pem"
    finally:
        terminal.stop()


# -- heartbeat ------------------------------------------------------------------------------------
def test_the_first_heartbeat_does_not_claim_to_be_offline(tmp_path: Path, outbox: Outbox) -> None:
    with IntakeServer(tmp_path / "i.sqlite3", tokens=["tok"]) as server:
        worker = _worker(outbox, server.url, heartbeat_s=0.1, idle_poll_s=0.02)
        worker.start()
        try:
            deadline = time.monotonic() + 10
            while len(server.store.heartbeats(TERMINAL)) < 2:
                assert time.monotonic() < deadline, "no second heartbeat"
                time.sleep(0.02)
        finally:
            worker.stop()
        beats = [b["body"]["connectivity"] for b in server.store.heartbeats(TERMINAL)]
    assert beats[0] == UNKNOWN and beats[1] == "online"


def test_lookup_through_the_shared_client_still_works(
    servers: Callable[[Behaviour], Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    items = {"enterprises": [{"name": "示例公司"}] * 60}
    intake = servers(lambda h: _answer(h, 200, json.dumps(items).encode()))
    client = IntakeClient(intake.url, token="tok")
    try:
        result = lookup.fetch(client, "enterprises", HOLDER)
    finally:
        client.close()
    assert result["ok"] and len(result["items"]) == lookup.MAX_ITEMS
    headers = intake.requests[0][2]
    assert headers["X-Holder-Id"] == HOLDER and headers["Authorization"] == "Bearer tok"
    assert HOLDER not in caplog.text
