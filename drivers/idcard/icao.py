"""ICAO 9303 for the reader side: MRZ check digits, BAC, Secure Messaging, EF.COM/DG1/DG2.

Pure functions and one stateful class (`SecureMessaging`); no I/O. Pinned to the worked
example of ICAO 9303 Part 11 (Appendix D) in tests/test_icao.py.

Only 2-key 3DES BAC is implemented (the 9303 baseline every eMRTD supports); PACE and chip
authentication are not.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.ciphers import Cipher, modes

try:  # cryptography >= 43 keeps 3DES in "decrepit"; the old name warns (and warnings fail)
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES

LDS_AID = bytes.fromhex("A0000002471001")
EF_COM = b"\x01\x1e"
EF_DG1 = b"\x01\x01"
EF_DG2 = b"\x01\x02"
DG_TAGS = {0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x6B: 11, 0x6C: 12}


class IcaoError(Exception):
    """Malformed document data or a failed cryptographic check (never carries data values)."""


# -- MRZ ------------------------------------------------------------------------------------


def check_digit(value: str) -> str:
    """The 9303 check digit (weights 7, 3, 1; '<' counts 0, A=10 ... Z=35)."""
    total = 0
    for i, ch in enumerate(value):
        if ch.isdigit():
            n = int(ch)
        elif "A" <= ch <= "Z":
            n = ord(ch) - 55
        elif ch == "<":
            n = 0
        else:
            raise IcaoError("MRZ character outside 0-9 A-Z <")
        total += n * (7, 3, 1)[i % 3]
    return str(total % 10)


_YYMMDD = re.compile(r"^\d{6}$")


@dataclass(frozen=True, repr=False)
class MrzKey:
    """The three MRZ fields BAC needs. Personal data: never log it."""

    document_number: str
    birth_date: str  # YYMMDD
    expiry_date: str  # YYMMDD

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9A-Z<]{1,9}", self.document_number):
            raise IcaoError("document number must be 1-9 characters 0-9 A-Z <")
        for name in ("birth_date", "expiry_date"):
            if not _YYMMDD.match(getattr(self, name)):
                raise IcaoError(f"{name} must be YYMMDD")

    def __repr__(self) -> str:
        return "MrzKey(<redacted>)"

    @property
    def information(self) -> str:
        """The MRZ information hashed into the BAC seed (document number padded to 9)."""
        doc = self.document_number.ljust(9, "<")
        return (
            doc
            + check_digit(doc)
            + self.birth_date
            + check_digit(self.birth_date)
            + self.expiry_date
            + check_digit(self.expiry_date)
        )

    @classmethod
    def parse(cls, text: str) -> MrzKey:
        """From "DOCNUMBER,YYMMDD,YYMMDD" or the 24-character MRZ information with digits.

        The 24-character form is verified against its check digits (a mistyped MRZ is caught
        before the chip is asked).
        """
        text = text.strip().upper()
        if "," in text or " " in text:
            parts = [p for p in re.split(r"[,\s]+", text) if p]
            if len(parts) != 3:
                raise IcaoError("MRZ needs document number, birth date and expiry date")
            return cls(parts[0].rstrip("<") or "<", parts[1], parts[2])
        if len(text) != 24:
            raise IcaoError("MRZ information must be 24 characters")
        doc, birth, expiry = text[:9], text[10:16], text[17:23]
        if (
            check_digit(doc) != text[9]
            or check_digit(birth) != text[16]
            or check_digit(expiry) != text[23]
        ):
            raise IcaoError("MRZ check digit wrong")
        return cls(doc.rstrip("<") or "<", birth, expiry)


# -- crypto -----------------------------------------------------------------------------------


def _parity(key: bytes) -> bytes:
    out = bytearray()
    for b in key:
        b &= 0xFE
        out.append(b | (bin(b).count("1") + 1) % 2)
    return bytes(out)


def derive_key(seed: bytes, counter: int) -> bytes:
    """A 16-byte 2-key 3DES key from a seed (9303 Part 11, 9.7.1), with DES parity bits."""
    return _parity(hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()[:16])


def bac_keys(mrz: MrzKey) -> tuple[bytes, bytes, bytes]:
    """(KSeed, KEnc, KMac) from the MRZ."""
    seed = hashlib.sha1(mrz.information.encode("ascii")).digest()[:16]
    return seed, derive_key(seed, 1), derive_key(seed, 2)


def pad(data: bytes) -> bytes:
    """ISO 9797-1 padding method 2."""
    data += b"\x80"
    return data + bytes(-len(data) % 8)


def unpad(data: bytes) -> bytes:
    """Remove padding method 2."""
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise IcaoError("bad padding")
    return end[:-1]


def _3des(key: bytes) -> TripleDES:
    return TripleDES(key + key[:8] if len(key) == 16 else key)


def des3_encrypt(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """2-key 3DES CBC encryption (no padding added)."""
    enc = Cipher(_3des(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def des3_decrypt(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """2-key 3DES CBC decryption."""
    dec = Cipher(_3des(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 MAC algorithm 3 (DES CBC with K1, last block 3DES), data already padded."""
    if len(data) % 8:
        raise IcaoError("MAC input not padded")
    k1, k2 = key[:8], key[8:16]
    enc = Cipher(TripleDES(k1 * 3), modes.CBC(bytes(8))).encryptor()
    h = (enc.update(data) + enc.finalize())[-8:]
    h = Cipher(TripleDES(k2 * 3), modes.ECB()).decryptor().update(h)
    return Cipher(TripleDES(k1 * 3), modes.ECB()).encryptor().update(h)


