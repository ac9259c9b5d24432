"""Signed config bundles: a manifest of file hashes, an Ed25519 signature, and the checks.

A bundle is a fleet directory (what the operator pushes into ``/etc/kiosk/conf.d/``) plus two
files written by ``kiosk config sign``:

- ``manifest.json``: ``format``, ``version`` (an integer that only goes up), ``issued_at`` and
  ``expires_at`` (UTC, ISO 8601), ``audience`` (``"<fleet id>/<stage>"``, e.g.
  ``"district-a/production"``), ``key_id`` of the signing key and ``files`` (relative path ->
  SHA-256);
- ``manifest.sig``: the Ed25519 signature of the exact bytes of ``manifest.json``, base64.

`verify_bundle` refuses, with a `BundleRefused` carrying a stable ``code``:
``unsigned`` (no manifest or signature), ``untrusted_key`` (signed by a key not in the trust
directory), ``bad_signature`` (the manifest does not match its signature), ``tampered`` (a file
is missing, changed or was added after signing), ``rollback`` (older than the applied bundle,
or the same version with other content), ``version_jump`` (more than the allowed step above the
applied version), ``audience`` (signed for another fleet or stage), ``expired`` (past its
``expires_at``), ``revoked`` (signed by a key listed in the trust directory's ``revoked`` file),
``invalid`` (an unreadable manifest, or a directory that is not plain files: symlinks, FIFOs,
devices, unreadable or oversized files, too many files) and ``schema`` (the files do not
validate).

Files are read with `read_tree`: directories and files are opened relative to their parent's
descriptor with ``O_NOFOLLOW`` and checked with `os.fstat` after opening, so a symlink, a FIFO
or a device swapped in after the walk is refused, never followed, and nothing is read past the
size caps. Nothing here applies a bundle: see `kiosk.config.fleet`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.fsutil import atomic_write

__all__ = [
    "FORMAT",
    "MANIFEST",
    "REFUSAL_CODES",
    "REVOKED",
    "SIGNATURE",
    "TRUST_DIR",
    "BundleRefused",
    "Limits",
    "Manifest",
    "bundle_files",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_revoked",
    "load_trust",
    "read_manifest",
    "read_tree",
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
    "version_jump",
    "audience",
    "expired",
    "revoked",
    "invalid",
    "schema",
)
REVOKED = "revoked"  # in the trust directory: one revoked key id per line, '#' comments
DEFAULT_AUDIENCE = "default/production"
DEFAULT_VALID_DAYS = 90
_MAX_MANIFEST_BYTES = 1024 * 1024
_MAX_DEPTH = 8


@dataclass(frozen=True)
class Limits:
    """What a fleet directory may hold before anything of it is copied or hashed."""

    max_file_bytes: int = 2 * 1024 * 1024
    max_total_bytes: int = 32 * 1024 * 1024
    max_files: int = 1000


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
    audience: str | None = None
    expires_at: str | None = None

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
    revoked = load_revoked(path)
    for file in files:
        try:
            key = _load_public_key(file)
        except (ValueError, OSError) as exc:
            log.warning("trust: %s skipped: %s", file, type(exc).__name__)
            continue
        kid = key_id(key)
        if kid in revoked:
            log.warning("trust: %s skipped: key %s is revoked", file, kid)
            continue
        keys[kid] = key
    return keys


def load_revoked(path: Path) -> frozenset[str]:
    """Key ids listed in the trust directory's ``revoked`` file (none if there is no file)."""
    file = path / REVOKED if path.is_dir() else path.parent / REVOKED
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return frozenset()
    except (OSError, UnicodeDecodeError) as exc:
        # A revocation list that cannot be read must not silently trust everything again.
        raise BundleRefused("revoked", f"{file} unreadable: {type(exc).__name__}") from None
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(line for line in lines if line)


# -- files and manifest -------------------------------------------------------------------------


