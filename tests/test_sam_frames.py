"""SAM frame codec, assembler and text decoder: known bytes and hypothesis properties."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.idcard import id_number_valid
from drivers.idcard import samframe as sf
from drivers.idcard.samsim import PROFILES

FIND = bytes.fromhex("AAAAAA966900032001 22".replace(" ", ""))
SAM_STATUS = bytes.fromhex("AAAAAA96690003 11FF ED".replace(" ", ""))


def test_command_frames_match_the_bytes_readers_document() -> None:
    assert sf.command(sf.CMD_FIND_CARD) == FIND
    assert sf.command(sf.CMD_SAM_STATUS) == SAM_STATUS
    # The reader's "card found" answer as captured from GA 467 readers.
    found = sf.response(sf.SW_FOUND, bytes(4))
    assert found.hex().upper() == "AAAAAA9669000800009F0000000097"


def test_assembler_resyncs_after_noise_and_a_false_header() -> None:
    asm = sf.FrameAssembler()
    noise = b"\x00\xff\xaa\xaa\x96" + b"\xaa\xaa\xaa\x96"  # header fragments that go nowhere
    out = asm.feed(noise + FIND + b"junk")
    assert out == [bytes([0x20, 0x01])]
    assert asm.skipped >= len(noise)


def test_assembler_reports_bad_checksum_and_finds_the_next_frame() -> None:
    bad = FIND[:-1] + b"\x00"
    out = sf.FrameAssembler().feed(bad + SAM_STATUS)
    assert isinstance(out[0], sf.FrameError) and out[0].kind == "bad_checksum"
    assert out[-1] == bytes([0x11, 0xFF])


@pytest.mark.parametrize("length", [0, 1, 2, sf.MAX_LENGTH + 1, 0xFFFF])
def test_assembler_rejects_impossible_lengths(length: int) -> None:
    frame = sf.HEADER + length.to_bytes(2, "big") + bytes(8)
    out = sf.FrameAssembler().feed(frame + FIND)
    assert any(isinstance(o, sf.FrameError) and o.kind == "bad_length" for o in out)
    assert out[-1] == bytes([0x20, 0x01])


def test_a_long_answer_byte_by_byte() -> None:
    entry = PROFILES["resident"]
    assert not isinstance(entry, str)
    text = entry[0]
    frame = sf.response(sf.SW_OK, sf.join_read_data(text, bytes(1024)))
    asm = sf.FrameAssembler()
    got = []
    for i in range(len(frame)):
        got += asm.feed(frame[i : i + 1])
    assert len(got) == 1 and isinstance(got[0], bytes)
    answer = sf.Response.parse(got[0])
    assert answer.status == sf.SW_OK
    assert sf.split_read_data(answer.data, False).text == text


payloads = st.binary(min_size=2, max_size=300)


@given(st.lists(payloads, min_size=1, max_size=5), st.data())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_frames_survive_any_split(frames: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(sf.encode_frame(p) for p in frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    asm = sf.FrameAssembler()
    got: list[bytes | sf.FrameError] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        got += asm.feed(stream[prev:cut])
        prev = cut
    # Payloads may themselves contain a header; what comes out must start with our frames.
    assert [g for g in got if isinstance(g, bytes)][: len(frames)] == frames or any(
        sf.HEADER in p for p in frames
    )


@given(st.binary(max_size=64).filter(lambda b: b"\xaa" not in b), payloads)
def test_noise_without_header_bytes_is_skipped(noise: bytes, payload: bytes) -> None:
    assert sf.FrameAssembler().feed(noise + sf.encode_frame(payload)) == [payload]


@given(st.lists(st.binary(max_size=200), max_size=20))
@settings(max_examples=300)
def test_any_byte_stream_yields_frames_or_frame_errors(chunks: list[bytes]) -> None:
    asm = sf.FrameAssembler()
    for chunk in chunks:
        for item in asm.feed(chunk):
            assert isinstance(item, bytes | sf.FrameError)
        assert asm.pending <= sf.MAX_LENGTH + len(sf.HEADER) + 2


# -- text ---------------------------------------------------------------------------------------


def _text(profile: str) -> bytes:
    entry = PROFILES[profile]
    assert not isinstance(entry, str)
    return entry[0]


def test_resident_text_decodes() -> None:
    card = sf.decode_text(_text("resident"))
    assert card.card_type == "resident"
    assert card.name == "测试样例" and card.sex == "F" and card.nation == "汉"
    assert card.birth_date == date(1949, 12, 31)
    assert card.valid_until == date(2040, 1, 1)
    assert id_number_valid(card.id_number)
    assert "测试" not in repr(card) and card.id_number not in repr(card)


def test_long_term_validity_is_none() -> None:
    assert sf.decode_text(_text("resident_long")).valid_until is None


def test_hmt_permit_and_foreigner_card_decode() -> None:
    hmt = sf.decode_text(_text("hmt"))
    assert hmt.card_type == "hmt_residence" and hmt.id_number.startswith("81")
    foreign = sf.decode_text(_text("foreigner"))
    assert foreign.card_type == "foreign_permanent"
    assert foreign.nation == "UTO" and len(foreign.id_number) == 15


def test_unknown_layout_is_refused_clearly() -> None:
    with pytest.raises(sf.TextError) as err:
        sf.decode_text(_text("unknown_layout"))
    assert err.value.reason == "unsupported_card"


def test_bad_check_character_is_invalid_data() -> None:
    with pytest.raises(sf.TextError) as err:
        sf.decode_text(_text("bad_check"))
    assert err.value.reason == "invalid_data"
    assert "1101" not in str(err.value)  # the message names the field, not the value


@pytest.mark.parametrize(
    ("field", "value"),
    [("sex", "7"), ("nation", "77"), ("birth_date", "19491331"), ("valid_from", "2020AB01")],
)
def test_field_errors(field: str, value: str) -> None:
    text = _text("resident").decode("utf-16-le")
    fields = sf.split_fields(text, sf.RESIDENT_LAYOUT)
    fields[field] = value
    raw = sf.join_fields(fields, sf.RESIDENT_LAYOUT).encode("utf-16-le")
    with pytest.raises(sf.TextError):
        sf.decode_text(raw)


@given(st.binary(min_size=256, max_size=256))
@settings(max_examples=500)
def test_any_256_bytes_decode_or_fail_documented(raw: bytes) -> None:
    try:
        card = sf.decode_text(raw)
    except sf.TextError as exc:
        assert exc.reason in ("invalid_data", "unsupported_card")
    else:
        assert card.card_type in ("resident", "hmt_residence", "foreign_permanent")


@given(st.binary(max_size=1500), st.booleans())
def test_any_read_answer_splits_or_fails_documented(data: bytes, fp: bool) -> None:
    try:
        parts = sf.split_read_data(data, fp)
    except sf.TextError:
        return
    assert len(parts.text) + len(parts.photo) + len(parts.fingerprint) <= len(data)


@given(st.text(min_size=128, max_size=128))
def test_any_text_decodes_or_fails_documented(text: str) -> None:
    try:
        raw = text.encode("utf-16-le")
    except UnicodeEncodeError:
        return  # lone surrogates cannot be on a card
    if len(raw) != 256:
        return
    with contextlib.suppress(sf.TextError):
        sf.decode_text(raw)
