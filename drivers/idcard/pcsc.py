"""`PcscDocumentReader`: ICAO 9303 travel documents (eMRTD) through pcscd, with pyscard.

The worker watches one reader with SCardGetStatusChange (a bounded wait, so stop and queued
requests stay responsive). A card that appears is read once: SELECT the LDS application, Basic
Access Control from the MRZ key, then EF.COM, DG1 and DG2 under Secure Messaging. DG1 becomes
the IdentityRecord (`card_type="travel_document"`, `id_number` = document number, `authority`
= issuing state, `valid_until` = expiry, `valid_from` None), DG2 the face image (JPEG or JPEG
2000, `photo_format` "jpeg"/"jp2").

The MRZ key comes from config (`mrz` option: "DOCNUMBER,YYMMDD,YYMMDD" or the 24-character
MRZ information) or from the citizen at run time through `set_mrz()` (`clear_mrz()` forgets it
when the session ends); without one, or when the chip refuses it, the read ends with
`card_error` reason `access_denied`.

pcscd gone -> `not_reachable` (the context is re-established every `reconnect_interval_s`);
no matching reader -> `not_reachable` until one appears.

Options: `reader` (substring of the reader name; default: the first reader), `mrz`,
`poll_interval_s` (0.2), `reconnect_interval_s` (1.0), `read_dg2` (true), `chunk` (0xDF).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from smartcard import scard

from drivers.base import DeviceTimeout
from drivers.idcard import CardError, IdCardReader, IdentityRecord, icao
from drivers.idcard.mrzkey import MrzKeyHolder
from drivers.options import PcscOptions
from drivers.status import DeviceStatus, Status

_GONE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_E_NO_READERS_AVAILABLE,
}
_READER_GONE = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}
_REMOVED = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD}


def _sw(response: bytes) -> int:
    return int.from_bytes(response[-2:], "big") if len(response) >= 2 else 0


class PcscDocumentReader(MrzKeyHolder, IdCardReader):
    """An ICAO 9303 travel document reader on a PC/SC reader."""

    Options = PcscOptions
    options: PcscOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        o = self.options
        self._reader_hint = o.reader
        self._interval = max(0.05, o.poll_interval_s)
        self._reconnect_interval = o.reconnect_interval_s
        self._read_dg2 = o.read_dg2
        self._chunk = o.chunk
        # The configured key (tests, fixed setups) is what clear_mrz() goes back to.
        self._init_mrz(o.mrz)
        self._ctx: Any = None
        self._reader: str | None = None
        self._state = scard.SCARD_STATE_UNAWARE
        self._present = False
        self._last_connect = 0.0
        self._denied = False  # the card in the reader refused the last MRZ
        self.reader_name: str | None = None
        # Seconds from seeing the card to the record (for the bench).
        self.last_read_s: float | None = None

    # -- public -------------------------------------------------------------------------------
    # -- Device primitives ------------------------------------------------------------------
    def _open(self) -> DeviceStatus:
        status = self._connect()
        self._submit(self._poll)
        return status

    def _close(self) -> None:
        self._release()

    def _release(self) -> None:
        ctx, self._ctx = self._ctx, None
        self._reader = None
        if ctx is not None:
            with contextlib.suppress(scard.error):
                scard.SCardReleaseContext(ctx)

    def _connect(self) -> DeviceStatus:
        self._last_connect = time.monotonic()
        self._release()
        try:
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        except scard.error:
            hr, ctx = scard.SCARD_E_NO_SERVICE, None
        if hr != scard.SCARD_S_SUCCESS:
            return DeviceStatus.for_status(Status.NOT_REACHABLE, "pcscd not running")
        self._ctx = ctx
        return self._find_reader()

    def _find_reader(self) -> DeviceStatus:
        hr, readers = scard.SCardListReaders(self._ctx, [])
        if hr in _GONE - {scard.SCARD_E_NO_READERS_AVAILABLE}:
            self._release()
            return DeviceStatus.for_status(Status.NOT_REACHABLE, "pcscd not running")
        matching = [r for r in (readers or []) if self._reader_hint in r]
        if hr != scard.SCARD_S_SUCCESS or not matching:
            self._reader = None
            return DeviceStatus.for_status(Status.NOT_REACHABLE, "no such reader")
        self._reader = self.reader_name = matching[0]
        self._state = scard.SCARD_STATE_UNAWARE
        return DeviceStatus.for_status(Status.OK)

    # -- watching -----------------------------------------------------------------------------
    def _poll(self) -> None:
        try:
            self._poll_once()
        except Exception:
            self._log.exception("poll failed")
            self._release()
            self._set_status(DeviceStatus.for_status(Status.NOT_REACHABLE, "error"))
            self._pump(self._reconnect_interval)
        if self._pump(0.005):
            self._submit(self._poll)

    def _gone(self, detail: str) -> None:
        self._set_status(DeviceStatus.for_status(Status.NOT_REACHABLE, detail))
        if self._present:
            self._present = False
            self._emit("card_removed")

    def _poll_once(self) -> None:
        if self._ctx is None or self._reader is None:
            wait = self._reconnect_interval - (time.monotonic() - self._last_connect)
            if wait > 0:
                self._pump(min(wait, self._interval))
                return
            self._set_status(self._connect() if self._ctx is None else self._find_reader())
            self._last_connect = time.monotonic()
            if self._reader is None and self._present:
                self._gone("no such reader")
            return
        hr, states = scard.SCardGetStatusChange(
            self._ctx, int(self._interval * 1000), [(self._reader, self._state)]
        )
        if hr == scard.SCARD_E_TIMEOUT:
            return
        if hr in _GONE:
            self._release()
            self._gone("pcscd gone")
            return
        if hr in _READER_GONE:
            self._reader = None
            self._gone("reader gone")
            return
        if hr != scard.SCARD_S_SUCCESS:
            self._log.debug("SCardGetStatusChange: %s", scard.SCardGetErrorMessage(hr))
            self._pump(self._interval)
            return
        _, event_state, _ = states[0]
        self._state = event_state & ~scard.SCARD_STATE_CHANGED
        if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            self._reader = None
            self._gone("reader gone")
            return
        if not self.status.usable:
            self._set_status(DeviceStatus.for_status(Status.OK))
        present = bool(event_state & scard.SCARD_STATE_PRESENT) and not (
            event_state & scard.SCARD_STATE_MUTE
        )
        if present and not self._present:
            self._present = True
            self._emit("card_inserted")
            self._timed_read()
        elif not present and self._present:
            self._present = False
            self._denied = False
            self._emit("card_removed")

    def _timed_read(self) -> None:
        start = time.monotonic()
        self._denied = False
        self._read_and_report()
        self.last_read_s = time.monotonic() - start

    def _retry_denied(self) -> None:
        if self._present and self._denied:
            self._timed_read()

    # -- the read (template primitive) ----------------------------------------------------------
    def _read_card(self) -> IdentityRecord | None:
        mrz = self._current_mrz()
        if mrz is None:
            self._denied = True
            raise CardError("access_denied")
        hr, hcard, proto = scard.SCardConnect(
            self._ctx,
            self._reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if hr != scard.SCARD_S_SUCCESS:
            self._log.debug("SCardConnect: %s", scard.SCardGetErrorMessage(hr))
            raise CardError("media_removed" if hr in _REMOVED else "media_damaged")
        try:
            return self._read_document(hcard, proto, mrz)
        finally:
            with contextlib.suppress(scard.error):
                scard.SCardDisconnect(hcard, scard.SCARD_LEAVE_CARD)

    def _transmit(self, hcard: Any, proto: int, apdu: bytes) -> bytes:
        if self._stop_pending:
            raise DeviceTimeout("stopping")
        # The command header in full; command data (MRZ-derived cryptograms, wrapped APDUs)
        # only by length, except SELECT by AID. Answers: only the status word.
        plain = apdu[1:3] == b"\xa4\x04"
        self.io.record("out", apdu, head=None if plain or len(apdu) <= 5 else 5)
        hr, response = scard.SCardTransmit(hcard, proto, list(apdu))
        if hr == scard.SCARD_S_SUCCESS:
            self.io.record("in", bytes(response), head=0, tail=min(2, len(response)))
        else:
            self.io.note(f"SCardTransmit {hr & 0xFFFFFFFF:08X}")
        if hr != scard.SCARD_S_SUCCESS:
            if hr in _REMOVED:
                raise CardError("media_removed")
            if hr in (scard.SCARD_E_TIMEOUT, scard.SCARD_W_UNRESPONSIVE_CARD):
                raise DeviceTimeout("card did not answer")
            self._log.debug("SCardTransmit: %s", scard.SCardGetErrorMessage(hr))
            # Readers report a card that left mid-exchange in several ways (vpcd: a comm
            # error): ask whether it is still there before calling it damaged.
            raise CardError("media_removed" if self._card_gone() else "media_damaged")
        if len(response) < 2:
            # No status word: the exchange broke (vpcd answers "success" with nothing when
            # the card left in the middle).
            raise CardError("media_removed" if self._card_gone() else "media_damaged")
        return bytes(response)

    def _card_gone(self, wait_s: float = 0.5) -> bool:
        deadline = time.monotonic() + wait_s
        while True:
            hr, states = scard.SCardGetStatusChange(
                self._ctx, 50, [(self._reader, scard.SCARD_STATE_UNAWARE)]
            )
            if hr == scard.SCARD_S_SUCCESS and states[0][1] & scard.SCARD_STATE_EMPTY:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def _read_document(self, hcard: Any, proto: int, mrz: icao.MrzKey) -> IdentityRecord:
        answer = self._transmit(hcard, proto, b"\x00\xa4\x04\x0c\x07" + icao.LDS_AID)
        if _sw(answer) != 0x9000:
            raise CardError("unsupported_card")  # not an eMRTD
        rnd_ic = self._transmit(hcard, proto, b"\x00\x84\x00\x00\x08")
        if _sw(rnd_ic) != 0x9000 or len(rnd_ic) != 10:
            raise CardError("media_damaged")
        _, k_enc, k_mac = icao.bac_keys(mrz)
        challenge = icao.new_challenge(rnd_ic[:8])
        data = challenge.command_data(k_enc, k_mac)
        answer = self._transmit(hcard, proto, b"\x00\x82\x00\x00\x28" + data + b"\x28")
        if _sw(answer) != 0x9000:
            self._denied = True
            raise CardError("access_denied")
        try:
            sm = challenge.session(answer[:-2], k_enc, k_mac)
        except icao.IcaoError:
            self._denied = True
            raise CardError("access_denied") from None
        try:
            groups = icao.parse_com(self._read_file(hcard, proto, sm, icao.EF_COM))
            if 1 not in groups:
                raise CardError("invalid_data")
            mrz_data = icao.parse_dg1(self._read_file(hcard, proto, sm, icao.EF_DG1))
            photo, photo_format = None, None
            if self._read_dg2 and 2 in groups:
                photo, photo_format = icao.parse_dg2(self._read_file(hcard, proto, sm, icao.EF_DG2))
        except icao.IcaoError as exc:
            self._log.info("document data refused: %s", exc)  # no data values in these
            raise CardError("invalid_data") from None
        return IdentityRecord(
            card_type="travel_document",
            name=mrz_data.name,
            sex=mrz_data.sex,
            nation=mrz_data.nationality,
            birth_date=mrz_data.birth_date,
            address="",
            id_number=mrz_data.document_number,
            authority=mrz_data.issuing_state,
            valid_from=None,
            valid_until=mrz_data.expiry_date,
            photo=photo,
            photo_format=photo_format,
        )

    def _sm(
        self, hcard: Any, proto: int, sm: icao.SecureMessaging, apdu: bytes
    ) -> tuple[bytes, int]:
        response = self._transmit(hcard, proto, sm.wrap(apdu))
        try:
            return sm.unwrap(response)
        except icao.IcaoError:
            # A wrong MAC ends the chip's session: nothing more can be read this time.
            raise CardError("media_damaged") from None

    def _read_file(self, hcard: Any, proto: int, sm: icao.SecureMessaging, fid: bytes) -> bytes:
        _, sw = self._sm(hcard, proto, sm, b"\x00\xa4\x02\x0c\x02" + fid)
        if sw != 0x9000:
            raise icao.IcaoError(f"file {fid.hex()} not selectable ({sw:04X})")
        head, sw = self._sm(hcard, proto, sm, b"\x00\xb0\x00\x00\x04")
        if sw not in (0x9000, 0x6282) or len(head) < 2:
            raise icao.IcaoError(f"file {fid.hex()} not readable ({sw:04X})")
        total = icao.tlv_total_length(head)
        if total > 0x7FFF:
            raise icao.IcaoError("file longer than short READ BINARY offsets reach")
        data = bytearray(head)
        while len(data) < total:
            want = min(self._chunk, total - len(data))
            offset = len(data)
            chunk, sw = self._sm(
                hcard, proto, sm, b"\x00\xb0" + offset.to_bytes(2, "big") + bytes([want])
            )
            if sw not in (0x9000, 0x6282) or not chunk:
                raise icao.IcaoError(f"read of {fid.hex()} stopped ({sw:04X})")
            data += chunk
        return bytes(data[:total])
