"""The `kiosk` command: run the terminal, validate config, and the headless tools."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import __version__

log = logging.getLogger("kiosk.cli")

EXIT_OK = 0
EXIT_CONFIG = 2


def _sim_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "kiosk-sim"


def _overlays(args: argparse.Namespace) -> list[Path] | None:
    return [Path(d) for d in args.config_dir] if args.config_dir else None


def _load(overlays: list[Path] | None):  # -> KioskConfig | None
    from kiosk.config import ConfigError, load_config

    try:
        return load_config(overlays)
    except ConfigError as exc:
        print("Configuration refused:", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return None


def cmd_run(args: argparse.Namespace) -> int:
    """Run the fullscreen kiosk."""
    fleet = None
    if args.config_dir or args.sim:
        config = _load(_overlays(args))
        if config is not None and args.development:
            from kiosk.operations import with_development

            config = with_development(config)
        if config is not None and not config.development:
            print(
                "Configuration refused: --sim and --config-dir need the development profile "
                "(add --development)",
                file=sys.stderr,
            )
            config = None
    else:
        # A real terminal: the last good signed fleet bundle plus the terminal's own file.
        from kiosk.config import ConfigError
        from kiosk.operations import load_startup_config

        try:
            config, fleet = load_startup_config(development=args.development)
        except ConfigError as exc:
            print("Configuration refused:", file=sys.stderr)
            print(str(exc), file=sys.stderr)
            config = None
    if config is None:
        return EXIT_CONFIG
    state_dir = Path(args.state_dir) if args.state_dir else None
    if state_dir is None and args.sim:
        state_dir = _sim_state_dir()
    from kiosk.compose import build_terminal

    try:
        terminal = build_terminal(config, sim=args.sim, state_dir=state_dir)
    except Exception as exc:  # a terminal that cannot start must say why, not dump a trace
        log.debug("start failed", exc_info=True)
        print(f"kiosk: cannot start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    from kiosk.operations import Operations
    from ui.app import run_app  # the one upward import: Qt only loads for `kiosk run`

    sync = terminal.sync
    ops = Operations(
        terminal,
        fleet=fleet,
        state_dir=state_dir,
        sync_stats=(lambda: sync.stats) if sync is not None else None,
    )
    terminal.set_health_provider(ops.health.snapshot)
    terminal.start()
    ops.start()
    try:
        return run_app(
            terminal,
            windowed=args.windowed or not config.ui.fullscreen,
            language=config.ui.language,
            operations=ops,
        )
    finally:
        ops.stop()
        terminal.stop()


def cmd_config_validate(args: argparse.Namespace) -> int:
    """Validate the shipped defaults with DIR (a fleet directory or file) on top."""
    overlays = [Path(p) for p in args.paths]
    missing = [p for p in overlays if not p.exists()]
    if missing:
        for p in missing:
            print(f"{p}: no such file or directory", file=sys.stderr)
        return EXIT_CONFIG
    config = _load(overlays)
    if config is None:
        return EXIT_CONFIG
    from kiosk.config import ConfigError
    from kiosk.config.holidays import calendar_layers, load_calendar
    from kiosk.config.loader import terminal_file_problems

    try:  # the holiday files, through the terminal's own code (every layer counts here)
        load_calendar(calendar_layers(config.sources, development=True))
        own = [p for p in overlays if p.is_file() and p.name == "terminal.toml"]
        problems = [problem for p in own for problem in terminal_file_problems(p)]
        if problems:
            raise ConfigError(problems)
    except ConfigError as exc:
        print("Configuration refused:", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    print(
        f"OK: terminal {config.terminal.id}, {len(config.services)} services in "
        f"{len(config.departments)} departments, from {len(config.sources)} files"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="kiosk", description="24-hour government self-service terminal."
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the kiosk", description=cmd_run.__doc__)
    run.add_argument("--sim", action="store_true", help="use the simulated devices")
    run.add_argument(
        "--development",
        action="store_true",
        help="the development profile: needed for --sim, --config-dir and unsigned bundles",
    )
    run.add_argument(
        "--config-dir",
        action="append",
        metavar="DIR",
        help="config overlay(s) instead of /etc/kiosk/conf.d and /etc/kiosk/terminal.toml",
    )
    run.add_argument("--windowed", action="store_true", help="a window instead of fullscreen")
    run.add_argument(
        "--state-dir", metavar="DIR", help="where the outbox lives (default from config)"
    )
    run.set_defaults(func=cmd_run)

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", metavar="COMMAND")
    validate = config_sub.add_parser(
        "validate",
        help="check config files against the schema",
        description=cmd_config_validate.__doc__,
    )
    validate.add_argument("paths", nargs="+", metavar="DIR", help="overlay directory or file")
    validate.set_defaults(func=cmd_config_validate)
    config.set_defaults(func=lambda _a: _usage(config))

    from kiosk.commands import register_all

    register_all(sub)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_CONFIG


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kiosk` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
