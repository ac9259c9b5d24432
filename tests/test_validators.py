"""Citizen-input validators: ID number, credit code, phone, postal code, name, number, date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.privacy import mask_id_number, mask_name, mask_phone
from kiosk.validators import (
    ERROR_KEYS,
    VALIDATORS,
    credit_code_check_char,
    id_number_check_char,
    validate,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_gb11643_example() -> None:
    assert id_number_check_char("11010519491231002") == "X"
    assert validate("id_number", "11010519491231002X") is None


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("11010519491231002x", "invalid.id_number"),  # check char must be uppercase X
        ("110105194912310021", "invalid.id_number.check"),
        ("1101051949123100", "invalid.id_number"),
        ("11010519491231002X0", "invalid.id_number"),
        ("1101051949123100AX", "invalid.id_number"),
        ("１１０１０５１９４９１２３１００２Ｘ", "invalid.id_number"),  # full-width digits
        ("", "invalid.id_number"),
    ],
)
def test_id_number_bad(value: str, key: str) -> None:
    assert validate("id_number", value) == key


def _with_check(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def test_id_number_birth_date_plausible() -> None:
    assert validate("id_number", _with_check("11010519490230002")) == "invalid.id_number.birth_date"
    assert validate("id_number", _with_check("11010518991231002")) == "invalid.id_number.birth_date"
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%Y%m%d")
    future = _with_check(f"110105{tomorrow}002")
    assert validate("id_number", future) == "invalid.id_number.birth_date"
    assert validate("id_number", _with_check("44030420000229123")) is None  # leap day


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_number_check_char_property(first17: str) -> None:
    good = _with_check(first17)
    assert validate("id_number", good) != "invalid.id_number.check"
    for other in "0123456789X":
        if other != good[-1]:
            assert validate("id_number", first17 + other) == "invalid.id_number.check"


@given(
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)
def test_id_number_plausible_ids_validate(region: str, birth: dt.date, seq: str) -> None:
    assert validate("id_number", _with_check(region + birth.strftime("%Y%m%d") + seq)) is None


@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
)
def test_id_number_single_digit_typo_is_caught(first17: str, pos: int, delta: int) -> None:
    good = _with_check(first17)
    typo = good[:pos] + str((int(good[pos]) + delta) % 10) + good[pos + 1 :]
    assert validate("id_number", typo) == "invalid.id_number.check"


def test_credit_code_known_good() -> None:
    # Check char by hand (GB 32100): values 9,1,3,5,0,1,0,0,M=21,0,0,0,1,0,0,Y=30,4 with weights
    # 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 sum to 1547; 1547 mod 31 = 28; 31-28 = 3.
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert validate("credit_code", "91350100M000100Y43") is None
    assert validate("credit_code", "91110000100010433L") is None


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("91350100M000100Y44", "invalid.credit_code.check"),
        ("91350100M000100Y4", "invalid.credit_code"),
        ("91350100M000100I43", "invalid.credit_code"),  # I is not in the alphabet
        ("91350100m000100Y43", "invalid.credit_code"),
        ("913501A0M000100Y43", "invalid.credit_code"),  # region code must be digits
        ("", "invalid.credit_code"),
    ],
)
def test_credit_code_bad(value: str, key: str) -> None:
    assert validate("credit_code", value) == key


@given(
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
def test_credit_code_check_char_property(head: str, region: str, org: str) -> None:
    first17 = head + region + org
    check = credit_code_check_char(first17)
    assert validate("credit_code", first17 + check) is None
    for other in USCC_ALPHABET:
        if other != check:
            assert validate("credit_code", first17 + other) == "invalid.credit_code.check"


def test_check_char_helpers_reject_bad_input() -> None:
    with pytest.raises(ValueError):
        id_number_check_char("1234")
    with pytest.raises(ValueError):
        credit_code_check_char("91350100M000100I4")


@pytest.mark.parametrize("value", ["13800138000", "19912345678", "15000000000"])
def test_phone_good(value: str) -> None:
    assert validate("phone", value) is None


@pytest.mark.parametrize(
    "value", ["12800138000", "1380013800", "138001380001", "+8613800138000", "138-0013-8000", ""]
)
def test_phone_bad(value: str) -> None:
    assert validate("phone", value) == "invalid.phone"


def test_postal_code() -> None:
    assert validate("postal_code", "350001") is None
    for bad in ("35000", "3500011", "35000A", "３５０００１", ""):
        assert validate("postal_code", bad) == "invalid.postal_code"


@pytest.mark.parametrize(
    "value", ["张三", "欧阳娜娜", "阿卜杜拉·艾力", "买买提・吐尔逊", "王𠮷", "李丽珍" * 6]
)
def test_name_good(value: str) -> None:
    assert validate("name", value) is None


@pytest.mark.parametrize(
    "value",
    ["张", "·张三", "张三·", "阿卜杜拉··艾力", "Zhang San", "张三1", "张 三", "李" * 21, ""],
)
def test_name_bad(value: str) -> None:
    assert validate("name", value) == "invalid.name"


def test_number_and_date() -> None:
    for good in ("0", "100", "12.5", "999999999999999"):
        assert validate("number", good) is None
    for bad in ("", "-1", "1e5", "1,000", "12.", ".5", "１２"):
        assert validate("number", bad) == "invalid.number"
    assert validate("date", "2024-02-29") is None
    for bad in ("2023-02-29", "2024-13-01", "20240101", "2024-1-1", ""):
        assert validate("date", bad) == "invalid.date"


def test_every_error_key_is_declared() -> None:
    samples = {
        "id_number": ["x", "110105194912310021", _with_check("11010519490230002")],
        "credit_code": ["x", "91350100M000100Y44"],
        "phone": ["x"],
        "postal_code": ["x"],
        "name": ["x"],
        "number": ["x"],
        "date": ["x"],
        "money": ["x"],
    }
    assert set(samples) == set(VALIDATORS)
    produced = {validate(name, v) for name, values in samples.items() for v in values}
    assert produced == set(ERROR_KEYS)


def test_unknown_validator_is_key_error() -> None:
    with pytest.raises(KeyError):
        validate("iban", "x")


def test_masks() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("123") == "***"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("张三") == "张*"
    assert mask_name("阿卜杜拉·艾力") == "阿******"


def test_money() -> None:
    for good in ("50", "12.5", "0.01", "9999999999.99"):
        assert validate("money", good) is None, good
    for bad in ("0", "0.00", "-1", "1.555", "1,000", "12345678901", "", "五十"):
        assert validate("money", bad) == "invalid.money", bad
