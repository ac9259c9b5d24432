"""`SamCardReader`: resident ID card readers that speak the SAM protocol over a serial line.

The port is opened with `serial.serial_for_url()`, so a device path (`/dev/ttyUSB0`, a udev
link), `socket://host:port` (a serial server, or the simulator) and `loop://` all work.

The worker polls: `find card` every `poll_interval_s` (readers recommend >= 300 ms). A card that
is found is selected and read once (`card_inserted`, then `card_read` or `card_error`); when
`find` stops seeing it, `card_removed`. A silent reader becomes `not_responding`, a lost line
`not_reachable` (the port is reopened every `reconnect_interval_s`), and both recover to
`ready` by themselves; each transition is logged once (drivers.base).

Note for real readers: some modules answer "no card" to `find` once a card has been read until
it is lifted and put back; that shows as `card_removed` after the read, which the flow ignores.

Options: `url` (required), `baudrate` (115200), `poll_interval_s` (0.3),
`response_timeout_s` (0.5), `read_timeout_s` (3.0), `retries` (2, for corrupt frames),
`reconnect_interval_s` (1.0), `fingerprint` (false: read command 30 01; true: 30 10),
`wlt_library` (path of the vendor WLT decoder; see wlt.py), `wlt_function` ("unpack").
"""

from __future__ import annotations

import contextlib
import termios
import time
from typing import Any

import serial

from drivers.base import DeviceError, DeviceNotFound, DeviceTimeout
from drivers.idcard import CardError, IdCardReader, IdentityRecord
from drivers.idcard import samframe as sf
from drivers.options import SamOptions
from drivers.status import DeviceStatus, Status

# termios.error is not an OSError: a pty whose other end is gone raises it from tcflush.
_PORT_ERRORS = (serial.SerialException, OSError, termios.error)
_READ_SLICE_S = 0.02  # serial read timeout: how often a waiting read looks at stop requests


_PLAIN_ANSWERS = frozenset({sf.CMD_SAM_STATUS, sf.CMD_SAM_RESET, sf.CMD_FIND_CARD})


class _LineLost(DeviceError):
    """The port went away (unplugged, socket closed)."""


class _Abandoned(DeviceError):
    """The device is stopping: give up the current exchange."""


class _BadFrame(DeviceError):
    """An answer arrived corrupt."""


