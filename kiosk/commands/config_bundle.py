"""`kiosk config keygen|sign|verify|diff`: the operator's tools for signed config bundles.

They live under the `config` command that `kiosk.cli` defines; `register` finds that parser and
adds its subcommands, so no edit of the CLI module is needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_REFUSED = 2
EXIT_USAGE = 2

# Keys whose values are secrets: a diff says they changed, never what they are.
_SECRET_KEYS = ("hash",)


def _config_subparsers(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    config = sub.choices["config"]
    for action in config._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the config command has no subcommands")  # pragma: no cover


def register(sub: argparse._SubParsersAction) -> None:
    """Add keygen, sign, verify and diff under `kiosk config`."""
    config_sub = _config_subparsers(sub)

    keygen = config_sub.add_parser(
        "keygen", help="make an Ed25519 signing key pair", description=cmd_keygen.__doc__
    )
    keygen.add_argument(
        "--out", required=True, metavar="PREFIX", help="write PREFIX.key (secret) and PREFIX.pub"
    )
    keygen.set_defaults(func=cmd_keygen)

    sign = config_sub.add_parser(
        "sign", help="sign a fleet config directory", description=cmd_sign.__doc__
    )
    sign.add_argument("--key", required=True, metavar="KEY", help="Ed25519 private key (PEM)")
    sign.add_argument(
        "--version",
        type=int,
        metavar="N",
        dest="bundle_version",
        help="bundle version (default: the directory's previous version + 1, or 1)",
    )
    sign.add_argument(
        "--audience",
        default="default/production",
        metavar="FLEET/STAGE",
        help="the terminals it is for, e.g. district-a/production (default: default/production)",
    )
    sign.add_argument(
        "--valid-days", type=int, default=90, metavar="N", help="expires N days after signing"
    )
    sign.add_argument("dir", metavar="DIR", help="the directory to sign")
    sign.set_defaults(func=cmd_sign)

    verify = config_sub.add_parser(
        "verify", help="check a signed config directory", description=cmd_verify.__doc__
    )
    verify.add_argument(
        "--trust",
        metavar="PUBKEY_OR_DIR",
        default=None,
        help="trusted public key file or directory (default: /etc/kiosk/trust/)",
    )
    verify.add_argument(
        "--applied-version",
        type=int,
        metavar="N",
        help="refuse versions older than N, as a terminal that applied N would",
    )
    verify.add_argument(
        "--audience",
        metavar="FLEET/STAGE",
        help="refuse a bundle signed for other terminals (default: any audience)",
    )
    verify.add_argument("dir", metavar="DIR", help="the directory to check")
    verify.set_defaults(func=cmd_verify)

    diff = config_sub.add_parser(
        "diff", help="compare two config directories key by key", description=cmd_diff.__doc__
    )
    diff.add_argument("a", metavar="A", help="old directory")
    diff.add_argument("b", metavar="B", help="new directory")
    diff.set_defaults(func=cmd_diff)


def cmd_keygen(args: argparse.Namespace) -> int:
    """Write a new Ed25519 key pair: PREFIX.key stays with the operator, PREFIX.pub goes into
    /etc/kiosk/trust/ on every terminal."""
    from cryptography.hazmat.primitives import serialization

    from kiosk.config.bundle import generate_keypair, key_id

    private_pem, public_pem = generate_keypair()
    key_path = Path(f"{args.out}.key")
    pub_path = Path(f"{args.out}.pub")
    for path in (key_path, pub_path):
        if path.exists():
            print(f"{path}: exists; not overwritten", file=sys.stderr)
            return EXIT_USAGE
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem)
    pub_path.write_bytes(public_pem)
    public = serialization.load_pem_public_key(public_pem)
    print(f"key {key_id(public)}: {key_path} (keep secret), {pub_path} (trust)")  # type: ignore[arg-type]
    return EXIT_OK


def cmd_sign(args: argparse.Namespace) -> int:
    """Write manifest.json (version, issued-at, SHA-256 of every file) and manifest.sig."""
    from kiosk.config.bundle import load_private_key, sign_bundle

    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        key = load_private_key(Path(args.key))
    except (OSError, ValueError, TypeError) as exc:
        print(f"{args.key}: cannot use as signing key: {type(exc).__name__}", file=sys.stderr)
        return EXIT_USAGE
    try:
        manifest = sign_bundle(
            directory,
            key,
            version=args.bundle_version,
            audience=args.audience,
            valid_days=args.valid_days,
        )
    except ValueError as exc:
        print(f"cannot sign: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"signed {directory}: version {manifest.version}, {len(manifest.files)} files, "
        f"key {manifest.key_id}, for {manifest.audience} until {manifest.expires_at}"
    )
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    """Check the signature against the trusted keys, every file's hash, the version and the
    schema, exactly as a terminal in the production profile would before applying it."""
    from kiosk.config import ConfigError, load_config
    from kiosk.config.bundle import (
        TRUST_DIR,
        BundleRefused,
        load_revoked,
        load_trust,
        verify_bundle,
    )
    from kiosk.config.holidays import load_calendar

    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return EXIT_USAGE
    trust_path = Path(args.trust) if args.trust else TRUST_DIR
    try:
        trust = load_trust(trust_path)
        manifest = verify_bundle(
            directory,
            trust,
            applied_version=args.applied_version,
            audience=args.audience,
            now=time.time(),
            revoked=load_revoked(trust_path),
        )
        try:
            config = load_config([directory])
            load_calendar([directory])
        except ConfigError as exc:
            raise BundleRefused("schema", str(exc), version=manifest.version) from None
    except BundleRefused as refusal:
        print(f"REFUSED ({refusal.code}): {refusal.reason}", file=sys.stderr)
        return EXIT_REFUSED
    print(
        f"OK: version {manifest.version} issued {manifest.issued_at} for {manifest.audience}, "
        f"expires {manifest.expires_at}, signed by "
        f"{manifest.key_id}, {len(manifest.files)} files, {len(config.services)} services"
    )
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """List files added, removed or changed between two config directories, and for TOML files
    every key that changed (secrets such as PIN hashes are shown as changed, not printed)."""
    from kiosk.config.bundle import MANIFEST, SIGNATURE, bundle_files

    a, b = Path(args.a), Path(args.b)
    for d in (a, b):
        if not d.is_dir():
            print(f"{d}: not a directory", file=sys.stderr)
            return EXIT_USAGE
    fa, fb = bundle_files(a), bundle_files(b)
    lines: list[str] = []
    va, vb = _version(a / MANIFEST), _version(b / MANIFEST)
    if va != vb:
        lines.append(f"version: {va} -> {vb}")
    for rel in sorted(set(fa) | set(fb)):
        if rel in (MANIFEST, SIGNATURE):
            continue
        if rel not in fb:
            lines.append(f"- {rel}")
        elif rel not in fa:
            lines.append(f"+ {rel}")
        elif fa[rel] != fb[rel]:
            lines.append(f"~ {rel}")
            if rel.endswith(".toml"):
                lines.extend(f"    {d}" for d in _toml_diff(a / rel, b / rel))
    print("\n".join(lines) if lines else "no differences")
    return EXIT_OK


def _version(path: Path) -> str:
    import json

    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("version"))
    except (OSError, ValueError, AttributeError):
        return "unsigned"


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            _flatten(v, f"{prefix}[{i}]", out)
    else:
        out[prefix] = value


def _toml_diff(a: Path, b: Path) -> list[str]:
    try:
        da = tomllib.loads(a.read_text(encoding="utf-8"))
        db = tomllib.loads(b.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ["(not comparable key by key: invalid TOML)"]
    ka: dict[str, Any] = {}
    kb: dict[str, Any] = {}
    _flatten(da, "", ka)
    _flatten(db, "", kb)
    out = []
    for key in sorted(set(ka) | set(kb)):
        secret = key.rsplit(".", 1)[-1] in _SECRET_KEYS
        if key not in kb:
            out.append(f"- {key}")
        elif key not in ka:
            out.append(f"+ {key} = {'(secret)' if secret else _show(kb[key])}")
        elif ka[key] != kb[key]:
            shown = "(changed)" if secret else f"{_show(ka[key])} -> {_show(kb[key])}"
            out.append(f"~ {key}: {shown}")
    return out


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 80 else text[:77] + "..."
