"""Evidence rows for one chunk of people: who did what when, then the noise a real feed has.

Rows are a structure of arrays; an event is drawn per person as counts and a date range,
then expanded with ``np.repeat``. Nothing here writes files or knows about text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum, IntFlag
from typing import TYPE_CHECKING

import numpy as np

from tongban.registries.generator_io import IdForm
from tongban.registries.generator_names import Array, NameTables, swap_homophone
from tongban.registries.generator_people import People

if TYPE_CHECKING:
    from tongban.registries.generator import NoiseRates

# Evidence files in the order ``evidence_files`` connects them; a source whose file is not
# connected leaves no rows, as when a county has not yet linked that data provider.
FILES = ("hospital", "medical_insurance", "transit", "bank", "civil_affairs_deaths", "household_registration")


@dataclass(frozen=True)
class Source:
    name: str
    file: int
    death: bool
    weight: float = 0.0  # share of life events
    lag: tuple[int, int] = (0, 0)  # days from death to the record, inclusive


# Hospitals issue the 死亡医学证明 (death certificate), so hospital.csv holds deaths too:
# the default four files already see most deaths.
SOURCES = (
    Source("hospital", 0, False, 0.20),
    Source("medical_insurance", 1, False, 0.40),
    Source("transit", 2, False, 0.25),
    Source("bank", 3, False, 0.15),
    Source("death_certificate", 0, True, lag=(0, 2)),
    Source("cremation", 4, True, lag=(1, 5)),
    Source("household_deregistration", 5, True, lag=(5, 90)),
)
LIFE = np.array([k for k, s in enumerate(SOURCES) if not s.death])
TRANSIT = 2
BANK = 3
SOURCE_FILE = np.array([s.file for s in SOURCES], np.uint8)
SOURCE_DEATH = np.array([s.death for s in SOURCES])

YEAR = 365
HISTORY = 3 * YEAR  # evidence reaches back three years
LATE = 60  # feeds are extracted up to two months after the as-of date


class Profile(IntEnum):
    ACTIVE = 0  # alive, several life events a year
    LAPSED = 1  # alive, last life event one to three years ago
    SILENT = 2  # alive, no life evidence at all
    DEAD = 3  # died in the year before the as-of date
    CONFLICT = 4  # died, but a life event (a relative's bank withdrawal) follows the death
    DEAD_AFTER = 5  # dies in the two months after the as-of date


PROFILE_LABELS = ("active", "lapsed", "silent", "dead", "dead_conflict", "dead_after_as_of")


class Noise(IntFlag):
    OLD_ID = 1
    FULLWIDTH_ID = 2
    LOWER_X = 4
    PADDED_ID = 8
    BLANK_ID = 16
    MISTYPED_ID = 32
    HOMOPHONE = 64
    WRONG_BIRTH = 128
    BLANK_BIRTH = 256
    WRONG_GENDER = 512
    BLANK_GENDER = 1024
    AFTER_AS_OF = 2048
    MISATTRIBUTED = 4096


_FORM_NOISE = {
    IdForm.OLD15: Noise.OLD_ID,
    IdForm.FULLWIDTH: Noise.FULLWIDTH_ID,
    IdForm.LOWER_X: Noise.LOWER_X,
    IdForm.PADDED: Noise.PADDED_ID,
    IdForm.BLANK: Noise.BLANK_ID,
    IdForm.MISTYPED: Noise.MISTYPED_ID,
}


def noise_label(bits: int) -> str:
    return ";".join(flag.name.lower() for flag in Noise if flag.name and bits & flag)


@dataclass
class Rows:
    """Evidence rows: whose event (index into People), when, from which source."""

    person: Array
    day: Array
    source: Array
    misattributed: Array

    @classmethod
    def concat(cls, parts: list[Rows]) -> Rows:
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def take(self, index: Array | slice) -> Rows:
        return Rows(*(getattr(self, f.name)[index] for f in fields(self)))


def _segment(rng: np.random.Generator, owners: Array, counts: Array, lo: Array, hi: Array) -> tuple[Array, Array]:
    """``counts[i]`` events of ``owners[i]`` on days drawn uniformly from ``lo[i]..hi[i]``."""
    counts = np.where(hi >= lo, counts, 0)
    width = np.where(counts > 0, hi - lo + 1, 1).astype(np.int32)
    person = np.repeat(owners, counts)
    day = np.repeat(lo.astype(np.int32), counts)
    day += rng.integers(0, np.repeat(width, counts), dtype=np.int32)
    return person, day


_LIFE_CUTS = np.cumsum([SOURCES[k].weight for k in LIFE]) / sum(SOURCES[k].weight for k in LIFE)


def _life(rng: np.random.Generator, owners: Array, counts: Array, lo: Array, hi: Array) -> Rows:
    person, day = _segment(rng, owners, counts, lo, hi)
    pick = np.searchsorted(_LIFE_CUTS[:-1], rng.random(len(person), dtype=np.float32), side="right")
    return Rows(person, day, LIFE.astype(np.uint8)[pick], np.zeros(len(person), bool))


def draw_profiles(rng: np.random.Generator, n: int, as_of: int, rates: NoiseRates) -> tuple[Array, Array]:
    """Each pensioner's profile and death day (a large sentinel when alive past the feeds)."""
    u = rng.random(n)
    cuts = np.cumsum([rates.dead, rates.dead_after_as_of, rates.silent, rates.lapsed])
    kind = np.searchsorted(cuts, u, side="right")
    profile = np.choose(
        kind, [Profile.DEAD, Profile.DEAD_AFTER, Profile.SILENT, Profile.LAPSED, Profile.ACTIVE]
    ).astype(np.uint8)
    conflict = (profile == Profile.DEAD) & (rng.random(n) < rates.conflict)
    profile[conflict] = Profile.CONFLICT
    death = np.full(n, np.iinfo(np.int32).max, np.int32)
    dead = np.isin(profile, (Profile.DEAD, Profile.CONFLICT))
    death[dead] = as_of - rng.integers(1, YEAR + 1, size=int(dead.sum()))
    after = profile == Profile.DEAD_AFTER
    death[after] = as_of + rng.integers(1, LATE + 1, size=int(after.sum()))
    return profile, death


