"""Request indicators (诉求指标、赛马排名) for supervisors and administrators: the page and its workbook.

The page and the Excel download; the JSON is in ``indicator_api``. All three read ``indicators``,
so the page, the workbook and the API never disagree.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.errors import BadInput
from tongban.requests import export, indicators, lookups
from tongban.requests.index import (
    INDICATOR_NAMES,
    PERIOD_NAMES,
    Indicator,
    Period,
    Standing,
    Window,
    combined,
    window_of,
)
from tongban.requests.indicators import Breakdown, Report
from tongban.requests.page_parts import named
from tongban.web import spreadsheet
from tongban.web.deps import ReadSession, require_page
from tongban.web.i18n import locale_of, pick
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Watchers = Annotated[Actor, Depends(require_page(Role.supervisor, Role.admin))]
By = Annotated[Breakdown, Query(description="department, or town (镇、街道: the first nine digits of the place)")]
Every = Annotated[Period, Query(description="day, ISO week, month or quarter, China Standard Time")]
# The page keeps what was typed, so that a mistyped date comes back with its message, not a bare 422.
TypedDay = Annotated[str, Query(max_length=10)]
# The chart's colours match the board's chips: red, yellow and green that read on white.
SHADES = {"green": "#15803d", "yellow": "#ca8a04", "red": "#b91c1c"}
UNROUTED = ("未分派", "Not yet routed")


@router.get("/requests/indicators")
def indicators_page(
    request: Request,
    actor: Watchers,
    session: ReadSession,
    by: By = Breakdown.department,
    period: Every = Period.month,
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """Owner: supervisor, admin. The ranking by index (赛马) with its colours, and closed-on-time over periods."""
    typed = {"from": first, "to": last}
    try:
        window = asked_window(first, last, period)
        problem = None
    except BadInput as exc:
        window, problem = window_of(None, None, period, calendar.today()), exc
    found = indicators.report(session, actor, by, window, period)
    locale = locale_of(request, request.app.state.settings.default_locale)
    context = _names(session, by, found.ranking)
    label = _labeller(locale, by, context)
    return render(
        request,
        actor,
        "requests/indicators.html",
        status_code=problem.status if problem else 200,
        report=found,
        by=by,
        period=period,
        typed=typed,
        problem=problem,
        total=combined([row.counts for row in found.ranking]),
        indicator_names={name.value: pair for name, pair in INDICATOR_NAMES.items()},
        period_names={name.value: pair for name, pair in PERIOD_NAMES.items()},
        label=label,
        index_chart=_index_chart(found, label),
        trend_chart=_trend_chart(locale, found),
        export_query=str(request.url.include_query_params(**{"from": window.first, "to": window.last}).query),
        **context,
    )


@router.get("/requests/indicators.xlsx")
def indicators_workbook(
    actor: Watchers,
    session: ReadSession,
    period: Every = Period.month,
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """Owner: supervisor, admin. 导出 Excel: a sheet by department, by town and by period, and the weights."""
    window = asked_window(first, last, period)
    scheme = indicators.scheme_for(session, actor)
    by_department = indicators.ranking(session, actor, Breakdown.department, window, scheme)
    by_town = indicators.ranking(session, actor, Breakdown.town, window, scheme)
    by_period = indicators.trend(session, actor, window, period, scheme)
    departments = lookups.department_names(session, [row.key for row in by_department])
    places = lookups.place_names(session, [row.key for row in by_town])
    sheets = [
        export.Sheet("按部门", "承办部门", by_department, _zh_name(departments, UNROUTED[0])),
        export.Sheet("按镇（街道）", "镇（街道）", by_town, _zh_name(places, "")),
        export.Sheet(f"按{PERIOD_NAMES[period][0]}", "期间", by_period, lambda key: key or "", ranked=False),
    ]
    body = export.workbook(sheets, scheme, window)
    headers = {"Content-Disposition": export.disposition(window)}
    return Response(body, media_type=spreadsheet.MEDIA_TYPE, headers=headers)


def asked_window(first: str, last: str, period: Period) -> Window:
    """The window the query asks for, dates as typed (YYYY-MM-DD); blanks take the defaults."""
    return window_of(_day(first, "from"), _day(last, "to"), period, calendar.today())


def _day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput("请按 年-月-日 填写日期", "give the date as year-month-day", field) from None


def _names(session: Session, by: Breakdown, ranking: list[Standing]) -> dict[str, Any]:
    keys = [row.key for row in ranking]
    return named(session, keys if by is Breakdown.department else [], keys if by is Breakdown.town else [])


def _labeller(locale: str, by: Breakdown, context: dict[str, Any]) -> Any:
    names: dict[str, lookups.Named] = context["departments" if by is Breakdown.department else "places"]

    def label(key: str | None) -> str:
        found = names.get(key or "")
        if found:
            return pick(locale, found.name, found.name_en)
        return key or pick(locale, *UNROUTED)

    return label


def _zh_name(names: dict[str, lookups.Named], unnamed: str) -> Any:
    return lambda key: names[key].name if key in names else key or unnamed


def _index_chart(found: Report, label: Any) -> dict[str, Any]:
    """Bars of the index, each in its colour, with the two thresholds drawn across (三色图)."""
    rows = [row for row in found.ranking if row.score is not None]
    return {
        "categories": [label(row.key) for row in rows],
        "values": [row.score for row in rows],
        "colours": [SHADES[row.colour or "red"] for row in rows],
        "green": found.scheme.green,
        "yellow": found.scheme.yellow,
    }


def _trend_chart(locale: str, found: Report) -> dict[str, Any]:
    """按期办结率 per period in percent; a period with nothing answered is a gap, not a zero."""
    rates = [row.rates[Indicator.closed_on_time] for row in found.trend]
    return {
        "categories": [row.key for row in found.trend],
        "name": pick(locale, *INDICATOR_NAMES[Indicator.closed_on_time]),
        "values": [None if rate is None else round(rate * 100, 1) for rate in rates],
    }
