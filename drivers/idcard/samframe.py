"""The resident ID card SAM protocol (GA 467): frames, the frame assembler, the text decoder.

A frame, both directions: `AA AA AA 96 69` + length (2 bytes, big-endian, counting everything
after it) + payload + a 1-byte XOR checksum over the length bytes and the payload.

Host -> reader payload: command, parameter, data. Reader -> host payload: `00 00` + status +
data. Everything here is pure (no I/O): the reader, the simulator and the fuzz targets share it.

Errors are a small documented set: every malformed input ends in `FrameError` (from the
assembler, as a value) or `TextError` (from the decoders), never another exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from drivers.idcard.idnumber import id_number_valid

HEADER = b"\xaa\xaa\xaa\x96\x69"
MIN_LENGTH = 3  # command + parameter + checksum (a response has at least 4: 3 status + sum)
MAX_LENGTH = 4096  # the longest real answer (text + photo + fingerprint) is about 2.3 KiB

# Commands (command byte, parameter byte).
CMD_SAM_STATUS = (0x11, 0xFF)
CMD_SAM_RESET = (0x10, 0xFF)
CMD_FIND_CARD = (0x20, 0x01)
CMD_SELECT_CARD = (0x20, 0x02)
CMD_READ_TEXT_PHOTO = (0x30, 0x01)
CMD_READ_TEXT_PHOTO_FP = (0x30, 0x10)

# Reader status bytes (SW3).
SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_CARD = 0x80  # find failed
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41
SW_NO_CONTENT = 0x91
SW_CHECKSUM = 0x10  # the reader received a frame with a bad checksum
SW_LENGTH = 0x11
SW_BAD_COMMAND = 0x21
SW_SELF_TEST = 0x60  # SAM self test failed: the module is dead

TEXT_BYTES = 256
PHOTO_BYTES = 1024


class FrameError(Exception):
    """A malformed frame: `kind` is "bad_checksum", "bad_length" or "truncated"."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}{': ' + detail if detail else ''}")
        self.kind = kind


class TextError(Exception):
    """Card data that does not decode: `reason` is "invalid_data" or "unsupported_card"."""

    def __init__(self, reason: str, detail: str) -> None:
        # `detail` names the field and the problem, never the value (personal data).
        super().__init__(detail)
        self.reason = reason


def checksum(data: bytes) -> int:
    """XOR of all bytes."""
    value = 0
    for b in data:
        value ^= b
    return value


def encode_frame(payload: bytes) -> bytes:
    """Wrap a payload into a frame."""
    length = (len(payload) + 1).to_bytes(2, "big")
    body = length + payload
    return HEADER + body + bytes([checksum(body)])


def command(cmd: tuple[int, int], data: bytes = b"") -> bytes:
    """A host -> reader frame."""
    return encode_frame(bytes(cmd) + data)


def response(status: int, data: bytes = b"") -> bytes:
    """A reader -> host frame."""
    return encode_frame(bytes((0, 0, status)) + data)


@dataclass(frozen=True)
class Response:
    """A reader answer: status byte and data."""

    status: int
    data: bytes

    @classmethod
    def parse(cls, payload: bytes) -> Response:
        """Split a response payload; FrameError("truncated") when it is too short."""
        if len(payload) < 3:
            raise FrameError("truncated", "response shorter than its status")
        return cls(payload[2], payload[3:])


