"""An eMRTD (ICAO 9303 travel document chip) emulator that plugs into pcscd through vpcd.

    card = VirtualPassport.specimen(face_jpeg)          # the ICAO specimen holder, Utopia
    link = VpcdLink(card).insert()                      # connect to vpcd: the card is present
    ...; link.remove()                                  # disconnect: the card is pulled

vpcd (Debian `vsmartcard-vpcd`, loaded by pcscd) listens on 127.0.0.1:35963 for reader 0.
Each message is a 2-byte big-endian length + payload; a 1-byte payload is a control (00 power
off, 01 power on, 02 reset, 04 send ATR), anything longer is a command APDU, answered with a
length-prefixed response APDU.

The chip implements SELECT (LDS application, EFs by file id), GET CHALLENGE, EXTERNAL
AUTHENTICATE (BAC) and READ BINARY, with Secure Messaging required for every EF after BAC.
Its crypto is written here again on purpose, independent of the reader's `icao` module, so
a shared mistake cannot make both sides agree. Holders are obviously fictitious: the ICAO
specimen (ERIKSSON, ANNA MARIA of Utopia) and a face drawn at run time.

Run standalone: `python -m drivers.idcard.vicc` (Ctrl-C pulls the card).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import struct
import threading
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, modes

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963
AID_LDS = bytes.fromhex("A0000002471001")
FID_COM, FID_DG1, FID_DG2 = 0x011E, 0x0101, 0x0102
SFI = {0x1E: FID_COM, 0x01: FID_DG1, 0x02: FID_DG2}

SW_OK = b"\x90\x00"
SW_EOF = b"\x62\x82"
SW_WRONG_LENGTH = b"\x67\x00"
SW_SECURITY = b"\x69\x82"
SW_SM_WRONG = b"\x69\x88"
SW_AUTH_FAILED = b"\x63\x00"
SW_NOT_FOUND = b"\x6a\x82"
SW_WRONG_P1P2 = b"\x6b\x00"
SW_INS = b"\x6d\x00"
SW_CLA = b"\x6e\x00"
SW_CONDITIONS = b"\x69\x85"


# -- crypto (independent of drivers.idcard.icao) ---------------------------------------------


def _odd_parity(key: bytes) -> bytes:
    return bytes((b & 0xFE) | (1 - bin(b & 0xFE).count("1") % 2) for b in key)


def _kdf(seed: bytes, c: int) -> bytes:
    return _odd_parity(hashlib.sha1(seed + struct.pack(">I", c)).digest()[:16])


def _tdes(key: bytes, data: bytes, *, decrypt: bool = False) -> bytes:
    cipher = Cipher(TripleDES(key + key[:8]), modes.CBC(b"\x00" * 8))
    op = cipher.decryptor() if decrypt else cipher.encryptor()
    return op.update(data) + op.finalize()


def _pad(data: bytes) -> bytes:
    n = 8 - len(data) % 8
    return data + b"\x80" + b"\x00" * (n - 1)


def _mac(key: bytes, data: bytes) -> bytes:
    # ISO 9797-1 algorithm 3 over padded data: single DES CBC, then DES-1(K2), DES(K1).
    data = _pad(data)
    ka, kb = key[:8], key[8:]
    state = b"\x00" * 8
    des_a = Cipher(TripleDES(ka + ka + ka), modes.ECB())
    for i in range(0, len(data), 8):
        block = bytes(x ^ y for x, y in zip(state, data[i : i + 8], strict=True))
        state = des_a.encryptor().update(block)
    state = Cipher(TripleDES(kb + kb + kb), modes.ECB()).decryptor().update(state)
    return des_a.encryptor().update(state)


def _check(value: str) -> str:
    total = 0
    for i, ch in enumerate(value):
        v = int(ch) if ch.isdigit() else (0 if ch == "<" else ord(ch) - ord("A") + 10)
        total += v * [7, 3, 1][i % 3]
    return str(total % 10)


def _tlv(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    n = len(value)
    if n < 128:
        length = bytes([n])
    elif n < 256:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return tag_bytes + length + value


# -- document content ---------------------------------------------------------------------


def td3_mrz(
    *,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date: str,
    sex: str,
    expiry_date: str,
    issuing_state: str | None = None,
    optional: str = "",
) -> str:
    """A TD3 (passport) MRZ with its check digits: 2 lines of 44, concatenated."""
    name = (surname + "<<" + given_names.replace(" ", "<")).upper()
    line1 = ("P<" + (issuing_state or nationality) + name).ljust(44, "<")[:44]
    doc = document_number.ljust(9, "<")
    opt = optional.ljust(14, "<")
    part = doc + _check(doc) + nationality + birth_date + _check(birth_date) + sex
    part += expiry_date + _check(expiry_date) + opt + _check(opt)
    composite = part[0:10] + part[13:20] + part[21:43]
    return line1 + part + _check(composite)


def face_record(
    image: bytes, *, jpeg2000: bool = False, width: int = 240, height: int = 320
) -> bytes:
    """An ISO/IEC 19794-5 face record around an image (no feature points)."""
    # feature points (2), gender, eye colour, hair colour, feature mask (3), expression (2),
    # pose angles (3), pose uncertainty (3): 16 bytes after the 4-byte block length.
    info = bytes(2) + b"\x02" + b"\x00" + b"\x00" + bytes(3) + bytes(2) + bytes(3) + bytes(3)
    image_info = bytes([1, 1 if jpeg2000 else 0]) + struct.pack(">HH", width, height)
    image_info += bytes([1, 2]) + bytes(2) + bytes(2)
    block = struct.pack(">I", 20 + 12 + len(image)) + info + image_info + image
    body_len = 14 + len(block)
    return b"FAC\x00" + b"010\x00" + struct.pack(">I", body_len) + struct.pack(">H", 1) + block


def dg2(image: bytes, *, jpeg2000: bool = False) -> bytes:
    """DG2: biometric information group template with one face."""
    header = _tlv(0xA1, _tlv(0x80, b"\x01\x01") + _tlv(0x87, b"\x01\x01") + _tlv(0x88, b"\x00\x08"))
    bit = _tlv(0x7F60, header + _tlv(0x5F2E, face_record(image, jpeg2000=jpeg2000)))
    return _tlv(0x75, _tlv(0x7F61, _tlv(0x02, b"\x01") + bit))


def synthetic_face_jpeg(width: int = 240, height: int = 320, *, fmt: str = ".jpg") -> bytes:
    """A drawn face (no real person), encoded by OpenCV: ".jpg" or ".jp2"."""
    import cv2
    import numpy as np

    img = np.full((height, width, 3), (235, 225, 210), np.uint8)
    cx, cy = width // 2, height // 2
    cv2.ellipse(img, (cx, cy), (width // 3, height // 3), 0, 0, 360, (150, 180, 225), -1)
    for dx in (-width // 8, width // 8):
        cv2.circle(img, (cx + dx, cy - height // 12), width // 24, (60, 40, 30), -1)
    cv2.ellipse(
        img, (cx, cy + height // 8), (width // 8, height // 30), 0, 0, 180, (70, 70, 160), 3
    )
    cv2.line(img, (cx, cy - height // 30), (cx - 5, cy + height // 20), (110, 130, 170), 2)
    ok, buf = cv2.imencode(fmt, img)
    if not ok:
        raise RuntimeError(f"OpenCV cannot encode {fmt}")
    return bytes(buf)


@dataclass
class VirtualPassport:
    """The chip: files, BAC key, and the state of one session."""

    mrz: str
    files: dict[int, bytes]
    rnd_ic_fixed: bytes | None = None  # the worked example's RND.IC (tests)
    k_ic_fixed: bytes | None = None  # the worked example's K.IC (tests)
    log: list[bytes] = field(default_factory=list)  # command APDUs received (headers only)

    def __post_init__(self) -> None:
        line2 = self.mrz[44:]
        info = line2[0:10] + line2[13:20] + line2[21:28]
        seed = hashlib.sha1(info.encode()).digest()[:16]
        self._k_enc, self._k_mac = _kdf(seed, 1), _kdf(seed, 2)
        self.reset()

    @classmethod
    def specimen(cls, face: bytes, *, jpeg2000: bool = False, **mrz: str) -> VirtualPassport:
        """The ICAO 9303 specimen holder of Utopia, with the MRZ key of the worked example."""
        fields = {
            "surname": "ERIKSSON",
            "given_names": "ANNA MARIA",
            "document_number": "L898902C",
            "nationality": "UTO",
            "birth_date": "690806",
            "sex": "F",
            "expiry_date": "940623",
            "optional": "ZE184226B",
        }
        fields.update(mrz)
        text = td3_mrz(**fields)
        # EF.COM exactly as in the worked example of 9303 Part 11 (LDS 1.6, DG1 and DG2).
        com = _tlv(0x60, _tlv(0x5F01, b"0106") + _tlv(0x5F36, b"040000") + _tlv(0x5C, b"\x61\x75"))
        files = {
            FID_COM: com,
            FID_DG1: _tlv(0x61, _tlv(0x5F1F, text.encode())),
            FID_DG2: dg2(face, jpeg2000=jpeg2000),
        }
        return cls(text, files)

    def reset(self) -> None:
        """Power cycle: forget the selection and the session."""
        self._app = False
        self._ef: int | None = None
        self._rnd_ic: bytes | None = None
        self._ks: tuple[bytes, bytes] | None = None
        self._ssc = 0

    # -- APDU processing -------------------------------------------------------------------
    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU."""
        self.log.append(apdu[:4])
        if len(apdu) < 4:
            return SW_WRONG_LENGTH
        cla = apdu[0]
        if cla & 0x0C == 0x0C:
            return self._secure(apdu)
        if cla != 0x00:
            return SW_CLA
        ins = apdu[1]
        if self._ks is not None and ins not in (0xA4, 0x84):
            # After BAC the chip accepts EF access only under Secure Messaging.
            self._ks = None
            return SW_SECURITY
        data, le = _split(apdu)
        if data is None:
            return SW_WRONG_LENGTH
        return self._plain(ins, apdu[2], apdu[3], data, le, protected=False)

    def _plain(
        self, ins: int, p1: int, p2: int, data: bytes, le: int | None, *, protected: bool
    ) -> bytes:
        if ins == 0xA4:
            if p1 == 0x04:
                if data == AID_LDS:
                    self._app = True
                    self._ks = None
                    return SW_OK
                return SW_NOT_FOUND
            if p1 == 0x02 and len(data) == 2:
                if not self._app:
                    return SW_NOT_FOUND
                if not protected:
                    return SW_SECURITY
                fid = int.from_bytes(data, "big")
                if fid not in self.files:
                    return SW_NOT_FOUND
                self._ef = fid
                return SW_OK
            return SW_WRONG_P1P2
        if ins == 0x84:
            if le != 8:
                return SW_WRONG_LENGTH
            self._rnd_ic = self.rnd_ic_fixed or os.urandom(8)
            return self._rnd_ic + SW_OK
        if ins == 0x82:
            return self._external_authenticate(data)
        if ins == 0xB0:
            if not protected:
                return SW_SECURITY
            if p1 & 0x80:
                by_sfi = SFI.get(p1 & 0x1F)
                if by_sfi is None:
                    return SW_NOT_FOUND
                self._ef = by_sfi
                offset = p2
            else:
                offset = (p1 << 8) | p2
            if self._ef is None:
                return SW_CONDITIONS
            content = self.files[self._ef]
            if offset > len(content):
                return SW_WRONG_P1P2
            want = le if le else 256
            chunk = content[offset : offset + want]
            return chunk + (SW_EOF if len(chunk) < want else SW_OK)
        return SW_INS

    def _external_authenticate(self, data: bytes) -> bytes:
        if not self._app or self._rnd_ic is None or len(data) != 40:
            return SW_CONDITIONS
        e_ifd, m_ifd = data[:32], data[32:]
        rnd_ic, self._rnd_ic = self._rnd_ic, None
        if _mac(self._k_mac, e_ifd) != m_ifd:
            return SW_AUTH_FAILED
        plain = _tdes(self._k_enc, e_ifd, decrypt=True)
        rnd_ifd, got_ic, k_ifd = plain[:8], plain[8:16], plain[16:]
        if got_ic != rnd_ic:
            return SW_AUTH_FAILED
        k_ic = self.k_ic_fixed or os.urandom(16)
        e_ic = _tdes(self._k_enc, rnd_ic + rnd_ifd + k_ic)
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
        self._ks = (_kdf(seed, 1), _kdf(seed, 2))
        self._ssc = int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big")
        return e_ic + _mac(self._k_mac, e_ic) + SW_OK

    def _secure(self, apdu: bytes) -> bytes:
        if self._ks is None:
            return SW_SM_WRONG
        ks_enc, ks_mac = self._ks
        body, _ = _split(apdu)
        if body is None:
            self._ks = None
            return SW_SM_WRONG
        do87 = do97 = mac = None
        pos = 0
        try:
            while pos < len(body):
                tag, length = body[pos], body[pos + 1]
                value = body[pos + 2 : pos + 2 + length]
                if len(value) != length or length > 127:
                    raise ValueError
                if tag == 0x87:
                    do87 = body[pos : pos + 2 + length]
                elif tag == 0x97:
                    do97 = body[pos : pos + 2 + length]
                elif tag == 0x8E:
                    mac = value
                pos += 2 + length
        except (IndexError, ValueError):
            self._ks = None
            return SW_SM_WRONG
        self._ssc += 1
        header = apdu[:4]
        covered = self._ssc.to_bytes(8, "big") + _pad(header) + (do87 or b"") + (do97 or b"")
        if mac is None or _mac(ks_mac, covered) != mac:
            self._ks = None  # a wrong MAC ends the session (9303 Part 11)
            return SW_SM_WRONG
        data = b""
        if do87 is not None:
            if do87[2] != 0x01:
                self._ks = None
                return SW_SM_WRONG
            plain = _tdes(ks_enc, do87[3:], decrypt=True)
            data = plain[: plain.rstrip(b"\x00").rfind(b"\x80")]
        le = None
        if do97 is not None:
            le = do97[2] if len(do97) > 2 else 0
        answer = self._plain(apdu[1], apdu[2], apdu[3], data, le, protected=True)
        if self._ks is None:  # the inner command ended the session (re-selected the app)
            return answer[-2:]
        resp_data, sw = answer[:-2], answer[-2:]
        self._ssc += 1
        out = b""
        if resp_data:
            out += _tlv(0x87, b"\x01" + _tdes(ks_enc, _pad(resp_data)))
        out += _tlv(0x99, sw)
        out += _tlv(0x8E, _mac(ks_mac, self._ssc.to_bytes(8, "big") + out))
        return out + sw


