"""ICAO 9303 crypto pinned to the worked example of Part 11 (Appendix D), and LDS parsing."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.idcard import icao

H = bytes.fromhex
MRZ_INFO = "L898902C<369080619406236"
RND_IC = H("4608F91988702212")
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
CHIP_ANSWER = H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")


def test_check_digits() -> None:
    assert icao.check_digit("L898902C<") == "3"
    assert icao.check_digit("690806") == "1"
    assert icao.check_digit("940623") == "6"


def test_mrz_key_forms() -> None:
    key = icao.MrzKey.parse(MRZ_INFO)
    assert key.information == MRZ_INFO
    assert icao.MrzKey.parse("L898902C,690806,940623").information == MRZ_INFO
    assert "L898902C" not in repr(key)
    with pytest.raises(icao.IcaoError):
        icao.MrzKey.parse("L898902C<369080619406237")  # last check digit wrong


def test_bac_keys() -> None:
    seed, k_enc, k_mac = icao.bac_keys(icao.MrzKey.parse(MRZ_INFO))
    assert seed == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    assert k_enc == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert k_mac == H("7962D9ECE03D1ACD4C76089DCE131543")


def _session() -> icao.SecureMessaging:
    _, k_enc, k_mac = icao.bac_keys(icao.MrzKey.parse(MRZ_INFO))
    challenge = icao.BacChallenge(RND_IC, RND_IFD, K_IFD)
    assert challenge.command_data(k_enc, k_mac) == H(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7"
    )
    return challenge.session(CHIP_ANSWER, k_enc, k_mac)


def test_session_keys_and_ssc() -> None:
    sm = _session()
    assert sm.ks_enc == H("979EC13B1CBFE9DCD01AB0FED307EAE5")
    assert sm.ks_mac == H("F1CB1F1FB5ADF208806B89DC579DC1F8")
    assert sm.ssc == int("887022120C06C226", 16)


def test_wrong_mrz_is_caught_by_the_chip_mac() -> None:
    _, k_enc, k_mac = icao.bac_keys(icao.MrzKey.parse("L898902C,690806,940624"))
    with pytest.raises(icao.IcaoError, match="MRZ does not match"):
        icao.BacChallenge(RND_IC, RND_IFD, K_IFD).session(CHIP_ANSWER, k_enc, k_mac)


def test_secure_messaging_apdus_of_the_worked_example() -> None:
    sm = _session()
    # SELECT EF.COM
    assert sm.wrap(H("00A4020C02011E")) == H(
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"
    )
    assert sm.unwrap(H("990290008E08FA855A5D4C50A8ED9000")) == (b"", 0x9000)
    # READ BINARY of the first 4 bytes
    assert sm.wrap(H("00B0000004")) == H("0CB000000D9701048E08ED6705417E96BA5500")
    data, sw = sm.unwrap(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
    assert (data, sw) == (H("60145F01"), 0x9000)
    assert icao.tlv_total_length(data) == 0x16
    # READ BINARY of the remaining 18 bytes
    assert sm.wrap(H("00B0000412")) == H("0CB000040D9701128E082EA28A70F3C7B53500")
    data, sw = sm.unwrap(
        H("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000")
    )
    assert data == H("04303130365F36063034303030305C026175")
    assert icao.parse_com(H("60145F01") + data) == [1, 2]


def test_tampered_response_mac_is_refused() -> None:
    sm = _session()
    sm.wrap(H("00A4020C02011E"))
    with pytest.raises(icao.IcaoError, match="MAC"):
        sm.unwrap(H("990290018E08FA855A5D4C50A8ED9000"))  # status in DO99 altered


SPECIMEN_TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
)


def test_dg1_td3_specimen() -> None:
    mrz_bytes = SPECIMEN_TD3.encode()
    dg1 = b"\x61\x5b\x5f\x1f\x58" + mrz_bytes
    mrz = icao.parse_dg1(dg1)
    assert mrz.document_number == "L898902C" and mrz.issuing_state == "UTO"
    assert mrz.name == "ERIKSSON ANNA MARIA" and mrz.sex == "F"
    assert mrz.birth_date == date(1969, 8, 6)
    assert mrz.expiry_date == date(1994, 6, 23)
    assert "ERIKSSON" not in repr(mrz)


def test_dg1_td1_specimen() -> None:
    td1 = (
        "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
    )
    mrz = icao.parse_mrz(td1)
    assert mrz.document_number == "D23145890" and mrz.nationality == "UTO"


def test_mrz_with_bad_check_digit() -> None:
    with pytest.raises(icao.IcaoError, match="check digit"):
        icao.parse_mrz(SPECIMEN_TD3.replace("L898902C<3", "L898902C<4"))


def test_dg2_face_image() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + bytes(100) + b"\xff\xd9"
    face = b"FAC\x00010\x00" + (14 + 20 + 12 + len(jpeg)).to_bytes(4, "big") + b"\x00\x01"
    face += (20 + 12 + len(jpeg)).to_bytes(4, "big") + bytes(16) + bytes(12) + jpeg

    def tlv(tag: bytes, value: bytes) -> bytes:
        return tag + icao._der_len(len(value)) + value

    bit = tlv(b"\x7f\x60", b"\xa1\x02\x80\x00" + tlv(b"\x5f\x2e", face))
    dg2 = tlv(b"\x75", tlv(b"\x7f\x61", b"\x02\x01\x01" + bit))
    assert icao.parse_dg2(dg2) == (jpeg, "jpeg")


@given(st.binary(max_size=300))
def test_any_bytes_parse_or_fail_documented(data: bytes) -> None:
    for parser in (icao.parse_dg1, icao.parse_dg2, icao.parse_com):
        with contextlib.suppress(icao.IcaoError):
            parser(data)


@given(st.binary(max_size=80))
def test_sm_unwrap_never_crashes(data: bytes) -> None:
    with contextlib.suppress(icao.IcaoError):
        _session().unwrap(data)
