"""`./run bench`: speed and memory of the kiosk, written as a table to build/bench.md.

Figures are medians over repeated runs on this machine; targets come from the issues. Timed
assertions do not belong in the test suite, so this is a separate command.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KIOSK = str(Path(sys.executable).with_name("kiosk"))


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def qt_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # A deployed terminal has its bytecode cached; this machine's environment turns the cache
    # off, which would add ~0.25 s of compiling to every start measured here.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software", **extra)
    return env


def tour(runs: int) -> tuple[list[float], list[float]]:
    """Tap-to-drawn latencies (ms) over the screenshot tour, and RSS (MB) after it."""
    taps: list[float] = []
    rss: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            metrics = Path(tmp) / "metrics.json"
            subprocess.run(
                [sys.executable, "-m", "devtools", "tour", tmp, "--state-dir", tmp],
                env=qt_env(KIOSK_TOUR_METRICS=str(metrics)),
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=300,
            )
            data = json.loads(metrics.read_text())
            taps.extend(data["taps_ms"])
            rss.append(data["rss_mb"])
    return taps, rss


def headless_journeys(count: int) -> list[float]:
    """Milliseconds per flow intent (no Qt): the core's share of a tap."""
    from kiosk.compose import build_terminal
    from kiosk.config import load_config

    config = load_config([])
    service = next(
        s for s in config.services.values() if s.identity == "none" and not s.online_only
    )
    samples: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        terminal = build_terminal(config, sim=True, state_dir=Path(tmp))
        terminal.start()
        try:

            def timed(name: str, payload: dict | None = None) -> None:
                t0 = time.perf_counter()
                terminal.intent(name, payload)
                samples.append((time.perf_counter() - t0) * 1000)

            for _ in range(count):
                timed("start")
                timed("choose_service", {"service_id": service.id})
                for f in service.fields:
                    value = f.choices[0].value if f.choices else "13800138000"
                    timed("input", {"field": f.id, "value": value})
                timed("cancel")
        finally:
            terminal.stop()
    return samples


def topic_rows(only: str | None) -> list[tuple[str, str, str, bool | None]]:
    """Rows from every devtools/bench/<topic>.py module (each defines `rows()`)."""
    import importlib

    found: list[tuple[str, str, str, bool | None]] = []
    for path in sorted(Path(__file__).parent.glob("[!_]*.py")):
        topic = path.stem
        if only and topic != only:
            continue
        print(f"bench: {topic} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"{__package__}.{topic}")
        if hasattr(module, "rows"):  # startup is called by main() with --runs
            found.extend(module.rows())
    return found


def row(name: str, value: str, target: str, ok: bool | None) -> str:
    verdict = "" if ok is None else ("pass" if ok else "**FAIL**")
    return f"| {name} | {value} | {target} | {verdict} |"


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and write the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument("--out", default=str(ROOT / "build" / "bench.md"))
    parser.add_argument("--only", metavar="TOPIC", help="only devtools/bench/TOPIC.py (no UI)")
    args = parser.parse_args(argv)

    rows = ["| measurement | median (p95) | target | |", "|---|---|---|---|"]
    failed = False

    def record(
        name: str,
        values: list[float],
        unit: str,
        target: float | None,
        pick: Callable[[list[float]], float],
    ) -> None:
        nonlocal failed
        med = statistics.median(values)
        p95 = percentile(values, 95)
        ok = None if target is None else pick(values) <= target
        failed |= ok is False
        shown = f"{med:.1f} {unit} ({p95:.1f} {unit}, n={len(values)})"
        rows.append(row(name, shown, "-" if target is None else f"<= {target:g} {unit}", ok))

    if not args.only:
        from devtools.bench.startup import startup_rows

        print("bench: start-up and stop ...", file=sys.stderr, flush=True)
        for name, value, target, ok in startup_rows(args.runs):
            failed |= ok is False
            rows.append(row(name, value, target, ok))
        taps, rss = tour(args.runs)
        record("tap to next screen drawn (tour)", taps, "ms", 40.0, lambda v: percentile(v, 95))
        record("RSS after the tour", rss, "MB", 210.0, statistics.median)
        intents = headless_journeys(200)
        record("flow intent, core only (no Qt)", intents, "ms", None, statistics.median)

    for name, value, target, ok in topic_rows(args.only):
        failed |= ok is False
        rows.append(row(name, value, target, ok))

    table = "\n".join(rows)
    header = f"# Benchmarks\n\n{time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores\n\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(header + table + "\n", encoding="utf-8")
    print(table)
    print(f"\nwritten to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
