"""Request indicators as JSON (GET /api/v1/request-indicators), for supervisors and administrators.

The same ``indicators.report`` as the page and the workbook, so the three never disagree.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from tongban.auth.domain import Actor, Role
from tongban.requests import indicators
from tongban.requests.index import Indicator, Period, Scheme, Standing
from tongban.requests.indicator_pages import By, Every, asked_window
from tongban.requests.indicators import Breakdown
from tongban.web.deps import ReadSession, require

router = APIRouter(tags=["requests"])
Watchers = Annotated[Actor, Depends(require(Role.supervisor, Role.admin))]
FROM = "YYYY-MM-DD; default: the start of the last periods up to `to` (12 months, 12 weeks, 30 days, 8 quarters)"


class SchemeOut(BaseModel):
    pack: str | None = Field(description="the pack that declared the weights; null for equal weights")
    weights: dict[Indicator, float]
    green: float = Field(description="an index at or above this is green")
    yellow: float = Field(description="an index at or above this (and below green) is yellow; below is red")

    @classmethod
    def of(cls, scheme: Scheme) -> SchemeOut:
        return cls(pack=scheme.pack_code, weights=dict(scheme.weights), green=scheme.green, yellow=scheme.yellow)


class StandingOut(BaseModel):
    key: str | None = Field(description="department code, town code or period (2026-11, 2026-W45, 2026-Q4)")
    rank: int | None = Field(description="1 is best; equal indexes share a rank; null for periods or no index")
    counts: dict[str, int]
    rates: dict[Indicator, float | None] = Field(description="fractions from 0 to 1; null with nothing to count")
    index: float | None = Field(description="weighted mean of the rates, out of 100")
    colour: Literal["green", "yellow", "red"] | None

    @classmethod
    def of(cls, row: Standing) -> StandingOut:
        counts = {name: value for name, value in vars(row.counts).items() if name != "key"}
        colour = row.colour.value if row.colour else None
        return cls(key=row.key, rank=row.rank, counts=counts, rates=dict(row.rates), index=row.score, colour=colour)


class IndicatorsOut(BaseModel):
    by: Breakdown
    period: Period
    first: str = Field(alias="from", description="first day counted (China Standard Time)")
    last: str = Field(alias="to", description="last day counted")
    scheme: SchemeOut
    items: list[StandingOut] = Field(description="by department or town, best index first")
    periods: list[StandingOut] = Field(description="every period of the window, in time order")


@router.get("/request-indicators", response_model=IndicatorsOut, response_model_by_alias=True)
def indicators_api(
    actor: Watchers,
    session: ReadSession,
    by: By = Breakdown.department,
    period: Every = Period.month,
    first: Annotated[
        str, Query(alias="from", max_length=10, description="YYYY-MM-DD; default: the last periods up to `to`")
    ] = "",
    last: Annotated[str, Query(alias="to", max_length=10, description="YYYY-MM-DD; default: today")] = "",
) -> IndicatorsOut:
    """Owner: supervisor, admin (their area). Indicators, index and rank by department or town, and by period."""
    found = indicators.report(session, actor, by, asked_window(first, last, period), period)
    return IndicatorsOut.model_validate(
        {
            "by": by,
            "period": period,
            "from": found.window.first.isoformat(),
            "to": found.window.last.isoformat(),
            "scheme": SchemeOut.of(found.scheme),
            "items": [StandingOut.of(row) for row in found.ranking],
            "periods": [StandingOut.of(row) for row in found.trend],
        }
    )
