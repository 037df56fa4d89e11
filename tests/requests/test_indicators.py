"""Request indicators in SQL, on SQLite and PostgreSQL: requests placed in known periods, figures checked by hand.

The requests are those of ``indicator_data``: read its docstring beside the figures below.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import user
from tests.requests import indicator_data
from tests.requests.conftest import REQUEST_PACK
from tests.requests.indicator_data import NOVEMBER
from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.auth.models import User
from tongban.auth.service import actor_of
from tongban.errors import Forbidden
from tongban.packs import service as packs
from tongban.requests import indicators
from tongban.requests.index import DEFAULT_SCHEME, Indicator, Period, Scheme, Window
from tongban.requests.indicators import Breakdown


@pytest.fixture
def november(db: sessionmaker[Session], people: dict[str, Actor]) -> dict[str, int]:
    return indicator_data.november(db, people)


def figures(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(row.key, *(getattr(row.counts, name) for name in COUNTED)) for row in rows]


COUNTED = (
    "received",
    "withdrawn",
    "routed",
    "signed",
    "signed_in_time",
    "answered",
    "closed_in_time",
    "resolved",
    "rated",
    "satisfied",
)


def test_by_department_every_count_and_the_ranking(
    db: sessionmaker[Session], people: dict[str, Actor], november: dict[str, int]
) -> None:
    with db() as session:
        rows = indicators.ranking(session, people["supervisor"], Breakdown.department, NOVEMBER, DEFAULT_SCHEME)
    # key, received, withdrawn, routed, signed, in time, answered, in time, resolved, rated, satisfied
    assert figures(rows) == [
        ("rp-hw", 1, 0, 1, 1, 1, 0, 0, 1, 0, 0),
        ("rp-cjb", 4, 1, 3, 3, 2, 2, 1, 2, 3, 2),
        (None, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    cjb = rows[1]
    assert cjb.rates[Indicator.signed_on_time] == pytest.approx(2 / 3)
    assert cjb.rates[Indicator.closed_on_time] == 0.5
    # (1 + 2/3 + 1/2 + 2/3 + 2/3) / 5; the refusal's missing ratings and answers leave 100.
    assert [(row.score, row.rank, row.colour) for row in rows] == [
        (100.0, 1, "green"),
        (70.0, 2, "red"),
        (0.0, 3, "red"),
    ]


def test_by_town_the_first_nine_digits(
    db: sessionmaker[Session], people: dict[str, Actor], november: dict[str, int]
) -> None:
    with db() as session:
        rows = indicators.ranking(session, people["supervisor"], Breakdown.town, NOVEMBER, DEFAULT_SCHEME)
    assert figures(rows) == [
        ("330523100", 5, 1, 4, 4, 3, 2, 1, 3, 3, 2),
        ("330523200", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ]


@pytest.mark.parametrize(
    ("period", "window", "received"),
    [
        (
            Period.day,
            Window(date(2026, 11, 1), date(2026, 11, 3)),
            [("2026-11-01", 1), ("2026-11-02", 1), ("2026-11-03", 1)],
        ),
        (
            Period.week,
            NOVEMBER,
            [("2026-W44", 1), ("2026-W45", 2), ("2026-W46", 2), ("2026-W47", 1), ("2026-W48", 0), ("2026-W49", 0)],
        ),
        (Period.month, Window(date(2026, 10, 1), date(2026, 12, 31)), [("2026-10", 1), ("2026-11", 6), ("2026-12", 1)]),
        (Period.quarter, Window(date(2026, 7, 1), date(2026, 12, 31)), [("2026-Q3", 1), ("2026-Q4", 8)]),
    ],
)
def test_by_period_in_china_standard_time(
    db: sessionmaker[Session],
    people: dict[str, Actor],
    november: dict[str, int],
    period: Period,
    window: Window,
    received: list[tuple[str, int]],
) -> None:
    with db() as session:
        rows = indicators.trend(session, people["supervisor"], window, period, DEFAULT_SCHEME)
    assert [(row.key, row.counts.received) for row in rows] == received


def test_a_period_keeps_every_count_of_its_requests(
    db: sessionmaker[Session], people: dict[str, Actor], november: dict[str, int]
) -> None:
    week = Window(date(2026, 11, 2), date(2026, 11, 8))
    with db() as session:
        (row,) = indicators.trend(session, people["supervisor"], week, Period.week, DEFAULT_SCHEME)
    assert figures([row]) == [("2026-W45", 2, 0, 2, 2, 1, 2, 1, 2, 3, 2)]
    assert row.rank is None


def test_a_town_supervisor_counts_only_the_town(
    db: sessionmaker[Session], people: dict[str, Actor], november: dict[str, int]
) -> None:
    user(db, "tianhuangping", Role.supervisor, jurisdiction_code="330523200")
    with db() as session:
        actor = actor_of(session.scalars(select(User).where(User.username == "tianhuangping")).one())
        rows = indicators.ranking(session, actor, Breakdown.department, NOVEMBER, DEFAULT_SCHEME)
    assert [(row.key, row.counts.received) for row in rows] == [(None, 1)]


def test_only_supervisors_and_admins_see_the_indicators(db: sessionmaker[Session], people: dict[str, Actor]) -> None:
    with db() as session, pytest.raises(Forbidden):
        indicators.ranking(session, people["cjb"], Breakdown.department, NOVEMBER, DEFAULT_SCHEME)


def with_index(tmp_path: Path, index: str) -> Path:
    """The request pack with an ``index`` section added to its requests.yaml."""
    folder = tmp_path / "request-pack"
    shutil.copytree(REQUEST_PACK, folder)
    with (folder / "requests.yaml").open("a", encoding="utf-8") as file:
        file.write(index)
    return folder


WEIGHED = """index:
  weights: {response: 0.1, signed_on_time: 0.1, closed_on_time: 0.3, resolution: 0.2, satisfaction: 0.3}
  green: 85
  yellow: 60