def _split(apdu: bytes) -> tuple[bytes | None, int | None]:
    """Command data and Le of a short APDU (None data: inconsistent lengths)."""
    body = apdu[4:]
    if not body:
        return b"", None
    if len(body) == 1:
        return b"", body[0]
    lc = body[0]
    if len(body) == 1 + lc:
        return body[1:], None
    if len(body) == 2 + lc:
        return body[1:-1], body[-1]
    return None, None


# -- vpcd link ----------------------------------------------------------------------------


def _atr() -> bytes:
    historical = b"\x80\x31\x80\x65\xb0\x85\x03\x00\xef\x12\x0f\xff\x82\x90\x00"  # T=1 only
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for b in body:
        tck ^= b
    return b"\x3b" + body + bytes([tck])


class VpcdLink:
    """Connects a VirtualPassport to vpcd: connected means the card is in the reader."""

    def __init__(
        self,
        card: VirtualPassport,
        host: str = VPCD_HOST,
        port: int = VPCD_PORT,
        *,
        pull_after_apdus: int | None = None,
    ) -> None:
        self.card = card
        # Fault: the card leaves the field after this many command APDUs (mid-read).
        self.pull_after_apdus = pull_after_apdus
        self.apdus = 0
        self._addr = (host, port)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.atr = _atr()

    def insert(self, timeout: float = 5.0) -> VpcdLink:
        """Connect to vpcd (retrying until it listens, up to `timeout`)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection(self._addr, timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.apdus = 0
        self.card.reset()
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="vicc", daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        """Disconnect: vpcd reports the card gone."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def __enter__(self) -> VpcdLink:
        return self.insert()

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                head = _recv_exact(sock, 2)
                if head is None:
                    return
                msg = _recv_exact(sock, int.from_bytes(head, "big"))
                if msg is None:
                    return
                if len(msg) == 1:
                    if msg[0] in (0x00, 0x01, 0x02):
                        self.card.reset()
                        continue
                    if msg[0] == 0x04:
                        sock.sendall(len(self.atr).to_bytes(2, "big") + self.atr)
                    continue
                self.apdus += 1
                if self.pull_after_apdus is not None and self.apdus > self.pull_after_apdus:
                    sock.close()  # pulled: vpcd sees the connection drop mid-exchange
                    return
                answer = self.card.process(msg)
                sock.sendall(len(answer).to_bytes(2, "big") + answer)
        except OSError:
            return


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        try:
            # vpcd writes the length and the APDU in two sends; with Nagle on its side and
            # delayed ACKs on ours each APDU would wait ~40 ms. Quick ACKs end that (Linux).
            if hasattr(socket, "TCP_QUICKACK"):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(n - len(buf))
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return buf


def main() -> int:
    """Insert the specimen passport into vpcd reader 0 until Ctrl-C."""
    import time

    link = VpcdLink(VirtualPassport.specimen(synthetic_face_jpeg())).insert()
    print("specimen passport inserted in vpcd reader 0; MRZ key L898902C<369080619406236")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        link.remove()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
