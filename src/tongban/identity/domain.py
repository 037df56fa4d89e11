"""Identity numbers: 居民身份证号码 (GB 11643), 统一社会信用代码 (GB 32100-2015) and masking.

Pure functions, no I/O. Normalising is separate from validating so that cross-matching can
compare numbers typed in different ways (full-width digits, a lower-case ``x``, the old
15-digit form) without rejecting them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal, overload

IdReason = Literal["length", "format", "birth_date", "check_digit"]
CreditReason = Literal["length", "format", "check_digit"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_MAP = "10X98765432"
_OLD_ID = re.compile(r"[0-9]{15}")
_NEW_ID = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS17 = re.compile(r"[0-9]{17}")
# Nobody alive or recently deceased was born earlier; older dates are typing errors.
_EARLIEST_BIRTH_YEAR = 1800

# GB 32100-2015 leaves out I, O, S, V and Z so they cannot be misread as digits.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidIdNumber(ValueError):
    """An ID number that cannot belong to anyone; ``reason`` says which rule it breaks."""

    def __init__(self, reason: IdReason, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.reason = reason
        self.message_zh = message_zh
        self.message_en = message_en


class InvalidCreditCode(ValueError):
    """A 统一社会信用代码 that breaks GB 32100-2015; ``reason`` says which rule."""

    def __init__(self, reason: CreditReason, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.reason = reason
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class IdNumber:
    """A valid 18-character 居民身份证号码 and what it encodes."""

    value: str
    region_code: str
    birth_date: date
    gender: Literal["男", "女"]


def _fold(raw: str) -> str:
    """Full-width to half-width (NFKC), trimmed and upper-cased."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if not _DIGITS17.fullmatch(first17):
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_MAP[total % 11]


def with_check_digit(first17: str) -> str:
    """The full 18-digit number for its first 17 digits."""
    return first17 + check_digit(first17)


def normalise_id_number(raw: str) -> str:
    """Fold full-width characters, trim, upper-case ``x`` and widen a 15-digit old number.

    Old (1980s–1999) numbers had a two-digit birth year and no check digit; every one of
    them was issued to someone born in the 1900s, so ``19`` is inserted after the region.
    The result is not validated: an invalid number comes back normalised, not rejected.
    """
    value = _fold(raw)
    if _OLD_ID.fullmatch(value):
        first17 = value[:6] + "19" + value[6:]
        return first17 + check_digit(first17)
    return value


def _parse_birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def _birth_date(value: str, today: date | None) -> date:
    born = _parse_birth_date(value)
    if born is None or born.year < _EARLIEST_BIRTH_YEAR or (today is not None and born > today):
        raise InvalidIdNumber(
            "birth_date", "身份证号码中的出生日期不存在", "ID number contains an impossible birth date"
        )
    return born


def _check_id_shape(value: str) -> None:
    if len(value) != 18:
        raise InvalidIdNumber(
            "length",
            "身份证号码应为18位（旧版为15位）",
            "ID number must have 18 characters (15 for an old-style number)",
        )
    if not _NEW_ID.fullmatch(value):
        raise InvalidIdNumber(
            "format",
            "身份证号码前17位应为数字，最后一位为数字或X",
            "ID number must be 17 digits followed by a digit or X",
        )


def validate_id_number(raw: str, today: date | None = None) -> IdNumber:
    """Normalise and check an ID number; raise :class:`InvalidIdNumber` if it cannot exist.

    ``today``, when given, also rejects a birth date in the future (the domain has no clock).
    The region code is not looked up: the division table changes and lives elsewhere.
    """
    value = normalise_id_number(raw)
    _check_id_shape(value)
    born = _birth_date(value, today)
    if check_digit(value[:17]) != value[17]:
        raise InvalidIdNumber("check_digit", "身份证号码校验位错误", "ID number check digit is wrong")
    gender: Literal["男", "女"] = "男" if int(value[16]) % 2 else "女"
    return IdNumber(value=value, region_code=value[:6], birth_date=born, gender=gender)


