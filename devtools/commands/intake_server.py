"""`kiosk intake-server`: the reference intake API on SQLite (development, demos, tests, rig)."""

from __future__ import annotations

import argparse
import sys


def cmd_intake_server(args: argparse.Namespace) -> int:
    """Serve the reference intake API (docs/intake-api.yaml) until interrupted."""
    from devtools.intake_server import CHAOS_MODES, Chaos, IntakeServer

    modes = tuple(m for m in (args.chaos or "").split(",") if m)
    try:
        chaos = Chaos(
            modes,
            rate=args.chaos_rate,
            retry_after_s=args.retry_after,
            hang_s=args.hang,
            slow_s=args.slow,
            seed=args.seed,
        )
    except ValueError as exc:
        print(f"kiosk intake-server: {exc}", file=sys.stderr)
        return 2
    services = [s for s in args.services.split(",") if s] if args.services else None
    try:
        server = IntakeServer(
            args.db,
            host=args.host,
            port=args.port,
            tokens=args.token or (),
            chaos=chaos,
            known_services=services,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            client_ca=args.client_ca,
        )
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        print(f"kiosk intake-server: cannot start: {reason}", file=sys.stderr)
        return 1
    if args.demo:
        server.store.seed_demo()
    print(f"intake server listening on {server.url}", flush=True)
    if modes:
        print(
            f"chaos: {', '.join(modes)} on {args.chaos_rate:.0%} of requests "
            f"({'; '.join(f'{m}: {CHAOS_MODES[m]}' for m in modes)})",
            flush=True,
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk intake-server`."""
    # kiosk.intake_server (http.server & co.) is imported only when the command runs: every
    # `kiosk run` builds this parser too.
    p = sub.add_parser(
        "intake-server",
        help="run the reference intake API server",
        description=cmd_intake_server.__doc__,
    )
    p.add_argument("--db", required=True, metavar="FILE", help="SQLite file of the server")
    p.add_argument("--port", type=int, default=8080, help="TCP port (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument(
        "--token",
        action="append",
        metavar="TOKEN",
        help="accepted bearer token (repeatable); none: no authentication",
    )
    p.add_argument(
        "--chaos",
        metavar="MODE[,MODE]",
        help="inject failures (timeout, 500, 429, reset, slow, ...: docs/queue.md lists them)",
    )
    p.add_argument(
        "--chaos-rate", type=float, default=0.5, help="share of requests that fail (0-1)"
    )
    p.add_argument("--retry-after", type=int, default=2, help="Retry-After seconds for 429/503")
    p.add_argument("--hang", type=float, default=30.0, help="seconds a 'timeout' request hangs")
    p.add_argument("--slow", type=float, default=1.0, help="delay of a 'slow' answer, seconds")
    p.add_argument("--seed", type=int, help="random seed of the chaos (reproducible runs)")
    p.add_argument("--services", metavar="ID[,ID]", help="known service ids; others are rejected")
    p.add_argument(
        "--demo",
        action="store_true",
        help="add demo records (licence, enterprise, e-certificates) for the sim card holder",
    )
    p.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (+key)")
    p.add_argument("--tls-key", metavar="PEM", help="private key, if not in --tls-cert")
    p.add_argument(
        "--client-ca", metavar="PEM", help="require client certificates signed by this CA (mTLS)"
    )
    p.set_defaults(func=cmd_intake_server)
