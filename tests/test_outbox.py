"""The outbox is durable, numbers receipts uniquely, and keeps personal data encrypted."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from offline_cache import (
    NotFound,
    Outbox,
    OutboxCorrupt,
    OutboxError,
    StorageFull,
    Uuid7Generator,
    uuid7_time,
)

CST = timezone(timedelta(hours=8))
NAME = "测试样例"
ID_NUMBER = "11010519491231002X"
PERSONAL = {"name": NAME, "id_number": ID_NUMBER, "address": "示例省示例市测试路1号"}
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class Clock:
    """A settable clock."""

    def __init__(self, when: datetime) -> None:
        self.now = when.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "state" / "outbox.sqlite3", tmp_path / "secret" / "dir" / "outbox.key"


@pytest.fixture
def open_outbox(paths: tuple[Path, Path]) -> Iterator[Callable[..., Outbox]]:
    """Open outboxes on the test's files; all are closed afterwards."""
    opened: list[Outbox] = []

    def _open(**kwargs: Any) -> Outbox:
        kwargs.setdefault("tz", CST)
        outbox = Outbox(paths[0], "KSK-0001", key_path=paths[1], **kwargs)
        opened.append(outbox)
        return outbox

    yield _open
    for outbox in opened:
        outbox.close()


def test_enqueue_is_durable_across_reopen(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox()
    done = outbox.enqueue("business_licence", {"fields": {"copies": 2}}, PERSONAL)
    outbox.close()
    again = open_outbox()
    item = again.get(done.transaction_id)
    assert item.receipt_number == done.receipt_number and item.state == "queued"
    assert item.payload == {"fields": {"copies": 2}} and item.has_personal
    assert item.attempts == 0 and item.created_at == done.created_at
    assert again.personal(done.transaction_id) == PERSONAL
    assert again.depth() == 1


def test_enqueue_survives_a_killed_process(paths: tuple[Path, Path]) -> None:
    code = (
        "import os, sys\n"
        "from offline_cache import Outbox\n"
        "o = Outbox(sys.argv[1], 'KSK-0001', key_path=sys.argv[2])\n"
        "print(o.enqueue('svc', {'n': 1}, {'name': 'x'}).transaction_id, flush=True)\n"
        "os._exit(0)  # no close, no checkpoint: as if the power went\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(paths[0]), str(paths[1])],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    transaction_id = out.stdout.strip()
    with Outbox(paths[0], "KSK-0001", key_path=paths[1]) as outbox:
        assert outbox.get(transaction_id).payload == {"n": 1}
        assert outbox.personal(transaction_id) == {"name": "x"}


def test_receipt_numbers_are_sequential_and_unique_across_reopen(
    open_outbox: Callable[..., Outbox],
) -> None:
    clock = Clock(datetime(2026, 3, 1, 10, 0, tzinfo=CST))
    outbox = open_outbox(clock=clock)
    numbers = [outbox.enqueue("svc", {}, {}).receipt_number for _ in range(3)]
    assert numbers == ["KSK0001-20260301-0001", "KSK0001-20260301-0002", "KSK0001-20260301-0003"]
    outbox.close()
    again = open_outbox(clock=clock)
    assert again.enqueue("svc", {}, {}).receipt_number == "KSK0001-20260301-0004"


def test_receipt_sequence_restarts_each_day(open_outbox: Callable[..., Outbox]) -> None:
    clock = Clock(datetime(2026, 3, 1, 23, 59, 58, tzinfo=CST))
    outbox = open_outbox(clock=clock)
    assert outbox.enqueue("svc", {}, {}).receipt_number == "KSK0001-20260301-0001"
    assert outbox.enqueue("svc", {}, {}).receipt_number == "KSK0001-20260301-0002"
    clock.advance(3)  # past local midnight
    assert outbox.enqueue("svc", {}, {}).receipt_number == "KSK0001-20260302-0001"
    clock.advance(86400)
    assert outbox.enqueue("svc", {}, {}).receipt_number == "KSK0001-20260303-0001"


def test_sequence_number_grows_past_four_digits(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox()
    outbox._conn.execute(  # start near the end of four digits without 9,999 enqueues
        "INSERT INTO receipt_sequences (day, last_seq) VALUES (?, 9998)",
        (datetime.now(CST).strftime("%Y%m%d"),),
    )
    assert outbox.enqueue("svc", {}, {}).receipt_number.endswith("-9999")
    assert outbox.enqueue("svc", {}, {}).receipt_number.endswith("-10000")


def test_transaction_ids_are_ordered_uuid7(open_outbox: Callable[..., Outbox]) -> None:
    clock = Clock(datetime(2026, 3, 1, 10, 0, tzinfo=CST))
    outbox = open_outbox(clock=clock)
    first = outbox.enqueue("svc", {}, {})
    assert UUID7.match(first.transaction_id)
    assert uuid7_time(first.transaction_id) == pytest.approx(clock.now, abs=0.001)
    clock.advance(0.002)
    second = outbox.enqueue("svc", {}, {})
    assert second.transaction_id > first.transaction_id

    frozen = Uuid7Generator(lambda: 1_700_000_000.0)  # all in one millisecond
    ids = [frozen() for _ in range(5000)]
    assert all(UUID7.match(i) for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

    times = iter([100.0, 99.0, 98.0])  # the clock steps back: ids still increase
    backwards = Uuid7Generator(lambda: next(times))
    a, b, c = backwards(), backwards(), backwards()
    assert a < b < c


def test_personal_data_is_encrypted_on_disk(
    open_outbox: Callable[..., Outbox], paths: tuple[Path, Path]
) -> None:
    outbox = open_outbox()
    done = outbox.enqueue("svc", {"marker": "plain-payload-marker"}, PERSONAL)
    raw = b"".join(
        p.read_bytes() for p in paths[0].parent.iterdir() if p.name.startswith("outbox.sqlite3")
    )
    assert b"plain-payload-marker" in raw  # the bytes really are the stored rows
    for secret in (NAME, ID_NUMBER, "示例省示例市"):
        assert secret.encode("utf-8") not in raw
        assert secret.encode("utf-16-le") not in raw
    row = outbox._conn.execute(
        "SELECT personal_ct, personal_nonce, key_id FROM transactions"
    ).fetchone()
    assert len(row[1]) == 12 and row[2]
    assert outbox.personal(done.transaction_id) == PERSONAL
    assert NAME not in repr(outbox.get(done.transaction_id))


def test_each_row_has_its_own_nonce_and_is_bound_to_its_id(
    open_outbox: Callable[..., Outbox],
) -> None:
    outbox = open_outbox()
    a = outbox.enqueue("svc", {}, PERSONAL)
    b = outbox.enqueue("svc", {}, PERSONAL)
    rows = outbox._conn.execute(
        "SELECT personal_ct, personal_nonce FROM transactions ORDER BY transaction_id"
    ).fetchall()
    assert rows[0][1] != rows[1][1] and rows[0][0] != rows[1][0]
    # Swapping ciphertexts between rows must not decrypt: the transaction id is the AAD.
    outbox._conn.execute(
        "UPDATE transactions SET personal_ct = ?, personal_nonce = ? WHERE transaction_id = ?",
        (rows[0][0], rows[0][1], b.transaction_id),
    )
    with pytest.raises(OutboxError, match="authentication") as info:
        outbox.personal(b.transaction_id)
    assert NAME not in str(info.value)
    assert outbox.personal(a.transaction_id) == PERSONAL


def test_no_personal_data_means_no_ciphertext(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox()
    done = outbox.enqueue("svc", {"x": 1}, {})
    assert not outbox.get(done.transaction_id).has_personal
    assert outbox.personal(done.transaction_id) == {}


def test_key_file_is_created_private_and_reused(
    open_outbox: Callable[..., Outbox], paths: tuple[Path, Path]
) -> None:
    outbox = open_outbox()
    key_path = paths[1]
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = key_path.read_bytes()
    assert len(key) == 32
    done = outbox.enqueue("svc", {}, PERSONAL)
    outbox.close()
    again = open_outbox()
    assert key_path.read_bytes() == key
    assert again.personal(done.transaction_id) == PERSONAL


def test_missing_key_with_encrypted_rows_is_refused(
    open_outbox: Callable[..., Outbox], paths: tuple[Path, Path]
) -> None:
    outbox = open_outbox()
    outbox.enqueue("svc", {}, PERSONAL)
    outbox.close()
    paths[1].unlink()
    with pytest.raises(OutboxError, match="missing"):
        open_outbox()
    assert not paths[1].exists()  # no new key was made behind our back


def test_wrong_key_cannot_decrypt(
    open_outbox: Callable[..., Outbox], paths: tuple[Path, Path]
) -> None:
    outbox = open_outbox()
    done = outbox.enqueue("svc", {}, PERSONAL)
    outbox.close()
    paths[1].write_bytes(os.urandom(32))
    with pytest.raises(OutboxError, match="another key"):
        open_outbox().personal(done.transaction_id)


def test_migrations_recorded_and_pragmas_set(
    open_outbox: Callable[..., Outbox], paths: tuple[Path, Path]
) -> None:
    outbox = open_outbox()
    assert outbox.migrations()[0] == (1, "initial")
    assert outbox._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert outbox._conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    outbox.close()
    open_outbox().close()  # reopening applies nothing twice
    raw = sqlite3.connect(paths[0])
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = raw.execute("SELECT version, name FROM migrations").fetchall()
        assert rows[0] == (1, "initial")
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"transactions", "receipt_sequences", "print_jobs", "migrations"} <= tables
        columns = {r[1] for r in raw.execute("PRAGMA table_info(transactions)")}
        assert {"state", "attempts", "next_attempt_at", "last_error"} <= columns
    finally:
        raw.close()


def test_newer_schema_is_refused(
    open_outbox: Callable[..., Outbox], paths: tuple[Path, Path]
) -> None:
    open_outbox().close()
    raw = sqlite3.connect(paths[0])
    with raw:
        raw.execute("INSERT INTO migrations VALUES (99, 'from the future', 0)")
    raw.close()
    with pytest.raises(OutboxError, match="newer"):
        open_outbox()


def test_garbage_file_is_moved_aside(
    open_outbox: Callable[..., Outbox], paths: tuple[Path, Path]
) -> None:
    paths[0].parent.mkdir(parents=True)
    garbage = b"this is not a database at all " * 200
    paths[0].write_bytes(garbage)
    with pytest.raises(OutboxCorrupt, match="moved aside"):
        open_outbox()
    assert not paths[0].exists()
    aside = [p for p in paths[0].parent.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    assert aside[0].name.startswith("outbox.sqlite3.corrupt-")
    fresh = open_outbox()  # the next start begins a new, empty outbox
    assert fresh.depth() == 0


def test_damaged_pages_are_detected(
    open_outbox: Callable[..., Outbox], paths: tuple[Path, Path]
) -> None:
    outbox = open_outbox()
    for _ in range(50):
        outbox.enqueue("svc", {"filler": "x" * 500}, PERSONAL)
    outbox.close()  # checkpoints the WAL into the main file
    data = bytearray(paths[0].read_bytes())
    page = 4096
    assert len(data) > 6 * page
    data[2 * page : 6 * page] = os.urandom(4 * page)  # keep the header, smash table pages
    paths[0].write_bytes(bytes(data))
    with pytest.raises(OutboxCorrupt):
        open_outbox()
    assert not paths[0].exists()


def test_print_job_journal(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox()
    done = outbox.enqueue("svc", {}, {})
    job = outbox.record_print(done.transaction_id, "receipt")
    assert UUID7.match(job)
    jobs = outbox.print_jobs(done.transaction_id)
    assert [(j["job_id"], j["kind"], j["state"]) for j in jobs] == [(job, "receipt", "pending")]
    outbox.mark_print(job, "sent")
    outbox.mark_print(job, "sent")  # a repeated mark is harmless
    outbox.mark_print(job, "confirmed")
    retry = outbox.record_print(done.transaction_id, "licence")
    outbox.mark_print(retry, "failed", "media_empty")
    outbox.close()
    jobs = open_outbox().print_jobs(done.transaction_id)
    assert [(j["state"], j["reason"]) for j in jobs] == [
        ("confirmed", None),
        ("failed", "media_empty"),
    ]


def test_print_job_journal_refuses_bad_moves(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox()
    done = outbox.enqueue("svc", {}, {})
    job = outbox.record_print(done.transaction_id, "receipt")
    outbox.mark_print(job, "confirmed")
    with pytest.raises(OutboxError, match="not allowed"):
        outbox.mark_print(job, "sent")
    with pytest.raises(ValueError):
        outbox.mark_print(job, "printed")
    with pytest.raises(NotFound):
        outbox.mark_print("no-such-job", "sent")
    with pytest.raises(NotFound):
        outbox.record_print("no-such-transaction", "receipt")
    assert outbox.print_jobs("no-such-transaction") == []


def test_depth_oldest_age_and_items(open_outbox: Callable[..., Outbox]) -> None:
    clock = Clock(datetime(2026, 3, 1, 10, 0, tzinfo=CST))
    outbox = open_outbox(clock=clock)
    assert outbox.depth() == 0 and outbox.oldest_age() is None
    first = outbox.enqueue("a", {}, {})
    clock.advance(30)
    second = outbox.enqueue("b", {}, {})
    clock.advance(10)
    assert outbox.depth() == 2
    assert outbox.oldest_age() == pytest.approx(40)
    assert outbox.oldest_age(now=first.created_at + 5) == pytest.approx(5)
    assert [i.transaction_id for i in outbox.items()] == [
        first.transaction_id,
        second.transaction_id,
    ]
    assert [i.service_id for i in outbox.items("queued", limit=1)] == ["a"]
    assert outbox.items("accepted") == []
    with pytest.raises(ValueError):
        outbox.items("lost")
    with pytest.raises(NotFound):
        outbox.get("nope")


def test_concurrent_enqueues_get_distinct_numbers(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox()
    results: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(25):
                done = outbox.enqueue("svc", {}, PERSONAL)
                with lock:
                    results.append((done.transaction_id, done.receipt_number))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len({r for _, r in results}) == len({t for t, _ in results}) == 200
    assert sorted(int(r.rsplit("-", 1)[1]) for _, r in results) == list(range(1, 201))
    assert outbox.depth() == 200


def test_storage_full_leaves_nothing_half_written(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox(max_size_bytes=64 * 1024)
    stored: list[str] = []
    with pytest.raises(StorageFull):
        for _ in range(1000):
            stored.append(outbox.enqueue("svc", {"filler": "x" * 2000}, PERSONAL).receipt_number)
    assert 0 < len(stored) < 1000
    assert outbox.depth() == len(stored)
    last_seq = outbox._conn.execute("SELECT MAX(last_seq) FROM receipt_sequences").fetchone()[0]
    assert last_seq == len(stored)  # the failed enqueue did not use up a number
    outbox.close()
    roomy = open_outbox()
    following = roomy.enqueue("svc", {}, {}).receipt_number
    assert int(following.rsplit("-", 1)[1]) == len(stored) + 1


def test_errors_carry_no_personal_data(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox()
    with pytest.raises(OutboxError) as info:
        outbox.enqueue("svc", {}, {"name": NAME, "photo": object()})
    assert NAME not in str(info.value) and "object" in str(info.value)
    assert outbox.depth() == 0


def test_closed_outbox_refuses_work(open_outbox: Callable[..., Outbox]) -> None:
    outbox = open_outbox()
    outbox.close()
    outbox.close()
    with pytest.raises(OutboxError, match="closed"):
        outbox.enqueue("svc", {}, {})


def test_bad_terminal_id_is_refused(paths: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError):
        Outbox(paths[0], "KSK 01/../x", key_path=paths[1])