def has_valid_check_digit(raw: str) -> bool:
    """Format and check digit only, as registry matching defines a valid number (the CONTRACT):
    a record whose birth-date digits are impossible still names its person unambiguously."""
    value = normalise_id_number(raw)
    return bool(_NEW_ID.fullmatch(value)) and check_digit(value[:17]) == value[17]


def is_valid_id_number(raw: str, today: date | None = None) -> bool:
    try:
        validate_id_number(raw, today)
    except InvalidIdNumber:
        return False
    return True


def credit_check_character(first17: str) -> str:
    """The GB 32100-2015 check character (MOD 31) for the first 17 characters of a credit code."""
    if len(first17) != 17 or any(ch not in _CREDIT_ALPHABET for ch in first17):
        raise ValueError(f"expected 17 characters from {_CREDIT_ALPHABET}, got {first17!r}")
    total = sum(_CREDIT_ALPHABET.index(ch) * weight for ch, weight in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """Normalise (NFKC, trim, upper-case) and check a 统一社会信用代码; return the normalised code."""
    value = _fold(raw)
    if len(value) != 18:
        raise InvalidCreditCode(
            "length", "统一社会信用代码应为18位", "unified social credit code must have 18 characters"
        )
    if any(ch not in _CREDIT_ALPHABET for ch in value):
        raise InvalidCreditCode(
            "format",
            "统一社会信用代码只能包含数字和除I、O、S、V、Z以外的大写字母",
            "unified social credit code may only contain digits and capital letters other than I, O, S, V, Z",
        )
    if credit_check_character(value[:17]) != value[17]:
        raise InvalidCreditCode(
            "check_digit", "统一社会信用代码校验位错误", "unified social credit code check character is wrong"
        )
    return value


def is_valid_credit_code(raw: str) -> bool:
    try:
        validate_credit_code(raw)
    except InvalidCreditCode:
        return False
    return True


def _mask_middle(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def _mask_generic(value: str) -> str:
    """Keep at most 3 leading and 2 trailing characters, and never more than half of them."""
    budget = len(value) // 2
    tail = min(2, budget // 2)
    return _mask_middle(value, min(3, budget - tail), tail)


@overload
def mask_id_number(value: str) -> str: ...
@overload
def mask_id_number(value: None) -> None: ...
def mask_id_number(value: str | None) -> str | None:
    """``320211199001011234`` → ``320211********1234``: region and last four stay readable.

    Staff views, logs and exports show only this form. Any other length keeps at most the
    first 3 and last 2 characters, never more than half.
    """
    if not value:
        return value
    if len(value) == 18:
        return _mask_middle(value, 6, 4)
    return _mask_generic(value)


_MOBILE = re.compile(r"(?P<prefix>(?:\+?86[- ]?)?)(?P<number>1\d{10})", re.ASCII)
# Beijing (010) and the 02x cities have 3-digit area codes; all others have 4.
_LANDLINE = re.compile(r"(?P<area>010|02\d|0[3-9]\d\d)(?P<sep>[- ]?)(?P<local>\d{7,8})", re.ASCII)


@overload
def mask_phone(value: str) -> str: ...
@overload
def mask_phone(value: None) -> None: ...
def mask_phone(value: str | None) -> str | None:
    """``13812345678`` → ``138****5678``; ``0510-12345678`` → ``0510-****5678``."""
    if not value:
        return value
    if mobile := _MOBILE.fullmatch(value):
        return mobile["prefix"] + _mask_middle(mobile["number"], 3, 4)
    if landline := _LANDLINE.fullmatch(value):
        return landline["area"] + landline["sep"] + _mask_middle(landline["local"], 0, 4)
    return _mask_generic(value)


@overload
def mask_name(value: str) -> str: ...
@overload
def mask_name(value: None) -> None: ...
def mask_name(value: str | None) -> str | None:
    """``张三丰`` → ``张**``: the first character only (a one-character name is fully hidden)."""
    if not value:
        return value
    if len(value) == 1:
        return "*"
    return _mask_middle(value, 1, 0)
