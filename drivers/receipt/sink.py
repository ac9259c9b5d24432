"""The ESC/POS sink: a receipt printer simulator on TCP (port 9100 style) or a pty.

It decodes what it receives into a structured document (text lines with their style, QR
payloads, barcodes, raster images, feeds, cuts), answers the status queries (`DLE EOT 1-4`,
`GS r 1`) and the job acknowledgement (`GS ( H`) from its simulated state, renders a PNG
preview, and takes the fault words of DEVICES.md.

Like a real printer it keeps what it received while it cannot print (paper out, cover open,
jam) and prints that backlog once the fault is cleared, unless the host cleared its buffer
(`DLE DC4 8`): the behaviour that makes "never leave jobs queued in a printer" necessary.

Run standalone: `python -m drivers.receipt.sink --port 9100` (or `--pty`); type fault words on
stdin; `--preview-dir DIR` writes a PNG per cut receipt.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import select
import socket
import sys
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from drivers.base import validate_options
from drivers.options import EscposSimOptions
from drivers.receipt.escpos import (
    ACK_HEADER,
    COVER_OPEN,
    CUTTER_ERROR,
    ERROR_OCCURRED,
    FONT_A_DOTS,
    INVERT,
    JAM,
    LINE_DOTS,
    NEAR_END,
    OFFLINE,
    PAPER_DOTS,
    PAPER_END,
    PAPER_STOP,
    SENSOR_END,
    SENSOR_NEAR_END,
    SENSOR_PRESENTER,
    EscposReceiptPrinter,
    cjk_font,
    text_line_image,
)
from drivers.simprinter import PRINTER_WORDS, PrinterSimState

log = logging.getLogger("drivers.receipt.sink")

SINK_WORDS = PRINTER_WORDS | {"garbage"}
SLOW_ANSWER_S = 0.3
ALIGNS = ("left", "center", "right")


@dataclass
class SinkDocument:
    """One receipt as the printer saw it: elements in order, closed by a cut."""

    elements: list[dict[str, Any]] = field(default_factory=list)
    cut: bool = False

    def lines(self) -> list[str]:
        """The text lines (for assertions)."""
        return [e["text"] for e in self.elements if e["kind"] == "text"]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """The elements of one kind."""
        return [e for e in self.elements if e["kind"] == kind]


class NeedMore(Exception):
    """The buffer ends inside a command."""


class EscposDecoder:
    """Parses an ESC/POS byte stream; executes it against documents and a status source.

    `answer(bytes)` is called for status replies; `status()` gives the DLE EOT / GS r bytes.
    """

    def __init__(
        self,
        answer: Callable[[bytes], None] | None = None,
        state: PrinterSimState | None = None,
        garbage: Callable[[], bool] = lambda: False,
    ) -> None:
        self._answer = answer or (lambda _b: None)
        self.state = state or PrinterSimState()
        self._garbage = garbage
        self._buf = bytearray()
        self.backlog: list[bytes] = []  # commands received while the printer could not print
        self.documents: list[SinkDocument] = []
        self.current = SinkDocument()
        self.unknown = 0
        self._reset_style()
        self._line = bytearray()
        self._line_style: tuple[str, bool, int] | None = None
        self._qr_data = b""
        self._qr_module = 3

    def _reset_style(self) -> None:
        self.align = "left"
        self.bold = False
        self.scale = 1
        self.chinese = False
        self.barcode_width = 3
        self.barcode_height = 162

    # -- state as status bytes --
    def can_print(self) -> bool:
        """Whether the mechanism prints now (else data waits in the buffer)."""
        s = self.state
        return (
            s.powered
            and s.plugged
            and s.paper != "empty"
            and not (s.cover_open or s.jammed or s.hardware_fault)
        )

    def status_byte(self, n: int) -> int:
        """The answer to DLE EOT n (n=1..4) or, for n=0, to GS r 1."""
        s = self.state
        if n == 0:
            value = SENSOR_NEAR_END if s.paper == "low" else 0
            value |= SENSOR_END if s.paper == "empty" else 0
            return value | (SENSOR_PRESENTER if s.media_present else 0)
        value = 0x12
        if n == 1 and not self.can_print():
            value |= OFFLINE
        elif n == 2:
            value |= COVER_OPEN if s.cover_open else 0
            value |= PAPER_STOP if s.paper == "empty" else 0
            value |= ERROR_OCCURRED if (s.jammed or s.hardware_fault) else 0
        elif n == 3:
            value |= CUTTER_ERROR if s.hardware_fault else 0
            value |= JAM if s.jammed else 0
        elif n == 4:
            value |= NEAR_END if s.paper == "low" else 0
            value |= PAPER_END if s.paper == "empty" else 0
        return value

    # -- input --
    def feed(self, data: bytes) -> None:
        """Take received bytes; commands run (or wait in the backlog) as they complete."""
        self._buf += data
        buf, i = self._buf, 0
        while i < len(buf):
            try:
                length, realtime = self._command_length(buf, i)
            except NeedMore:
                break
            if i + length > len(buf):
                break  # the rest of this command has not arrived yet
            command = bytes(buf[i : i + length])
            i += length
            if realtime or self.can_print():
                self._execute(command)
            else:
                self.backlog.append(command)
        del buf[:i]

    def replay_backlog(self) -> None:
        """The fault is cleared: print what waited (as a real printer does)."""
        waiting, self.backlog = self.backlog, []
        for command in waiting:
            self._execute(command)

    @staticmethod
    def _command_length(buf: bytearray, i: int) -> tuple[int, bool]:
        """Length of the command at `buf[i]` and whether it is real-time."""
        have = len(buf) - i

        def need(n: int) -> None:
            if have < n:
                raise NeedMore

        b0 = buf[i]
        if b0 >= 0x20:  # a run of text (GB18030 trail bytes are >= 0x30 too)
            end = i + 1
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            return end - i, False
        if b0 == 0x10:  # DLE
            need(3)
            if buf[i + 1] == 0x14:  # DLE DC4 fn ...
                return (10 if buf[i + 2] == 0x08 else 5), True
            return 3, True  # DLE EOT n / DLE ENQ n
        if b0 == 0x1B:  # ESC
            need(2)
            return (2 if buf[i + 1] in b"@2<" else 3), False
        if b0 == 0x1C:  # FS
            need(2)
            return 2, False
        if b0 == 0x1D:  # GS
            need(2)
            c = buf[i + 1]
            if c == ord("("):
                need(5)
                return 5 + buf[i + 3] + 256 * buf[i + 4], False
            if c == ord("V"):
                need(3)
                return (4 if buf[i + 2] >= 65 else 3), False
            if c == ord("k"):
                need(3)
                if buf[i + 2] <= 6:
                    end = buf.find(b"\x00", i + 3)
                    if end < 0:
                        raise NeedMore
                    return end + 1 - i, False
                need(4)
                return 4 + buf[i + 3], False
            if c == ord("v"):
                need(8)
                width = buf[i + 4] + 256 * buf[i + 5]
                height = buf[i + 6] + 256 * buf[i + 7]
                return 8 + width * height, False
            if c == ord("r"):
                need(3)
                return 3, True  # answered at once (not strictly real-time on every model)
            need(3)
            return 3, False
        return 1, False

    # -- execution --
    def _reply(self, data: bytes) -> None:
        if self._garbage():
            data = b"\xff" * len(data)
        self._answer(data)

    def _execute(self, cmd: bytes) -> None:
        b0 = cmd[0]
        if b0 == 0x10:
            if cmd[1] == 0x04:
                self._reply(bytes([self.status_byte(min(4, max(1, cmd[2])))]))
            elif cmd[1] == 0x14 and cmd[2] == 0x08:
                self.backlog.clear()
                self._line.clear()
                self._reply(ACK_HEADER + b"\x00")
            return
        if b0 == 0x1B:
            self._esc(cmd)
        elif b0 == 0x1C:
            self.chinese = cmd[1] == ord("&")
        elif b0 == 0x1D:
            self._gs(cmd)
        elif cmd == b"\n":
            self._flush_line(force=True)
        elif b0 >= 0x20:
            if not self._line:
                self._line_style = (self.align, self.bold, self.scale)
            self._line += cmd

    def _esc(self, cmd: bytes) -> None:
        c = chr(cmd[1])
        if c == "@":
            self._flush_line()
            self._reset_style()
        elif c == "a":
            self.align = ALIGNS[(cmd[2] - 48 if cmd[2] >= 48 else cmd[2]) % 3]
        elif c == "E":
            self.bold = bool(cmd[2] & 1)
        elif c == "d":
            self._flush_line()
            self.current.elements.append({"kind": "feed", "lines": cmd[2]})
        elif c not in "23tM-J!":
            self.unknown += 1

    def _gs(self, cmd: bytes) -> None:
        c = chr(cmd[1])
        if c == "!":
            self.scale = 2 if cmd[2] & 0x0F else 1
        elif c == "h":
            self.barcode_height = cmd[2]
        elif c == "w":
            self.barcode_width = cmd[2]
        elif c == "V":
            self._flush_line()
            self.current.cut = True
            self.current.elements.append({"kind": "cut"})
            self.documents.append(self.current)
            self.current = SinkDocument()
        elif c == "k":
            m = cmd[2]
            data = cmd[3:-1] if m <= 6 else cmd[4:]
            symbology = "CODE128" if m == 73 else f"m{m}"
            text = data.decode("latin-1")
            if m == 73 and text[:1] == "{":
                text = text[2:].replace("{{", "{")
            self.current.elements.append(
                {
                    "kind": "barcode",
                    "symbology": symbology,
                    "data": text,
                    "width": self.barcode_width,
                    "height": self.barcode_height,
                    "align": self.align,
                }
            )
        elif c == "v":
            self._flush_line()
            width_bytes = cmd[4] + 256 * cmd[5]
            height = cmd[6] + 256 * cmd[7]
            self.current.elements.append(
                {
                    "kind": "image",
                    "width": width_bytes * 8,
                    "height": height,
                    "bits": cmd[8:],
                    "align": self.align,
                }
            )
        elif c == "(":
            self._gs_paren(cmd)
        elif c == "r":
            self._reply(bytes([self.status_byte(0)]))
        elif c not in "Hf":
            self.unknown += 1

    def _gs_paren(self, cmd: bytes) -> None:
        kind, body = chr(cmd[2]), cmd[5:]
        if kind == "k" and len(body) >= 2 and body[0] == 49:
            fn = body[1]
            if fn == 67:
                self._qr_module = body[2]
            elif fn == 80:
                self._qr_data = body[3:]
            elif fn == 81:
                self._flush_line()
                self.current.elements.append(
                    {
                        "kind": "qr",
                        "data": self._qr_data.decode("utf-8", "replace"),
                        "module": self._qr_module,
                        "align": self.align,
                    }
                )
        elif kind == "H" and body[:2] == b"00":
            # The job up to here is processed (printed): acknowledge its id.
            self._reply(ACK_HEADER + body[2:6] + b"\x00")

    def _flush_line(self, force: bool = False) -> None:
        if not self._line and not force:
            return
        align, bold, scale = self._line_style or (self.align, self.bold, self.scale)
        encoding = "gb18030" if self.chinese else "cp437"
        text = bytes(self._line).decode(encoding, "replace")
        self.current.elements.append(
            {"kind": "text", "text": text, "align": align, "bold": bold, "scale": scale}
        )
        self._line.clear()
        self._line_style = None


def decode(data: bytes) -> list[SinkDocument]:
    """Decode a byte stream offline (no printer): the cut documents plus any unfinished one."""
    decoder = EscposDecoder()
    decoder.feed(data)
    decoder._flush_line()
    docs = list(decoder.documents)
    if decoder.current.elements:
        docs.append(decoder.current)
    return docs


# -- preview -----------------------------------------------------------------------------------
def render_png(
    document: SinkDocument, path: str | os.PathLike[str] | None = None, paper_mm: int = 80
) -> bytes:
    """Draw a decoded receipt as a PNG (paper width in printer dots, plus a margin)."""
    import io

    import qrcode
    from PIL import Image, ImageDraw

    dots = PAPER_DOTS[paper_mm]
    margin = 16
    parts: list[tuple[Image.Image, str]] = []
    for element in document.elements:
        kind = element["kind"]
        if kind == "text":
            image = text_line_image(
                element["text"],
                element["align"],
                bool(element["bold"]),
                int(element["scale"]),
                dots,
            )
            parts.append((image, "left"))
        elif kind == "image":
            w, h = element["width"], element["height"]
            raw = bytes(element["bits"]).translate(INVERT)
            image = Image.frombytes("1", (w, h), raw).convert("L")
            parts.append((image, element["align"]))
        elif kind == "qr":
            code = qrcode.QRCode(
                error_correction=qrcode.constants.ERROR_CORRECT_M,
                box_size=int(element["module"]),
                border=4,
            )
            code.add_data(element["data"].encode("utf-8"))
            code.make(fit=True)
            image = code.make_image(fill_color="black", back_color="white").get_image()
            parts.append((image.convert("L"), element["align"]))
        elif kind == "barcode":
            parts.append((_barcode_image(element, dots), element["align"]))
        elif kind == "feed":
            parts.append((Image.new("L", (dots, LINE_DOTS * int(element["lines"])), 255), "left"))
        elif kind == "cut":
            image = Image.new("L", (dots, 16), 255)
            draw = ImageDraw.Draw(image)
            for x in range(0, dots, 12):
                draw.line([(x, 8), (x + 6, 8)], fill=128)
            parts.append((image, "left"))
    height = sum(p[0].height for p in parts) + 2 * margin
    sheet = Image.new("L", (dots + 2 * margin, max(height, 2 * margin)), 255)
    y = margin
    for image, align in parts:
        image = image.crop((0, 0, min(image.width, dots), image.height))
        x = {"left": 0, "center": (dots - image.width) // 2, "right": dots - image.width}[align]
        sheet.paste(image, (margin + x, y))
        y += image.height
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    png = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(png)
    return png


def _barcode_image(element: dict[str, Any], dots: int) -> Any:
    import barcode
    from PIL import Image, ImageDraw

    module = max(1, int(element["width"]))
    bars_height = max(16, int(element["height"]))
    try:
        pattern = barcode.get("code128", element["data"]).build()[0]
    except Exception:  # a symbology the preview does not draw: show its text only
        pattern = ""
    width = min(dots, max(1, len(pattern) * module))
    image = Image.new("L", (width, bars_height + LINE_DOTS), 255)
    draw = ImageDraw.Draw(image)
    for i, bit in enumerate(pattern):
        if bit == "1":
            draw.rectangle([i * module, 0, i * module + module - 1, bars_height - 1], fill=0)
    font = cjk_font(20)
    text_w = int(font.getlength(element["data"]))
    draw.text(((width - text_w) // 2, bars_height + 2), element["data"], font=font, fill=0)
    return image


# -- the simulator ------------------------------------------------------------------------------
class EscposSink:
    """A simulated ESC/POS printer listening on 127.0.0.1 TCP (port 0: any free port) or a pty.

    `documents` are the cut receipts; `inject(word)` takes the DEVICES.md fault words.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        pty: bool = False,
        paper_mm: int = 80,
        slow_answer_s: float = SLOW_ANSWER_S,
    ) -> None:
        self.host = host
        self.port = port
        self.use_pty = pty
        self.paper_mm = paper_mm
        self.slow_answer_s = slow_answer_s
        self.state = PrinterSimState()
        self.garbage = False
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self.decoder = EscposDecoder(self._send, self.state, lambda: self.garbage)
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._out: Callable[[bytes], None] | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self.pty_path: str | None = None
        self.received = 0
        self._scheduled: list[str] = []

    # -- lifecycle --
    def start(self) -> EscposSink:
        """Start listening; returns self (the URL is in `url`)."""
        if self.use_pty:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)
            self.pty_path = os.ttyname(self._slave)
            self._spawn(self._pty_loop)
        else:
            self._listen()
        return self

    def stop(self) -> None:
        """Stop every thread and close every descriptor."""
        self._stop.set()
        self._unlisten()
        for thread in self._threads:
            thread.join(2)
        self._threads.clear()
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None

    def __enter__(self) -> EscposSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The printer URL for EscposReceiptPrinter."""
        if self.use_pty:
            return f"serial://{self.pty_path}?baudrate=115200"
        return f"tcp://{self.host}:{self.port}"

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name="escpos-sink", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _listen(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(1)
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self._server = server
        self._spawn(lambda: self._accept_loop(server))
        self._accept_thread = self._threads[-1]

    def _unlisten(self) -> None:
        server, self._server = self._server, None
        accept_thread = getattr(self, "_accept_thread", None)
        if accept_thread is not None and accept_thread is not threading.current_thread():
            accept_thread.join(1)  # it notices within its 0.1 s accept timeout
        if server is not None:
            server.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stop.is_set() and self._server is server:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            self._spawn(lambda c=conn: self._conn_loop(c))  # type: ignore[misc]

    def _conn_loop(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)

        def send(data: bytes) -> None:
            with contextlib.suppress(OSError):
                conn.sendall(data)

        while not self._stop.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            self._receive(data, send)
        with self._lock:
            if conn in self._conns:
                self._conns.remove(conn)
        conn.close()

    def _pty_loop(self) -> None:
        master = self._master
        assert master is not None

        def send(data: bytes) -> None:
            with contextlib.suppress(OSError):
                os.write(master, data)

        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                time.sleep(0.05)  # no client has the slave open
                continue
            self._receive(data, send)

    def _receive(self, data: bytes, send: Callable[[bytes], None]) -> None:
        with self._lock:
            if not self.state.powered:
                return  # a printer without power hears nothing
            slow = self.state.slow
        if slow:
            time.sleep(self.slow_answer_s)
        with self._lock:
            if self._scheduled and len(data) > 16:  # print data, not a status query
                for word in self._scheduled:
                    self._apply(word)
                self._scheduled.clear()
            self.received += len(data)
            self._out = send
            self.decoder.feed(data)
            self._changed.notify_all()

    def _send(self, data: bytes) -> None:
        if self._out is not None:
            self._out(data)

    # -- control --
    def inject(self, word: str) -> None:
        """Apply a fault word (DEVICES.md); "reset" is a technician clearing every fault."""
        if word not in SINK_WORDS:
            raise ValueError(f"the ESC/POS sink does not accept {word[:40]!r}")
        with self._lock:
            self._apply(word)
        if word == "unplug":
            self._unlisten()
        elif word == "replug" and not self.use_pty and self._server is None:
            self._listen()

    def schedule(self, word: str) -> None:
        """Apply `word` when the next print data arrives (a fault in the middle of a job)."""
        if word not in SINK_WORDS:
            raise ValueError(f"the ESC/POS sink does not accept {word[:40]!r}")
        with self._lock:
            self._scheduled.append(word)

    def _apply(self, word: str) -> None:
        could_print = self.decoder.can_print()
        if word == "garbage":
            self.garbage = True
        else:
            self.state.apply(word)
        if word == "reset":
            self.garbage = False
        if not could_print and self.decoder.can_print():
            self.decoder.replay_backlog()  # what real printers do after a refill
        self._changed.notify_all()

    @property
    def documents(self) -> list[SinkDocument]:
        """The cut receipts so far (a snapshot)."""
        with self._lock:
            return list(self.decoder.documents)

    @property
    def backlog_bytes(self) -> int:
        """Bytes waiting in the printer's buffer for a fault to clear."""
        with self._lock:
            return sum(len(c) for c in self.decoder.backlog)

    def wait_documents(self, count: int, timeout: float = 5.0) -> list[SinkDocument]:
        """Wait until `count` receipts were cut; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.decoder.documents) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(self.decoder.documents)} of {count} receipts within {timeout} s"
                    )
                self._changed.wait(remaining)
            return list(self.decoder.documents)

    def preview(self, path: str | os.PathLike[str] | None = None, index: int = -1) -> bytes:
        """PNG of a received receipt (the last by default)."""
        return render_png(self.documents[index], path, self.paper_mm)


def columns_for(paper_mm: int) -> int:
    """Half-width columns of font A on this paper."""
    return PAPER_DOTS[paper_mm] // FONT_A_DOTS


def main(argv: list[str] | None = None) -> int:
    """Run the sink in the foreground; fault words are read from stdin."""
    parser = argparse.ArgumentParser(prog="python -m drivers.receipt.sink", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--pty", action="store_true", help="serve on a pty instead of TCP")
    parser.add_argument("--paper-mm", type=int, default=80, choices=sorted(PAPER_DOTS))
    parser.add_argument("--preview-dir", help="write receipt-N.png for every cut receipt")
    args = parser.parse_args(argv)
    sink = EscposSink(host=args.host, port=args.port, pty=args.pty, paper_mm=args.paper_mm)
    sink.start()
    print(f"ESC/POS sink on {sink.url}; fault words on stdin", flush=True)
    seen = 0
    try:
        for line in sys.stdin:
            word = line.strip()
            if word:
                try:
                    sink.inject(word)
                except ValueError as exc:
                    print(exc, flush=True)
            docs = sink.documents
            if args.preview_dir:
                for i in range(seen, len(docs)):
                    render_png(docs[i], Path(args.preview_dir) / f"receipt-{i + 1}.png")
            seen = len(docs)
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())


class SinkReceiptPrinter(EscposReceiptPrinter):
    """The real ESC/POS driver talking to an in-process sink: the receipt simulator for the rig.

    Every byte goes through the same encoder, status queries and job acknowledgement as on a
    real printer. Options: those of EscposReceiptPrinter except `url`, plus `pty` (serve the
    sink on a pty instead of TCP) and `faults` (drivers/options.py `EscposSimOptions`).
    """

    injections: ClassVar[frozenset[str]] = SINK_WORDS
    Options = EscposSimOptions

    def __init__(self, on_event: Any, **options: Any) -> None:
        first = validate_options(type(self), options)  # refuse bad options before the sink
        self.sink = EscposSink(pty=first.pty, paper_mm=first.paper_mm).start()
        options["url"] = self.sink.url
        try:
            super().__init__(on_event, **options)
        except BaseException:
            self.sink.stop()
            raise

    def stop(self) -> None:
        """Stop the driver, then its sink."""
        super().stop()
        self.sink.stop()

    def _apply_injection(self, word: str, args: tuple[str, ...]) -> None:
        self.sink.inject(word)
        self._poll_status()

    @property
    def printed(self) -> list[SinkDocument]:
        """The receipts the sink cut so far."""
        return self.sink.documents
