"""`./run bench` soak: 1,000 simulated sessions with random faults (seeded) on the real UI.

No crash or stuck terminal, RSS growth <= 5 MB after warm-up, open files and threads flat.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SESSIONS = 1000


def rows() -> list[tuple[str, str, str, bool | None]]:
    """Soak figures for build/bench.md."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    from devtools.rig.bench import ensure_app
    from devtools.rig.burnin import soak

    ensure_app()
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as work:
        outcome = soak(SESSIONS, work_dir=Path(work), seed=8)
    first, last = outcome.samples[0], outcome.samples[-1]
    warm = outcome.samples[outcome.warmup]
    return [
        (
            f"soak: sessions without crash or stuck terminal (of {SESSIONS})",
            f"{SESSIONS - len(outcome.failures)}",
            f"{SESSIONS}",
            not outcome.failures,
        ),
        (
            "soak: RSS growth after warm-up",
            f"{outcome.rss_growth_mb:+.1f} MB ({warm.rss_mb:.0f} -> {last.rss_mb:.0f} MB; "
            f"start {first.rss_mb:.0f} MB)",
            "<= 5 MB",
            outcome.rss_growth_mb <= 5.0,
        ),
        (
            "soak: open files growth",
            f"{outcome.fd_growth:+d} ({last.fds} open)",
            "<= 2",
            outcome.fd_growth <= 2,
        ),
        (
            "soak: threads growth",
            f"{outcome.thread_growth:+d} ({last.threads} threads)",
            "<= 2",
            outcome.thread_growth <= 2,
        ),
        ("soak: duration", f"{outcome.duration_s:.0f} s", "-", None),
    ]
