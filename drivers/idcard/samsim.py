"""A resident ID card reader simulator that speaks the real SAM frames on a pty or TCP socket.

    sim = SamSimulator(transport="pty", link=tmp / "ttySAM0")   # or transport="tcp"
    sim.start(); reader_url = sim.url                             # a path, or socket://...
    sim.inject("card_insert", "resident"); ...; sim.stop()

The pty is reached through a symlink (like a udev /dev/serial/by-id link), so `unplug` and
`replug` can drop the pty and make a new one under the same name. With `baud` set, answers are
paced to the wire time of that baud rate (10 bits a byte), as a real serial line would be.

Fault words (DEVICES.md): `card_insert PROFILE`, `card_remove`, `garbage` (noise on the line
and the next answer's checksum corrupted), `slow` (reads take SLOW_READ_S), `reset` (undo
slow), `power_off`/`power_on` (the module stops/starts answering), `unplug`/`replug`.

The people on the simulated cards are obviously fictitious (the GB 11643 example number, an
address on 示例省示例市测试路, nationality "UTO", the ICAO specimen country).

Run standalone: `python -m drivers.idcard.samsim --pty /tmp/ttySAM0` and type fault words.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import socket
import sys
import threading
import time
import tty
from pathlib import Path

from drivers.idcard import samframe as sf

SLOW_READ_S = 1.5
_POLL_S = 0.02

WORDS = frozenset(
    {"card_insert", "card_remove", "garbage", "slow", "reset", "power_off", "power_on"}
    | {"unplug", "replug"}
)


def _text(layout: tuple[tuple[str, int], ...], **values: str) -> bytes:
    return sf.join_fields(values, layout).encode("utf-16-le")


_RESIDENT = {
    "name": "测试样例",
    "sex": "2",
    "nation": "01",
    "birth_date": "19491231",
    "address": "示例省示例市测试路1号",
    "id_number": "11010519491231002X",
    "authority": "示例市公安局测试分局",
    "valid_from": "20200101",
    "valid_until": "20400101",
}
FAKE_WLT = b"SIMWLT" + bytes(range(256)) * 3 + bytes(250)  # 1024 bytes, not a real WLT
FAKE_FINGERPRINT = b"SIMFPR" + bytes(1018)


def _profiles() -> dict[str, tuple[bytes, bytes | None] | str]:
    """profile -> (text, fingerprint or None), or "damaged" for a card that fails reads."""
    long_term = dict(_RESIDENT, valid_until=sf.LONG_TERM)
    return {
        "resident": (_text(sf.RESIDENT_LAYOUT, **_RESIDENT), None),
        "resident_long": (_text(sf.RESIDENT_LAYOUT, **long_term), None),
        "resident_fp": (_text(sf.RESIDENT_LAYOUT, **_RESIDENT), FAKE_FINGERPRINT),
        "bad_check": (
            _text(sf.RESIDENT_LAYOUT, **dict(_RESIDENT, id_number="110105194912310021")),
            None,
        ),
        "hmt": (
            _text(
                sf.HMT_LAYOUT,
                **dict(_RESIDENT, id_number="810000199001010019", birth_date="19900101"),
                pass_number="H00000000",
                issue_count="01",
                card_type="J",
            ),
            None,
        ),
        "foreigner": (
            _text(
                sf.FOREIGN_LAYOUT,
                name_en="SPECIMEN, TEST EXAMPLE",
                sex="1",
                permit_number="UTO110090101001",
                nationality="UTO",
                name="测试样例",
                valid_from="20200101",
                valid_until="20300101",
                birth_date="19900101",
                version="20",
                authority="1500",
                card_type="I",
            ),
            None,
        ),
        "unknown_layout": (_text(sf.HMT_LAYOUT, **_RESIDENT, card_type="Y"), None),
        "damaged": "damaged",
    }


PROFILES = _profiles()


class SamSimulator:
    """A SAM reader on a pty (reached through `link`) or on a TCP port of 127.0.0.1."""

    def __init__(
        self,
        *,
        transport: str = "pty",
        link: str | Path | None = None,
        port: int = 0,
        baud: int | None = None,
        read_delay_s: float = 0.0,
        slow_read_s: float = SLOW_READ_S,
    ) -> None:
        if transport not in ("pty", "tcp"):
            raise ValueError("transport is pty or tcp")
        if transport == "pty" and link is None:
            raise ValueError("a pty simulator needs a link path")
        self.transport = transport
        self._link = Path(link) if link is not None else None
        self._port = port
        self._baud = baud
        self._read_delay_s = read_delay_s
        self._slow_read_s = slow_read_s
        self._lock = threading.Lock()
        self._card: str | None = None
        self._selected = False
        self._powered = True
        self._plugged = True
        self._slow = False
        self._corrupt_next = False
        self._noise = b""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self.received: list[tuple[int, int]] = []  # (command, parameter) of each frame

    # -- control ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """What a reader opens: the pty link path or socket://127.0.0.1:PORT."""
        if self.transport == "pty":
            return str(self._link)
        return f"socket://127.0.0.1:{self._port}"

    def start(self) -> SamSimulator:
        """Open the line and serve in a thread."""
        self._plug()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="samsim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        self._unplug()

    def __enter__(self) -> SamSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, word: str, *args: str) -> None:
        """Apply a fault word or card action (ValueError for an unknown one)."""
        if word not in WORDS:
            raise ValueError(f"unknown word {word[:40]!r} (known: {', '.join(sorted(WORDS))})")
        if word == "card_insert":
            profile = args[0] if args else "resident"
            if profile not in PROFILES:
                raise ValueError(f"unknown profile {profile[:40]!r}")
        with self._lock:
            match word:
                case "card_insert":
                    self._card = args[0] if args else "resident"
                    self._selected = False
                case "card_remove":
                    self._card = None
                    self._selected = False
                case "garbage":
                    self._noise = bytes(random.randrange(256) for _ in range(23)) + b"\xaa\xaa"
                    self._corrupt_next = True
                case "slow":
                    self._slow = True
                case "reset":
                    self._slow = False
                case "power_off":
                    self._powered = False
                case "power_on":
                    self._powered = True
                case "unplug":
                    self._plugged = False
                case "replug":
                    self._plugged = True
        if word == "unplug":
            self._unplug()
        elif word == "replug":
            self._plug()

    # -- line ------------------------------------------------------------------------------
    def _plug(self) -> None:
        with self._lock:
            if self.transport == "pty":
                if self._master is not None:
                    return
                master, slave = os.openpty()
                tty.setraw(slave)  # no echo of our answers back to us before the reader opens
                os.set_blocking(master, False)
                assert self._link is not None
                tmp = self._link.with_name(self._link.name + ".new")
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                tmp.symlink_to(os.ttyname(slave))
                tmp.replace(self._link)
                self._master, self._slave = master, slave
            else:
                if self._listener is not None:
                    return
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("127.0.0.1", self._port))
                listener.listen(1)
                self._port = listener.getsockname()[1]
                self._listener = listener

    def _unplug(self) -> None:
        with self._lock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None
            if self._link is not None:
                with contextlib.suppress(FileNotFoundError):
                    self._link.unlink()
            for sock in (self._client, self._listener):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.close()
            self._client = self._listener = None

    def _readable(self) -> int | socket.socket | None:
        with self._lock:
            if self.transport == "pty":
                return self._master
            if self._client is not None:
                return self._client
            return self._listener

    def _serve(self) -> None:
        assembler = sf.FrameAssembler()
        while not self._stop.is_set():
            source = self._readable()
            if source is None:
                self._stop.wait(_POLL_S)
                continue
            try:
                ready, _, _ = select.select([source], [], [], _POLL_S)
            except (OSError, ValueError):
                self._stop.wait(_POLL_S)  # closed under us by unplug
                continue
            if not ready:
                continue
            try:
                if isinstance(source, socket.socket) and source is self._listener:
                    client, _ = source.accept()
                    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    with self._lock:
                        if self._client is not None:
                            client.close()  # one host at a time, like a serial line
                        else:
                            self._client = client
                            assembler.reset()
                    continue
                if isinstance(source, socket.socket):
                    data = source.recv(4096)
                    if not data:
                        with self._lock:
                            source.close()
                            if self._client is source:
                                self._client = None
                        continue
                else:
                    data = os.read(source, 4096)
            except BlockingIOError:
                continue
            except OSError:
                # EIO on the master while no reader holds the pty open: nothing to read.
                self._stop.wait(_POLL_S)
                continue
            for item in assembler.feed(data):
                if isinstance(item, bytes) and len(item) >= 2:
                    self.received.append((item[0], item[1]))
                    answer = self._answer(item[0], item[1])
                    if answer is not None:
                        # A real UART hears the command at the baud rate before it answers.
                        self._send(answer, heard=len(item) + len(sf.HEADER) + 3)
                # Malformed command frames: a real module answers 10 (checksum) to some,
                # ignores others; we answer the checksum error so the host can retry.
                elif isinstance(item, sf.FrameError) and item.kind == "bad_checksum":
                    self._send(sf.response(sf.SW_CHECKSUM))

    def _answer(self, cmd: int, param: int) -> bytes | None:
        with self._lock:
            if not self._powered:
                return None
            card = self._card
            slow = self._slow
        match (cmd, param):
            case sf.CMD_SAM_STATUS | sf.CMD_SAM_RESET:
                return sf.response(sf.SW_OK)
            case sf.CMD_FIND_CARD:
                return sf.response(sf.SW_FOUND if card else sf.SW_NO_CARD, bytes(4))
            case sf.CMD_SELECT_CARD:
                if not card:
                    return sf.response(sf.SW_SELECT_FAILED)
                with self._lock:
                    self._selected = True
                return sf.response(sf.SW_OK, bytes(8))
            case sf.CMD_READ_TEXT_PHOTO | sf.CMD_READ_TEXT_PHOTO_FP:
                delay = self._slow_read_s if slow else self._read_delay_s
                if delay and self._stop.wait(delay):
                    return None
                with self._lock:
                    card = self._card  # it may have been pulled while we worked
                    selected = self._selected
                profile = PROFILES.get(card) if card else None
                if profile is None or not selected or isinstance(profile, str):
                    return sf.response(sf.SW_READ_FAILED)
                text, fingerprint = profile
                if (cmd, param) == sf.CMD_READ_TEXT_PHOTO_FP:
                    data = sf.join_read_data(text, FAKE_WLT, fingerprint or b"")
                else:
                    data = sf.join_read_data(text, FAKE_WLT)
                return sf.response(sf.SW_OK, data)
        return sf.response(sf.SW_BAD_COMMAND)

    def _send(self, frame: bytes, heard: int = 0) -> None:
        with self._lock:
            noise, self._noise = self._noise, b""
            if self._corrupt_next:
                self._corrupt_next = False
                frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        data = noise + frame
        start = time.monotonic() + (heard * 10 / self._baud if self._baud else 0.0)
        chunk = 64 if self._baud else len(data)
        for i in range(0, len(data), chunk):
            if self._baud:
                # Pace like a UART: the byte leaves only when its 10 bits have been clocked.
                due = start + min(i + chunk, len(data)) * 10 / self._baud
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            if not self._write(data[i : i + chunk]):
                return

    def _write(self, data: bytes) -> bool:
        with self._lock:
            master, client = self._master, self._client
        try:
            if master is not None:
                view = memoryview(data)
                while view:
                    try:
                        n = os.write(master, view)
                    except BlockingIOError:
                        time.sleep(0.001)
                        continue
                    view = view[n:]
            elif client is not None:
                client.sendall(data)
            else:
                return False
        except OSError:
            return False
        return True


def main(argv: list[str] | None = None) -> int:
    """Serve a simulator and apply fault words typed on standard input."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m drivers.idcard.samsim")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--pty", metavar="LINK", help="make a pty reachable through LINK")
    group.add_argument("--tcp", metavar="PORT", type=int, help="listen on 127.0.0.1:PORT")
    parser.add_argument("--baud", type=int, default=None, help="pace answers at this baud rate")
    parser.add_argument("--card", default=None, help="profile of a card inserted at start")
    args = parser.parse_args(argv)
    sim = SamSimulator(
        transport="pty" if args.pty else "tcp",
        link=args.pty,
        port=args.tcp or 0,
        baud=args.baud,
    ).start()
    if args.card:
        sim.inject("card_insert", args.card)
    print(f"SAM simulator on {sim.url}; words: {', '.join(sorted(WORDS))}", flush=True)
    try:
        for line in sys.stdin:
            parts = line.split()
            if not parts:
                continue
            try:
                sim.inject(parts[0], *parts[1:])
            except ValueError as exc:
                print(exc, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