@dataclass
class BacChallenge:
    """The reader's half of BAC mutual authentication."""

    rnd_ic: bytes
    rnd_ifd: bytes
    k_ifd: bytes

    def command_data(self, k_enc: bytes, k_mac: bytes) -> bytes:
        """EXTERNAL AUTHENTICATE data: E_IFD || M_IFD."""
        e_ifd = des3_encrypt(k_enc, self.rnd_ifd + self.rnd_ic + self.k_ifd)
        return e_ifd + retail_mac(k_mac, pad(e_ifd))

    def session(self, response: bytes, k_enc: bytes, k_mac: bytes) -> SecureMessaging:
        """Check the chip's answer and derive the session (KSEnc, KSMac, SSC)."""
        if len(response) != 40:
            raise IcaoError("EXTERNAL AUTHENTICATE answer is not 40 bytes")
        e_ic, m_ic = response[:32], response[32:]
        if retail_mac(k_mac, pad(e_ic)) != m_ic:
            raise IcaoError("chip MAC wrong: the MRZ does not match this document")
        r = des3_decrypt(k_enc, e_ic)
        if r[:8] != self.rnd_ic or r[8:16] != self.rnd_ifd:
            raise IcaoError("chip answered another challenge")
        seed = bytes(a ^ b for a, b in zip(r[16:], self.k_ifd, strict=True))
        ssc = self.rnd_ic[4:] + self.rnd_ifd[4:]
        return SecureMessaging(derive_key(seed, 1), derive_key(seed, 2), ssc)


def new_challenge(rnd_ic: bytes) -> BacChallenge:
    """A fresh BacChallenge for the chip's GET CHALLENGE answer."""
    return BacChallenge(rnd_ic, os.urandom(8), os.urandom(16))


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82]) + n.to_bytes(2, "big")