"""


def test_the_packs_weights_and_colours_make_the_index(
    db: sessionmaker[Session], people: dict[str, Actor], november: dict[str, int], tmp_path: Path
) -> None:
    packs.load(db, SYSTEM, [with_index(tmp_path, WEIGHED)])
    with db() as session:
        report = indicators.report(session, people["supervisor"], Breakdown.department, NOVEMBER, Period.month)
    assert report.scheme == Scheme(
        {
            Indicator.response: 0.1,
            Indicator.signed_on_time: 0.1,
            Indicator.closed_on_time: 0.3,
            Indicator.resolution: 0.2,
            Indicator.satisfaction: 0.3,
        },
        85.0,
        60.0,
        "request-pack",
    )
    # rp-cjb: 0.1·1 + 0.1·⅔ + 0.3·½ + 0.2·⅔ + 0.3·⅔ = 0.65.
    assert [(row.key, row.score, row.colour) for row in report.ranking] == [
        ("rp-hw", 100.0, "green"),
        ("rp-cjb", 65.0, "yellow"),
        (None, 0.0, "red"),
    ]
    assert [(row.key, row.counts.received) for row in report.trend] == [("2026-11", 6)]


def test_without_a_declared_index_every_indicator_weighs_the_same(
    db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    with db() as session:
        assert indicators.scheme_for(session, people["supervisor"]) == DEFAULT_SCHEME


@pytest.mark.parametrize(
    ("index", "line", "field", "message"),
    [
        (
            "index:\n  weights: {response: 0.5, resolution: 0.4}\n  green: 90\n  yellow: 80\n",
            2,
            "index.weights",
            "sum to 0.9",
        ),
        (
            "index:\n  weights: {response: 1.2, resolution: -0.2}\n  green: 90\n  yellow: 80\n",
            2,
            "index.weights.resolution",
            "at least 0",
        ),
        ("index:\n  weights: {response: .nan}\n  green: 90\n  yellow: 80\n", 2, "index.weights", "at least 0"),
        ("index:\n  weights: {speed: 1}\n  green: 90\n  yellow: 80\n", 2, "index.weights", "response"),
        ("index:\n  weights: {response: 1}\n  green: 70\n  yellow: 80\n", 4, "index.yellow", "above the green"),
    ],
)
def test_a_bad_index_is_refused_with_its_file_and_line(
    tmp_path: Path, index: str, line: int, field: str, message: str
) -> None:
    folder = with_index(tmp_path, index)
    first = len((REQUEST_PACK / "requests.yaml").read_text(encoding="utf-8").splitlines())
    errors = packs.check([folder])
    assert errors, index
    found = [(error.file, error.line, error.field, error.message_en) for error in errors]
    assert any(
        file.endswith("requests.yaml") and got == first + line and where.startswith(field) and message in text
        for file, got, where, text in found
    ), found