def pensioner_life(
    rng: np.random.Generator, first: int, profile: Array, death: Array, as_of: int, rates: NoiseRates
) -> Rows:
    n = len(profile)
    owners = np.arange(first, first + n, dtype=np.int32)
    ones = np.ones(n, np.int64)
    # Nothing is put on as_of-365: whether that day is "in the last 365 days" is left open
    # by the contract, so the truth must not depend on it.
    recent_lo, old_lo, old_hi = ones * (as_of - YEAR + 1), ones * (as_of - HISTORY + 1), ones * (as_of - YEAR - 1)
    alive = np.isin(profile, (Profile.ACTIVE, Profile.DEAD_AFTER))
    dead = np.isin(profile, (Profile.DEAD, Profile.CONFLICT))
    late = (profile == Profile.ACTIVE) & (rng.random(n) < rates.after_as_of)
    parts = [
        _life(rng, owners, alive * (1 + rng.poisson(rates.recent_events, n)), recent_lo, ones * as_of),
        _life(rng, owners, alive * rng.poisson(rates.older_events, n), old_lo, old_hi),
        _life(rng, owners, (profile == Profile.LAPSED) * (1 + rng.poisson(rates.lapsed_events, n)), old_lo, old_hi),
        _life(rng, owners, dead * rng.poisson(rates.dead_events, n), old_lo, death.astype(np.int64) - 1),
        _life(rng, owners, late * (1 + rng.poisson(1.0, n)), ones * (as_of + 1), ones * (as_of + LATE)),
    ]
    conflict = profile == Profile.CONFLICT
    misattributed = conflict * (1 + (rng.random(n) < 0.3))  # one withdrawal, sometimes two
    person, day = _segment(rng, owners, misattributed, death.astype(np.int64) + 1, ones * as_of)
    parts.append(Rows(person, day, np.full(len(person), BANK, np.uint8), np.ones(len(person), bool)))
    rows = Rows.concat(parts)
    rows.day[rows.day == as_of - YEAR] = as_of - YEAR - 1
    return rows


def deaths(rng: np.random.Generator, owners: Array, death: Array, rates: NoiseRates) -> Rows:
    """Death records from one to three sources, each some days after the death."""
    n = len(owners)
    present = np.stack([rng.random(n) < p for p in (rates.death_certificate, rates.cremation, rates.deregistration)])
    present[0] |= ~present.any(axis=0)
    parts = []
    for k, source in enumerate(s for s in range(len(SOURCES)) if SOURCE_DEATH[s]):
        lo, hi = SOURCES[source].lag
        who = np.flatnonzero(present[k])
        day = death[who] + rng.integers(lo, hi + 1, size=len(who))
        parts.append(
            Rows(owners[who], day.astype(np.int32), np.full(len(who), source, np.uint8), np.zeros(len(who), bool))
        )
    return Rows.concat(parts)


def other_events(rng: np.random.Generator, span: range, as_of: int, rates: NoiseRates) -> Rows:
    """Life and death evidence of people who are not on the roll."""
    n = len(span)
    owners = np.arange(span.start, span.stop, dtype=np.int32)
    dead = rng.random(n) < rates.non_pensioner_deaths
    death = np.where(dead, as_of - HISTORY + 1 + rng.integers(0, HISTORY + LATE, size=n), as_of + LATE + 1)
    lo = np.full(n, as_of - HISTORY + 1, np.int64)
    life = _life(rng, owners, 1 + rng.poisson(rates.non_pensioner_events, n), lo, death - 1)
    life.day[life.day == as_of - YEAR] = as_of - YEAR - 1
    return Rows.concat([life, deaths(rng, owners[dead], death[dead].astype(np.int32), rates)])


