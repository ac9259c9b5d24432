"""ESC/POS receipt printers over python-escpos: serial, USB and TCP (port 9100).

Two halves:
- `EscposEncoder` turns the driver-neutral receipt blocks into ESC/POS bytes for one printer
  profile (paper width, Chinese as GB18030 text or as raster, native or raster QR, cutter).
  It writes the bytes itself: python-escpos 3.1 switches to GB18030 only for text with CJK
  ideographs, so full-width punctuation on its own would print as "?" (DEVICES.md pitfalls).
- `EscposReceiptPrinter` opens the printer with python-escpos (`Network`, `Serial`, `Usb`,
  chosen by URL), checks the status before and after every job (`DLE EOT 1-4`, `GS r 1`), and
  treats no answer as a fault. A job that fails is cleared from the printer's buffer
  (`DLE DC4 8`) so it never prints later, after a refill (real printers do that).

URLs: `tcp://host:9100`, `serial:///dev/ttyUSB0?baudrate=19200`, `usb://04b8:0e15`.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import socket
import struct
import threading
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from drivers.base import DeviceError, DeviceNotFound, DeviceTimeout, OperationFailed
from drivers.options import EscposOptions, ReceiptProfileOptions
from drivers.receipt import ReceiptPrinter
from drivers.receipt.text import display_width, wrap
from drivers.status import Action, DeviceStatus, Status

# -- protocol constants (shared with the sink simulator) ---------------------------------------
ESC, GS, FS, DLE, LF = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
CUT_PARTIAL = GS + b"V" + bytes([66, 0])  # feed to the cutter, then partial cut
# DLE DC4 fn=8: clear the receive and print buffers (Epson "recover from error and clear").
CLEAR_BUFFER = DLE + b"\x14\x08\x01\x03\x14\x01\x06\x02\x08"
STATUS_QUERIES: dict[str, bytes] = {
    "printer": DLE + b"\x04\x01",
    "offline": DLE + b"\x04\x02",
    "error": DLE + b"\x04\x03",
    "paper": DLE + b"\x04\x04",
    "sensor": GS + b"r\x01",
}
ACK_HEADER = b"\x37\x25"  # reply to GS ( H fn=48: 37 25 d1 d2 d3 d4 00

# Bits of the status answers (Epson ESC/POS reference, DLE EOT / GS r).
OFFLINE = 0x08  # n=1
COVER_OPEN = 0x04  # n=2
PAPER_STOP = 0x20  # n=2: printing stopped by paper end
ERROR_OCCURRED = 0x40  # n=2
CUTTER_ERROR = 0x04  # n=3
UNRECOVERABLE = 0x08  # n=3
AUTO_RECOVERABLE = 0x20  # n=3 (head temperature): recovers by itself
JAM = 0x40  # n=3, kiosk-model extension (Epson: reserved). See docs/printing.md.
NEAR_END = 0x0C  # n=4
PAPER_END = 0x60  # n=4
SENSOR_NEAR_END = 0x03  # GS r 1
SENSOR_END = 0x0C  # GS r 1
SENSOR_PRESENTER = 0x20  # GS r 1, kiosk-model extension: a receipt waits in the mouth
DLE_EOT_FIXED_MASK, DLE_EOT_FIXED = 0x93, 0x12
GS_R_FIXED_MASK = 0x90

INVERT = bytes(255 - b for b in range(256))  # bytes.translate table: flip every bit
PAPER_DOTS = {58: 384, 80: 576}
FONT_A_DOTS = 12  # a half-width character of font A is 12x24 dots
LINE_DOTS = 30  # default line spacing


@dataclass(frozen=True)
class EscposProfile:
    """What one printer model can do; from the device options in config."""

    paper_mm: int = 80
    chinese: str = "gb18030"  # "gb18030": the printer's Chinese mode (FS &); "raster": images
    charset: str = "gbk"  # in gb18030 mode: "gbk" (2-byte fonts, most printers) or "gb18030"
    qr: str = "native"  # "native": GS ( k; "raster": an image
    qr_module: int = 6  # dots per QR module
    cutter: bool = True
    barcode_height: int = 60

    def __post_init__(self) -> None:
        if self.paper_mm not in PAPER_DOTS:
            raise ValueError("paper_mm must be 58 or 80")
        if self.chinese not in ("gb18030", "raster"):
            raise ValueError("chinese must be 'gb18030' or 'raster'")
        if self.charset not in ("gbk", "gb18030"):
            raise ValueError("charset must be 'gbk' or 'gb18030'")
        if self.qr not in ("native", "raster"):
            raise ValueError("qr must be 'native' or 'raster'")
        if not 1 <= self.qr_module <= 16:
            raise ValueError("qr_module must be 1..16")

    @property
    def dots(self) -> int:
        return PAPER_DOTS[self.paper_mm]

    @property
    def columns(self) -> int:
        return self.dots // FONT_A_DOTS

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | ReceiptProfileOptions) -> EscposProfile:
        """The profile from device options: a backend's typed options, or a plain mapping
        (as in config) whose keys other than the profile's are ignored here."""
        if isinstance(options, ReceiptProfileOptions):
            options = options.model_dump()
        names = [f for f in ReceiptProfileOptions.model_fields if f in cls.__dataclass_fields__]
        picked = {k: options[k] for k in names if k in options}
        return cls(**ReceiptProfileOptions.model_validate(picked).model_dump(include=set(names)))


