"""The sync worker: claim/settle in the outbox, backoff, Retry-After, per-item results,
connectivity, heartbeat, and the chaos matrix of the reference server."""

from __future__ import annotations

import itertools
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devtools.intake_server import CHAOS_MODES, Chaos, IntakeServer
from offline_cache import NotFound, Outbox, OutboxError, Outcome
from offline_cache.sync import (
    DEGRADED,
    OFFLINE,
    ONLINE,
    SyncWorker,
    backoff_ceiling,
    full_jitter,
    parse_retry_after,
)

TERMINAL = "KIOSK-T1"
NAME = "测试样例"
ID_NUMBER = "11010519491231002X"
PERSONAL = {"name": NAME, "id_number": ID_NUMBER, "phone": "13800000000"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class MaxJitter(random.Random):
    """Full jitter that always draws its ceiling: makes backoff timing deterministic."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3", TERMINAL, key_path=tmp_path / "outbox.key")
    try:
        yield box
    finally:
        box.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IntakeServer]:
    srv = IntakeServer(tmp_path / "intake.sqlite3", tokens=["tok"])
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_worker(outbox: Outbox) -> Iterator[Callable[..., SyncWorker]]:
    workers: list[SyncWorker] = []

    def make(url: str, **kw: Any) -> SyncWorker:
        options: dict[str, Any] = {
            "terminal_id": TERMINAL,
            "token": "tok",
            "heartbeat_s": None,
            "idle_poll_s": 0.02,
            "backoff_base_s": 0.02,
            "backoff_cap_s": 0.1,
            "connect_timeout_s": 1.0,
            "read_timeout_s": 0.5,
        }
        box = kw.pop("box", outbox)
        options.update(kw)
        worker = SyncWorker(box, url, **options)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def fill(outbox: Outbox, n: int, service: str = "tax_record") -> list[str]:
    return [outbox.enqueue(service, {"n": i}, PERSONAL).transaction_id for i in range(n)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- backoff arithmetic ---------------------------------------------------------------------------
def test_backoff_doubles_from_one_second_to_a_five_minute_cap() -> None:
    assert [backoff_ceiling(n) for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert backoff_ceiling(0) == 0 and backoff_ceiling(10_000) == 300


def test_full_jitter_spreads_over_the_whole_interval() -> None:
    rng = random.Random(1)
    draws = [full_jitter(4, rng) for _ in range(2000)]
    assert all(0 <= d <= 8 for d in draws)
    assert min(draws) < 0.5 and max(draws) > 7.5
    assert 3.5 < sum(draws) / len(draws) < 4.5


def test_retry_after_parsing() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# -- outbox claim / settle ------------------------------------------------------------------------
def test_claim_marks_sending_counts_attempts_and_leases(tmp_path: Path) -> None:
    clock = Clock()
    box = Outbox(tmp_path / "o.db", TERMINAL, key_path=tmp_path / "k", clock=clock)
    try:
        ids = fill(box, 3)
        claimed = box.claim(2, lease_s=60)
        assert [c.transaction_id for c in claimed] == ids[:2]
        assert claimed[0].personal == PERSONAL and claimed[0].attempts == 1
        assert NAME not in repr(claimed[0]) and ID_NUMBER not in repr(claimed[0])
        assert box.get(ids[0]).state == "sending"
        assert [c.transaction_id for c in box.claim(10, lease_s=60)] == [ids[2]]
        assert box.claim(10) == []  # all leased
        clock.now += 61  # the sender died: the lease runs out
        again = box.claim(10)
        assert [c.transaction_id for c in again] == ids and again[0].attempts == 2
        assert box.release_claims() == 3
        assert box.counts()["queued"] == 3 and box.next_due() == clock.now
    finally:
        box.close()


def test_settle_accepts_rejects_and_retries(tmp_path: Path) -> None:
    clock = Clock()
    box = Outbox(tmp_path / "o.db", TERMINAL, key_path=tmp_path / "k", clock=clock)
    try:
        a, r, q = fill(box, 3)
        box.claim(3)
        changed = box.settle(
            [
                Outcome(a, "accepted"),
                Outcome(r, "rejected", "unknown_service"),
                Outcome(q, "retry", "http_500", 30),
            ]
        )
        assert changed == 3
        assert box.get(a).state == "accepted" and not box.get(a).has_personal
        assert box.personal(a) == {}
        dead = box.get(r)
        assert dead.state == "rejected" and dead.last_error == "unknown_service"
        assert box.personal(r) == PERSONAL  # kept (encrypted) so a technician can retry it
        waiting = box.get(q)
        assert waiting.state == "queued" and waiting.next_attempt_at == clock.now + 30
        assert box.claim(10) == []  # not due yet
        assert box.counts() == {"queued": 1, "sending": 0, "accepted": 1, "rejected": 1}
        # A late or repeated answer changes nothing and audits nothing twice.
        assert box.settle([Outcome(a, "accepted"), Outcome(r, "accepted")]) == 0
        events = [(row["transaction_id"], row["event"]) for row in box.audit()]
        assert events == [(a, "accepted"), (r, "rejected")]
        assert all(NAME not in json.dumps(row, ensure_ascii=False) for row in box.audit())
        with pytest.raises(ValueError):
            box.settle([Outcome(q, "lost")])
    finally:
        box.close()


def test_requeue_find_and_prune(tmp_path: Path) -> None:
    clock = Clock()
    box = Outbox(tmp_path / "o.db", TERMINAL, key_path=tmp_path / "k", clock=clock)
    try:
        a, r = fill(box, 2)
        box.claim(2)
        box.settle([Outcome(a, "accepted"), Outcome(r, "rejected", "invalid_payload")])
        assert box.requeue(r) == "rejected" and box.get(r).state == "queued"
        with pytest.raises(OutboxError, match="already accepted"):
            box.requeue(a)
        with pytest.raises(NotFound):
            box.requeue("nope")
        assert box.find(box.get(a).receipt_number).transaction_id == a
        assert box.find(r).transaction_id == r
        with pytest.raises(NotFound):
            box.find("zzzzzzzz")
        clock.now += 100
        assert box.prune(older_than_s=50) == 1
        with pytest.raises(NotFound):
            box.get(a)
        assert [row["event"] for row in box.audit(a)] == ["accepted", "pruned"]
    finally:
        box.close()


def test_an_undecryptable_row_is_dead_lettered_not_a_poison_pill(outbox: Outbox) -> None:
    bad, good = fill(outbox, 2)
    with outbox._write() as conn:
        conn.execute(
            "UPDATE transactions SET personal_ct = zeroblob(40) WHERE transaction_id = ?", (bad,)
        )
    claimed = outbox.claim(10)
    assert [c.transaction_id for c in claimed] == [good]
    assert outbox.get(bad).state == "rejected"
    assert outbox.get(bad).last_error == "personal_data_unreadable"


def test_no_plaintext_personal_data_in_the_file_and_secure_delete(
    outbox: Outbox, server: IntakeServer, make_worker: Callable[..., SyncWorker]
) -> None:
    ids = fill(outbox, 20)
    files = sorted(outbox.path.parent.glob("outbox.sqlite3*"))

    def raw() -> bytes:
        return b"".join(p.read_bytes() for p in files if p.exists())

    for secret in (NAME, ID_NUMBER, "13800000000"):
        assert secret.encode() not in raw()
    ciphertext = outbox._conn.execute(
        "SELECT personal_ct FROM transactions WHERE transaction_id = ?", (ids[0],)
    ).fetchone()[0]
    assert outbox._conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    make_worker(server.url).start()
    wait_for(lambda: outbox.counts()["accepted"] == 20)
    outbox._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = raw()
    for secret in (NAME, ID_NUMBER, "13800000000"):
        assert secret.encode() not in data
    assert ciphertext not in data  # overwritten, not merely unlinked


# -- the worker against the reference server ------------------------------------------------------
def test_drains_the_queue_and_sends_what_the_contract_says(
    outbox: Outbox, server: IntakeServer, make_worker: Callable[..., SyncWorker]
) -> None:
    ids = fill(outbox, 120)
    worker = make_worker(server.url, batch_size=50)
    worker.start()
    wait_for(lambda: outbox.depth() == 0)
    stored = server.store.transactions()
    assert [row["transaction_id"] for row in stored] == ids  # oldest first
    assert all(row["deliveries"] == 1 and row["terminal_id"] == TERMINAL for row in stored)
    assert worker.stats.accepted == 120 and worker.stats.requests == 3
    assert worker.state == ONLINE


def test_item_rejections_become_dead_letters(
    outbox: Outbox, tmp_path: Path, make_worker: Callable[..., SyncWorker]
) -> None:
    with IntakeServer(tmp_path / "i.db", known_services=["tax_record"]) as srv:
        good = fill(outbox, 3)
        bad = outbox.enqueue("closed_service", {}, PERSONAL).transaction_id
        make_worker(srv.url).start()
        wait_for(lambda: outbox.depth() == 0)
    assert outbox.get(bad).state == "rejected"
    assert outbox.get(bad).last_error == "unknown_service"
    assert all(outbox.get(t).state == "accepted" for t in good)


def test_duplicates_count_as_delivered(
    outbox: Outbox, server: IntakeServer, make_worker: Callable[..., SyncWorker]
) -> None:
    ids = fill(outbox, 5)
    claimed = outbox.claim(5)
    server.store.ingest(
        TERMINAL,
        [
            {
                "transaction_id": c.transaction_id,
                "receipt_number": c.receipt_number,
                "service_id": c.service_id,
                "payload": c.payload,
                "personal": c.personal,
            }
            for c in claimed
        ],
    )  # an earlier send arrived, but its answer was lost with the process
    worker = make_worker(server.url)
    worker.start()  # releases the dead worker's claims
    wait_for(lambda: outbox.depth() == 0)
    assert worker.stats.duplicates == 5
    assert all(outbox.get(t).state == "accepted" for t in ids) and server.store.count() == 5


class _PoisonHandler(BaseHTTPRequestHandler):
    """Refuses a whole batch with 400 when one item is poisoned; otherwise accepts all."""

    protocol_version = "HTTP/1.1"
    sizes: list[int]

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        items = body["transactions"]
        self.server.sizes.append(len(items))  # type: ignore[attr-defined]
        if any(i["payload"].get("poison") for i in items):
            status, answer = 400, {"error": {"code": "schema_violation", "message": "bad"}}
        else:
            status = 200
            answer = {
                "results": [
                    {"transaction_id": i["transaction_id"], "status": "accepted"} for i in items
                ]
            }
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_a_poisoned_batch_is_bisected_down_to_the_bad_item(
    outbox: Outbox, make_worker: Callable[..., SyncWorker]
) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _PoisonHandler)
    httpd.daemon_threads = True
    httpd.sizes = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        fill(outbox, 5)
        poison = outbox.enqueue("tax_record", {"poison": True}, PERSONAL).transaction_id
        fill(outbox, 10)
        make_worker(f"http://127.0.0.1:{httpd.server_address[1]}", batch_size=16).start()
        wait_for(lambda: outbox.depth() == 0)
    finally:
        httpd.shutdown()
        thread.join()
        httpd.server_close()
    assert outbox.get(poison).state == "rejected"
    assert outbox.get(poison).last_error == "http_400:schema_violation"
    assert outbox.counts()["accepted"] == 15
    assert httpd.sizes[0] == 16 and 1 in httpd.sizes  # type: ignore[attr-defined]


def test_retry_after_is_obeyed_and_persisted(
    outbox: Outbox, server: IntakeServer, make_worker: Callable[..., SyncWorker]
) -> None:
    server.chaos = Chaos(("429",), retry_after_s=1)
    ids = fill(outbox, 3)
    worker = make_worker(server.url)
    before = time.time()
    worker.start()
    wait_for(lambda: len(server.journal) >= 1)
    first = server.journal[0][0]
    time.sleep(0.6)
    assert len(server.journal) == 1  # nothing before Retry-After, despite a 0.02 s backoff
    assert outbox.get(ids[0]).next_attempt_at >= before + 1.0  # persisted for a restart
    wait_for(lambda: len(server.journal) >= 2)
    assert server.journal[1][0] - first >= 0.95
    server.chaos = Chaos()
    wait_for(lambda: outbox.depth() == 0)
    assert worker.state == ONLINE


def test_exponential_backoff_paces_a_failing_server(
    outbox: Outbox, server: IntakeServer, make_worker: Callable[..., SyncWorker]
) -> None:
    server.chaos = Chaos(("500",))
    fill(outbox, 1)
    worker = make_worker(server.url, backoff_base_s=0.1, backoff_cap_s=0.4, rng=MaxJitter())
    worker.start()
    time.sleep(1.5)  # ceilings 0.1, 0.2, 0.4, 0.4, ... -> sends at 0, .1, .3, .7, 1.1, 1.5
    times = [t for t, _, _ in server.journal]
    assert 3 <= len(times) <= 7, len(times)  # without backoff: hundreds
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(
        g >= expected - 0.03 for g, expected in zip(gaps, (0.1, 0.2, 0.4, 0.4, 0.4), strict=False)
    ), gaps
    assert worker.state == DEGRADED and worker.stats.last_error == "http_500:internal_error"


def test_connectivity_offline_then_recovery_logged_once(
    outbox: Outbox,
    tmp_path: Path,
    make_worker: Callable[..., SyncWorker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="offline_cache.sync")
    port = free_port()
    states: list[str] = []
    fill(outbox, 2)
    worker = make_worker(f"http://127.0.0.1:{port}", on_state=states.append, heartbeat_s=0.2)
    worker.start()
    wait_for(lambda: worker.stats.failures >= 4)
    assert states == [OFFLINE]
    assert outbox.depth() == 2
    with IntakeServer(tmp_path / "i.db", port=port, tokens=["tok"]) as srv:
        wait_for(lambda: outbox.depth() == 0)
        assert srv.store.count() == 2
        assert states == [OFFLINE, ONLINE]
    wait_for(lambda: len(states) == 3)
    assert states == [OFFLINE, ONLINE, OFFLINE]
    messages = [r.getMessage() for r in caplog.records if r.name == "offline_cache.sync"]
    assert sum("intake API offline" in m for m in messages) == 2  # once per outage
    assert sum("reachable again" in m for m in messages) == 1


def test_wrong_token_is_degraded_not_dead_letters(
    outbox: Outbox, server: IntakeServer, make_worker: Callable[..., SyncWorker]
) -> None:
    fill(outbox, 2)
    worker = make_worker(server.url, token="wrong")
    worker.start()
    # failures and state are updated one after the other on the worker thread: wait for both
    wait_for(lambda: worker.stats.failures >= 2 and worker.state == DEGRADED)
    assert worker.stats.last_error == "http_401:unauthorized"
    assert outbox.counts()["rejected"] == 0 and server.store.count() == 0


def test_heartbeat_carries_the_health_snapshot(
    outbox: Outbox, server: IntakeServer, make_worker: Callable[..., SyncWorker]
) -> None:
    fill(outbox, 1)
    outbox.claim(1)  # in flight: counted in depth

    def health() -> dict[str, Any]:
        return {
            "devices": {"receipt": {"state": "ready", "faults": ["paper_low"]}},
            "app_version": "0.1.0",
            "config_version": "abc123",
            "queue": {"depth": -1},  # the outbox's own figures win
        }

    worker = make_worker(server.url, heartbeat_s=0.2, health=health)
    worker.start()
    wait_for(lambda: len(server.store.heartbeats(TERMINAL)) >= 2)
    body = server.store.heartbeats(TERMINAL)[0]["body"]
    assert body["devices"]["receipt"]["faults"] == ["paper_low"]
    assert body["app_version"] == "0.1.0" and body["config_version"] == "abc123"
    assert body["queue"]["depth"] == 1 and body["queue"]["oldest_queued_age_s"] >= 0
    assert body["terminal_id"] == TERMINAL and body["uptime_s"] >= 0
    assert NAME not in json.dumps(body, ensure_ascii=False)


def test_a_failing_health_callable_still_sends_a_heartbeat(
    outbox: Outbox, server: IntakeServer, make_worker: Callable[..., SyncWorker]
) -> None:
    def health() -> dict[str, Any]:
        raise RuntimeError("sensor gone")

    make_worker(server.url, heartbeat_s=5, health=health).start()
    wait_for(lambda: len(server.store.heartbeats(TERMINAL)) == 1)
    body = server.store.heartbeats(TERMINAL)[0]["body"]
    assert body["health_error"] == "RuntimeError" and body["queue"]["depth"] == 0


def test_terminal_connectivity_follows_the_worker(
    terminal: Any, tmp_path: Path, make_worker: Callable[..., SyncWorker]
) -> None:
    port = free_port()
    with IntakeServer(tmp_path / "i.db", port=port, tokens=["tok"]):
        worker = make_worker(
            f"http://127.0.0.1:{port}",
            box=terminal.outbox,
            terminal_id=terminal.config.terminal.id,
            heartbeat_s=0.1,
            on_state=terminal.set_connectivity,
        )
        worker.start()
        wait_for(lambda: terminal.connectivity() == ONLINE)
    wait_for(lambda: terminal.connectivity() == OFFLINE)
    assert terminal.process_events() >= 2  # the flow heard both changes
    worker.stop()


# -- chaos matrix ---------------------------------------------------------------------------------
@pytest.mark.parametrize("modes", [(m,) for m in CHAOS_MODES] + [tuple(CHAOS_MODES)])
def test_chaos_matrix(
    outbox: Outbox,
    server: IntakeServer,
    make_worker: Callable[..., SyncWorker],
    modes: tuple[str, ...],
) -> None:
    """Queue intact, everything delivered once, backoff and Retry-After obeyed, no stalls."""
    server.chaos = Chaos(modes, rate=0.3, seed=7, retry_after_s=1, hang_s=1.0, slow_s=0.1)
    ids = fill(outbox, 30)
    worker = make_worker(server.url, batch_size=10, heartbeat_s=0.5 if len(modes) > 1 else None)
    worker.start()
    # The "UI thread": keeps submitting while the worker fights the server; never stalls.
    worst = 0.0
    deadline = time.monotonic() + 40
    n = 0
    while outbox.depth() or n < 10:
        assert time.monotonic() < deadline, f"not drained: {outbox.counts()}"
        if n < 10:
            started = time.monotonic()
            ids.append(outbox.enqueue("tax_record", {"n": n}, PERSONAL).transaction_id)
            worker.wake()
            worst = max(worst, time.monotonic() - started)
            n += 1
        time.sleep(0.005 if n < 10 else 0.02)
    assert worst < 0.25, f"enqueue stalled {worst:.3f} s behind the sync worker"
    assert outbox.counts() == {"queued": 0, "sending": 0, "accepted": 40, "rejected": 0}
    stored = server.store.transactions()
    assert sorted(r["transaction_id"] for r in stored) == sorted(ids)
    assert all(outbox.get(t).has_personal is False for t in ids)
    journal = list(server.journal)
    for (when, _, mode), (after, _, _) in itertools.pairwise(journal):
        if mode in ("429", "503"):
            assert after - when >= 0.95, "sent again before Retry-After"


def test_a_rejection_reason_that_is_not_a_code_is_not_kept() -> None:
    """A server that echoes data in its reason must not get it into our logs or database."""
    from offline_cache.sync import _safe_reason

    assert _safe_reason("unknown_service") == "unknown_service"
    assert _safe_reason("field.phone:invalid") == "field.phone:invalid"
    for echoed in ("name 测试样例 not allowed", "x" * 65, "", None, 42, "id 110105 bad"):
        assert _safe_reason(echoed) == "rejected"
