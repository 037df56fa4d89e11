"""The people the generator invents: pensioners on the roll and others who only leave evidence.

Everyone is kept as a few compact NumPy arrays (about 15 bytes a person), never as rows;
text is made chunk by chunk when files are written. ID numbers are not stored either:
they follow from region, birth date, gender and a sequence number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from tongban.registries.generator_names import Array, NameTables, draw_names, pinyin_keys

if TYPE_CHECKING:
    from tongban.registries.generator import NoiseRates

# Days from 1900-01-01 to 1970-01-01: birth days are stored from 1970 (as Arrow's date32)
# and shifted to be non-negative where they are packed into integer keys.
DAYS_1900 = 25567
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_ASCII = np.frombuffer(b"10X98765432", dtype=np.uint8)
# Pensioners on the roll were born 1930–1965 (the brief's range for today's retirees).
OLDEST_BIRTH = date(1930, 1, 1)
YOUNGEST_BIRTH = date(1965, 12, 31)
# Retirement ages: men 60; women workers 50, women cadres 55 (国发〔1978〕104号).
MALE_SHARE = 0.48
WOMEN_AT_55 = 0.3
# An ID number leaves 500 sequence numbers per county, birth date and gender.
_SEQUENCES = 500


def days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def ymd(day_numbers: Array) -> tuple[Array, Array, Array]:
    """Year, month and day of each date given as days since 1970-01-01."""
    d = np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    years = d.astype("datetime64[Y]")
    return (
        (years.astype(np.int64) + 1970).astype(np.int16),
        ((months - years.astype("datetime64[M]")).astype(np.int64) + 1).astype(np.int8),
        ((d - months.astype("datetime64[D]")).astype(np.int64) + 1).astype(np.int8),
    )


def pension_start(birth: Array, retire_age: Array) -> Array:
    """Pensions are paid from the first day of the month after the birthday at retirement age."""
    months = np.asarray(birth, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    start = months + 12 * retire_age.astype(np.int64) + 1
    return start.astype("datetime64[D]").astype(np.int64).astype(np.int32)


def _last_birth_day(as_of: date, retire_age: int) -> int:
    """The last birth date whose pension has started by ``as_of``."""
    month = np.datetime64(as_of, "M") - 12 * retire_age - 1
    last = (month + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return min(int(last.astype(np.int64)), days(YOUNGEST_BIRTH))


@dataclass
class People:
    """Pensioners are ``0 .. pensioners-1``; people not on the roll follow them."""

    pensioners: int
    surname: Array
    g1: Array
    g2: Array
    male: Array
    birth: Array
    region: Array
    retire_age: Array
    seq: Array

    @classmethod
    def allocate(cls, pensioners: int, others: int) -> People:
        n = pensioners + others
        return cls(
            pensioners=pensioners,
            surname=np.zeros(n, np.int16),
            g1=np.zeros(n, np.int16),
            g2=np.zeros(n, np.int16),
            male=np.zeros(n, bool),
            birth=np.zeros(n, np.int32),
            region=np.zeros(n, np.uint8),
            retire_age=np.zeros(n, np.uint8),
            seq=np.zeros(n, np.uint16),
        )

    def copy_identity(self, source: Array, target: Array) -> None:
        """Give ``target`` the name, gender and birth date of ``source`` (a namesake, 同名同生日)."""
        for column in (self.surname, self.g1, self.g2, self.male, self.birth):
            column[target] = column[source]


def draw_pensioners(
    rng: np.random.Generator, people: People, span: range, as_of: date, rates: NoiseRates, tables: NameTables
) -> None:
    n = len(span)
    rows = slice(span.start, span.stop)
    male = rng.random(n) < MALE_SHARE
    age = np.where(male, 60, np.where(rng.random(n) < WOMEN_AT_55, 55, 50)).astype(np.uint8)
    birth = np.empty(n, np.int32)
    lo = days(OLDEST_BIRTH)
    for retire_age in (50, 55, 60):
        hi = _last_birth_day(as_of, retire_age)
        if hi < lo:
            raise ValueError(f"as_of {as_of} is too early: nobody born 1930–1965 had retired at {retire_age}")
        group = age == retire_age
        # sqrt(u) makes later birth years more common, as mortality thins the oldest.
        offset = (np.sqrt(rng.random(int(group.sum()))) * (hi - lo + 1)).astype(np.int32)
        birth[group] = lo + np.minimum(offset, hi - lo)  # sqrt may round up to exactly 1
    people.male[rows] = male
    people.retire_age[rows] = age
    people.birth[rows] = birth
    people.region[rows] = rng.choice(len(tables.region_p), size=n, p=tables.region_p)
    people.surname[rows], people.g1[rows], people.g2[rows] = draw_names(rng, male, tables)
    pairs = min(round(n * rates.namesakes), n // 2)
    chosen = rng.choice(n, size=2 * pairs, replace=False) + span.start
    people.copy_identity(chosen[:pairs], chosen[pairs:])
    people.retire_age[chosen[pairs:]] = people.retire_age[chosen[:pairs]]


def draw_others(
    rng: np.random.Generator,
    people: People,
    span: range,
    pensioner_span: range,
    as_of: date,
    rates: NoiseRates,
    tables: NameTables,
) -> None:
    """People not on the roll; some share name, gender and birth date with a pensioner of the chunk."""
    n = len(span)
    rows = slice(span.start, span.stop)
    male = rng.random(n) < 0.5
    lo, hi = days(OLDEST_BIRTH), days(adult_cutoff(as_of))
    people.male[rows] = male
    people.birth[rows] = lo + (rng.random(n) * max(hi - lo, 1)).astype(np.int32)
    people.region[rows] = rng.choice(len(tables.region_p), size=n, p=tables.region_p)
    people.surname[rows], people.g1[rows], people.g2[rows] = draw_names(rng, male, tables)
    if len(pensioner_span):
        twins = np.flatnonzero(rng.random(n) < rates.non_pensioner_namesakes) + span.start
        people.copy_identity(rng.integers(pensioner_span.start, pensioner_span.stop, size=len(twins)), twins)


def assign_sequences(people: People) -> None:
    """Give everyone a sequence number unique within county, birth date and gender.

    Ranking within each (county, birth date, gender) group makes every ID number unique by
    construction; the rank is scattered over the 500 slots so that numbers look random.
    """
    key = (
        (people.region.astype(np.int64) << 18)
        | ((people.birth.astype(np.int64) + DAYS_1900) << 1)
        | people.male.astype(np.int64)
    )
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    del key
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    group = np.cumsum(np.r_[True, sorted_key[1:] != sorted_key[:-1]]) - 1
    rank = np.arange(len(order)) - starts[group]
    if len(rank) and rank.max() >= _SEQUENCES:
        raise ValueError("too many people born on one day in one county for distinct ID numbers")
    slot = (rank * 37 + (sorted_key * 7919) % _SEQUENCES) % _SEQUENCES
    people.seq[order] = (slot * 2 + (sorted_key & 1)).astype(np.uint16)


def id_digits(people: People, index: Array, tables: NameTables) -> tuple[Array, Array]:
    """The first 17 digits (as values 0–9) and the ASCII check character of each person's ID.

    Built column by column in ``uint8``: a chunk has millions of rows, and int64
    temporaries of shape (rows, 17) would dominate the generator's memory.
    """
    year, month, day = ymd(people.birth[index])
    seq = people.seq[index]
    digits = np.empty((len(index), 17), np.uint8)
    digits[:, :6] = tables.region_id_digits[people.region[index]]
    places = [(year, 1000), (year, 100), (year, 10), (year, 1), (month, 10), (month, 1), (day, 10), (day, 1)]
    places += [(seq, 100), (seq, 10), (seq, 1)]
    for k, (value, power) in enumerate(places):
        digits[:, 6 + k] = value // power % 10
    total = np.zeros(len(index), np.uint16)
    for k in range(17):
        total += digits[:, k] * np.uint16(_ID_WEIGHTS[k])
    return digits, _CHECK_ASCII[total % 11]


def fuzzy_keys(pinyin_key: Array, birth: Array, male: Array) -> Array:
    """Toneless name, birth date and gender packed into one integer (48 bits)."""
    return (pinyin_key << 18) | ((birth.astype(np.int64) + DAYS_1900) << 1) | male.astype(np.int64)


@dataclass(frozen=True)
class FuzzyIndex:
    """Pensioners by toneless name, birth date and gender; ``owner`` is -1 where two or more share one."""

    keys: Array
    owner: Array
    namesake: Array

    @classmethod
    def build(cls, people: People, tables: NameTables) -> FuzzyIndex:
        n = people.pensioners
        pk = pinyin_keys(people.surname[:n], people.g1[:n], people.g2[:n], tables)
        keys = fuzzy_keys(pk, people.birth[:n], people.male[:n])
        unique, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
        owner = np.where(counts == 1, first, -1).astype(np.int32)
        return cls(keys=unique, owner=owner, namesake=counts[inverse] > 1)

    def lookup(self, keys: Array) -> Array:
        """The one pensioner each key belongs to, or -1 (nobody, or ambiguous)."""
        if len(self.keys) == 0:
            return np.full(len(keys), -1, np.int32)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, self.owner[pos], -1)


def adult_cutoff(as_of: date) -> date:
    """People not on the roll are at least 18 on ``as_of``."""
    return as_of - timedelta(days=18 * 366)
