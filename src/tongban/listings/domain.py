"""Lottery site selection (摇号选址): a draw anyone can re-run and check.

Before the draw the organiser publishes the commitment, SHA-256 of a secret random seed;
after it, the seed. Anyone holding the published seed, the list of eligible households and
the list of plots then re-runs the draw (`tongban lottery rerun`) and gets the same result:

1. each household's ticket is HMAC-SHA256(key = seed, message = household id, UTF-8);
2. households are ordered by ticket (hex, ascending), ties impossible in practice and
   broken by the id;
3. the first household in that order takes the first plot of the published plot list, the
   second the second, and so on; households beyond the number of plots wait.

The order of the input lists does not matter for households (they are sorted by ticket)
and is the published order for plots. Nothing here reads a clock or a random source.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from tongban.auth.domain import Actor, Role

SEED_BYTES = 32


class DrawError(ValueError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


def commitment(seed: bytes) -> str:
    """What is published before the draw: the seed's SHA-256, in hex."""
    return hashlib.sha256(seed).hexdigest()


def ticket(seed: bytes, household: str) -> str:
    return hmac.new(seed, household.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Allocation:
    rank: int
    household: str
    ticket: str
    plot: str | None  # None: beyond the number of plots, on the waiting list


def draw(seed: bytes, households: Sequence[str], plots: Sequence[str]) -> list[Allocation]:
    """The draw, entirely determined by the seed and the two lists."""
    if len(seed) != SEED_BYTES:
        raise DrawError(f"种子应为 {SEED_BYTES} 字节", f"the seed must be {SEED_BYTES} bytes")
    _no_duplicates(households, "户", "household")
    _no_duplicates(plots, "地块", "plot")
    ordered = sorted((ticket(seed, household), household) for household in households)
    return [
        Allocation(rank, household, mark, plots[rank - 1] if rank <= len(plots) else None)
        for rank, (mark, household) in enumerate(ordered, 1)
    ]


def verify(seed: bytes, published_commitment: str) -> None:
    """Refuses a seed that is not the one committed to before the draw."""
    if not hmac.compare_digest(commitment(seed), published_commitment.strip().lower()):
        raise DrawError(
            "种子与摇号前公布的承诺值不符", "the seed does not match the commitment published before the draw"
        )


def parse_seed(text: str) -> bytes:
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError:
        raise DrawError("种子应为十六进制", "the seed must be hexadecimal") from None
    if len(seed) != SEED_BYTES:
        raise DrawError(f"种子应为 {SEED_BYTES * 2} 位十六进制", f"the seed must be {SEED_BYTES * 2} hex digits")
    return seed


def _no_duplicates(items: Sequence[str], zh: str, en: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise DrawError(f"{zh} {item} 重复", f"duplicate {en} {item}")
        seen.add(item)


# --- the draw held in the platform: who organises it, its plots, when enrolment is open ---

ORGANISERS = (Role.window, Role.admin)  # town staff (镇便民服务中心) and administrators
# What the household registry must say about a person for them to enrol their household.
HOUSEHOLD_FIELDS = ("household_id", "village_code", "name")
# China Standard Time is UTC+8 all year (no daylight saving): a deadline names a day in Beijing.
CHINA_TIME = timezone(timedelta(hours=8), "CST")
# Codes and household ids go into the published files one per line, and the re-run strips each
# line: so no spaces, no line breaks, nothing a spreadsheet would read as a formula.
LISTED = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff_.\-]{0,63}$")
# A homestead is 125–140 m² in Zhejiang; a plot past this bound is a typing error.
MAX_PLOT_AREA = 10_000


class DrawStatus(StrEnum):
    open = "open"  # the commitment is published and households enrol
    drawn = "drawn"  # the seed is published and the plots are allocated


@dataclass(frozen=True)
class Plot:
    """A plot (地块) the draw offers; plots are taken in their published order."""

    code: str
    area: float  # m²
    terrain: str  # 平原、丘陵、山区


@dataclass(frozen=True)
class NewDraw:
    code: str
    name: str
    village: str  # 行政区划代码 of the village (12 digits)
    service: str  # whose eligibility rules entrants must pass
    registry: str  # the household registry: HOUSEHOLD_FIELDS
    enrol_until: date  # the last day to enrol, in Beijing
    plots: Sequence[Plot]
    name_en: str | None = None


def may_organise(actor: Actor, village: str) -> bool:
    """Town staff and administrators whose jurisdiction covers the village create and hold its draws."""
    return actor.role in ORGANISERS and actor.covers(village)


def china_date(now: datetime) -> date:
    return now.astimezone(CHINA_TIME).date()


def enrolment_open(status: DrawStatus, last_day: date, now: datetime) -> bool:
    """Households enrol until the draw is held, and at the latest through the deadline's whole day."""
    return status is DrawStatus.open and china_date(now) <= last_day


def check_plots(plots: Sequence[Plot]) -> None:
    if not plots:
        raise DrawError("请至少列出一块地块", "list at least one plot")
    for plot in plots:
        check_listed(plot.code, "地块编号", "plot code")
        if not plot.terrain.strip():
            raise DrawError(f"地块 {plot.code} 缺少地形", f"plot {plot.code} needs a terrain")
        if not 0 < plot.area <= MAX_PLOT_AREA:
            raise DrawError(
                f"地块 {plot.code} 的面积应大于 0 且不超过 {MAX_PLOT_AREA} 平方米",
                f"plot {plot.code}: the area must be more than 0 and at most {MAX_PLOT_AREA} m²",
            )
    _no_duplicates([plot.code for plot in plots], "地块", "plot")


def check_listed(value: str, zh: str, en: str) -> None:
    """A code or household id that can stand on a line of a published file as it is."""
    if not LISTED.fullmatch(value):
        raise DrawError(
            f"{zh} {value!r} 只能包含字母、数字、汉字和 - _ .（不超过 64 个字符）",
            f"{en} {value!r} may only hold letters, digits, Chinese characters and - _ . (64 at most)",
        )
