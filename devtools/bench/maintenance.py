"""Maintenance-mode benchmarks for `./run bench`.

- I/O ring: one masked record of a card-read answer (1295 bytes, header shown, data masked),
  as the SAM driver writes it on every exchange; target < 20 µs so the ring never slows a read.
- log bundle: the export of a full bundle (1000 log lines, four full I/O rings, health, queue,
  config) to a directory, fsync included; target < 2 s (the technician waits for it).
- queue figures on the storage thread: from request to the result back on the owner's thread,
  with 1000 transactions in the outbox; target < 100 ms.

    python -m devtools.bench --only maintenance
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from pathlib import Path


def _median(values: list[float]) -> float:
    return statistics.median(values)


def rows() -> list[tuple[str, str, str, bool | None]]:
    from drivers.base import IoRing
    from kiosk.compose import build_terminal
    from kiosk.config import load_config
    from kiosk.health import Health
    from kiosk.logring import RingLogHandler
    from kiosk.maintenance import MaintenanceConsole, MaintenanceSettings

    out: list[tuple[str, str, str, bool | None]] = []
    ring = IoRing(200)
    frame = bytes(range(256)) * 5 + bytes(15)
    n = 20000
    start = time.perf_counter()
    for _ in range(n):
        ring.record("in", frame, head=10, note="status 90")
    per_call_us = (time.perf_counter() - start) / n * 1e6
    out.append(
        ("I/O ring: masked 1295-byte record", f"{per_call_us:.1f} µs", "< 20 µs", per_call_us < 20)
    )

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "usb").mkdir()
        # The export accepts only a vfat/exFAT mount: the bench's directory is one here.
        dev = (root / "usb").stat().st_dev
        mounts = root / "mountinfo"
        mounts.write_text(
            f"100 1 {os.major(dev)}:{os.minor(dev)} / {root / 'usb'} rw - vfat /dev/sdb1 rw\n"
        )
        overlay = root / "conf.d"
        overlay.mkdir()
        (overlay / "50-bench.toml").write_text(
            f'[terminal]\nstate_dir = "{root / "state"}"\n[metrics]\nenabled = false\n',
            encoding="utf-8",
        )
        term = build_terminal(load_config([overlay]), sim=True, state_dir=root / "state")
        term.start()
        try:
            for device in term.devices.values():
                for _ in range(200):
                    device.io.record("out", frame, head=10, note="bench")
            logs = RingLogHandler(1000)
            record = logging.LogRecord(
                "kiosk.bench", logging.INFO, __file__, 1, "line %d", (1,), None
            )
            for _ in range(1000):
                logs.emit(record)
            for i in range(1000):
                term.outbox.enqueue("hotline_consult", {"fields": {"n": str(i)}}, {"fields": {}})
            console = MaintenanceConsole(
                term,
                Health(term),
                settings=MaintenanceSettings(export_dir=root / "usb"),
                logs=logs,
                mounts_file=mounts,
            )
            times = []
            for _ in range(3):
                begin = time.perf_counter()
                path = console.export_logs()
                times.append(time.perf_counter() - begin)
            size_kb = path.stat().st_size / 1024
            export_s = _median(times)
            out.append(
                (
                    f"log bundle export ({size_kb:.0f} KB)",
                    f"{export_s * 1000:.0f} ms",
                    "< 2 s",
                    export_s < 2.0,
                )
            )
            waits = []
            for _ in range(5):
                got: list[object] = []
                begin = time.perf_counter()
                console.queue_async(lambda figures, error, got=got: got.append(figures))
                while not got:
                    term.process_events()
                    time.sleep(0.0005)
                waits.append(time.perf_counter() - begin)
            queue_ms = _median(waits) * 1000
            out.append(
                (
                    "queue figures via the storage thread (1000 queued)",
                    f"{queue_ms:.1f} ms",
                    "< 100 ms",
                    queue_ms < 100,
                )
            )
        finally:
            term.stop()
    return out


if __name__ == "__main__":
    for name, value, target, ok in rows():
        print(f"{name:55} {value:>10} {target:>10} {'ok' if ok else 'FAIL'}")
