"""Burn-in and soak: many sessions on one long-lived bench terminal, with resource samples.

`burn_in` repeats scenario files for a number of hours; `soak` runs N random sessions (a random
service's journey, with a random fault injected at a random step, seeded). Both sample the
process's resident memory, open file descriptors and native threads after each session and judge
the growth after a warm-up against limits: a terminal runs for weeks, so anything that grows
per session is a leak.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.rig.bench import Bench
from devtools.rig.runner import ScenarioResult, return_to_attract, run_scenario
from devtools.rig.scenario import Scenario, Setup, parse_scenario

WARMUP_FRACTION = 0.2
MIN_WARMUP = 5


@dataclass(frozen=True)
class Limits:
    """Pass/fail limits of a burn-in or soak."""

    rss_growth_mb: float = 5.0
    fd_growth: int = 2
    thread_growth: int = 2
    max_failures: int = 0


@dataclass(frozen=True)
class Sample:
    """Resources of this process after one session."""

    session: int
    t_s: float
    rss_mb: float
    fds: int
    threads: int


@dataclass
class Outcome:
    """What a burn-in or soak measured and whether it stayed within the limits."""

    sessions: int = 0
    failures: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    warmup: int = 0
    rss_growth_mb: float = 0.0
    fd_growth: int = 0
    thread_growth: int = 0
    problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        """True when no limit was broken."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {
            "passed": self.passed,
            "sessions": self.sessions,
            "duration_s": round(self.duration_s, 1),
            "warmup_sessions": self.warmup,
            "rss_growth_mb": round(self.rss_growth_mb, 2),
            "fd_growth": self.fd_growth,
            "thread_growth": self.thread_growth,
            "problems": self.problems,
            "failures": self.failures[:50],
            "samples": [s.__dict__ for s in self.samples],
        }


def _status_field(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def sample(session: int, t0: float) -> Sample:
    """RSS (MB), open file descriptors and native threads of this process now."""
    return Sample(
        session=session,
        t_s=round(time.monotonic() - t0, 2),
        rss_mb=round(_status_field("VmRSS") / 1024, 2),
        fds=len(os.listdir("/proc/self/fd")),
        threads=_status_field("Threads"),
    )


def judge(outcome: Outcome, limits: Limits) -> None:
    """Fill in the growth figures and the problems (after a warm-up of 20%, at least 5)."""
    samples = outcome.samples
    problems: list[str] = []
    if len(outcome.failures) > limits.max_failures:
        problems.append(
            f"{len(outcome.failures)} failed sessions (limit {limits.max_failures}): "
            + "; ".join(outcome.failures[:3])
        )
    if len(samples) >= 2:
        warm = min(max(MIN_WARMUP, int(len(samples) * WARMUP_FRACTION)), len(samples) - 1)
        outcome.warmup = warm
        # Medians of a few samples on each side: one sample catches the allocator mid-breath.
        head = samples[max(0, warm - 2) : warm + 1]
        tail = samples[-3:]
        outcome.rss_growth_mb = statistics.median(s.rss_mb for s in tail) - statistics.median(
            s.rss_mb for s in head
        )
        outcome.fd_growth = max(s.fds for s in tail) - max(s.fds for s in head)
        outcome.thread_growth = max(s.threads for s in tail) - max(s.threads for s in head)
        if outcome.rss_growth_mb > limits.rss_growth_mb:
            problems.append(
                f"RSS grew {outcome.rss_growth_mb:.1f} MB after warm-up "
                f"(limit {limits.rss_growth_mb:g} MB)"
            )
        if outcome.fd_growth > limits.fd_growth:
            problems.append(f"open files grew by {outcome.fd_growth} (limit {limits.fd_growth})")
        if outcome.thread_growth > limits.thread_growth:
            problems.append(
                f"threads grew by {outcome.thread_growth} (limit {limits.thread_growth})"
            )
    outcome.problems = problems


def _bench_setup(scenarios: Sequence[Scenario]) -> Setup:
    first = scenarios[0].setup
    return Setup(
        intake=any(s.setup.intake for s in scenarios),
        backends=first.backends,
        faults={},
        language=first.language,
    )


def _record(outcome: Outcome, result: ScenarioResult, n: int) -> None:
    if result.status in ("failed", "error"):
        outcome.failures.append(f"#{n} {result.id}: {result.error}")


def burn_in(
    scenarios: Sequence[Scenario],
    *,
    hours: float,
    work_dir: Path,
    limits: Limits = Limits(),
    config_dirs: Sequence[Path] = (),
    sim: bool = False,
    with_ui: bool = True,
    report: Path | None = None,
) -> Outcome:
    """Repeat `scenarios` in turn on one bench for `hours`, sampling after each."""
    outcome = Outcome()
    t0 = time.monotonic()
    deadline = t0 + hours * 3600
    bench = Bench(
        work_dir / "bench",
        _bench_setup(scenarios),
        config_dirs=config_dirs,
        sim=sim,
        with_ui=with_ui,
    )
    try:
        n = 0
        while n == 0 or time.monotonic() < deadline:
            scenario = scenarios[n % len(scenarios)]
            result = run_scenario(bench, scenario, None)
            return_to_attract(bench)
            bench.forget_prints()
            _record(outcome, result, n)
            n += 1
            outcome.samples.append(sample(n, t0))
        outcome.sessions = n
    finally:
        bench.close()
    outcome.duration_s = time.monotonic() - t0
    judge(outcome, limits)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(outcome.to_dict(), indent=2) + "\n", encoding="utf-8")
    return outcome