class FrameAssembler:
    """Turns a byte stream (delivered in any pieces) into payloads.

    Noise before a header is skipped; a frame with a bad checksum or an impossible length is
    reported as a FrameError value and the search resumes one byte after its header, so a
    real frame hidden inside garbage is still found. Memory is bounded by MAX_LENGTH.
    """

    def __init__(self, min_length: int = MIN_LENGTH, max_length: int = MAX_LENGTH) -> None:
        self._buf = bytearray()
        self._min = min_length
        self._max = max_length
        self.skipped = 0  # noise bytes discarded, for diagnostics

    def reset(self) -> None:
        """Forget buffered bytes (before a new command)."""
        self._buf.clear()

    @property
    def pending(self) -> int:
        """Bytes buffered towards an incomplete frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes | FrameError]:
        """Add bytes; return the payloads and errors completed by them, in order."""
        self._buf += data
        out: list[bytes | FrameError] = []
        while True:
            start = self._buf.find(HEADER)
            if start < 0:
                # Keep a tail that may be the beginning of a header.
                keep = 0
                for n in range(min(len(HEADER) - 1, len(self._buf)), 0, -1):
                    if self._buf.endswith(HEADER[:n]):
                        keep = n
                        break
                self.skipped += len(self._buf) - keep
                del self._buf[: len(self._buf) - keep]
                return out
            if start:
                self.skipped += start
                del self._buf[:start]
            if len(self._buf) < len(HEADER) + 2:
                return out
            length = int.from_bytes(self._buf[5:7], "big")
            if not self._min <= length <= self._max:
                out.append(FrameError("bad_length", f"length {length}"))
                del self._buf[:1]
                continue
            end = len(HEADER) + 2 + length
            if len(self._buf) < end:
                return out
            body = bytes(self._buf[5:end])
            if checksum(body[:-1]) != body[-1]:
                out.append(FrameError("bad_checksum"))
                del self._buf[:1]
                continue
            del self._buf[:end]
            out.append(body[2:-1])


# -- card data ------------------------------------------------------------------------------

NATIONS = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
NATION_CODES = {f"{i:02d}": name for i, name in enumerate(NATIONS, start=1)}
NATION_CODES.update({"97": "其他", "98": "外国血统中国籍人士"})
SEX_CODES = {"1": "M", "2": "F"}
LONG_TERM = "长期"

# (field, characters) in order; each layout is 128 characters (256 bytes of UCS-2).
RESIDENT_LAYOUT = (
    ("name", 15),
    ("sex", 1),
    ("nation", 2),
    ("birth_date", 8),
    ("address", 35),
    ("id_number", 18),
    ("authority", 15),
    ("valid_from", 8),
    ("valid_until", 8),
    ("reserved", 18),
)
HMT_LAYOUT = (
    ("name", 15),
    ("sex", 1),
    ("reserved0", 2),
    ("birth_date", 8),
    ("address", 35),
    ("id_number", 18),
    ("authority", 15),
    ("valid_from", 8),
    ("valid_until", 8),
    ("pass_number", 9),
    ("issue_count", 2),
    ("reserved1", 3),
    ("card_type", 1),
    ("reserved2", 3),
)
FOREIGN_LAYOUT = (
    ("name_en", 60),
    ("sex", 1),
    ("permit_number", 15),
    ("nationality", 3),
    ("name", 15),
    ("valid_from", 8),
    ("valid_until", 8),
    ("birth_date", 8),
    ("version", 2),
    ("authority", 4),
    ("card_type", 1),
    ("reserved", 3),
)
CARD_TYPE_INDEX = 124  # the card-type character sits here in the I and J layouts
CARD_TYPE_CHARS = {"I": "foreign_permanent", "J": "hmt_residence"}


@dataclass(frozen=True, repr=False)
class CardText:
    """The decoded text of a card, with plain Python types; personal data: never log it."""

    card_type: str
    name: str
    sex: str
    nation: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: date
    valid_until: date | None

    def __repr__(self) -> str:
        return f"CardText(card_type={self.card_type!r}, <redacted>)"


def split_fields(text: str, layout: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """Cut a 128-character text into stripped fields."""
    fields: dict[str, str] = {}
    pos = 0
    for name, width in layout:
        fields[name] = text[pos : pos + width].strip(" \x00\u3000")
        pos += width
    return fields


def join_fields(values: dict[str, str], layout: tuple[tuple[str, int], ...]) -> str:
    """The inverse of split_fields: pad each field with spaces (for the simulator)."""
    parts = []
    for name, width in layout:
        value = values.get(name, "")
        if len(value) > width:
            raise ValueError(f"{name} longer than {width} characters")
        parts.append(value.ljust(width))
    return "".join(parts)


def _date(value: str, field: str) -> date:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise TextError("invalid_data", f"{field} is not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise TextError("invalid_data", f"{field} is not a calendar date") from None


def _until(value: str) -> date | None:
    if value.startswith(LONG_TERM):
        return None
    return _date(value, "valid_until")


def _check_id(value: str, field: str = "id_number") -> None:
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        raise TextError("invalid_data", f"{field} is not 17 digits and a check character")
    if not id_number_valid(value):
        raise TextError("invalid_data", f"{field} check character is wrong")


def _required(fields: dict[str, str], *names: str) -> None:
    for name in names:
        if not fields[name]:
            raise TextError("invalid_data", f"{name} is empty")


def decode_text(raw: bytes) -> CardText:
    """Decode the 256-byte UCS-2 LE card text; TextError for anything that is not a card."""
    if len(raw) != TEXT_BYTES:
        raise TextError("invalid_data", f"text is {len(raw)} bytes, not {TEXT_BYTES}")
    try:
        text = raw.decode("utf-16-le")
    except UnicodeDecodeError:
        raise TextError("invalid_data", "text is not UCS-2") from None
    if len(text) != TEXT_BYTES // 2:  # surrogate pairs: not UCS-2
        raise TextError("invalid_data", "text is not UCS-2")
    marker = text[CARD_TYPE_INDEX]
    if marker in CARD_TYPE_CHARS:
        if CARD_TYPE_CHARS[marker] == "hmt_residence":
            return _decode_hmt(text)
        return _decode_foreign(text)
    if marker.strip(" \x00") and marker.isascii() and marker.isalpha():
        # A newer layout (e.g. the 2023 foreigner card "Y") that we do not know.
        raise TextError("unsupported_card", "unknown card layout")
    return _decode_resident(text)


def _sex(code: str) -> str:
    sex = SEX_CODES.get(code)
    if sex is None:
        raise TextError("invalid_data", "sex code unknown")
    return sex


def _decode_resident(text: str) -> CardText:
    f = split_fields(text, RESIDENT_LAYOUT)
    _required(f, "name", "address", "authority")
    nation = NATION_CODES.get(f["nation"])
    if nation is None:
        raise TextError("invalid_data", "nation code unknown")
    _check_id(f["id_number"])
    return CardText(
        card_type="resident",
        name=f["name"],
        sex=_sex(f["sex"]),
        nation=nation,
        birth_date=_date(f["birth_date"], "birth_date"),
        address=f["address"],
        id_number=f["id_number"].upper(),
        authority=f["authority"],
        valid_from=_date(f["valid_from"], "valid_from"),
        valid_until=_until(f["valid_until"]),
    )


def _decode_hmt(text: str) -> CardText:
    f = split_fields(text, HMT_LAYOUT)
    _required(f, "name", "authority")
    _check_id(f["id_number"])
    if f["id_number"][:2] not in ("81", "82", "83"):
        raise TextError("invalid_data", "id_number region is not Hong Kong, Macao or Taiwan")
    return CardText(
        card_type="hmt_residence",
        name=f["name"],
        sex=_sex(f["sex"]),
        nation="",
        birth_date=_date(f["birth_date"], "birth_date"),
        address=f["address"],
        id_number=f["id_number"].upper(),
        authority=f["authority"],
        valid_from=_date(f["valid_from"], "valid_from"),
        valid_until=_until(f["valid_until"]),
    )


def _decode_foreign(text: str) -> CardText:
    f = split_fields(text, FOREIGN_LAYOUT)
    permit = f["permit_number"]
    if len(permit) != 15 or not permit.isascii() or not permit.isalnum():
        raise TextError("invalid_data", "permit_number is not 15 letters and digits")
    nationality = f["nationality"]
    if len(nationality) != 3 or not nationality.isascii() or not nationality.isalpha():
        raise TextError("invalid_data", "nationality is not a 3-letter code")
    name = f["name"] or f["name_en"]
    if not name:
        raise TextError("invalid_data", "name is empty")
    return CardText(
        card_type="foreign_permanent",
        name=name,
        sex=_sex(f["sex"]),
        nation=nationality,
        birth_date=_date(f["birth_date"], "birth_date"),
        address="",
        id_number=permit,
        authority=f["authority"],
        valid_from=_date(f["valid_from"], "valid_from"),
        valid_until=_until(f["valid_until"]),
    )


@dataclass(frozen=True)
class ReadData:
    """The parts of a read answer: text, photo and fingerprint bytes."""

    text: bytes
    photo: bytes
    fingerprint: bytes


def split_read_data(data: bytes, with_fingerprint: bool) -> ReadData:
    """Split the data of a read answer by its length prefix (2 or 3 big-endian lengths)."""
    n = 3 if with_fingerprint else 2
    if len(data) < 2 * n:
        raise TextError("invalid_data", "read answer shorter than its lengths")
    lengths = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(n)]
    if len(data) != 2 * n + sum(lengths):
        raise TextError("invalid_data", "read answer lengths do not add up")
    pos = 2 * n
    parts = []
    for length in lengths:
        parts.append(data[pos : pos + length])
        pos += length
    return ReadData(parts[0], parts[1], parts[2] if n == 3 else b"")


def join_read_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The inverse of split_read_data (for the simulator)."""
    parts = [text, photo] if fingerprint is None else [text, photo, fingerprint]
    return b"".join(len(p).to_bytes(2, "big") for p in parts) + b"".join(parts)
