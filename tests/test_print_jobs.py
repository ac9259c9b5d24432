"""Exactly-once receipts: the journal, crash recovery without reprints, and explicit 补打."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.receipt.sink import SinkReceiptPrinter
from kiosk.compose import build_terminal
from kiosk.config import KioskConfig, load_config
from kiosk.printjobs import receipt_printed
from kiosk.terminal import Terminal
from offline_cache import Outbox
from tests.conftest import write_overlay


@pytest.fixture
def sink_config(tmp_path: Path) -> KioskConfig:
    """The shipped config with the receipt printer on the ESC/POS sink (real driver bytes)."""
    overlay = write_overlay(
        tmp_path / "conf.d",
        f"""
[terminal]
state_dir = "{tmp_path / "state"}"

[devices.receipt]
backend = "escpos_sim"
options = {{ paper_mm = 80, job_timeout_s = 0.5, status_timeout_s = 0.3 }}
""",
    )
    return load_config([overlay])


def open_outbox(config: KioskConfig, state: Path) -> Outbox:
    return Outbox(state / "outbox.sqlite3", config.terminal.id, key_path=state / "outbox.key")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def start(config: KioskConfig, state: Path) -> Terminal:
    terminal = build_terminal(config, state_dir=state)
    terminal.start()
    return terminal


def wait_job(terminal: Terminal, tid: str, count: int, timeout: float = 5.0) -> list[dict]:
    """Process events until `count` print jobs of `tid` are settled."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        terminal.process_events()
        jobs = terminal.outbox.print_jobs(tid)
        if len([j for j in jobs if j["state"] in ("confirmed", "failed")]) >= count:
            return jobs
        time.sleep(0.01)
    raise AssertionError(f"jobs not settled: {terminal.outbox.print_jobs(tid)}")


def printer_of(terminal: Terminal) -> SinkReceiptPrinter:
    device = terminal.devices["receipt"]
    assert isinstance(device, SinkReceiptPrinter)
    return device


@pytest.fixture
def terminal(sink_config: KioskConfig, state: Path) -> Iterator[Terminal]:
    term = start(sink_config, state)
    try:
        yield term
    finally:
        term.stop()


def test_a_receipt_is_journaled_and_confirmed(terminal: Terminal) -> None:
    tid = terminal.outbox.enqueue("no_criminal_record", {"delivery": "pickup"}, {}).transaction_id
    terminal.print("receipt", tid, [{"kind": "text", "text": "回执"}, {"kind": "cut"}])
    jobs = wait_job(terminal, tid, 1)
    assert [j["state"] for j in jobs] == ["confirmed"]
    assert receipt_printed(terminal.outbox, tid) is True
    assert printer_of(terminal).printed[0].lines() == ["回执"]


@pytest.mark.parametrize(("word", "reason"), [("paper_empty", "media_empty"), ("power_off", None)])
def test_a_printer_failing_mid_job_leaves_the_job_failed_and_the_transaction_intact(
    terminal: Terminal, word: str, reason: str | None
) -> None:
    tid = terminal.outbox.enqueue("no_criminal_record", {"delivery": "pickup"}, {}).transaction_id
    printer_of(terminal).sink.schedule(word)  # happens when the job's bytes arrive
    terminal.print("receipt", tid, [{"kind": "text", "text": "回执"}, {"kind": "cut"}])
    jobs = wait_job(terminal, tid, 1)
    assert jobs[0]["state"] == "failed"
    if reason:
        assert jobs[0]["reason"] == reason
    else:
        assert jobs[0]["reason"] in ("not_responding", "not_reachable")
    assert terminal.outbox.get(tid).state == "queued"  # the application itself is safe
    assert printer_of(terminal).printed == []


def test_jobs_left_open_by_a_crash_are_closed_and_never_reprinted(
    sink_config: KioskConfig, state: Path
) -> None:
    # A previous run: one receipt reached the printer, then power was lost; another was only
    # journaled.
    with open_outbox(sink_config, state) as outbox:
        sent_tid = outbox.enqueue("no_criminal_record", {"delivery": "pickup"}, {}).transaction_id
        pending_tid = outbox.enqueue("no_criminal_record", {}, {}).transaction_id
        sent_job = outbox.record_print(sent_tid, "receipt")
        outbox.mark_print(sent_job, "sent")
        outbox.record_print(pending_tid, "receipt")
    terminal = start(sink_config, state)
    try:
        recovered = {r.transaction_id: r for r in terminal.recovered_prints}
        assert recovered[sent_tid].reason == "unknown:ok"
        assert recovered[pending_tid].reason == "not_sent"
        assert [j["state"] for j in terminal.outbox.print_jobs(sent_tid)] == ["failed"]
        assert receipt_printed(terminal.outbox, sent_tid) is None  # may have printed
        assert receipt_printed(terminal.outbox, pending_tid) is False
        time.sleep(0.2)
        terminal.process_events()
        assert printer_of(terminal).printed == []  # nothing printed by itself
        # A technician (or the citizen at the reprint button) asks explicitly: 补打.
        terminal.reprint_receipt(sent_tid)
        jobs = wait_job(terminal, sent_tid, 2)
        assert [j["state"] for j in jobs] == ["failed", "confirmed"]
        lines = printer_of(terminal).printed[0].lines()
        assert "【补打 DUPLICATE】" in lines
        receipt_number = terminal.outbox.get(sent_tid).receipt_number
        assert f"受理编号：{receipt_number}" in lines
        assert not any("申请人" in line for line in lines)  # no name on a reprint
    finally:
        terminal.stop()
    # A second restart finds nothing left to recover.
    terminal = start(sink_config, state)
    try:
        assert terminal.recovered_prints == []
    finally:
        terminal.stop()
