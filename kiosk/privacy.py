"""Masking of personal data for screens, receipts and command output.

Masking is by allow-list: only the characters a citizen needs to recognise their own data stay
visible. Nothing here is a substitute for keeping personal data out of logs altogether.
"""

from __future__ import annotations

MASK = "*"


def mask_id_number(value: str) -> str:
    """Keep the region code (6) and the last 4 characters: 110105********002X."""
    if len(value) <= 10:
        return MASK * len(value)
    return value[:6] + MASK * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """Keep the family name (first character): 张**."""
    if len(value) <= 1:
        return MASK * len(value)
    return value[0] + MASK * (len(value) - 1)


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: 138****1234."""
    if len(value) <= 7:
        return MASK * len(value)
    return value[:3] + MASK * (len(value) - 7) + value[-4:]


def mask_text(value: str, keep: int = 6) -> str:
    """Keep the beginning of a long personal text (an address) and hide the rest."""
    if len(value) <= keep:
        return MASK * len(value)
    return value[:keep] + MASK * 4


def mask_value(field_type: str, value: str) -> str:
    """Mask a personal form value by its field type."""
    if not value:
        return ""
    if field_type == "id_number":
        return mask_id_number(value)
    if field_type == "name":
        return mask_name(value)
    if field_type == "phone":
        return mask_phone(value)
    return mask_text(value)
