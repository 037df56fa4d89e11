"""The indicators page, its Excel workbook and its JSON, over the requests of ``indicator_data``."""

from __future__ import annotations

import json
import re
from io import BytesIO
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD
from tests.pages import login
from tests.requests import indicator_data
from tongban.auth.domain import Actor

NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def site(client: TestClient, db: sessionmaker[Session], people: dict[str, Actor]) -> TestClient:
    indicator_data.november(db, people)
    return client


def chart_data(page: str, marker: str) -> dict[str, object]:
    found = re.search(marker + r'[^>]*>\s*</div>\s*<script type="application/json">(.*?)</script>', page, re.S)
    assert found, marker
    loaded: dict[str, object] = json.loads(found.group(1))
    return loaded


def test_the_supervisor_sees_the_ranking_and_both_charts(site: TestClient) -> None:
    page = login(site, "supervisor").get(f"/requests/indicators?by=department&period=week&{NOVEMBER}").text
    bars = chart_data(page, "data-index-chart")
    assert bars["categories"] == ["凤鸣街道环境卫生所", "凤鸣街道城建办", "未分派"]
    assert bars["values"] == [100.0, 70.0, 0.0]
    line = chart_data(page, "data-trend-chart")
    assert line["categories"] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert line["values"] == [None, 50.0, None, None, None, None]
    assert "66.7%" in page  # the construction office signed two of three in time


def test_the_page_reads_in_english_and_ranks_towns(site: TestClient) -> None:
    page = login(site, "supervisor").get(f"/requests/indicators?by=town&{NOVEMBER}&lang=en").text
    assert "Towns by index" in page
    assert chart_data(page, "data-index-chart")["categories"] == ["Fengming", "Tianhuangping"]


def test_a_backwards_range_is_explained_on_the_form(site: TestClient) -> None:
    response = login(site, "supervisor").get("/requests/indicators?from=2026-11-30&to=2026-11-01")
    assert response.status_code == 422
    assert "开始日期不能晚于结束日期" in response.text


def test_department_staff_do_not_see_the_indicators(site: TestClient) -> None:
    assert login(site, "cjb").get("/requests/indicators").status_code == 403
    assert login(site, "cjb").get("/requests/indicators.xlsx").status_code == 403


def test_the_workbook_has_a_sheet_per_breakdown_with_percentages(site: TestClient) -> None:
    response = login(site, "supervisor").get(f"/requests/indicators.xlsx?period=week&{NOVEMBER}")
    assert response.status_code == 200
    assert f"filename*=UTF-8''{quote('诉求指标_2026-11.xlsx')}" in response.headers["content-disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["按部门", "按镇（街道）", "按周", "说明"]
    sheet = book["按部门"]
    assert [cell.value for cell in sheet[1]] == [
        "排名",
        "承办部门",
        "收到诉求",
        "响应率",
        "按时签收率",
        "按期办结率",
        "办结率",
        "满意率",
        "指数",
        "颜色",
    ]
    assert [cell.value for cell in sheet[3]][:4] == [2, "凤鸣街道城建办", 4, 1.0]
    assert sheet["E3"].value == pytest.approx(2 / 3)
    assert sheet["E3"].number_format == "0.0%"
    assert (sheet["I3"].value, sheet["J3"].value) == (70.0, "红")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["C"].width
    assert [row[0].value for row in book["按周"].iter_rows(min_row=2)] == [
        "2026-W44",
        "2026-W45",
        "2026-W46",
        "2026-W47",
        "2026-W48",
        "2026-W49",
    ]


def test_the_api_gives_ranks_rates_and_periods(site: TestClient) -> None:
    headers = token_for(site, "supervisor", PASSWORD)
    body = site.get(f"/api/v1/request-indicators?by=department&period=month&{NOVEMBER}", headers=headers).json()
    assert (body["from"], body["to"], body["scheme"]["pack"]) == ("2026-11-01", "2026-11-30", None)
    assert [(item["key"], item["rank"], item["index"], item["colour"]) for item in body["items"]] == [
        ("rp-hw", 1, 100.0, "green"),
        ("rp-cjb", 2, 70.0, "red"),
        (None, 3, 0.0, "red"),
    ]
    cjb = body["items"][1]
    assert (cjb["counts"]["received"], cjb["counts"]["satisfied"], cjb["rates"]["closed_on_time"]) == (4, 2, 0.5)
    assert [(p["key"], p["counts"]["received"], p["rank"]) for p in body["periods"]] == [("2026-11", 6, None)]


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-11-31", "from"), ("from=2026-12-01&to=2026-11-01", "from"), ("period=day&from=2020-01-01", "from")],
)
def test_the_api_refuses_a_bad_window_naming_the_field(site: TestClient, query: str, field: str) -> None:
    headers = token_for(site, "supervisor", PASSWORD)
    response = site.get(f"/api/v1/request-indicators?{query}", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
