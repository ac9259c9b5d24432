"""Signed config bundles: a manifest of file hashes, an Ed25519 signature, and the checks.

A bundle is a fleet directory (what the operator pushes into ``/etc/kiosk/conf.d/``) plus two
files written by ``kiosk config sign``:

- ``manifest.json``: ``format``, ``version`` (an integer that only goes up), ``issued_at``
  (UTC, ISO 8601), ``key_id`` of the signing key and ``files`` (relative path -> SHA-256);
- ``manifest.sig``: the Ed25519 signature of the exact bytes of ``manifest.json``, base64.

`verify_bundle` refuses, with a `BundleRefused` carrying a stable ``code``:
``unsigned`` (no manifest or signature), ``untrusted_key`` (signed by a key not in the trust
directory), ``bad_signature`` (the manifest does not match its signature), ``tampered`` (a file
is missing, changed or was added after signing), ``rollback`` (older than the applied bundle,
or the same version with other content), ``invalid`` (an unreadable manifest) and ``schema``
(the files do not validate). Nothing here applies a bundle: see `kiosk.config.fleet`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "FORMAT",
    "MANIFEST",
    "REFUSAL_CODES",
    "SIGNATURE",
    "TRUST_DIR",
    "BundleRefused",
    "Manifest",
    "bundle_files",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_trust",
    "read_manifest",
    "sign_bundle",
    "verify_bundle",
]

log = logging.getLogger("kiosk.config.bundle")

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FORMAT = 1
TRUST_DIR = Path("/etc/kiosk/trust")
REFUSAL_CODES = (
    "unsigned",
    "untrusted_key",
    "bad_signature",
    "tampered",
    "rollback",
    "invalid",
    "schema",
)
_MAX_MANIFEST_BYTES = 1024 * 1024


class BundleRefused(Exception):
    """A bundle that must not apply: ``code`` is one of REFUSAL_CODES, ``reason`` says why."""

    def __init__(self, code: str, reason: str, *, version: int | None = None) -> None:
        assert code in REFUSAL_CODES, code
        self.code = code
        self.reason = reason
        self.version = version
        super().__init__(f"{code}: {reason}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able record for maintenance mode and the heartbeat."""
        return {"code": self.code, "reason": self.reason, "version": self.version}


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest and the exact bytes that were signed."""

    version: int
    issued_at: str
    key_id: str | None
    files: Mapping[str, str]
    raw: bytes = field(repr=False)
    signed: bool = True

    @property
    def digest(self) -> str:
        """SHA-256 of the manifest bytes: identifies the bundle's whole content."""
        return hashlib.sha256(self.raw).hexdigest()


# -- keys ---------------------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name of a public key: ``ed25519:`` + 16 hex digits of its SHA-256."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key (PEM, PKCS#8, unencrypted); ValueError if it is not one."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def _load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


def load_trust(path: Path) -> dict[str, Ed25519PublicKey]:
    """Trusted public keys by key id, from one PEM file or every ``*.pub``/``*.pem`` in a dir.

    A file that is not an Ed25519 public key is skipped with a warning: one bad file in the
    trust directory must not stop the terminal from trusting the others.
    """
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and p.suffix in (".pub", ".pem") and not p.name.startswith(".")
        )
    elif path.is_file():
        files = [path]
    else:
        return {}
    keys: dict[str, Ed25519PublicKey] = {}
    for file in files:
        try:
            key = _load_public_key(file)
        except (ValueError, OSError) as exc:
            log.warning("trust: %s skipped: %s", file, type(exc).__name__)
            continue
        keys[key_id(key)] = key
    return keys


# -- files and manifest -------------------------------------------------------------------------


