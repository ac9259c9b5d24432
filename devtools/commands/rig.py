"""`kiosk rig ...`: run scenarios against the real app, generate them, burn a bench terminal in.

See docs/rig.md for the scenario format and how to run against real devices.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _shipped_scenarios() -> Path:
    return Path(__file__).resolve().parents[1] / "rig" / "scenarios"


def _load_scenarios(paths: list[str]):  # -> list[Scenario] | None
    from devtools.rig.scenario import ScenarioError, load_scenario, scenario_files

    files = scenario_files([Path(p) for p in paths] or [_shipped_scenarios()])
    missing = [f for f in files if not f.exists()]
    for f in missing:
        print(f"{f}: no such file", file=sys.stderr)
    if missing or not files:
        if not files:
            print("no scenario files found", file=sys.stderr)
        return None
    scenarios = []
    problems = []
    for f in files:
        try:
            scenarios.append(load_scenario(f))
        except ScenarioError as exc:
            problems.append(str(exc))
    for problem in problems:
        print(problem, file=sys.stderr)
    return None if problems else scenarios


def cmd_run(args: argparse.Namespace) -> int:
    """Run scenarios on the real app (UI offscreen unless --show) and report per step."""
    from devtools.rig.report import summary, write_json, write_junit
    from devtools.rig.runner import run_scenarios

    scenarios = _load_scenarios(args.scenarios)
    if scenarios is None:
        return EXIT_USAGE
    if args.tag:
        scenarios = [s for s in scenarios if set(args.tag) & set(s.tags)]
    _quiet(args)
    report = Path(args.report) if args.report else None
    if args.artifacts:
        artifacts: Path | None = Path(args.artifacts)
    elif report is not None:
        artifacts = report.with_name(report.stem + "-files")
    else:
        artifacts = None

    def progress(result: Any) -> None:
        line = f"{result.status.upper():7} {result.id} ({result.duration_s:.1f} s)"
        if result.error:
            line += f": {result.error}"
        print(line, flush=True)

    with tempfile.TemporaryDirectory(prefix="kiosk-rig-") as work:
        results = run_scenarios(
            scenarios,
            work_dir=Path(work),
            artifacts=artifacts,
            config_dirs=[Path(d) for d in args.config_dir or []],
            sim=args.sim,
            show=args.show,
            progress=progress,
        )
    if report is not None:
        write_json(report, results)
    if args.junit:
        write_junit(Path(args.junit), results)
    counts = summary(results)
    print(
        f"rig: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['error']} errors, {counts['skipped']} skipped of {counts['total']}"
    )
    return EXIT_OK if counts["failed"] == 0 and counts["error"] == 0 else EXIT_FAILED


def _quiet(args: argparse.Namespace) -> None:
    # Every scenario builds a terminal, whose INFO lines would bury the one line per scenario.
    if not getattr(args, "verbose", False):
        logging.getLogger().setLevel(logging.WARNING)


def cmd_generate(args: argparse.Namespace) -> int:
    """Write one journey scenario per catalogue service and the fault scenarios into DIR."""
    from devtools.rig.generate import GenerateError, generate, write
    from kiosk.config import ConfigError, load_config

    try:
        config = load_config([Path(d) for d in args.config_dir or []] or None)
        files = generate(config)
    except (ConfigError, GenerateError) as exc:
        print(f"kiosk rig generate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    written, removed = write(Path(args.out), files)
    print(f"{written} scenarios written to {args.out} ({removed} stale removed)")
    return EXIT_OK


def cmd_burn_in(args: argparse.Namespace) -> int:
    """Repeat scenarios on one bench terminal for H hours, sampling RSS, files and threads."""
    from devtools.rig.burnin import Limits, burn_in, print_summary

    scenarios = _load_scenarios(args.scenarios)
    if scenarios is None:
        return EXIT_USAGE
    if args.tag:
        scenarios = [s for s in scenarios if set(args.tag) & set(s.tags)]
    _quiet(args)
    limits = Limits(
        rss_growth_mb=args.max_rss_growth_mb,
        fd_growth=args.max_fd_growth,
        thread_growth=args.max_thread_growth,
        max_failures=args.max_failures,
    )
    with tempfile.TemporaryDirectory(prefix="kiosk-burnin-") as work:
        outcome = burn_in(
            scenarios,
            hours=args.hours,
            work_dir=Path(work),
            limits=limits,
            config_dirs=[Path(d) for d in args.config_dir or []],
            sim=args.sim,
            report=Path(args.report) if args.report else None,
        )
    print_summary(outcome)
    return EXIT_OK if outcome.passed else EXIT_FAILED


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config-dir", action="append", metavar="DIR", help="config overlay(s) for the bench"
    )
    parser.add_argument(
        "--sim", action="store_true", help="simulators for every device, whatever config says"
    )
    parser.add_argument(
        "--tag", action="append", metavar="TAG", help="only scenarios with this tag (repeatable)"
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk rig` with run, generate and burn-in."""
    rig = sub.add_parser("rig", help="test rig: scripted scenarios, burn-in", description=__doc__)
    rig_sub = rig.add_subparsers(dest="rig_command", metavar="COMMAND")

    run = rig_sub.add_parser("run", help="run scenario files", description=cmd_run.__doc__)
    run.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="scenario files or directories (default: the shipped devtools/rig/scenarios)",
    )
    run.add_argument("--report", metavar="FILE", help="write the JSON report here")
    run.add_argument("--junit", metavar="FILE", help="write a JUnit XML report here")
    run.add_argument(
        "--artifacts", metavar="DIR", help="screenshots and previews (default: next to --report)"
    )
    run.add_argument("--show", action="store_true", help="show the UI on the display")
    _common(run)
    run.set_defaults(func=cmd_run)

    gen = rig_sub.add_parser(
        "generate", help="generate scenarios from the catalogue", description=cmd_generate.__doc__
    )
    gen.add_argument("--out", required=True, metavar="DIR", help="output directory")
    gen.add_argument("--config-dir", action="append", metavar="DIR", help="config overlay(s)")
    gen.set_defaults(func=cmd_generate)

    burn = rig_sub.add_parser(
        "burn-in", help="repeat scenarios and watch resources", description=cmd_burn_in.__doc__
    )
    burn.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    burn.add_argument("--hours", type=float, required=True, help="how long to run")
    burn.add_argument("--report", metavar="FILE", help="write the samples and verdict (JSON)")
    burn.add_argument("--max-rss-growth-mb", type=float, default=5.0, metavar="MB")
    burn.add_argument("--max-fd-growth", type=int, default=2, metavar="N")
    burn.add_argument("--max-thread-growth", type=int, default=2, metavar="N")
    burn.add_argument("--max-failures", type=int, default=0, metavar="N")
    _common(burn)
    burn.set_defaults(func=cmd_burn_in)

    def usage(_args: argparse.Namespace) -> int:
        rig.print_help(sys.stderr)
        return EXIT_USAGE

    rig.set_defaults(func=usage)