class SamCardReader(IdCardReader):
    """A resident ID card reader (GA 467 SAM module) on a serial line or socket."""

    Options = SamOptions
    options: SamOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        o = self.options
        if not o.url:
            raise DeviceNotFound("SamCardReader needs a url option (device path or socket://)")
        self._url = o.url
        self._baud = o.baudrate
        self._interval = max(0.05, o.poll_interval_s)
        self._response_timeout = o.response_timeout_s
        self._read_timeout = o.read_timeout_s
        self._retries = o.retries
        self._reconnect_interval = o.reconnect_interval_s
        self._read_cmd = sf.CMD_READ_TEXT_PHOTO_FP if o.fingerprint else sf.CMD_READ_TEXT_PHOTO
        self._wlt_library = o.wlt_library
        self._wlt_function = o.wlt_function
        self._decoder: Any = None
        self._decoder_failed = False
        self._port: Any = None
        self._assembler = sf.FrameAssembler()
        self._card_present = False
        self._line_lost = False
        self._last_connect = 0.0
        # Figures of the last card read (for the bench): seconds, bytes out, bytes in.
        self.last_read: tuple[float, int, int] | None = None
        self._bytes_out = 0
        self._bytes_in = 0

    # -- Device primitives -----------------------------------------------------------------
    def _open(self) -> DeviceStatus:
        status = self._connect()
        self._submit(self._poll)
        return status

    def _close(self) -> None:
        self._close_port()

    # -- line --------------------------------------------------------------------------------
    def _connect(self) -> DeviceStatus:
        self._last_connect = time.monotonic()
        self._close_port()
        try:
            self._port = serial.serial_for_url(
                self._url, baudrate=self._baud, timeout=_READ_SLICE_S, write_timeout=1.0
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            self._log.debug("open %s failed: %s", self._url, exc)
            return DeviceStatus.for_status(Status.NOT_REACHABLE, type(exc).__name__)
        return self._check_sam()

    def _check_sam(self) -> DeviceStatus:
        try:
            answer = self._transact(sf.CMD_SAM_STATUS)
        except DeviceTimeout:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, "no answer to SAM status")
        except _BadFrame:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, "garbled answers")
        except _LineLost:
            self._close_port()
            return DeviceStatus.for_status(Status.NOT_REACHABLE, "line lost")
        if answer.status == sf.SW_OK:
            return DeviceStatus.for_status(Status.OK)
        if answer.status == sf.SW_SELF_TEST:
            return DeviceStatus.for_status(Status.HARDWARE_ERROR, "SAM self test failed")
        return DeviceStatus.for_status(
            Status.HARDWARE_ERROR, f"SAM status answered {answer.status:02X}"
        )

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is None:
            return
        sock = getattr(port, "_socket", None)
        if sock is not None:
            # pyserial 3.5 socket:// close() calls shutdown() first, which raises on a reset
            # connection and skips close(), leaking the socket; then it sleeps 0.3 s. Close the
            # socket ourselves and mark the port closed.
            with contextlib.suppress(OSError):
                sock.close()
            port._socket = None
            port.is_open = False
        else:
            with contextlib.suppress(*_PORT_ERRORS):
                port.close()

    def _transact(
        self, cmd: tuple[int, int], *, timeout: float | None = None, retries: int | None = None
    ) -> sf.Response:
        """Send a command and wait for its answer; retries corrupt answers.

        Raises DeviceTimeout (no answer), _LineLost, _Abandoned, or _BadFrame after retries.
        """
        if self._port is None:
            raise _LineLost("port closed")
        attempts = 1 + (self._retries if retries is None else retries)
        frame = sf.command(cmd)
        # Only the reader's own answers (SAM status, reset, find) are free of card data.
        personal = cmd not in _PLAIN_ANSWERS
        last: Exception | None = None
        for _ in range(attempts):
            self._assembler.reset()
            try:
                self._port.reset_input_buffer()  # a late answer to an earlier command
                self._port.write(frame)
            except _PORT_ERRORS as exc:
                raise _LineLost(type(exc).__name__) from None
            self._bytes_out += len(frame)
            self.io.record("out", frame, note=f"cmd {cmd[0]:02X} {cmd[1]:02X}")
            try:
                answer = self._receive(
                    self._response_timeout if timeout is None else timeout, personal=personal
                )
            except _BadFrame as exc:
                last = exc
                self._log.debug("corrupt answer to %02X %02X: %s", cmd[0], cmd[1], exc)
                continue
            if answer.status in (sf.SW_CHECKSUM, sf.SW_LENGTH):
                last = _BadFrame("the reader received a corrupt command")
                continue
            return answer
        raise last if last is not None else _BadFrame("no attempt")

    def _receive(self, timeout: float, *, personal: bool = True) -> sf.Response:
        deadline = time.monotonic() + timeout
        while True:
            if self._stop_pending:
                raise _Abandoned("stopping")
            if time.monotonic() >= deadline:
                raise DeviceTimeout("no answer from the reader")
            try:
                waiting = self._port.in_waiting
                data = self._port.read(max(1, min(waiting, 4096)))
            except (*_PORT_ERRORS, AttributeError, TypeError) as exc:
                # pyserial raises TypeError/AttributeError from a port closed under it.
                raise _LineLost(type(exc).__name__) from None
            if not data:
                continue
            self._bytes_in += len(data)
            for item in self._assembler.feed(data):
                if isinstance(item, sf.FrameError):
                    self.io.note(f"bad frame: {item.kind}")
                    raise _BadFrame(item.kind)
                # Header, length and SW1-SW3 in full; card data (and its checksum) masked.
                self.io.record(
                    "in",
                    sf.encode_frame(item),
                    head=len(sf.HEADER) + 5 if personal else None,
                    note=f"status {item[2]:02X}" if len(item) > 2 else "short",
                )
                try:
                    return sf.Response.parse(item)
                except sf.FrameError as exc:
                    raise _BadFrame(exc.kind) from None

    # -- polling -----------------------------------------------------------------------------
    def _poll(self) -> None:
        try:
            self._poll_once()
        except _Abandoned:
            return
        except Exception:
            # A bug or an unmapped library error must not end polling for good.
            self._log.exception("poll failed")
            self._lost()
        if self._pump(self._interval):
            self._submit(self._poll)

    def _lost(self) -> None:
        self._close_port()
        self._set_status(DeviceStatus.for_status(Status.NOT_REACHABLE, "line lost"))
        if self._card_present:
            self._card_present = False
            self._emit("card_removed")

    def _poll_once(self) -> None:
        if self._port is None:
            if time.monotonic() - self._last_connect < self._reconnect_interval:
                return
            self._set_status(self._connect())
            return
        if not self.status.usable:
            self._set_status(self._check_sam())
            if not self.status.usable:
                return
        try:
            answer = self._transact(sf.CMD_FIND_CARD)
        except DeviceTimeout:
            self._set_status(DeviceStatus.for_status(Status.NOT_RESPONDING, "no answer"))
            if self._card_present:
                # We cannot tell what happened to the card meanwhile: read it afresh later.
                self._card_present = False
                self._emit("card_removed")
            return
        except _BadFrame:
            return  # noise on the line: the next poll asks again
        except _LineLost:
            self._lost()
            return
        if answer.status == sf.SW_FOUND:
            if not self._card_present:
                self._card_present = True
                self._emit("card_inserted")
                self._timed_read()
        elif answer.status == sf.SW_NO_CARD:
            if self._card_present:
                self._card_present = False
                self._emit("card_removed")
        elif answer.status == sf.SW_SELF_TEST:
            self._set_status(DeviceStatus.for_status(Status.HARDWARE_ERROR, "SAM self test"))

    def _timed_read(self) -> None:
        start = time.monotonic()
        out0, in0 = self._bytes_out, self._bytes_in
        self._line_lost = False
        self._read_and_report()
        self.last_read = (time.monotonic() - start, self._bytes_out - out0, self._bytes_in - in0)
        if self._line_lost:
            self._lost()

    # -- the read (template primitive) -----------------------------------------------------------
    def _read_card(self) -> IdentityRecord | None:
        try:
            return self._select_and_read()
        except _Abandoned:
            return None
        except _LineLost:
            self._line_lost = True
            raise DeviceTimeout("line lost during the read") from None
        except _BadFrame:
            raise CardError("media_damaged") from None

    def _card_gone(self) -> bool:
        try:
            return self._transact(sf.CMD_FIND_CARD).status == sf.SW_NO_CARD
        except (DeviceTimeout, _BadFrame):
            return False

    def _select_and_read(self) -> IdentityRecord:
        answer = self._transact(sf.CMD_SELECT_CARD)
        if answer.status != sf.SW_OK:
            raise CardError("media_removed" if self._card_gone() else "media_damaged")
        answer = self._transact(self._read_cmd, timeout=self._read_timeout)
        if answer.status != sf.SW_OK:
            raise CardError("media_removed" if self._card_gone() else "media_damaged")
        try:
            parts = sf.split_read_data(answer.data, self._read_cmd == sf.CMD_READ_TEXT_PHOTO_FP)
            text = sf.decode_text(parts.text)
        except sf.TextError as exc:
            self._log.info("card data refused: %s", exc)  # names the field, never its value
            raise CardError(exc.reason) from None
        photo, photo_format = self._photo(parts.photo)
        return IdentityRecord(
            card_type=text.card_type,
            name=text.name,
            sex=text.sex,
            nation=text.nation,
            birth_date=text.birth_date,
            address=text.address,
            id_number=text.id_number,
            authority=text.authority,
            valid_from=text.valid_from,
            valid_until=text.valid_until,
            photo=photo or None,
            photo_format=photo_format,
        )

    def _photo(self, wlt: bytes) -> tuple[bytes, str | None]:
        if not wlt:
            return b"", None
        if self._wlt_library and self._decoder is None and not self._decoder_failed:
            from drivers.idcard.wlt import WltDecodeError, WltDecoder

            try:
                self._decoder = WltDecoder(self._wlt_library, function=self._wlt_function)
            except WltDecodeError as exc:
                self._decoder_failed = True
                self._log.warning("WLT photos stay undecoded: %s", exc)
        if self._decoder is not None:
            from drivers.idcard.wlt import WltDecodeError

            try:
                return self._decoder.decode(wlt), "bmp"
            except WltDecodeError as exc:
                self._log.info("WLT photo not decoded: %s", exc)
        return wlt, "wlt"