# -- soak: random sessions with random faults --------------------------------------------------
# Faults a soak session may meet, with the device and what clears them afterwards.
SOAK_FAULTS: tuple[tuple[str, str], ...] = (
    ("receipt", "paper_low"),
    ("receipt", "paper_empty"),
    ("receipt", "paper_jam"),
    ("receipt", "cover_open"),
    ("receipt", "media_present"),
    ("receipt", "slow"),
    ("licence", "paper_empty"),
    ("licence", "unplug"),
    ("idcard", "card_remove"),
    ("idcard", "garbage"),
    ("idcard", "unplug"),
    ("idcard", "power_off"),
    ("camera", "camera_stall"),
    ("camera", "unplug"),
)


def random_session(config: Any, rng: random.Random, fault_rate: float = 0.5) -> Scenario:
    """One random citizen: a random service, maybe a random fault at a random step.

    Steps after a fault may fail (the citizen gives up, as real ones do): the soak judges crashes
    and resources, not journeys, so only expectations that must hold whatever the fault remain.
    """
    from devtools.rig.generate import journey_steps

    # The soak bench has no intake: online-only services are (rightly) unavailable there.
    offline = [s for s in config.services.values() if not s.online_only]
    service = rng.choice(sorted(offline, key=lambda s: s.id))
    steps = journey_steps(service, checks=False, intake=False)
    steps = [{**s, "timeout": 3.0} for s in steps if "expect_service" not in s]
    if rng.random() < fault_rate:
        # After the fault the journey may stop anywhere: a citizen gives up quickly.
        device, word = rng.choice(SOAK_FAULTS)
        at = rng.randrange(1, len(steps))
        after = [{**s, "timeout": 0.5} for s in steps[at:] if "expect_screen" not in s]
        steps = [*steps[:at], {"fault": word, "device": device}, *after]
    data = {"name": f"soak {service.id}", "timeout_s": 3, "step": steps}
    return parse_scenario(data, f"soak session ({service.id})")


def soak(
    sessions: int,
    *,
    work_dir: Path,
    seed: int = 8,
    limits: Limits = Limits(),
    config_dirs: Sequence[Path] = (),
    with_ui: bool = True,
) -> Outcome:
    """`sessions` random sessions with random faults on one simulated bench terminal.

    A session whose steps fail after a fault is normal; a failure counts only when the terminal
    cannot be brought back to the attract screen with every device usable afterwards (stuck), or
    when a step raised something other than a failed expectation (a crash).
    """
    rng = random.Random(seed)
    outcome = Outcome()
    t0 = time.monotonic()
    bench = Bench(work_dir / "soak", Setup(), config_dirs=config_dirs, sim=True, with_ui=with_ui)
    try:
        for n in range(1, sessions + 1):
            scenario = random_session(bench.config, rng)
            result = run_scenario(bench, scenario, None)
            crashed = [s for s in result.steps if s.status == "failed" and "Error:" in s.error]
            if crashed:
                outcome.failures.append(f"#{n} {scenario.name}: {crashed[0].error}")
            return_to_attract(bench)
            bench.forget_prints()
            if bench.terminal.view.screen != "attract" or not _devices_usable(bench):
                outcome.failures.append(f"#{n} {scenario.name}: terminal stuck afterwards")
            outcome.samples.append(sample(n, t0))
        outcome.sessions = sessions
    finally:
        bench.close()
    outcome.duration_s = time.monotonic() - t0
    judge(outcome, limits)
    return outcome


def _devices_usable(bench: Bench, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(d.status.usable for d in bench.terminal.devices.values()):
            return True
        bench.pump(10)
    return False


def print_summary(outcome: Outcome) -> None:
    """A few lines for the console."""
    last = outcome.samples[-1] if outcome.samples else None
    print(
        f"burn-in: {outcome.sessions} sessions in {outcome.duration_s:.0f} s, "
        f"{len(outcome.failures)} failed; RSS growth {outcome.rss_growth_mb:+.1f} MB, "
        f"open files {outcome.fd_growth:+d}, threads {outcome.thread_growth:+d} "
        f"after {outcome.warmup} warm-up sessions"
        + (
            f"; now RSS {last.rss_mb:.0f} MB, {last.fds} files, {last.threads} threads"
            if last
            else ""
        )
    )
    for problem in outcome.problems:
        print(f"FAIL: {problem}")
    if outcome.passed:
        print("burn-in: PASS")
