"""Identification: the card reader's events, the travel-document MRZ key and the face check.

The MRZ key the citizen types is checked here field by field (the screen shows an error per
field), then handed to the reader as a `drivers.idcard.icao.MrzKey` and not kept: the session
keeps only a masked hint of the document number.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from drivers.idcard import IdentityRecord
from drivers.idcard.icao import IcaoError, MrzKey
from kiosk.session.core import FlowCore
from kiosk.session.model import Session

log = logging.getLogger("kiosk.session")

FACE_ATTEMPTS = 3
MRZ_FIELDS = ("document_number", "birth_date", "expiry_date")
_MRZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


def _mrz_date_ok(value: str) -> bool:
    """YYMMDD naming a real day in 19YY or 20YY (29 February needs a leap year in one)."""
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        return False
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    for year in (1900 + yy, 2000 + yy):
        try:
            date(year, mm, dd)
        except ValueError:
            continue
        return True
    return False


def validate_mrz(values: Mapping[str, str]) -> dict[str, str]:
    """Error keys by MRZ field ('required', 'invalid.mrz_...'); empty when all are fine.

    Values are expected normalised (upper case, no spaces). Never echoes a value. Stricter
    than `MrzKey` itself, which checks the character set only: a date must be a real day and
    the number must not start with a filler.
    """
    errors: dict[str, str] = {}
    number = values.get("document_number", "")
    if not number:
        errors["document_number"] = "required"
    elif (
        len(number) > 9
        or not set(number) <= _MRZ_CHARS
        or not number.strip("<")
        or number.startswith("<")
    ):
        errors["document_number"] = "invalid.mrz_document_number"
    for name in ("birth_date", "expiry_date"):
        value = values.get(name, "")
        if not value:
            errors[name] = "required"
        elif not _mrz_date_ok(value):
            errors[name] = "invalid.mrz_date"
    return errors


def mask_document_number(value: str) -> str:
    """Keep the first and last characters of a document number: L******C."""
    value = value.rstrip("<")
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def _reference_photo(record: IdentityRecord | None) -> bytes | None:
    """The document photo when a face check can use it; None for undecoded WLT."""
    return record.photo if record is not None and record.photo_decoded else None


def _identity_value(record: IdentityRecord, source: str) -> str:
    attr = source.removeprefix("id_card.")
    value = getattr(record, attr, None)  # the prefill source names a record field (config)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class IdentifyMixin(FlowCore):
    """The identify and verify_face screens."""

    def _intent_identify_mode(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        mode = str(args.get("mode", ""))
        if mode == "travel_document" and self.ports.supports_mrz():
            session.mrz_errors = {}
            session.mrz_masked = ""
            self._message = "idcard.mrz_enter"
            self._chart.send("travel_document")
        elif mode == "id_card":
            self._forget_mrz(session)
            self._message = "idcard.insert"
            self._chart.send("use_card")

    def _intent_mrz(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        values = {
            name: "".join(str(args.get(name, "")).split()).upper()[:16] for name in MRZ_FIELDS
        }
        session.mrz_errors = validate_mrz(values)
        if session.mrz_errors:
            self._message = "form.has_errors"
            return
        try:
            key = MrzKey(**values)
        except IcaoError:  # validate_mrz is the stricter check: this cannot happen
            session.mrz_errors = {"document_number": "invalid.mrz_document_number"}
            self._message = "form.has_errors"
            return
        # Handed to the reader and dropped here: the flow keeps only a masked hint.
        self.ports.set_mrz(key)
        session.mrz_given = True
        self._chart.send("key_given")
        session.mrz_masked = mask_document_number(values["document_number"])
        self._message = "idcard.insert_travel"
        log.info("travel document key entered")

    def _intent_retry(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        if session.face_attempts < FACE_ATTEMPTS:
            self._message = "face.look"
            self.ports.start_face(_reference_photo(session.identity))

    def _on_idcard_card_inserted(self, payload: Mapping[str, Any]) -> None:
        self._message = "idcard.reading"

    def _on_idcard_card_read(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        record = payload.get("record")
        if record is None:
            self._message = "idcard.reinsert"
            return
        session.identity = record
        self._forget_mrz(session)  # the chip is read: the key has done its job
        for f in session.service.fields:
            if f.prefill and f.prefill.startswith("id_card."):
                session.values[f.id] = _identity_value(record, f.prefill)
                session.prefilled.add(f.id)
        self._message = None
        self._chart.send("identified")
        if self.screen == "verify_face":
            self._message = "face.look"
            self.ports.start_face(_reference_photo(record))
        else:
            self._start_lookup(session)

    def _on_idcard_card_error(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        reason = payload.get("reason")
        if reason == "access_denied" and self.ports.supports_mrz():
            # A travel document the key does not open (or no key yet): back to the keypad.
            session.mrz_errors = {}
            self._chart.send("travel_document")
            self._message = "idcard.mrz" if session.mrz_given else "idcard.mrz_needed"
            return
        self._message = {
            "invalid_data": "idcard.invalid",
            "unsupported_card": "idcard.unsupported",
            "access_denied": "idcard.mrz",  # travel document: check the keyed-in MRZ
        }.get(str(reason), "idcard.reinsert")

    def _on_idcard_card_removed(self, payload: Mapping[str, Any]) -> None:
        if self._message == "idcard.reading":
            self._message = "idcard.reinsert"

    def _on_camera_face_result(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        if payload.get("match"):
            self.ports.stop_face()
            self._message = None
            self._chart.send("face_matched")
            self._start_lookup(session)
            return
        reason = payload.get("reason")
        if reason in ("stalled", "no_camera"):
            # The camera failed, not the citizen: no attempt is used up.
            self._message = "unavailable.camera"
            return
        if reason in ("no_reference", "bad_reference"):
            # No usable document photo: trying again cannot help, a staffed window can.
            self.ports.stop_face()
            session.face_attempts = FACE_ATTEMPTS
            self._message = "face.failed"
            return
        session.face_attempts += 1
        if session.face_attempts >= FACE_ATTEMPTS:
            self.ports.stop_face()
            self._message = "face.failed"
        else:
            self._message = "face.retry"
            self.ports.start_face(_reference_photo(session.identity))

    def _forget_mrz(self, session: Session) -> None:
        """Make the reader drop the citizen's MRZ key, if one was given."""
        if session.mrz_given:
            self.ports.clear_mrz()
            session.mrz_given = False
        session.mrz_masked = ""
        session.mrz_errors = {}
