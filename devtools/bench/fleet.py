"""Fleet config, health, metrics and maintenance benchmarks for `./run bench`.

- bundle check: copy + signature + hashes + schema of a signed fleet directory holding the
  whole shipped catalogue (what a terminal does for each push); target < 1 s on a terminal PC.
- PIN check: one scrypt verification (n=2^14, r=8, p=1); slow enough to make guessing a stolen
  hash expensive, fast enough for the PIN pad: target 20-500 ms.
- health snapshot and a metrics scrape over HTTP on 127.0.0.1, with simulated devices;
  targets < 20 ms and < 50 ms (the heartbeat and Prometheus do this every few seconds).

    python -m devtools.bench.fleet
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

RUNS = 7


def _median_ms(fn, runs: int = RUNS) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def rows() -> list[tuple[str, str, str, bool | None]]:
    import requests

    from kiosk.compose import build_terminal
    from kiosk.config import load_config, shipped_dir
    from kiosk.config.bundle import generate_keypair, load_private_key, sign_bundle
    from kiosk.config.fleet import FleetConfig
    from kiosk.health import Health
    from kiosk.maintenance import hash_pin, verify_pin
    from kiosk.metrics import FlowMetrics, MetricsServer, TerminalCollector, build_registry

    out: list[tuple[str, str, str, bool | None]] = []
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        conf = tmp / "conf.d"
        shutil.copytree(shipped_dir(), conf)
        (conf / "kiosk.toml").write_text(
            (conf / "kiosk.toml")
            .read_text(encoding="utf-8")
            .replace('state_dir = "/var/lib/kiosk"', f'state_dir = "{tmp / "state"}"'),
            encoding="utf-8",
        )
        private, public = generate_keypair()
        (tmp / "op.key").write_bytes(private)
        (tmp / "trust").mkdir()
        (tmp / "trust" / "op.pub").write_bytes(public)
        sign_bundle(conf, load_private_key(tmp / "op.key"))
        files = sum(1 for p in conf.rglob("*") if p.is_file())

        def check() -> None:
            fleet = FleetConfig(tmp / f"s{time.perf_counter_ns()}", conf, trust=tmp / "trust")
            fleet.check()

        ms = _median_ms(check)
        out.append((f"config bundle check ({files} files)", f"{ms:.0f} ms", "< 1000 ms", ms < 1000))

        encoded = hash_pin("48291375")
        ms = _median_ms(lambda: verify_pin("48291375", encoded))
        out.append(("maintenance PIN check (scrypt)", f"{ms:.0f} ms", "20-500 ms", 20 <= ms <= 500))

        config = load_config([conf])
        term = build_terminal(config, sim=True, state_dir=tmp / "state")
        term.start()
        registry = build_registry()
        FlowMetrics(registry, time.monotonic).attach(term)
        registry.register(TerminalCollector(term, config_status=lambda: {"version": 1}))
        server = MetricsServer(registry, "127.0.0.1", 0).start()
        try:
            health = Health(term)
            ms = _median_ms(health.snapshot, 21)
            out.append(("health snapshot", f"{ms:.1f} ms", "< 20 ms", ms < 20))
            session = requests.Session()
            url = f"http://127.0.0.1:{server.port}/metrics"
            ms = _median_ms(lambda: session.get(url, timeout=5).raise_for_status(), 21)
            out.append(("metrics scrape (HTTP)", f"{ms:.1f} ms", "< 50 ms", ms < 50))
        finally:
            server.stop()
            term.stop()
    return out


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(str(x) for x in row))
