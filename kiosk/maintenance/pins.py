"""Maintenance PINs: scrypt hashes that carry (and bind) the PIN's length.

Format: ``scrypt$n=16384,r=8,p=1,d=<digits>$<salt b64>$<digest b64>``. The number of digits is
part of the scrypt salt input, so editing ``d=`` in a config file breaks the hash instead of
passing a short PIN off as a long one. Config refuses a technician hash with ``d`` under 8 and
a supervisor hash under 10 (`kiosk/config/schema.py`), `hash_pin` refuses to create them, and
`verify_pin` accepts only a PIN of exactly ``d`` digits. A hash without ``d=`` (the old
4-12 digit format) no longer loads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

__all__ = ["MIN_PIN_DIGITS", "PIN_RE", "hash_pin", "pin_digits", "verify_pin"]

MIN_PIN_DIGITS = {"technician": 8, "supervisor": 10}
PIN_RE = re.compile(r"^[0-9]{8,16}$")
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_HASH_RE = re.compile(
    r"^scrypt\$n=(\d+),r=(\d+),p=(\d+),d=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$"
)


def _salt_input(salt: bytes, digits: int) -> bytes:
    return salt + f"|d={digits}".encode()


def pin_digits(encoded: str) -> int | None:
    """How many digits the PIN behind `encoded` has (None when it is not a PIN hash)."""
    m = _HASH_RE.match(encoded)
    return None if m is None else int(m.group(4))


def hash_pin(pin: str, *, role: str = "technician", salt: bytes | None = None) -> str:
    """The scrypt hash of a PIN, as stored in ``[[maintenance.pins]] hash``.

    A technician PIN has at least 8 digits, a supervisor PIN at least 10 (ValueError).
    """
    minimum = MIN_PIN_DIGITS.get(role)
    if minimum is None:
        raise ValueError(f"unknown role {role[:20]!r}")
    if not PIN_RE.match(pin) or len(pin) < minimum:
        raise ValueError(f"a {role} PIN is {minimum} to 16 digits")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        pin.encode(),
        salt=_salt_input(salt, len(pin)),
        n=_SCRYPT_N,
        r=_SCRYPT_R,
        p=_SCRYPT_P,
        maxmem=64 * 1024 * 1024,
    )
    b64 = base64.b64encode
    return (
        f"scrypt$n={_SCRYPT_N},r={_SCRYPT_R},p={_SCRYPT_P},d={len(pin)}$"
        f"{b64(salt).decode()}${b64(digest).decode()}"
    )


def verify_pin(pin: str, encoded: str) -> bool:
    """True when `pin` matches the scrypt hash `encoded` (constant-time compare)."""
    m = _HASH_RE.match(encoded)
    if m is None:
        return False
    n, r, p, digits = (int(x) for x in m.group(1, 2, 3, 4))
    if n > 2**20 or r > 32 or p > 16:  # a hostile config must not exhaust memory
        return False
    salt = base64.b64decode(m.group(5))
    expected = base64.b64decode(m.group(6))
    got = hashlib.scrypt(
        pin.encode(),
        salt=_salt_input(salt, digits),
        n=n,
        r=r,
        p=p,
        dklen=len(expected),
        maxmem=256 * 1024 * 1024,
    )
    # Compare even when the length differs, so a wrong length costs the same time.
    return hmac.compare_digest(got, expected) and len(pin) == digits
