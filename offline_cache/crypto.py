"""Encryption of personal data at rest: AES-256-GCM with a key file on the terminal."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from offline_cache.errors import OutboxError

log = logging.getLogger("offline_cache.crypto")

KEY_BYTES = 32
NONCE_BYTES = 12


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def dump_json(value: Mapping[str, Any], what: str) -> str:
    """JSON text of a mapping (dates as ISO strings); OutboxError naming only the type."""
    try:
        return json.dumps(dict(value), ensure_ascii=False, sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise OutboxError(f"{what} cannot be stored: {exc}") from None


def key_id_of(key: bytes) -> str:
    """A short public fingerprint naming a key (stored with each row)."""
    return hashlib.sha256(b"kiosk-outbox-key-id:" + key).hexdigest()[:16]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_key_file(path: Path) -> bytes:
    """Write a new random key with mode 0600 (parents created 0700); never overwrites."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    # Write a complete temporary file first and link it into place: a kill at any moment
    # leaves either no key or a whole one, never an empty file that blocks the next start.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask must not widen or narrow it
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if a key already exists: never overwrite one
    finally:
        tmp.unlink()
    _fsync_dir(path.parent)
    log.info("created outbox key %s", key_id_of(key))
    return key


def read_key_file(path: Path) -> bytes:
    """Read an existing key file; OutboxError if it is not a 32-byte key."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("outbox key file is readable by others (mode %o)", mode)
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise OutboxError(f"outbox key file has {len(key)} bytes, expected {KEY_BYTES}")
    return key


class Cipher:
    """Encrypts personal JSON per row: fresh nonce, AAD = transaction id, key id recorded."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self.key_id = key_id_of(key)

    def seal(self, transaction_id: str, personal: Mapping[str, Any]) -> tuple[bytes, bytes]:
        """(nonce, ciphertext) of the personal data bound to `transaction_id`."""
        plaintext = dump_json(personal, "personal data").encode("utf-8")
        nonce = os.urandom(NONCE_BYTES)
        return nonce, self._aead.encrypt(nonce, plaintext, transaction_id.encode("ascii"))

    def open(self, transaction_id: str, key_id: str, nonce: bytes, ciphertext: bytes) -> dict:
        """Decrypt a row's personal data; OutboxError for a foreign key or a tampered row."""
        if key_id != self.key_id:
            raise OutboxError(f"row {transaction_id} was encrypted with another key ({key_id})")
        try:
            plaintext = self._aead.decrypt(nonce, ciphertext, transaction_id.encode("ascii"))
        except InvalidTag:
            raise OutboxError(f"personal data of {transaction_id} failed authentication") from None
        value = json.loads(plaintext.decode("utf-8"))
        if not isinstance(value, dict):
            raise OutboxError(f"personal data of {transaction_id} is not an object")
        return value