def bundle_files(directory: Path) -> dict[str, str]:
    """Every file of a bundle (relative POSIX path -> SHA-256), manifest and dotfiles excluded."""
    out: dict[str, str] = {}
    for root, dirs, files in os.walk(directory):
        # Dot-directories are editors' and sync tools' scratch space (rsync's .~tmp~).
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            rel = path.relative_to(directory).as_posix()
            if rel in (MANIFEST, SIGNATURE):
                continue
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(directory: Path) -> Manifest:
    """Parse ``manifest.json`` (signature not checked); BundleRefused unsigned/invalid."""
    path = directory / MANIFEST
    if not path.is_file():
        raise BundleRefused("unsigned", f"no {MANIFEST} in {directory}")
    raw = path.read_bytes()
    if len(raw) > _MAX_MANIFEST_BYTES:
        raise BundleRefused("invalid", f"{MANIFEST} is larger than {_MAX_MANIFEST_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleRefused("invalid", f"{MANIFEST} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleRefused("invalid", f"{MANIFEST}: format must be {FORMAT}")
    version = data.get("version")
    files = data.get("files")
    issued_at = data.get("issued_at")
    kid = data.get("key_id")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleRefused("invalid", f"{MANIFEST}: version must be a positive integer")
    if not isinstance(issued_at, str):
        raise BundleRefused("invalid", f"{MANIFEST}: issued_at must be a string", version=version)
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        raise BundleRefused("invalid", f"{MANIFEST}: files must map paths to hashes")
    for rel in files:
        parts = Path(rel).parts
        if rel.startswith("/") or ".." in parts or not parts:
            raise BundleRefused("invalid", f"{MANIFEST}: bad path {rel[:80]!r}", version=version)
    return Manifest(
        version=version,
        issued_at=issued_at,
        key_id=kid if isinstance(kid, str) else None,
        files=dict(files),
        raw=raw,
    )


def sign_bundle(
    directory: Path,
    private_key: Ed25519PrivateKey,
    *,
    version: int | None = None,
    issued_at: datetime | None = None,
) -> Manifest:
    """Write ``manifest.json`` and ``manifest.sig`` for the files now in `directory`.

    Without `version`, the next one after the directory's previous manifest (1 if none).
    """
    if version is None:
        try:
            version = read_manifest(directory).version + 1
        except BundleRefused:
            version = 1
    if version < 1:
        raise ValueError("version must be a positive integer")
    when = (issued_at or datetime.now(UTC)).astimezone(UTC)
    body = {
        "format": FORMAT,
        "version": version,
        "issued_at": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "key_id": key_id(private_key.public_key()),
        "files": bundle_files(directory),
    }
    raw = (json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    signature = base64.b64encode(private_key.sign(raw)) + b"\n"
    # The signature goes last: a watcher that sees a new signature sees its manifest too.
    _atomic_write(directory / MANIFEST, raw)
    _atomic_write(directory / SIGNATURE, signature)
    return read_manifest(directory)


def verify_bundle(
    directory: Path,
    trust: Mapping[str, Ed25519PublicKey],
    *,
    applied_version: int | None = None,
    applied_digest: str | None = None,
) -> Manifest:
    """Check signature, trust, file hashes and rollback; return the manifest or BundleRefused.

    Schema validation is the caller's (`kiosk.config.fleet.check_bundle`), as it needs the
    other config layers.
    """
    manifest = read_manifest(directory)
    v = manifest.version
    sig_path = directory / SIGNATURE
    if not sig_path.is_file():
        raise BundleRefused("unsigned", f"{MANIFEST} has no {SIGNATURE}", version=v)
    try:
        signature = base64.b64decode(sig_path.read_bytes().strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BundleRefused("bad_signature", f"{SIGNATURE} is not base64", version=v) from None
    if not trust:
        raise BundleRefused("untrusted_key", "no trusted keys are installed", version=v)
    # The named key first; then every trusted key (cheap), so a key id field that lies cannot
    # hide a valid signature, and one that names a trusted key cannot forge one.
    kid = manifest.key_id
    candidates = ([trust[kid]] if kid is not None and kid in trust else []) + list(trust.values())
    verified = False
    for key in candidates:
        try:
            key.verify(signature, manifest.raw)
        except InvalidSignature:
            continue
        verified = True
        break
    if not verified:
        if manifest.key_id not in trust:
            raise BundleRefused(
                "untrusted_key",
                f"signed by {manifest.key_id or 'an unnamed key'}, which is not trusted "
                f"(trusted: {', '.join(sorted(trust))})",
                version=v,
            )
        raise BundleRefused("bad_signature", f"{MANIFEST} does not match its signature", version=v)
    actual = bundle_files(directory)
    missing = sorted(set(manifest.files) - set(actual))
    extra = sorted(set(actual) - set(manifest.files))
    changed = sorted(k for k in manifest.files if k in actual and actual[k] != manifest.files[k])
    if missing or extra or changed:
        parts = []
        for label, names in (("changed", changed), ("missing", missing), ("not signed", extra)):
            if names:
                parts.append(f"{label}: {', '.join(names[:10])}")
        raise BundleRefused("tampered", "; ".join(parts), version=v)
    if applied_version is not None:
        if v < applied_version:
            raise BundleRefused(
                "rollback",
                f"version {v} is older than the applied version {applied_version}",
                version=v,
            )
        if v == applied_version and applied_digest not in (None, manifest.digest):
            raise BundleRefused(
                "rollback",
                f"version {v} is already applied with different content; sign a new version",
                version=v,
            )
    return manifest


def unsigned_manifest(directory: Path) -> Manifest:
    """A stand-in manifest for an unsigned directory (development profile only)."""
    files = bundle_files(directory)
    raw = json.dumps({"files": files, "unsigned": True}, sort_keys=True).encode()
    return Manifest(version=0, issued_at="", key_id=None, files=files, raw=raw, signed=False)