@dataclass
class Encoded:
    """The bytes of one receipt and how many characters had to be replaced."""

    data: bytes
    replaced: int = 0
    lines: int = 0
    notes: list[str] = field(default_factory=list)


def _qr_native(data: bytes, module: int) -> bytes:
    def k(fn: int, payload: bytes) -> bytes:
        body = bytes([49, fn]) + payload  # cn=49 (QR)
        return GS + b"(k" + struct.pack("<H", len(body)) + body

    return (
        k(65, bytes([50, 0]))  # model 2
        + k(67, bytes([module]))  # module size
        + k(69, bytes([49]))  # error correction M
        + k(80, b"0" + data)  # store
        + k(81, b"0")  # print
    )


def raster(bits: Sequence[Sequence[bool]]) -> bytes:
    """GS v 0 for a bitmap (rows of booleans, True = black), in bands of at most 256 rows."""
    if not bits:
        return b""
    width = len(bits[0])
    row_bytes = (width + 7) // 8
    out = bytearray()
    for start in range(0, len(bits), 256):
        band = bits[start : start + 256]
        out += GS + b"v0\x00" + struct.pack("<HH", row_bytes, len(band))
        for row in band:
            packed = bytearray(row_bytes)
            for x, black in enumerate(row):
                if black:
                    packed[x >> 3] |= 0x80 >> (x & 7)
            out += packed
    return bytes(out)


def _pil_raster(image: Any) -> bytes:
    """GS v 0 for a Pillow "1" image (0 = black); fast path through tobytes()."""
    mono = image.convert("1")
    width, height = mono.size
    row_bytes = (width + 7) // 8
    # Pillow packs "1" images MSB first, 1 = white; ESC/POS wants 1 = black.
    data = mono.tobytes().translate(INVERT)
    out = bytearray()
    for start in range(0, height, 256):
        rows = min(256, height - start)
        out += GS + b"v0\x00" + struct.pack("<HH", row_bytes, rows)
        out += data[start * row_bytes : (start + rows) * row_bytes]
    return bytes(out)


@functools.lru_cache(maxsize=4)
def cjk_font(size: int, bold: bool = False) -> Any:
    """A Pillow font with Chinese glyphs (Noto Sans CJK SC, found through fontconfig)."""
    import subprocess

    from PIL import ImageFont

    pattern = "Noto Sans CJK SC" + (":bold" if bold else "")
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}:%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
        path, _, index = found.rpartition(":")
        return ImageFont.truetype(path, size, index=int(index or 0))
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise DeviceNotFound(f"no CJK font for receipt rendering: {exc}") from exc


