"""Validators for citizen input: return None when valid, else an error key for the UI to translate.

Keys are stable identifiers (``invalid.id_number.check``), never human text and never the value
itself, so they are safe to log and cheap to translate.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable

from drivers.idcard.idnumber import id_number_check_char

__all__ = [
    "ERROR_KEYS",
    "VALIDATORS",
    "credit_code_check_char",
    "id_number_check_char",
    "validate",
]

Validator = Callable[[str], "str | None"]

# Every key a validator can return, so the UI's translation files can be checked against it.
ERROR_KEYS: tuple[str, ...] = (
    "invalid.id_number",
    "invalid.id_number.birth_date",
    "invalid.id_number.check",
    "invalid.credit_code",
    "invalid.credit_code.check",
    "invalid.phone",
    "invalid.postal_code",
    "invalid.name",
    "invalid.number",
    "invalid.date",
    "invalid.money",
)

_ID_RE = re.compile(r"^\d{17}[\dX]$")

# GB 32100-2015: 31-character alphabet (no I, O, S, V, Z), weights 3^(i-1) mod 31.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# Position 1 registration authority, 2 entity type, 3-8 region code (digits), 9-17 organisation
# code, 18 check character.
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_POSTAL_RE = re.compile(r"^\d{6}$")
_NUMBER_RE = re.compile(r"^\d{1,15}(\.\d{1,6})?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Middle dots accepted in minority names (e.g. 阿卜杜拉·艾力): U+00B7 is the standard one; U+30FB is
# what some IMEs produce for the same key.
_NAME_DOTS = "\u00b7\u30fb"
# CJK Unified Ideographs incl. extensions A-H and compatibility ideographs: rare characters
# (生僻字) do occur in personal names and must not be rejected.
_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2EBEF),
    (0x30000, 0x323AF),
)


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a credit code."""
    if len(first17) != 17 or any(c not in _USCC_VALUES for c in first17):
        raise ValueError("expected 17 characters of the credit code alphabet")
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def _id_number(value: str) -> str | None:
    if not _ID_RE.match(value) or not value.isascii():
        return "invalid.id_number"
    # The check character comes before the date: a typo anywhere is most often caught by it.
    if id_number_check_char(value[:17]) != value[17]:
        return "invalid.id_number.check"
    try:
        birth = _dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "invalid.id_number.birth_date"
    if birth.year < 1900 or birth > _dt.date.today():
        return "invalid.id_number.birth_date"
    return None


def _credit_code(value: str) -> str | None:
    if not _USCC_RE.match(value):
        return "invalid.credit_code"
    if credit_code_check_char(value[:17]) != value[17]:
        return "invalid.credit_code.check"
    return None


def _phone(value: str) -> str | None:
    return None if _PHONE_RE.match(value) and value.isascii() else "invalid.phone"


def _postal_code(value: str) -> str | None:
    return None if _POSTAL_RE.match(value) and value.isascii() else "invalid.postal_code"


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _name(value: str) -> str | None:
    if not 2 <= len(value) <= 20:
        return "invalid.name"
    if value[0] in _NAME_DOTS or value[-1] in _NAME_DOTS:
        return "invalid.name"
    prev_dot = False
    for ch in value:
        is_dot = ch in _NAME_DOTS
        if (is_dot and prev_dot) or not (is_dot or _is_cjk(ch)):
            return "invalid.name"
        prev_dot = is_dot
    return None


def _number(value: str) -> str | None:
    # Non-negative decimal as typed on the kiosk keypad (amounts, counts); no sign, no exponent.
    return None if _NUMBER_RE.match(value) and value.isascii() else "invalid.number"


def _date(value: str) -> str | None:
    if not _DATE_RE.match(value) or not value.isascii():
        return "invalid.date"
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return "invalid.date"
    return None


_MONEY_RE = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


def _money(value: str) -> str | None:
    """An amount in yuan or 10,000 yuan: up to 10 digits, 2 decimals, more than zero."""
    value = value.strip()
    if not _MONEY_RE.match(value) or float(value) <= 0:
        return "invalid.money"
    return None


VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "id_number": _id_number,
    "credit_code": _credit_code,
    "phone": _phone,
    "postal_code": _postal_code,
    "name": _name,
    "number": _number,
    "date": _date,
    "money": _money,
}


def validate(name: str, value: str) -> str | None:
    """Run the named validator on value; None if valid, else an error key (KeyError if unknown)."""
    return VALIDATORS[name](value)