def read_tree(directory: Path, limits: Limits | None = None) -> dict[str, bytes]:
    """Every file of a bundle (relative POSIX path -> content), dotfiles and dot-dirs skipped.

    BundleRefused("invalid") for anything that is not a plain directory or a plain readable
    file within the caps; nothing is followed and nothing is read past a cap.
    """
    lim = limits or Limits()
    out: dict[str, bytes] = {}
    total = [0]
    try:
        root = os.open(directory, _DIR_FLAGS)
    except OSError as exc:
        raise BundleRefused("invalid", f"{directory}: cannot open: {_why(exc)}") from None
    try:
        _read_dir(root, "", out, total, lim, 0)
    finally:
        os.close(root)
    return out


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _read_dir(
    dfd: int, prefix: str, out: dict[str, bytes], total: list[int], lim: Limits, depth: int
) -> None:
    if depth > _MAX_DEPTH:
        raise BundleRefused("invalid", f"{prefix}: nested deeper than {_MAX_DEPTH} levels")
    with os.scandir(dfd) as it:
        names = sorted(e.name for e in it if not e.name.startswith("."))
    for name in names:
        rel = f"{prefix}{name}"
        try:
            st = os.lstat(name, dir_fd=dfd)
        except FileNotFoundError:
            continue  # removed while we looked: the next poll sees the settled directory
        if stat.S_ISLNK(st.st_mode):
            raise BundleRefused("invalid", f"{rel}: is a symlink (bundles hold plain files only)")
        if stat.S_ISDIR(st.st_mode):
            try:
                sub = os.open(name, _DIR_FLAGS, dir_fd=dfd)
            except OSError as exc:
                raise BundleRefused("invalid", f"{rel}: cannot open: {_why(exc)}") from None
            try:
                _read_dir(sub, f"{rel}/", out, total, lim, depth + 1)
            finally:
                os.close(sub)
            continue
        if not stat.S_ISREG(st.st_mode):
            raise BundleRefused("invalid", f"{rel}: {_kind(st.st_mode)} (plain files only)")
        if rel in (MANIFEST, SIGNATURE):
            out[rel] = _read_file(dfd, name, rel, _MAX_MANIFEST_BYTES)
            continue
        if len(out) >= lim.max_files:
            raise BundleRefused("invalid", f"more than {lim.max_files} files")
        if st.st_size > lim.max_file_bytes:
            raise BundleRefused(
                "invalid", f"{rel}: {st.st_size} bytes, over the cap of {lim.max_file_bytes}"
            )
        if total[0] + st.st_size > lim.max_total_bytes:
            raise BundleRefused("invalid", f"more than {lim.max_total_bytes} bytes in all")
        data = _read_file(dfd, name, rel, lim.max_file_bytes)
        total[0] += len(data)
        if total[0] > lim.max_total_bytes:
            raise BundleRefused("invalid", f"more than {lim.max_total_bytes} bytes in all")
        out[rel] = data