@functools.lru_cache(maxsize=4096)
def glyph(ch: str, scale: int, bold: bool) -> Any:
    """One character in its printer cell (12x24 dots per column, 30-dot line), as an L image.

    The printer's font A is monospaced: a wide character takes two columns. Glyphs wider than
    their cell are squeezed, so a rendered line is exactly as wide as `display_width` says.
    """
    from PIL import Image, ImageDraw

    cell_w = display_width(ch) * FONT_A_DOTS * scale
    cell_h = LINE_DOTS * scale
    font = cjk_font(24 * scale, bold)
    ink_w = max(1, round(font.getlength(ch)))
    canvas = Image.new("L", (max(cell_w, ink_w), cell_h), 255)
    baseline = 23 * scale
    x = max(0, (cell_w - ink_w) // 2)
    ImageDraw.Draw(canvas).text((x, baseline), ch, font=font, fill=0, anchor="ls")
    if canvas.width > cell_w:
        canvas = canvas.resize((cell_w, cell_h), Image.Resampling.LANCZOS)
    return canvas


def text_line_image(line: str, align: str, bold: bool, scale: int, dots: int) -> Any:
    """One printed text line as an L image `dots` wide, laid out in printer cells."""
    from PIL import Image

    image = Image.new("L", (dots, LINE_DOTS * scale), 255)
    width = display_width(line) * FONT_A_DOTS * scale
    x = {"left": 0, "center": (dots - width) // 2, "right": dots - width}.get(align, 0)
    x = max(0, x)
    for ch in line:
        if x >= dots:
            break
        cell = glyph(ch, scale, bold)
        image.paste(cell, (x, 0))
        x += cell.width
    return image


class EscposEncoder:
    """Receipt blocks -> ESC/POS bytes for one profile."""

    def __init__(self, profile: EscposProfile | None = None) -> None:
        self.profile = profile or EscposProfile()

    # -- characters --
    def _printable(self, text: str) -> tuple[str, int]:
        """Replace what this printer cannot print with "?"; return the text and the count."""
        out: list[str] = []
        replaced = 0
        for ch in text:
            if ch == "\n" or " " <= ch <= "~":
                out.append(ch)
                continue
            ok = False
            if unicodedata.category(ch)[0] != "C":
                if self.profile.chinese == "raster":
                    ok = ord(ch) <= 0xFFFF
                else:
                    try:
                        ok = len(ch.encode(self.profile.charset)) == 2
                    except UnicodeEncodeError:
                        ok = False
            if ok:
                out.append(ch)
            else:
                out.append("?")
                replaced += 1
        return "".join(out), replaced

    def _text_line(self, line: str, align: str, bold: bool, scale: int) -> bytes:
        if self.profile.chinese == "raster" and not line.isascii():
            return self._raster_line(line, align, bold, scale)
        style = ESC + b"a" + bytes([{"left": 0, "center": 1, "right": 2}[align]])
        style += ESC + b"E" + bytes([1 if bold else 0])
        style += GS + b"!" + bytes([0x11 if scale == 2 else 0])
        encoding = self.profile.charset if self.profile.chinese == "gb18030" else "ascii"
        return style + line.encode(encoding) + LF

    def _raster_line(self, line: str, align: str, bold: bool, scale: int) -> bytes:
        image = text_line_image(line, align, bold, scale, self.profile.dots)
        return ESC + b"a\x00" + _pil_raster(image.point(lambda v: 0 if v < 128 else 255))

    # -- blocks --
    def encode(self, blocks: Sequence[Mapping[str, Any]]) -> Encoded:
        """The whole job: init, Chinese mode, the blocks, cut."""
        p = self.profile
        out = bytearray(INIT)
        if p.chinese == "gb18030":
            out += CHINESE_ON
        result = Encoded(b"")
        for block in blocks:
            kind = block.get("kind")
            if kind == "text":
                scale = int(block.get("scale", 1))
                text, replaced = self._printable(str(block.get("text", "")))
                result.replaced += replaced
                align = str(block.get("align", "left"))
                bold = bool(block.get("bold", False))
                for line in wrap(text, p.columns // scale):
                    out += self._text_line(line, align, bold, scale)
                    result.lines += 1
                out += ESC + b"E\x00" + GS + b"!\x00"
            elif kind == "rule":
                out += ESC + b"a\x00" + b"-" * p.columns + LF
                result.lines += 1
            elif kind == "qr":
                out += ESC + b"a\x01" + self._qr(str(block["data"])) + LF
            elif kind == "barcode":
                out += self._barcode(str(block["data"]), result)
            elif kind == "feed":
                out += ESC + b"d" + bytes([int(block.get("lines", 1))])
            elif kind == "cut":
                out += CUT_PARTIAL if p.cutter else ESC + b"d\x04"
        out += ESC + b"a\x00"
        result.data = bytes(out)
        return result

    def _qr(self, data: str) -> bytes:
        payload = data.encode("utf-8")
        if self.profile.qr == "native":
            return _qr_native(payload, self.profile.qr_module)
        import qrcode

        # A fixed mask: choosing the "best" of eight costs 85 % of the time, and every mask
        # decodes (the choice only evens out dark and light areas).
        code = qrcode.QRCode(
            error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1, mask_pattern=2
        )
        code.add_data(payload)
        code.make(fit=True)
        from PIL import Image

        matrix = code.get_matrix()
        n, m = len(matrix), self.profile.qr_module
        cells = Image.frombytes("L", (n, n), bytes(0 if c else 255 for row in matrix for c in row))
        size = n * m
        image = Image.new("L", (self.profile.dots, size), 255)
        image.paste(
            cells.resize((size, size), Image.Resampling.NEAREST),
            ((self.profile.dots - size) // 2, 0),
        )
        return _pil_raster(image)

    def _barcode(self, data: str, result: Encoded) -> bytes:
        if not data.isascii() or not all(" " <= c <= "~" for c in data) or len(data) > 60:
            result.notes.append("barcode skipped: data not printable in CODE128")
            return b""
        modules = len(data) * 11 + 35  # start, data, check, stop (code set B) and quiet zone
        width = max(1, min(3, self.profile.dots // modules))
        body = b"{B" + data.encode("ascii")
        return (
            ESC
            + b"a\x01"
            + GS
            + b"h"
            + bytes([self.profile.barcode_height])
            + GS
            + b"w"
            + bytes([width])
            + GS
            + b"H\x02"  # human-readable text below
            + GS
            + b"k\x49"
            + bytes([len(body)])
            + body
            + LF
        )


# -- status ----------------------------------------------------------------------------------
def status_from_answers(answers: Mapping[str, int]) -> DeviceStatus:
    """Map the answers to DLE EOT 1-4 and GS r 1 to a DEVICES.md status."""
    for name in ("printer", "offline", "error", "paper"):
        if answers[name] & DLE_EOT_FIXED_MASK != DLE_EOT_FIXED:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, f"garbled {name} status")
    if answers["sensor"] & GS_R_FIXED_MASK:
        return DeviceStatus.for_status(Status.NOT_RESPONDING, "garbled sensor status")
    offline, error, paper, sensor = (
        answers["offline"],
        answers["error"],
        answers["paper"],
        answers["sensor"],
    )
    if error & CUTTER_ERROR:
        return DeviceStatus.for_status(Status.HARDWARE_ERROR, "cutter error")
    if error & UNRECOVERABLE:
        return DeviceStatus.for_status(Status.HARDWARE_ERROR, "unrecoverable error")
    if error & JAM:
        return DeviceStatus.for_status(Status.MEDIA_JAMMED, "paper jam")
    if error & AUTO_RECOVERABLE:
        status = DeviceStatus.for_status(Status.HARDWARE_ERROR, "head temperature")
        return replace(status, action=Action.SUSPEND)
    if offline & COVER_OPEN:
        return DeviceStatus.for_status(Status.COVER_OPEN)
    if paper & PAPER_END or sensor & SENSOR_END or offline & PAPER_STOP:
        return DeviceStatus.for_status(Status.MEDIA_EMPTY)
    if answers["printer"] & OFFLINE or offline & ERROR_OCCURRED:
        return DeviceStatus.for_status(Status.HARDWARE_ERROR, "offline, cause unknown")
    if sensor & SENSOR_PRESENTER:
        return DeviceStatus.for_status(Status.MEDIA_PRESENT)
    if paper & NEAR_END or sensor & SENSOR_NEAR_END:
        return DeviceStatus.for_status(Status.MEDIA_LOW)
    return DeviceStatus.for_status(Status.OK)


# -- transport ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """Where the printer is: parsed from its URL."""

    scheme: str  # tcp | serial | usb
    host: str = ""
    port: int = 9100
    path: str = ""
    baudrate: int = 19200
    vendor: int = 0
    product: int = 0

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """Parse `tcp://host:port`, `serial:///dev/x?baudrate=N`, `usb://vvvv:pppp`."""
        parts = urlsplit(url)
        if parts.scheme == "tcp":
            if not parts.hostname:
                raise ValueError("tcp URL needs a host")
            return cls("tcp", host=parts.hostname, port=parts.port or 9100)
        if parts.scheme == "serial":
            path = parts.path or parts.netloc
            if not path:
                raise ValueError("serial URL needs a device path")
            query = parse_qs(parts.query)
            return cls("serial", path=path, baudrate=int(query.get("baudrate", ["19200"])[0]))
        if parts.scheme == "usb":
            vendor, _, product = parts.netloc.partition(":")
            return cls("usb", vendor=int(vendor, 16), product=int(product, 16))
        raise ValueError(f"unknown printer URL scheme {parts.scheme!r} (tcp, serial, usb)")


class _Link:
    """One open connection through python-escpos, with single-byte reads and short timeouts."""

    def __init__(self, endpoint: Endpoint, timeout_s: float) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.printer: Any = None
        self._pending = b""  # bytes of an answer read so far

    def open(self) -> None:
        from escpos import printer as escpos_printer  # lazy: python-escpos is heavy to import

        e = self.endpoint
        try:
            if e.scheme == "tcp":
                p = escpos_printer.Network(e.host, e.port, timeout=self.timeout_s)
                # python-escpos 3.1 Network.open() drops the socket of a refused connect
                # without closing it (a ResourceWarning per retry): connect here instead.
                p.device = socket.create_connection((e.host, e.port), timeout=self.timeout_s)
            elif e.scheme == "serial":
                p = escpos_printer.Serial(e.path, baudrate=e.baudrate, timeout=self.timeout_s)
                p.open(raise_not_found=True)
            else:
                p = escpos_printer.Usb(e.vendor, e.product, timeout=int(self.timeout_s * 1000))
                p.open(raise_not_found=True)
        except Exception as exc:  # python-escpos raises its own DeviceNotFoundError and others
            raise DeviceNotFound(f"printer not reachable: {type(exc).__name__}") from exc
        self.printer = p

    def close(self) -> None:
        p, self.printer = self.printer, None
        if p is not None:
            with contextlib.suppress(Exception):
                p.close()

    def write(self, data: bytes) -> None:
        try:
            self.printer._raw(data)
        except Exception as exc:
            self.close()
            raise OperationFailed(f"write failed: {type(exc).__name__}") from exc

    def drain(self) -> None:
        """Drop stale bytes (a late answer to an earlier query)."""
        self._pending = b""
        dev = self.printer.device
        if self.endpoint.scheme == "tcp":
            dev.setblocking(False)
            try:
                while dev.recv(64):
                    pass
            except (BlockingIOError, OSError):
                pass
            finally:
                dev.settimeout(self.timeout_s)
        elif self.endpoint.scheme == "serial":
            dev.reset_input_buffer()

    def read(self, count: int, timeout_s: float) -> bytes:
        """Read exactly `count` bytes within `timeout_s`; DeviceTimeout when they do not come."""
        dev = self.printer.device
        deadline = time.monotonic() + timeout_s
        while len(self._pending) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeout("printer did not answer")
            try:
                if self.endpoint.scheme == "tcp":
                    dev.settimeout(remaining)
                    chunk = dev.recv(count - len(self._pending))
                    if not chunk:
                        self.close()
                        raise OperationFailed("connection closed by the printer")
                elif self.endpoint.scheme == "serial":
                    dev.timeout = remaining
                    chunk = dev.read(count - len(self._pending))  # returns when bytes come
                else:
                    chunk = bytes(self.printer._read())
            except TimeoutError:
                continue
            except DeviceError:
                raise
            except OSError as exc:
                self.close()
                raise OperationFailed(f"read failed: {type(exc).__name__}") from exc
            self._pending += chunk
        data, self._pending = self._pending[:count], self._pending[count:]
        return data


_job_numbers = itertools.count(1)


class EscposReceiptPrinter(ReceiptPrinter):
    """A real ESC/POS receipt printer.

    Options: `url` (required), the profile keys (`paper_mm` 58|80, `chinese` gb18030|raster,
    `charset`, `qr` native|raster, `qr_module`, `cutter`), `timeout_s` (connect/write, default
    2), `status_timeout_s` (per status answer, default 0.5), `job_ack` ("process_id": wait for
    the printer's GS ( H answer that the job was processed; "status": only check the status
    after the job), `job_timeout_s` (default 15), `poll_interval_s` (idle status poll, default
    5; 0 off). See drivers/options.py `EscposOptions`.
    """

    Options = EscposOptions
    options: EscposOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        super().__init__(on_event, **options)
        o = self.options
        if not o.url:
            raise DeviceNotFound("escpos printer needs a url option")
        self.endpoint = Endpoint.parse(o.url)
        self.profile = EscposProfile.from_options(o)
        self.encoder = EscposEncoder(self.profile)
        self._timeout_s = o.timeout_s
        self._status_timeout_s = o.status_timeout_s
        self._job_ack = o.job_ack
        self._job_timeout_s = o.job_timeout_s
        self._poll_s = o.poll_interval_s
        self._link = _Link(self.endpoint, self._timeout_s)
        self._poller: threading.Thread | None = None
        self.replaced_total = 0  # characters replaced because the printer cannot print them

    # -- Device primitives --
    def _open(self) -> DeviceStatus:
        self._connect()
        if self._poll_s > 0 and (self._poller is None or not self._poller.is_alive()):
            self._poller = threading.Thread(
                target=self._poll_loop, name="drivers.receipt.poll", daemon=True
            )
            self._poller.start()
        try:
            return self._read_status()
        except DeviceTimeout:
            return DeviceStatus.for_status(Status.NOT_RESPONDING, "no status answer")

    def _close(self) -> None:
        self._link.close()

    def _poll_quietly(self) -> None:
        self._poll_status()  # publishes a change as status_changed

    def _poll_loop(self) -> None:
        while not self._stop_requested.wait(self._poll_s):
            self._submit(self._poll_quietly)

    def _connect(self) -> None:
        if self._link.printer is None:
            self._link.open()

    def _read_status(self) -> DeviceStatus:
        try:
            self._connect()
        except DeviceNotFound:
            return DeviceStatus.for_status(Status.NOT_REACHABLE, "no connection")
        try:
            self._link.drain()
            answers: dict[str, int] = {}
            for name, query in STATUS_QUERIES.items():
                self._link.write(query)
                self.io.record("out", query, note=f"status query {name}")
                answer = self._link.read(1, self._status_timeout_s)
                self.io.record("in", answer, note=f"status {name}")
                answers[name] = answer[0]
        except OperationFailed:
            return DeviceStatus.for_status(Status.NOT_REACHABLE, "connection lost")
        return status_from_answers(answers)

    def _print(self, job_id: str, content: Any) -> None:
        encoded = self.encoder.encode(content)
        if encoded.replaced:
            self.replaced_total += encoded.replaced
            self._log.warning("job %s: %d characters replaced", job_id, encoded.replaced)
        data = encoded.data
        number = next(_job_numbers) & 0x7FFFFFFF
        ack_id = struct.pack(">I", number).replace(b"\x00", b"\x01")
        if self._job_ack == "process_id":
            data += GS + b"(H\x06\x00\x30\x30" + ack_id
        try:
            self._connect()
            self._link.drain()
            self._link.write(data)
            # Init (and Chinese mode) and the acknowledgement request in full; the receipt's
            # text, codes and images (names, numbers) only by length.
            head = len(INIT) + (len(CHINESE_ON) if self.profile.chinese == "gb18030" else 0)
            tail = len(data) - len(encoded.data) if self._job_ack == "process_id" else 0
            self.io.record("out", data, head=head, tail=tail, note=f"job {job_id}")
            if self._job_ack == "process_id":
                reply = self._wait_ack(ack_id)
                self.io.record("in", reply, note="job acknowledgement")
                if reply != ACK_HEADER + ack_id + b"\x00":
                    raise OperationFailed("unexpected job acknowledgement")
            else:
                # Without an acknowledgement the status right after the job is all there is.
                after = self._read_status()
                if not after.usable:
                    raise OperationFailed(f"printer stopped: {after.status}")
        except DeviceError:
            self._clear_buffer()
            raise

    def _wait_ack(self, ack_id: bytes) -> bytes:
        deadline = time.monotonic() + self._job_timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._stop_pending:
                raise OperationFailed("job not acknowledged in time")
            try:
                return self._link.read(7, min(remaining, 0.25))
            except DeviceTimeout:
                # Let injected words (simulator) run while the printer works.
                self._pump(0)
                continue

    def _clear_buffer(self) -> None:
        """Make sure a failed job never prints later (after a refill, say)."""
        try:
            self._connect()
            self._link.drain()
            self._link.write(CLEAR_BUFFER)
            self.io.record("out", CLEAR_BUFFER, note="clear buffer")
            # Printers confirm with 37 25 00; read it so that it is not taken for a status.
            with contextlib.suppress(DeviceTimeout):
                self._link.read(3, self._status_timeout_s)
        except DeviceError:
            self._log.info("could not clear the printer buffer (printer gone)")

    def encode(self, blocks: Sequence[Mapping[str, Any]]) -> bytes:
        """The bytes this printer would receive for `blocks` (previews, benchmarks)."""
        return self.encoder.encode(blocks).data


def preview_bytes(
    blocks: Sequence[Mapping[str, Any]], options: Mapping[str, Any] | None = None
) -> bytes:
    """ESC/POS bytes for `blocks` with the profile in `options` (no printer needed)."""
    return EscposEncoder(EscposProfile.from_options(options or {})).encode(blocks).data


__all__ = [
    "EscposEncoder",
    "EscposProfile",
    "EscposReceiptPrinter",
    "display_width",
    "preview_bytes",
    "status_from_answers",
    "wrap",
]