class SecureMessaging:
    """Wraps command APDUs and unwraps responses with KSEnc, KSMac and the send sequence counter."""

    def __init__(self, ks_enc: bytes, ks_mac: bytes, ssc: bytes) -> None:
        self.ks_enc = ks_enc
        self.ks_mac = ks_mac
        self.ssc = int.from_bytes(ssc, "big")

    def _next(self) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << 64)
        return self.ssc.to_bytes(8, "big")

    def wrap(self, apdu: bytes) -> bytes:
        """Protect a short command APDU (cases 1-4)."""
        if len(apdu) < 4:
            raise IcaoError("APDU shorter than its header")
        header = bytes([apdu[0] | 0x0C]) + apdu[1:4]
        body = apdu[4:]
        data, le = b"", None
        if len(body) == 1:
            le = body
        elif body:
            lc = body[0]
            data = body[1 : 1 + lc]
            if len(body) == 2 + lc:
                le = body[-1:]
            elif len(body) != 1 + lc:
                raise IcaoError("APDU length fields inconsistent")
        do87 = b""
        if data:
            encrypted = b"\x01" + des3_encrypt(self.ks_enc, pad(data))
            do87 = b"\x87" + _der_len(len(encrypted)) + encrypted
        do97 = b"\x97\x01" + le if le is not None else b""
        mac_input = self._next() + pad(header) + do87 + do97
        do8e = b"\x8e\x08" + retail_mac(self.ks_mac, pad(mac_input))
        payload = do87 + do97 + do8e
        return header + bytes([len(payload)]) + payload + b"\x00"

    def unwrap(self, response: bytes) -> tuple[bytes, int]:
        """Check and decrypt a protected response: (data, SW)."""
        if len(response) < 2:
            raise IcaoError("response shorter than its status word")
        body, sw = response[:-2], int.from_bytes(response[-2:], "big")
        ssc = self._next()
        if not body:
            # The chip answers an error without SM (e.g. 6982, 6A82): no MAC to check.
            return b"", sw
        objects = list(iter_tlv(body))
        mac = next((v for t, v, _ in objects if t == 0x8E), None)
        if mac is None:
            raise IcaoError("protected response without a MAC")
        covered = b"".join(raw for t, _, raw in objects if t in (0x85, 0x87, 0x99))
        if retail_mac(self.ks_mac, pad(ssc + covered)) != mac:
            raise IcaoError("response MAC wrong")
        data = b""
        for tag, value, _ in objects:
            if tag == 0x87:
                if not value or value[0] != 0x01:
                    raise IcaoError("unknown padding indicator")
                data = unpad(des3_decrypt(self.ks_enc, value[1:]))
            elif tag == 0x99 and len(value) == 2:
                sw = int.from_bytes(value, "big")
        return data, sw


# -- TLV and the LDS ------------------------------------------------------------------------


def read_tlv(data: bytes, pos: int = 0) -> tuple[int, int, int]:
    """(tag, value start, value end) of the BER-TLV at `pos`."""
    try:
        tag = data[pos]
        pos += 1
        if tag & 0x1F == 0x1F:
            while True:
                tag = (tag << 8) | data[pos]
                pos += 1
                if not data[pos - 1] & 0x80:
                    break
        length = data[pos]
        pos += 1
        if length & 0x80:
            n = length & 0x7F
            if n == 0 or n > 3:
                raise IcaoError("unsupported TLV length")
            length = int.from_bytes(data[pos : pos + n], "big")
            if pos + n > len(data):
                raise IcaoError("TLV truncated")
            pos += n
    except IndexError:
        raise IcaoError("TLV truncated") from None
    if pos + length > len(data):
        raise IcaoError("TLV truncated")
    return tag, pos, pos + length


def iter_tlv(data: bytes):  # -> Iterator[tuple[int, bytes, bytes]]
    """Yield (tag, value, raw TLV bytes) for each TLV in `data`."""
    pos = 0
    while pos < len(data):
        if data[pos] in (0x00, 0xFF):  # padding between objects
            pos += 1
            continue
        tag, start, end = read_tlv(data, pos)
        yield tag, data[start:end], data[pos:end]
        pos = end


def find_tlv(data: bytes, path: tuple[int, ...]) -> bytes:
    """The value at a path of tags (each one level deeper); IcaoError when absent."""
    for wanted in path:
        for tag, value, _ in iter_tlv(data):
            if tag == wanted:
                data = value
                break
        else:
            raise IcaoError(f"tag {wanted:X} missing")
    return data


def tlv_total_length(header: bytes) -> int:
    """Total length of a file from its first bytes (tag + length + value)."""
    return read_tlv(header + bytes(0x10000), 0)[2]


def parse_com(data: bytes) -> list[int]:
    """The data group numbers listed in EF.COM."""
    tags = find_tlv(data, (0x60, 0x5C))
    return sorted(DG_TAGS[t] for t in tags if t in DG_TAGS)


@dataclass(frozen=True, repr=False)
class Mrz:
    """The fields of a DG1 MRZ. Personal data: never log it."""

    document_code: str
    issuing_state: str
    document_number: str
    nationality: str
    birth_date: date
    sex: str  # "M" | "F" | "X"
    expiry_date: date
    surname: str
    given_names: str

    def __repr__(self) -> str:
        return f"Mrz(document_code={self.document_code!r}, <redacted>)"

    @property
    def name(self) -> str:
        """Surname and given names as printed: "ERIKSSON ANNA MARIA"."""
        return " ".join(p for p in (self.surname, self.given_names) if p)