def _read_file(dfd: int, name: str, rel: str, cap: int) -> bytes:
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dfd)
    except OSError as exc:
        raise BundleRefused("invalid", f"{rel}: cannot open: {_why(exc)}") from None
    try:
        st = os.fstat(fd)  # what was opened, not what the walk saw
        if not stat.S_ISREG(st.st_mode):
            raise BundleRefused("invalid", f"{rel}: {_kind(st.st_mode)} (plain files only)")
        if st.st_size > cap:
            raise BundleRefused("invalid", f"{rel}: {st.st_size} bytes, over the cap of {cap}")
        chunks: list[bytes] = []
        size = 0
        while size <= cap:
            chunk = os.read(fd, min(65536, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            raise BundleRefused("invalid", f"{rel}: over the cap of {cap} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise BundleRefused("invalid", f"{rel}: cannot read: {_why(exc)}") from None
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "is a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    return "is not a regular file"


def bundle_files(directory: Path, limits: Limits | None = None) -> dict[str, str]:
    """Every file of a bundle (relative POSIX path -> SHA-256), manifest and dotfiles excluded.

    BundleRefused("invalid") when the directory holds anything but plain files within `limits`.
    """
    return hash_files(read_tree(directory, limits))


def hash_files(tree: Mapping[str, bytes]) -> dict[str, str]:
    """The manifest's ``files`` for a tree read by `read_tree`."""
    return {
        rel: hashlib.sha256(data).hexdigest()
        for rel, data in tree.items()
        if rel not in (MANIFEST, SIGNATURE)
    }


def read_manifest(directory: Path) -> Manifest:
    """Parse ``manifest.json`` (signature not checked); BundleRefused unsigned/invalid."""
    path = directory / MANIFEST
    if not path.is_file():
        raise BundleRefused("unsigned", f"no {MANIFEST} in {directory}")
    try:
        dfd = os.open(directory, _DIR_FLAGS)
    except OSError as exc:
        raise BundleRefused("invalid", f"{directory}: cannot open: {_why(exc)}") from None
    try:
        raw = _read_file(dfd, MANIFEST, MANIFEST, _MAX_MANIFEST_BYTES)
    finally:
        os.close(dfd)
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
    audience = data.get("audience")
    expires_at = data.get("expires_at")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleRefused("invalid", f"{MANIFEST}: version must be a positive integer")
    if not isinstance(issued_at, str):
        raise BundleRefused("invalid", f"{MANIFEST}: issued_at must be a string", version=version)
    for name, value in (("audience", audience), ("expires_at", expires_at)):
        if value is not None and not isinstance(value, str):
            raise BundleRefused("invalid", f"{MANIFEST}: {name} must be a string", version=version)
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
        audience=audience,
        expires_at=expires_at,
    )


def sign_bundle(
    directory: Path,
    private_key: Ed25519PrivateKey,
    *,
    version: int | None = None,
    issued_at: datetime | None = None,
    audience: str = DEFAULT_AUDIENCE,
    valid_days: int = DEFAULT_VALID_DAYS,
) -> Manifest:
    """Write ``manifest.json`` and ``manifest.sig`` for the files now in `directory`.

    Without `version`, the next one after the directory's previous manifest (1 if none).
    `audience` is ``"<fleet id>/<stage>"``; the bundle expires `valid_days` after `issued_at`.
    """
    check_audience_text(audience)
    if valid_days < 1:
        raise ValueError("valid_days must be at least 1")
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
        "issued_at": _iso(when),
        "expires_at": _iso(when + timedelta(days=valid_days)),
        "audience": audience,
        "key_id": key_id(private_key.public_key()),
        "files": bundle_files(directory),
    }
    raw = (json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    signature = base64.b64encode(private_key.sign(raw)) + b"\n"
    # The signature goes last: a watcher that sees a new signature sees its manifest too.
    atomic_write(directory / MANIFEST, raw, mode=0o644)
    atomic_write(directory / SIGNATURE, signature, mode=0o644)
    return read_manifest(directory)


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def check_audience_text(audience: str) -> None:
    """ValueError unless `audience` reads FLEET/STAGE."""
    fleet_id, _, stage = audience.partition("/")
    if not fleet_id or not stage or "/" in stage:
        raise ValueError(f"audience must be FLEET/STAGE, e.g. district-a/production ({audience!r})")


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 UTC time from a manifest (None if it is not one)."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def verify_bundle(
    directory: Path,
    trust: Mapping[str, Ed25519PublicKey],
    *,
    applied_version: int | None = None,
    applied_digest: str | None = None,
    audience: str | None = None,
    now: float | None = None,
    revoked: frozenset[str] = frozenset(),
    max_version_step: int | None = None,
    limits: Limits | None = None,
) -> Manifest:
    """Check signature, trust, file hashes and rollback; return the manifest or BundleRefused.

    With `audience`, the manifest must name exactly it; with `now` (a UNIX time), it must not
    have expired; a key id in `revoked` is refused even if it is still in `trust`; with
    `max_version_step` and an applied version, the version may not jump further than that.
    Schema validation is the caller's (`kiosk.config.fleet`), as it needs the other layers.
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
    if manifest.key_id is not None and manifest.key_id in revoked:
        raise BundleRefused("revoked", f"signed by {manifest.key_id}, which is revoked", version=v)
    trust = {k: pub for k, pub in trust.items() if k not in revoked}
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
    if audience is not None and manifest.audience != audience:
        raise BundleRefused(
            "audience",
            f"signed for {manifest.audience or 'no audience'}, this terminal is {audience}",
            version=v,
        )
    if now is not None:
        expires = parse_time(manifest.expires_at) if manifest.expires_at else None
        if expires is None:
            raise BundleRefused("expired", f"{MANIFEST} has no valid expires_at", version=v)
        if expires.timestamp() <= now:
            raise BundleRefused("expired", f"expired at {manifest.expires_at}", version=v)
    actual = bundle_files(directory, limits)
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
        if max_version_step is not None and v - applied_version > max_version_step:
            raise BundleRefused(
                "version_jump",
                f"version {v} jumps more than {max_version_step} above the applied version "
                f"{applied_version}",
                version=v,
            )
        if v == applied_version and applied_digest not in (None, manifest.digest):
            raise BundleRefused(
                "rollback",
                f"version {v} is already applied with different content; sign a new version",
                version=v,
            )
    return manifest


def unsigned_manifest(directory: Path, limits: Limits | None = None) -> Manifest:
    """A stand-in manifest for an unsigned directory (development profile only)."""
    files = bundle_files(directory, limits)
    raw = json.dumps({"files": files, "unsigned": True}, sort_keys=True).encode()
    return Manifest(version=0, issued_at="", key_id=None, files=files, raw=raw, signed=False)
