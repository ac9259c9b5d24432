"""`kiosk eval-face`: rerun the face verification evaluation (docs/face-eval.md)."""

from __future__ import annotations

import argparse
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from devtools.face_eval import write_report

    ev, threshold = write_report(
        Path(args.out_dir), args.variants, args.seed, 0 if args.no_spoofs else None
    )
    print(
        f"genuine {len(ev.genuine)} impostor {len(ev.impostor)} pairs; "
        f"threshold {threshold:.2f}: FAR {ev.far(threshold):.2%} FRR {ev.frr(threshold):.2%}; "
        f"written to {args.out_dir}/face-eval.md and face-eval.png"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk eval-face`."""
    parser = sub.add_parser(
        "eval-face",
        help="measure face verification FAR/FRR and liveness on package images",
        description="Evaluate face verification on face images shipped inside installed "
        "packages; write face-eval.md and face-eval.png.",
    )
    parser.add_argument("--out-dir", default="docs", help="where to write the report (docs)")
    parser.add_argument("--variants", type=int, default=12, help="live frames per identity (12)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument("--no-spoofs", action="store_true", help="skip the liveness spoof cases")
    parser.set_defaults(func=run)
