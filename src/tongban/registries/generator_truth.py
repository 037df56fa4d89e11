"""The answers a benchmark scores against: the contract's status rules over known linkages.

Two linkages are tallied for every pensioner:

- ``expected``: the true one — every row the generator made for the pensioner (noisy or
  not, misattributed withdrawals included) and nothing else;
- ``rule``: what the contract's matching rules link, exactly — ID equality after
  normalisation, else name (toneless pinyin), birth date and gender equal to exactly one
  pensioner. This is the answer of a perfect implementation of the contract, so an engine
  can be checked for conformance as well as scored for accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tongban.registries.generator_evidence import SOURCE_DEATH, YEAR, Rows, Written, noise_label
from tongban.registries.generator_io import IdForm
from tongban.registries.generator_names import Array, NameTables, pinyin_keys
from tongban.registries.generator_people import FuzzyIndex, fuzzy_keys

STATUS_LABELS = pa.array(["certified", "manual", "suspended"])
MATCHED_BY_LABELS = pa.array(["", "id", "fuzzy"])
CERTIFIED, MANUAL, SUSPENDED = 0, 1, 2
_NONE_LATE = np.iinfo(np.int32).max
_NONE_EARLY = np.iinfo(np.int32).min
_UNREADABLE = (IdForm.BLANK, IdForm.MISTYPED)


@dataclass(frozen=True)
class Links:
    """For each row: the pensioner it is linked to (-1 for none) and whether through the ID."""

    pensioner: Array
    by_id: Array


def true_links(rows: Rows, written: Written, pensioners: int, roll_blank: Array) -> Links:
    """Rows belong to whom they were made for; they match on the ID when both sides have one."""
    pensioner = np.where(rows.person < pensioners, rows.person, -1)
    readable = ~np.isin(written.form, _UNREADABLE)
    by_id = (pensioner >= 0) & readable & ~roll_blank[np.maximum(pensioner, 0)]
    return Links(pensioner, by_id)


def rule_links(
    rows: Rows, written: Written, pensioners: int, roll_blank: Array, index: FuzzyIndex, tables: NameTables
) -> Links:
    """The contract's matching, using what the generator knows about each written ID.

    Every readable ID is the owner's true ID (ID numbers are unique and a single changed
    digit always breaks the check digit), so an ID matches exactly when the owner is a
    pensioner whose roll entry has an ID. Other rows match fuzzily when their name, birth
    date and gender are all present and point at exactly one pensioner.
    """
    readable = ~np.isin(written.form, _UNREADABLE)
    own = (rows.person < pensioners) & readable & ~roll_blank[np.minimum(rows.person, pensioners - 1)]
    pensioner = np.where(own, rows.person, -1)
    fuzzy = np.flatnonzero(~readable & written.birth_known & written.gender_known)
    names = pinyin_keys(written.surname[fuzzy], written.g1[fuzzy], written.g2[fuzzy], tables)
    pensioner[fuzzy] = index.lookup(fuzzy_keys(names, written.birth[fuzzy], written.male[fuzzy]))
    return Links(pensioner, own)


class Tally:
    """Per pensioner: earliest death, latest life event, and how evidence matched (as-of rows only)."""

    def __init__(self, n: int) -> None:
        self.death = np.full(n, _NONE_LATE, np.int32)
        self.life = np.full(n, _NONE_EARLY, np.int32)
        self.matched = np.zeros(n, bool)
        self.by_id = np.zeros(n, bool)

    def add(self, links: Links, rows: Rows, as_of: int) -> None:
        # Evidence after the as-of date is ignored: a run must give the same answer when
        # repeated next month over the same files.
        keep = (links.pensioner >= 0) & (rows.day <= as_of)
        who, day = links.pensioner[keep], rows.day[keep]
        death = SOURCE_DEATH[rows.source[keep]]
        np.minimum.at(self.death, who[death], day[death])
        np.maximum.at(self.life, who[~death], day[~death])
        self.matched[who] = True
        self.by_id[who[links.by_id[keep]]] = True

    def statuses(self, span: slice, as_of: int) -> tuple[Array, Array]:
        """Status and matched-by codes by the contract's rules (indices into the label arrays)."""
        death, life = self.death[span], self.life[span]
        has_death = death != _NONE_LATE
        status = np.full(len(death), CERTIFIED, np.uint8)
        status[~has_death & (life <= as_of - YEAR)] = MANUAL
        status[has_death] = np.where(life[has_death] > death[has_death], MANUAL, SUSPENDED)
        matched_by = np.where(self.by_id[span], 1, np.where(self.matched[span], 2, 0))
        return status, matched_by

    def dates(self, span: slice) -> tuple[Array, Array, Array, Array]:
        """Latest life and earliest death day with their presence masks."""
        life, death = self.life[span], self.death[span]
        return life, life != _NONE_EARLY, death, death != _NONE_LATE


def labels(codes: Array, table: pa.Array) -> pa.Array:
    return pc.take(table, pa.array(codes.astype(np.int8)))


def noise_labels(bits: Array) -> pa.Array:
    """``old_id;homophone`` style tags, one label per distinct bit pattern."""
    unique, inverse = np.unique(bits, return_inverse=True)
    return pc.take(pa.array([noise_label(int(b)) for b in unique], pa.string()), pa.array(inverse.astype(np.int32)))
