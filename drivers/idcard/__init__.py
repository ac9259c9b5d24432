"""Identity document readers: the device class and the identity record it produces.

Events: `card_inserted {}`, `card_read {"record": IdentityRecord}`, `card_removed {}`,
`card_error {"reason": ...}` with reason one of CARD_ERROR_REASONS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from drivers.base import Device, DeviceTimeout
from drivers.idcard.idnumber import id_number_check_char as id_number_check_char
from drivers.idcard.idnumber import id_number_valid

CARD_TYPES = frozenset({"resident", "foreign_permanent", "hmt_residence", "travel_document"})
# access_denied: the chip refused Basic Access Control (travel documents: MRZ missing or not
# this document's); the citizen checks the MRZ they keyed in.
CARD_ERROR_REASONS = frozenset(
    {"media_damaged", "media_removed", "invalid_data", "unsupported_card", "timeout"}
    | {"access_denied"}
)
# Photo formats a face check can use; "wlt" (resident card, no vendor decoder) is not one.
DECODED_PHOTO_FORMATS = frozenset({"jpeg", "jp2", "bmp", "png"})


@dataclass(frozen=True, repr=False)
class IdentityRecord:
    """What an identity document says about its holder. Personal data: never log it."""

    card_type: str  # one of CARD_TYPES
    name: str
    sex: str  # "M" | "F"
    nation: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: date | None  # None: not on the document (travel documents' DG1)
    valid_until: date | None  # None: 长期 (valid for life)
    photo: bytes | None = None
    photo_format: str | None = None  # "wlt" | "bmp" | "jpeg" | "jp2" ...

    @property
    def photo_decoded(self) -> bool:
        """True when the photo is an image a face check can use (not raw WLT)."""
        return self.photo is not None and self.photo_format in DECODED_PHOTO_FORMATS

    def __repr__(self) -> str:
        # Allow-list: only the card type and the photo size are safe to show.
        size = len(self.photo) if self.photo is not None else 0
        return f"IdentityRecord(card_type={self.card_type!r}, photo={size} bytes, <redacted>)"

    __str__ = __repr__


class CardError(Exception):
    """A read failed for a reason the citizen can act on (one of CARD_ERROR_REASONS)."""

    def __init__(self, reason: str) -> None:
        if reason not in CARD_ERROR_REASONS:
            raise ValueError(f"unknown card error reason {reason!r}")
        super().__init__(reason)
        self.reason = reason


class IdCardReader(Device):
    """An identity document reader; backends implement `_read_card()`."""

    device_class: ClassVar[str] = "idcard"

    def _read_card(self) -> IdentityRecord | None:
        """Read the document in the reader (primitive, worker thread).

        Raises CardError for a citizen-fixable failure, DeviceTimeout when the reader is silent;
        returns None when the read was abandoned (device stopping).
        """
        raise NotImplementedError

    def _read_and_report(self) -> None:
        """Template: read, check the record, and emit card_read or card_error."""
        try:
            record = self._read_card()
        except CardError as exc:
            self._log.info("card read failed: %s", exc.reason)
            self._emit("card_error", {"reason": exc.reason})
            return
        except DeviceTimeout:
            self._log.info("card read failed: timeout")
            self._emit("card_error", {"reason": "timeout"})
            return
        if record is None:
            return
        if record.card_type not in CARD_TYPES:
            self._emit("card_error", {"reason": "unsupported_card"})
            return
        if record.card_type == "resident" and not id_number_valid(record.id_number):
            # A bad check character is a read error, not a citizen (GB 11643).
            self._log.info("card read failed: ID number check character wrong")
            self._emit("card_error", {"reason": "invalid_data"})
            return
        self._log.info("card read: %s", record.card_type)
        self._emit("card_read", {"record": record})
