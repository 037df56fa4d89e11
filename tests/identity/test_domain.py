"""ID numbers, credit codes and masking: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.identity.domain import (
    IdNumber,
    InvalidCreditCode,
    InvalidIdNumber,
    check_digit,
    credit_check_character,
    has_valid_check_digit,
    is_valid_credit_code,
    is_valid_id_number,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_id_number,
    validate_credit_code,
    validate_id_number,
)

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def make_id(region: str = "320211", born: date = date(1990, 1, 1), sequence: str = "123") -> str:
    first17 = region + born.strftime("%Y%m%d") + sequence
    return first17 + check_digit(first17)


def make_credit_code(first17: str) -> str:
    return first17 + credit_check_character(first17)


regions = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True)
births = st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31))
sequences = st.from_regex(r"[0-9]{3}", fullmatch=True)
valid_ids = st.builds(make_id, regions, births, sequences)
valid_credit_codes = st.builds(make_credit_code, st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17))


# --- check digits -----------------------------------------------------------------------


def test_the_well_known_sample_id_number_is_valid() -> None:
    assert check_digit("11010519491231002") == "X"
    assert validate_id_number("11010519491231002X") == IdNumber(
        value="11010519491231002X", region_code="110105", birth_date=date(1949, 12, 31), gender="女"
    )


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("32021119900101123", "4"), ("32021119900101100", "7"), ("44030419800808001", "8")],
)
def test_check_digit_follows_iso_7064_mod_11_2(first17: str, expected: str) -> None:
    assert check_digit(first17) == expected


def test_check_digit_needs_seventeen_digits() -> None:
    with pytest.raises(ValueError):
        check_digit("1234")
    with pytest.raises(ValueError):
        check_digit("3202111990010112X")


# --- normalising ------------------------------------------------------------------------


def test_full_width_input_is_folded_and_x_upper_cased() -> None:
    assert normalise_id_number("３２０２１１１９９００１０１１２３ｘ") == "32021119900101123X"


def test_a_full_width_valid_number_validates() -> None:
    valid = make_id()
    assert validate_id_number("  " + valid.translate(FULL_WIDTH) + "\u3000").value == valid


def test_a_lower_case_x_is_accepted() -> None:
    assert validate_id_number("11010519491231002x").value == "11010519491231002X"


def test_normalising_does_not_reject_an_invalid_number() -> None:
    assert normalise_id_number(" abc ") == "ABC"
    # The full-width sample above has the wrong check digit: normalised, then refused.
    with pytest.raises(InvalidIdNumber) as excinfo:
        validate_id_number("３２０２１１１９９００１０１１２３ｘ")
    assert excinfo.value.reason == "check_digit"


def test_an_old_15_digit_number_is_widened_to_18() -> None:
    assert normalise_id_number("320211900101123") == "320211199001011234"
    assert validate_id_number("320211900101123").birth_date == date(1990, 1, 1)


@given(valid_ids.filter(lambda value: value[6:8] == "19"))
def test_widening_the_old_form_gives_back_the_new_one(value: str) -> None:
    old = value[:6] + value[8:17]
    assert normalise_id_number(old) == value


# --- validating -------------------------------------------------------------------------


def test_gender_comes_from_the_17th_digit() -> None:
    assert validate_id_number(make_id(sequence="123")).gender == "男"
    assert validate_id_number(make_id(sequence="124")).gender == "女"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("3202111990010112", "length"),
        ("3202111990010112345", "length"),
        ("", "length"),
        ("32021119900101123A", "format"),
        ("3202111990X101123X", "format"),
        ("320211199002301234", "birth_date"),
        ("320211179901011234", "birth_date"),
        ("320211199001011235", "check_digit"),
    ],
)
def test_each_broken_rule_has_its_own_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as excinfo:
        validate_id_number(raw)
    assert excinfo.value.reason == reason
    assert excinfo.value.message_zh and excinfo.value.message_en
    assert not is_valid_id_number(raw)


def test_the_check_digit_error_speaks_both_languages() -> None:
    with pytest.raises(InvalidIdNumber) as excinfo:
        validate_id_number("320211199001011235")
    assert excinfo.value.message_zh == "身份证号码校验位错误"
    assert excinfo.value.message_en == "ID number check digit is wrong"
    assert isinstance(excinfo.value, ValueError)


def test_a_birth_date_after_today_is_impossible_only_when_today_is_given() -> None:
    born_tomorrow = make_id(born=date(2030, 6, 2))
    assert is_valid_id_number(born_tomorrow)
    assert not is_valid_id_number(born_tomorrow, today=date(2030, 6, 1))
    assert is_valid_id_number(born_tomorrow, today=date(2030, 6, 2))


@given(valid_ids)
def test_any_valid_number_round_trips(value: str) -> None:
    parsed = validate_id_number(value)
    assert parsed.value == value
    assert parsed.region_code == value[:6]
    assert parsed.birth_date.strftime("%Y%m%d") == value[6:14]
    assert parsed.gender == ("男" if int(value[16]) % 2 else "女")
    assert validate_id_number(value.lower().translate(FULL_WIDTH)).value == value


@given(valid_ids, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_detected(value: str, position: int, replacement: str) -> None:
    if value[position] == replacement:
        return
    changed = value[:position] + replacement + value[position + 1 :]
    assert not is_valid_id_number(changed)


@given(valid_ids, st.integers(min_value=0, max_value=16))
def test_swapping_two_neighbouring_digits_is_detected(value: str, position: int) -> None:
    if value[position] == value[position + 1]:
        return
    swapped = value[:position] + value[position + 1] + value[position] + value[position + 2 :]
    assert not is_valid_id_number(swapped)


# --- credit codes -----------------------------------------------------------------------


def test_a_commonly_cited_credit_code_is_valid() -> None:
    assert credit_check_character("91350100M000100Y4") == "3"
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"


def test_a_credit_code_is_normalised() -> None:
    assert validate_credit_code(" ９１３５０１００ｍ０００１００ｙ４３ ") == "91350100M000100Y43"
    assert is_valid_credit_code("91350100m000100y43")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100O000100Y43", "format"),
        ("91350100M000100Y4-", "format"),
        ("91350100M000100Y44", "check_digit"),
    ],
)
def test_a_bad_credit_code_says_why(raw: str, reason: str) -> None:
    with pytest.raises(InvalidCreditCode) as excinfo:
        validate_credit_code(raw)
    assert excinfo.value.reason == reason
    assert excinfo.value.message_zh and excinfo.value.message_en
    assert not is_valid_credit_code(raw)


def test_credit_check_character_needs_seventeen_allowed_characters() -> None:
    with pytest.raises(ValueError):
        credit_check_character("91350100M000100")
    with pytest.raises(ValueError):
        credit_check_character("91350100I000100Y4")


@given(valid_credit_codes)
def test_any_valid_credit_code_round_trips(code: str) -> None:
    assert validate_credit_code(code.lower()) == code


@given(valid_credit_codes, st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_ALPHABET))
def test_any_single_credit_code_change_is_detected(code: str, position: int, replacement: str) -> None:
    if code[position] == replacement:
        return
    assert not is_valid_credit_code(code[:position] + replacement + code[position + 1 :])


# --- masking ----------------------------------------------------------------------------


def test_an_id_number_keeps_region_and_last_four() -> None:
    assert mask_id_number("320211199001011234") == "320211********1234"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("320211900101123", "320**********23"),
        ("1234", "1**4"),
        ("12", "1*"),
        ("1", "*"),
    ],
)
def test_other_lengths_keep_little(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@given(st.text(st.characters(blacklist_characters="*"), min_size=1, max_size=30))
def test_masking_never_reveals_more_than_half(value: str) -> None:
    masked = mask_id_number(value)
    revealed = [index for index, char in enumerate(masked) if char != "*"]
    assert len(masked) == len(value)
    assert all(masked[index] == value[index] for index in revealed)
    if len(value) != 18:
        assert len(revealed) <= len(value) // 2


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("0510-12345678", "0510-****5678"),
        ("010-12345678", "010-****5678"),
        ("02112345678", "021****5678"),
        ("12345", "1***5"),
    ],
)
def test_a_phone_keeps_its_prefix_and_last_four(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("张三丰", "张**"), ("李四", "李*"), ("王", "*")])
def test_a_name_keeps_the_family_name(value: str, masked: str) -> None:
    assert mask_name(value) == masked


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone, mask_name])
@pytest.mark.parametrize("empty", ["", None])
def test_nothing_to_mask_comes_back_unchanged(mask: Callable[..., object], empty: str | None) -> None:
    assert mask(empty) == empty


def test_digits_of_other_scripts_are_not_taken_for_ascii_digits() -> None:
    arabic_indic = make_id().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert not is_valid_id_number(arabic_indic)
    with pytest.raises(ValueError):
        check_digit("٣٢٠٢١١١٩٩٠٠١٠١١٢٣")


def test_a_number_with_an_impossible_birth_date_still_has_a_valid_check_digit() -> None:
    first17 = "32021119990230001"  # 30 February
    number = first17 + check_digit(first17)
    assert has_valid_check_digit(number) and not is_valid_id_number(number)
