"""Bench rows of the issue 9 services: rating to the outbox, the online lookup (round trip and
timeout) against the reference intake, the region table, the work order QR code.

`rows()` returns (name, measured, target, pass) tuples for `./run bench`; run alone with
`python -m devtools.bench.services` to print them.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from devtools.intake_server import DEMO_HOLDER, Chaos, IntakeServer
from kiosk.compose import build_terminal
from kiosk.config import load_config
from kiosk.lookup import fetch
from kiosk.regions import load_regions

Row = tuple[str, str, str, bool | None]
TOKEN = "bench-token"


def _rating_rows(tmp: Path) -> list[Row]:
    """Intent `rate` to the rating row stored in the outbox (the storage thread's answer)."""
    config = load_config([])
    terminal = build_terminal(config, sim=True, state_dir=tmp / "state")
    terminal.start()
    times: list[float] = []
    try:
        service = config.services["hotline_consult"]
        for _ in range(20):
            terminal.intent("start")
            terminal.intent("choose_service", {"service_id": service.id})
            terminal.intent("input", {"field": "contact_phone", "value": "13800138000"})
            terminal.intent("input", {"field": "content", "value": "路灯坏了"})
            terminal.intent("next")
            terminal.intent("submit")
            terminal.run_until(lambda v: v.screen == "rating", timeout=10)
            before = terminal.outbox.depth()
            start = time.perf_counter()
            terminal.intent("rate", {"score": 2})
            terminal.intent("rating_reason", {"value": "slow"})
            terminal.intent("rate", {"score": 2, "confirm": True})
            terminal.run_until(
                lambda v, n=before: terminal.outbox.depth() > n, timeout=10, step=0.001
            )
            times.append((time.perf_counter() - start) * 1000)
            terminal.intent("finish")
    finally:
        terminal.stop()
    p50 = statistics.median(times)
    return [("services: bad rating stored in the outbox, p50 (ms)", f"{p50:.1f}", "< 50", p50 < 50)]


def _lookup_rows(tmp: Path) -> list[Row]:
    server = IntakeServer(tmp / "intake.sqlite3", tokens=[TOKEN]).start()
    token = tmp / "token"
    token.write_text(TOKEN)
    try:
        server.store.seed_demo()
        times = []
        for _ in range(30):
            start = time.perf_counter()
            result = fetch(server.url, "enterprises", DEMO_HOLDER, token_path=token)
            times.append((time.perf_counter() - start) * 1000)
            assert result["ok"] and result["items"], result
        server.chaos = Chaos(("timeout",), hang_s=3.0)
        start = time.perf_counter()
        failed = fetch(server.url, "enterprises", DEMO_HOLDER, token_path=token, read_timeout_s=1)
        timeout_s = time.perf_counter() - start
        assert failed == {"ok": False, "reason": "timeout"}, failed
    finally:
        server.stop()
    p50 = statistics.median(times)
    return [
        ("services: enterprise lookup round trip, p50 (ms)", f"{p50:.1f}", "< 100", p50 < 100),
        (
            "services: lookup gives up on a hung intake (s, read timeout 1 s)",
            f"{timeout_s:.2f}",
            "< 1.5",
            timeout_s < 1.5,
        ),
    ]


def _region_rows() -> list[Row]:
    start = time.perf_counter()
    table = load_regions()
    load_ms = (time.perf_counter() - start) * 1000
    districts = sum(len(c.children) for p in table.provinces for c in p.children)
    return [
        ("services: region table load (ms)", f"{load_ms:.1f}", "< 200", load_ms < 200),
        ("services: provinces / districts in the region table", f"31 / {districts}", "31", None),
    ]


def _qr_rows() -> list[Row]:
    from kiosk.session.views import _qr_rows

    start = time.perf_counter()
    for n in range(20):
        _qr_rows(f"https://12345.example.gov.cn/track?no=KIOSKDEV001-20261127-{n:04d}")
    ms = (time.perf_counter() - start) * 1000 / 20
    return [("services: work order QR code for the done screen (ms)", f"{ms:.1f}", "< 50", ms < 50)]


def rows() -> list[Row]:
    """Benchmark rows: (name, measured, target, passed or None)."""
    with tempfile.TemporaryDirectory() as tmp:
        return _rating_rows(Path(tmp)) + _lookup_rows(Path(tmp)) + _region_rows() + _qr_rows()


if __name__ == "__main__":
    for name, value, target, ok in rows():
        mark = {True: "ok", False: "FAIL", None: ""}[ok]
        print(f"{name:<70} {value:>12}  {target:>8}  {mark}")
