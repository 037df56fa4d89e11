"""Indicators of requests (诉求指标), the weighted index over them (信访生态指数) and its three colours (三色图).

安吉 ranks its towns and departments by an index of how they handle petitions, coloured
green, yellow or red and published daily, summed weekly, ranked monthly and reported
quarterly (每日一发布、每周一汇总、每月一排名、每季一通报). Here each indicator is a share
with its own denominator; the index is their weighted mean as a score out of 100, with the
weights and colour thresholds a pack declares.

Plain Python: counts come in from one grouped query, periods are calendar dates in China
Standard Time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from tongban.calendar.limits import CHINA, Colour
from tongban.errors import BadInput


class Indicator(StrEnum):
    response = "response"  # 响应率: routed among received, withdrawn left out
    signed_on_time = "signed_on_time"  # 按时签收率: signed within the limit among signed
    closed_on_time = "closed_on_time"  # 按期办结率: answered within the limit among answered
    resolution = "resolution"  # 办结率: answered or closed among received, withdrawn left out
    satisfaction = "satisfaction"  # 满意率: 非常满意、满意、基本满意 among ratings


INDICATOR_NAMES: Mapping[Indicator, tuple[str, str]] = {
    Indicator.response: ("响应率", "Response rate"),
    Indicator.signed_on_time: ("按时签收率", "Signed on time"),
    Indicator.closed_on_time: ("按期办结率", "Closed on time"),
    Indicator.resolution: ("办结率", "Resolution rate"),
    Indicator.satisfaction: ("满意率", "Satisfaction rate"),
}


@dataclass(frozen=True)
class Counts:
    """What the requests of one department, town or period add up to; ``key`` is that group."""

    key: str | None
    received: int = 0
    withdrawn: int = 0
    routed: int = 0
    signed: int = 0  # signed for while a sign-for limit ran
    signed_in_time: int = 0
    answered: int = 0  # answered while a handling limit ran
    closed_in_time: int = 0
    resolved: int = 0
    rated: int = 0  # ratings, not requests: a request may be rated by more than one person
    satisfied: int = 0

    def shares(self) -> dict[Indicator, tuple[int, int]]:
        """Each indicator as (numerator, denominator)."""
        kept = self.received - self.withdrawn
        return {
            Indicator.response: (self.routed, kept),
            Indicator.signed_on_time: (self.signed_in_time, self.signed),
            Indicator.closed_on_time: (self.closed_in_time, self.answered),
            Indicator.resolution: (self.resolved, kept),
            Indicator.satisfaction: (self.satisfied, self.rated),
        }

    def rates(self) -> dict[Indicator, float | None]:
        """Each share as a fraction; None where nothing was there to count (no request signed, none rated)."""
        return {name: (n / d if d else None) for name, (n, d) in self.shares().items()}


def combined(groups: Sequence[Counts], key: str | None = None) -> Counts:
    """The groups added up: the whole area beside its departments (each request is in one group only)."""
    names = [item.name for item in fields(Counts) if item.name != "key"]
    return Counts(key, **{name: sum(getattr(group, name) for group in groups) for name in names})


@dataclass(frozen=True)
class Scheme:
    """How the index is weighed and coloured: at or above ``green`` is green, at or above ``yellow`` yellow."""

    weights: Mapping[Indicator, float]
    green: float
    yellow: float
    pack_code: str | None = None  # the pack that declared it; None for the default


# Without a pack's own scheme every indicator weighs the same.
DEFAULT_SCHEME = Scheme(weights={name: 1 / len(Indicator) for name in Indicator}, green=90.0, yellow=80.0)


def scheme_of(stored: Mapping[str, object], pack_code: str) -> Scheme:
    """A scheme as the pack loader stores it: ``{"weights": {name: w}, "green": g, "yellow": y}``."""
    weights = stored.get("weights")
    declared = weights if isinstance(weights, Mapping) else {}
    return Scheme(
        weights={Indicator(name): float(weight) for name, weight in declared.items()},
        green=float(str(stored["green"])),
        yellow=float(str(stored["yellow"])),
        pack_code=pack_code,
    )


def index_score(rates: Mapping[Indicator, float | None], weights: Mapping[Indicator, float]) -> float | None:
    """The weighted mean of the rates there are, out of 100, to one decimal.

    An indicator with nothing to count (no ratings yet) is left out and the other weights
    stand for it: a department is neither punished nor rewarded for what it was never asked.
    """
    present = {name: weight for name, weight in weights.items() if weight > 0 and rates.get(name) is not None}
    total = sum(present.values())
    if not total:
        return None
    return round(100 * sum(weight * (rates[name] or 0.0) for name, weight in present.items()) / total, 1)


def colour_of(score: float | None, scheme: Scheme) -> Colour | None:
    if score is None:
        return None
    if score >= scheme.green:
        return Colour.green
    return Colour.yellow if score >= scheme.yellow else Colour.red


@dataclass(frozen=True)
class Standing:
    """One group's place in the ranking (赛马): its counts, rates, index, colour and rank."""

    counts: Counts
    rates: Mapping[Indicator, float | None]
    score: float | None
    colour: Colour | None
    rank: int | None  # None when there is no index to rank by

    @property
    def key(self) -> str | None:
        return self.counts.key


