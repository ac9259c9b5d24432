"""Bench rows of the offline queue (issue 6): enqueue latency, drain rate, persist-queue, kills.

`rows()` returns (name, measured, target, pass) tuples for `./run bench`; run alone with
`python -m devtools.bench.queue` to print them. KIOSK_BENCH_KILL_CYCLES overrides the 1,000 kills.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from offline_cache import Outbox, Outcome
from offline_cache.sync import SyncWorker

TERMINAL = "BENCH-1"
ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = {"copies": 1, "delivery": "pickup", "department": "market_regulation"}
PERSONAL = {
    "name": "测试样例",
    "id_number": "11010519491231002X",
    "phone": "13800000000",
    "address": "示例省示例市测试路1号",
}
Row = tuple[str, str, str, bool | None]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def _enqueue_times(outbox: Outbox, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        outbox.enqueue("business_licence", PAYLOAD, PERSONAL)
        times.append(time.perf_counter() - start)
    return times


def _bulk_queue(outbox: Outbox, n: int) -> None:
    """Put n queued rows in the outbox fast (one transaction), shaped like real ones."""
    template = outbox._conn.execute(
        "SELECT payload, personal_ct, personal_nonce, key_id FROM transactions LIMIT 1"
    ).fetchone()
    with outbox._write() as conn:
        conn.execute(
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) "
            "INSERT INTO transactions (transaction_id, receipt_number, service_id, state, "
            "created_at, updated_at, attempts, payload, personal_ct, personal_nonce, key_id) "
            "SELECT printf('00000000-0000-7000-8000-%012d', n), printf('BULK-19700101-%07d', n), "
            "'business_licence', 'queued', n, n, 0, ?, ?, ?, ? FROM seq",
            (n, *template),
        )


def fsync_row(samples: int = 1000) -> Row:
    """This disk's own 4 KiB write + fsync latency: the floor under a durable enqueue."""
    times = []
    with tempfile.TemporaryDirectory() as d:
        fd = os.open(Path(d) / "f", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            block = os.urandom(4096)
            for i in range(samples):
                start = time.perf_counter()
                os.pwrite(fd, block, (i % 64) * 4096)
                os.fsync(fd)
                times.append(time.perf_counter() - start)
        finally:
            os.close(fd)
    return (
        "queue: reference: this disk's write+fsync p50 / p99",
        f"{_pct(times, 50) * 1000:.2f} / {_pct(times, 99) * 1000:.2f} ms",
        "(context)",
        None,
    )


def enqueue_rows(samples: int = 2000) -> list[Row]:
    """Durable enqueue p50/p99 with an empty queue and with 100k queued."""
    with tempfile.TemporaryDirectory() as d:
        box = Outbox(Path(d) / "o.db", TERMINAL, key_path=Path(d) / "k")
        try:
            _enqueue_times(box, 50)  # warm up
            empty = _enqueue_times(box, samples)
            _bulk_queue(box, 100_000)
            box._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _enqueue_times(box, 50)
            full = _enqueue_times(box, samples)
            depth = box.depth()
        finally:
            box.close()
    p50_0, p99_0 = _pct(empty, 50) * 1000, _pct(empty, 99) * 1000
    p50_f, p99_f = _pct(full, 50) * 1000, _pct(full, 99) * 1000
    ratio = p50_f / p50_0
    return [
        (
            "queue: durable enqueue p50 / p99, 0 queued",
            f"{p50_0:.2f} / {p99_0:.2f} ms",
            "p99 <= 10 ms",
            p99_0 <= 10,
        ),
        (
            f"queue: durable enqueue p50 / p99, {depth // 1000}k queued",
            f"{p50_f:.2f} / {p99_f:.2f} ms",
            "p99 <= 10 ms",
            p99_f <= 10,
        ),
        (
            "queue: enqueue p50 at 100k / at 0",
            f"{ratio:.2f}x (p99 {p99_f / p99_0:.2f}x)",
            "<= 1.2x",
            ratio <= 1.2,
        ),
    ]


def drain_row(n: int = 10_000, batch: int = 50) -> Row:
    """Backlog drain to the reference server (its own process, as in the rig) on loopback."""
    with tempfile.TemporaryDirectory() as d:
        box = Outbox(Path(d) / "o.db", TERMINAL, key_path=Path(d) / "k")
        box._conn.execute("PRAGMA synchronous = OFF")  # only to fill the backlog quickly
        for _ in range(n):
            box.enqueue("business_licence", PAYLOAD, PERSONAL)
        box._conn.execute("PRAGMA synchronous = FULL")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk.cli",
                "intake-server",
                "--db",
                str(Path(d) / "i.db"),
                "--port",
                "0",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert server.stdout is not None
            url = server.stdout.readline().split()[-1]
            worker = SyncWorker(
                box, url, terminal_id=TERMINAL, batch_size=batch, heartbeat_s=None, idle_poll_s=0.01
            )
            start = time.perf_counter()
            worker.start()
            while box.depth():
                time.sleep(0.002)
            elapsed = time.perf_counter() - start
            worker.stop()
            stored = requests.get(url + "/v1/health", timeout=5).json()["transactions"]
        finally:
            server.terminate()
            server.wait(timeout=10)
            box.close()
    assert stored == n, stored
    rate = n / elapsed
    return (
        f"queue: backlog drain {n // 1000}k to reference server (batch {batch})",
        f"{rate:,.0f} tx/s",
        ">= 1,000 tx/s",
        rate >= 1000,
    )


def persist_queue_rows(n: int = 2000) -> list[Row]:
    """put + ack throughput against persist-queue's SQLiteAckQueue, same disk, same run."""
    from persistqueue import SQLiteAckQueue

    with tempfile.TemporaryDirectory() as d:
        item = {**PAYLOAD, **PERSONAL}
        q = SQLiteAckQueue(str(Path(d) / "pq"), auto_commit=True, multithreading=True)
        start = time.perf_counter()
        for _ in range(n):
            q.put(item)
        for _ in range(n):
            got = q.get(block=False)
            q.ack(got)
        theirs = n / (time.perf_counter() - start)
        q.close()

        box = Outbox(Path(d) / "o.db", TERMINAL, key_path=Path(d) / "k")
        try:
            start = time.perf_counter()
            for _ in range(n):
                box.enqueue("business_licence", PAYLOAD, PERSONAL)
            while claimed := box.claim(50):
                box.settle([Outcome(c.transaction_id, "accepted") for c in claimed])
            ours_batch = n / (time.perf_counter() - start)
            start = time.perf_counter()
            for _ in range(n):
                box.enqueue("business_licence", PAYLOAD, PERSONAL)
            while claimed := box.claim(1):
                box.ack(claimed[0].transaction_id)
            ours_single = n / (time.perf_counter() - start)
        finally:
            box.close()
    ratio = ours_batch / theirs
    return [
        (
            "queue: put+ack, outbox (claim/settle 50) vs SQLiteAckQueue",
            f"{ours_batch:,.0f} vs {theirs:,.0f} ops/s = {ratio:.2f}x",
            ">= 1.0x",
            ratio >= 1.0,
        ),
        (
            "queue: put+ack one by one, outbox vs SQLiteAckQueue",
            f"{ours_single:,.0f} vs {theirs:,.0f} ops/s = {ours_single / theirs:.2f}x",
            "(info: encrypted, 3 fsyncs each)",
            None,
        ),
    ]


def kill_row(cycles: int | None = None) -> Row:
    """The kill test with 1,000 SIGKILLs."""
    from tests.test_kill import run_kill_cycles

    cycles = cycles or int(os.environ.get("KIOSK_BENCH_KILL_CYCLES", "1000"))
    with tempfile.TemporaryDirectory() as d:
        try:
            report = run_kill_cycles(Path(d), cycles, seed=1000)
        except AssertionError as exc:
            return (f"queue: kill test, {cycles} SIGKILLs", f"FAILED: {exc}", "exactly once", False)
    return (
        f"queue: kill test, {cycles} SIGKILLs",
        f"{report['transactions']} tx exactly once, {report['redeliveries']} redeliveries "
        f"deduplicated, {report['kill_phase_s']} s",
        "none lost or duplicated",
        True,
    )


def rows() -> list[Row]:
    """Every bench row of the offline queue."""
    out = [fsync_row(), *enqueue_rows()]
    out.append(drain_row())
    out.extend(persist_queue_rows())
    out.append(kill_row())
    return out


if __name__ == "__main__":
    started = time.perf_counter()
    for name, value, target, ok in rows():
        mark = {True: "pass", False: "FAIL", None: "-"}[ok]
        print(f"{name:64} {value:48} {target:24} {mark}")
    print(f"({time.perf_counter() - started:.0f} s)")
