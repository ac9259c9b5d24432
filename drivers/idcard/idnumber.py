"""The resident ID number's check character (GB 11643-1999, ISO 7064 MOD 11-2): the one home of
the check for the card readers, the SAM frame decoder and the form validators."""

from __future__ import annotations

# The weight of position i (1-based, from the left) is 2^(18-i) mod 11.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11


def id_number_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number;
    ValueError unless `first17` is 17 ASCII digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected 17 ASCII digits")
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_valid(value: str) -> bool:
    """True when `value` is 17 ASCII digits and the right check character (an "x" counts)."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    return id_number_check_char(value[:17]) == value[17].upper()