def scored(groups: Sequence[Counts], scheme: Scheme) -> list[Standing]:
    """Each group's rates, index and colour, in the order given and unranked (a trend over periods)."""
    found = []
    for counts in groups:
        rates = counts.rates()
        score = index_score(rates, scheme.weights)
        found.append(Standing(counts, rates, score, colour_of(score, scheme), None))
    return found


def standings(groups: Sequence[Counts], scheme: Scheme) -> list[Standing]:
    """Highest index first; equal scores share a rank and the next rank skips (1, 1, 3); no index comes last.

    Among equals the busier group is listed first, then by key, so the order never depends on the query's.
    """
    found = sorted(
        scored(groups, scheme),
        key=lambda item: (item.score is None, -(item.score or 0.0), -item.counts.received, str(item.key)),
    )
    ranked: list[Standing] = []
    for position, standing in enumerate(found, 1):
        tied = bool(ranked) and ranked[-1].score == standing.score
        rank = None if standing.score is None else (ranked[-1].rank if tied else position)
        ranked.append(replace(standing, rank=rank))
    return ranked


class Period(StrEnum):
    day = "day"
    week = "week"  # ISO week, Monday to Sunday
    month = "month"
    quarter = "quarter"


PERIOD_NAMES: Mapping[Period, tuple[str, str]] = {
    Period.day: ("日", "Day"),
    Period.week: ("周", "Week"),
    Period.month: ("月", "Month"),
    Period.quarter: ("季度", "Quarter"),
}


def period_label(period: Period, start: date) -> str:
    """2026-11-03, 2026-W45, 2026-11, 2026-Q4: the same in both languages and in sort order."""
    if period is Period.day:
        return start.isoformat()
    if period is Period.week:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.month:
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def period_start(period: Period, day: date) -> date:
    """The first day of the period ``day`` falls in."""
    if period is Period.day:
        return day
    if period is Period.week:
        return day - timedelta(days=day.weekday())
    if period is Period.month:
        return day.replace(day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def every_period(period: Period, first: date, last: date) -> list[date]:
    """The start of each period from the one holding ``first`` to the one holding ``last``."""
    starts = [period_start(period, first)]
    while True:
        following = period_start(period, _after(period, starts[-1]))
        if following > last:
            return starts
        starts.append(following)


def _after(period: Period, start: date) -> date:
    """A day inside the next period: a period is at most 92 days long and at least one."""
    return start + timedelta(days={Period.day: 1, Period.week: 7, Period.month: 31, Period.quarter: 92}[period])


def with_empty_periods(period: Period, first: date, last: date, found: Mapping[date, Counts]) -> list[Counts]:
    """One row per period of the window, in time order; a period without requests counts zero of everything."""
    label = {start: period_label(period, start) for start in every_period(period, first, last)}
    return [replace(found[start], key=name) if start in found else Counts(name) for start, name in label.items()]


# How far back the page looks when no range is given: enough periods for a line to mean something.
DEFAULT_SPAN: Mapping[Period, int] = {Period.day: 30, Period.week: 12, Period.month: 12, Period.quarter: 8}


def default_range(period: Period, today: date) -> tuple[date, date]:
    """The last periods up to today, the first of them whole."""
    start = period_start(period, today)
    for _ in range(DEFAULT_SPAN[period] - 1):
        start = period_start(period, start - timedelta(days=1))
    return start, today


# Dates the indicators look at; anything outside is a typing error, not a question about the past.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
# A chart and a sheet stay readable, and a query stays cheap, up to this many periods.
MAX_PERIODS = 400
SHORTEST_DAYS: Mapping[Period, int] = {Period.day: 1, Period.week: 7, Period.month: 28, Period.quarter: 90}


def window_of(first: date | None, last: date | None, period: Period, today: date) -> Window:
    """The window asked for; a missing end is today, a missing start the default span before the end."""
    last = last or today
    first = first or default_range(period, last)[0]
    for day, name in ((first, "from"), (last, "to")):
        if not EARLIEST <= day <= LATEST:
            raise BadInput(
                f"日期应在 {EARLIEST} 至 {LATEST} 之间", f"the date must lie between {EARLIEST} and {LATEST}", name
            )
    if first > last:
        raise BadInput("开始日期不能晚于结束日期", "the start date is after the end date", "from")
    if (last - first).days // SHORTEST_DAYS[period] + 1 > MAX_PERIODS:
        zh, en = PERIOD_NAMES[period]
        raise BadInput(
            f"按{zh}统计最多 {MAX_PERIODS} 期，请缩短期间或按更长的周期统计",
            f"at most {MAX_PERIODS} periods by {en.lower()}: shorten the range or count by a longer period",
            "from",
        )
    return Window(first, last)


@dataclass(frozen=True)
class Window:
    """Requests received from ``first`` to ``last`` inclusive, China Standard Time."""

    first: date
    last: date

    def instants(self) -> tuple[datetime, datetime]:
        """The window as [start, end) instants, so the query compares a stored UTC timestamp directly."""
        start = datetime.combine(self.first, time.min, CHINA)
        return start, datetime.combine(self.last + timedelta(days=1), time.min, CHINA)

    def label(self) -> str:
        """2026-11 for a window within one month, 2026-01-01_2026-11-30 for any other."""
        if (self.first.year, self.first.month) == (self.last.year, self.last.month):
            return f"{self.first.year}-{self.first.month:02d}"
        return f"{self.first.isoformat()}_{self.last.isoformat()}"