def _mrz_date(value: str, *, future: bool) -> date:
    if not _YYMMDD.match(value):
        raise IcaoError("MRZ date is not YYMMDD")
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    # Birth dates are in the past (19yy when 20yy would be in the future); expiry dates
    # within the next 50 years.
    today = date.today()
    century = 2000 if (yy <= today.year % 100 + (50 if future else 0)) else 1900
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        raise IcaoError("MRZ date is not a calendar date") from None


def _names(field: str) -> tuple[str, str]:
    surname, _, given = field.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def parse_mrz(text: str) -> Mrz:
    """Parse a TD1 (90), TD2 (72) or TD3 (88 characters) MRZ, checking its check digits."""
    text = text.replace("\n", "").replace("\r", "")
    if not re.fullmatch(r"[0-9A-Z<]+", text):
        raise IcaoError("MRZ has characters outside 0-9 A-Z <")
    if len(text) == 90:  # TD1: 3 lines of 30
        l1, l2, l3 = text[:30], text[30:60], text[60:]
        doc_code, state, number, number_cd = l1[:2], l1[2:5], l1[5:14], l1[14]
        birth, birth_cd, sex, expiry, expiry_cd = l2[:6], l2[6], l2[7], l2[8:14], l2[14]
        nationality = l2[15:18]
        surname, given = _names(l3)
    elif len(text) in (72, 88):  # TD2: 2 x 36, TD3: 2 x 44
        half = len(text) // 2
        l1, l2 = text[:half], text[half:]
        doc_code, state = l1[:2], l1[2:5]
        surname, given = _names(l1[5:])
        number, number_cd, nationality = l2[:9], l2[9], l2[10:13]
        birth, birth_cd, sex, expiry, expiry_cd = l2[13:19], l2[19], l2[20], l2[21:27], l2[27]
    else:
        raise IcaoError("MRZ length is not TD1, TD2 or TD3")
    for value, cd, name in (
        (number, number_cd, "document number"),
        (birth, birth_cd, "birth date"),
        (expiry, expiry_cd, "expiry date"),
    ):
        if check_digit(value) != cd:
            raise IcaoError(f"MRZ {name} check digit wrong")
    sex = {"M": "M", "F": "F"}.get(sex, "X")
    return Mrz(
        document_code=doc_code.rstrip("<"),
        issuing_state=state.rstrip("<"),
        document_number=number.rstrip("<"),
        nationality=nationality.rstrip("<"),
        birth_date=_mrz_date(birth, future=False),
        sex=sex,
        expiry_date=_mrz_date(expiry, future=True),
        surname=surname,
        given_names=given,
    )


def parse_dg1(data: bytes) -> Mrz:
    """DG1 (tag 61) -> its MRZ (tag 5F1F)."""
    return parse_mrz(find_tlv(data, (0x61, 0x5F1F)).decode("ascii", "replace"))


JPEG_SOI = b"\xff\xd8\xff"
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_CODESTREAM = b"\xff\x4f\xff\x51"


def image_format(data: bytes) -> str | None:
    """'jpeg', 'jp2' or None from an image's first bytes."""
    if data.startswith(JPEG_SOI):
        return "jpeg"
    if data.startswith(JP2_SIGNATURE) or data.startswith(J2K_CODESTREAM):
        return "jp2"
    return None


def parse_dg2(data: bytes) -> tuple[bytes, str]:
    """DG2 -> (face image bytes, 'jpeg' | 'jp2') from the first biometric data block."""
    group = find_tlv(data, (0x75, 0x7F61))
    block = None
    for tag, value, _ in iter_tlv(group):
        if tag == 0x7F60:
            for inner, inner_value, _ in iter_tlv(value):
                if inner in (0x5F2E, 0x7F2E):
                    block = inner_value
                    break
            break
    if block is None:
        raise IcaoError("DG2 has no biometric data block")
    # ISO/IEC 19794-5: "FAC\0", version, record length (4), face count (2), then per face a
    # 20-byte facial information block, 8 bytes per feature point, and 12 bytes of image
    # information; the image follows.
    if block[:4] != b"FAC\x00" or len(block) < 14 + 20 + 12:
        raise IcaoError("biometric data block is not an ISO 19794-5 face record")
    points = int.from_bytes(block[18:20], "big")
    start = 14 + 20 + 8 * points + 12
    image = block[start:]
    fmt = image_format(image)
    if fmt is None:
        raise IcaoError("face image is neither JPEG nor JPEG 2000")
    return image, fmt