@dataclass
class Written:
    """What each row says about its person, after noise."""

    form: Array
    surname: Array
    g1: Array
    g2: Array
    birth: Array
    birth_known: Array
    male: Array
    gender_known: Array
    noise: Array

    def take(self, index: slice) -> Written:
        return Written(*(getattr(self, f.name)[index] for f in fields(self)))


_BANDS = (IdForm.BLANK, IdForm.MISTYPED, IdForm.OLD15, IdForm.FULLWIDTH, IdForm.PADDED)


def _id_forms(rng: np.random.Generator, rows: Rows, on_roll: Array, check: Array, rates: NoiseRates) -> Array:
    """Pick how each row writes the ID.

    Death records are issued against a checked ID card, so their ID is never blank; for
    people not on the roll it is never mistyped either, so their deaths never reach the
    fuzzy rule and cannot be pinned on a living namesake. A pensioner's mistyped death
    record still carries the right name, birth date and gender (see ``add_noise``).
    """
    # Rows fall in four groups (life / transit life / pensioner death / other death) that
    # differ only in the blank and mistyped rates: cut points per group, one group row each.
    group = np.where(SOURCE_DEATH[rows.source], np.where(on_roll, 2, 3), (rows.source == TRANSIT).astype(np.int8))
    bands = np.array(
        [
            [rates.blank_id, rates.mistyped_id],
            [rates.transit_blank_id, rates.mistyped_id],
            [0.0, rates.mistyped_id],
            [0.0, 0.0],
        ]
    )
    cuts = np.cumsum(np.c_[bands, np.tile([rates.old_id, rates.fullwidth_id, rates.padded_id], (4, 1))], axis=1)
    cuts = cuts.astype(np.float32)
    u = rng.random(len(rows.day), dtype=np.float32)
    form = np.full(len(u), IdForm.OK, np.uint8)
    # From the widest band down, so each row ends with the first band its draw falls in.
    for k in reversed(range(len(_BANDS))):
        form[u < cuts[group, k]] = _BANDS[k]
    lower = (form == IdForm.OK) & (check == ord("X")) & (rng.random(len(form)) < rates.lower_x)
    form[lower] = IdForm.LOWER_X
    return form


def add_noise(
    rng: np.random.Generator,
    rows: Rows,
    people: People,
    check: Array,
    as_of: int,
    rates: NoiseRates,
    tables: NameTables,
) -> Written:
    """Apply the documented noise rates; ``check`` is each row's true check character (ASCII)."""
    r = len(rows.day)
    p = rows.person
    form = _id_forms(rng, rows, p < people.pensioners, check, rates)
    names = [people.surname[p], people.g1[p], people.g2[p]]
    chosen = np.flatnonzero(rng.random(r, dtype=np.float32) < rates.homophone)
    changed, swapped = swap_homophone(rng, (names[0][chosen], names[1][chosen], names[2][chosen]), tables)
    for column, new in zip(names, changed, strict=True):
        column[chosen] = new
    homophone = np.zeros(r, bool)
    homophone[chosen[swapped]] = True
    # Birth date and gender errors are left out of death records: one whose ID is mistyped
    # must still point at its own person when matched by name, birth date and gender.
    life = ~SOURCE_DEATH[rows.source]
    u, v = rng.random(r, dtype=np.float32), rng.random(r, dtype=np.float32)
    wrong_birth = life & (u < rates.wrong_birth)
    blank_birth = life & ~wrong_birth & (u < rates.wrong_birth + rates.blank_birth)
    wrong_gender = life & (v < rates.wrong_gender)
    blank_gender = life & ~wrong_gender & (v < rates.wrong_gender + rates.blank_gender)
    del u, v
    birth = people.birth[p]
    shifted = np.flatnonzero(wrong_birth)
    birth[shifted] += rng.integers(1, 31, size=len(shifted), dtype=np.int32) * rng.choice([-1, 1], size=len(shifted))
    noise = np.zeros(r, np.uint16)
    for id_form, flag in _FORM_NOISE.items():
        noise[form == id_form] |= np.uint16(flag)
    for mask, flag in (
        (homophone, Noise.HOMOPHONE),
        (wrong_birth, Noise.WRONG_BIRTH),
        (blank_birth, Noise.BLANK_BIRTH),
        (wrong_gender, Noise.WRONG_GENDER),
        (blank_gender, Noise.BLANK_GENDER),
        (rows.day > as_of, Noise.AFTER_AS_OF),
        (rows.misattributed, Noise.MISATTRIBUTED),
    ):
        noise[mask] |= np.uint16(flag)
    return Written(
        form=form,
        surname=names[0],
        g1=names[1],
        g2=names[2],
        birth=birth,
        birth_known=~blank_birth,
        male=people.male[p] ^ wrong_gender,
        gender_known=~blank_gender,
        noise=noise,
    )
