"""助联体 pages: an officer's tasks and task page, the two lists, the summary and the workbook."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.pages import csrf_of, login
from tests.registries.assistance_data import add_officers, discover, load
from tongban.calendar.service import today
from tongban.registries.models import AssistanceTask

FULL_ID = re.compile(r"\b\d{17}[\dX]\b")


@pytest.fixture
def site(client: TestClient, db: sessionmaker[Session]) -> dict[str, int]:
    """The mini pack discovered today (so that this year's places are the ones used); household → task id."""
    load(db)
    discover(db, today())
    add_officers(db)
    with db() as session:
        return {task.household_id: task.id for task in session.scalars(select(AssistanceTask))}


def test_an_officer_lists_their_towns_tasks_and_not_another_towns(client: TestClient, site: dict[str, int]) -> None:
    page = login(client, "donglin").get("/assistance/tasks").text
    assert all(f"户号 {household}" in page for household in ("H01", "H03", "H05", "H11"))
    assert "H08" not in page and "因病支出型困难" in page and "东林镇" in page
    daixi = login(client, "daixi")
    assert "H01" not in daixi.get("/assistance/tasks").text
    assert daixi.get(f"/assistance/tasks/{site['H01']}").status_code == 403
    assert "H01" not in login(client, "medic").get("/assistance/tasks").text


def test_the_task_page_shows_the_household_masked_the_rule_with_its_facts_and_the_resource(
    client: TestClient, site: dict[str, int]
) -> None:
    page = login(client, "donglin").get(f"/assistance/tasks/{site['H01']}").text
    assert "330502********001X" in page and not FULL_ID.search(page)
    assert "丁敏" in page and "医疗自付超过家庭年收入的一半" in page
    assert "医疗自付（元）" in page and "42,000" in page and "40,000" in page
    assert "吴兴区医疗保障分局" in page and 'name="action"' in page
    english = login(client, "donglin").get(f"/assistance/tasks/{site['H01']}?lang=en").text
    assert "Medical assistance" in english and "Needs and matched resources" in english


def test_an_officer_records_assistance_and_a_missing_note_is_said_plainly(
    client: TestClient, site: dict[str, int], db: sessionmaker[Session]
) -> None:
    officer = login(client, "donglin")
    path = f"/assistance/tasks/{site['H01']}"
    page = officer.get(path).text
    need = re.search(r'action="/assistance/tasks/\d+/needs/(\d+)"', page).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf_of(page), "action": "assisted", "note": ""}
    refused = officer.post(f"{path}/needs/{need}", data=form)
    assert refused.status_code == 422 and 'role="alert"' in refused.text and "请填写帮扶情况" in refused.text
    done = officer.post(f"{path}/needs/{need}", data={**form, "note": "办理低保，接续医保"}, follow_redirects=False)
    assert done.status_code == 303
    after = officer.get(path).text
    assert "已办结" in after and "办理低保，接续医保" in after and 'name="action"' not in after


def test_a_supervisor_reads_the_task_but_cannot_act(client: TestClient, site: dict[str, int]) -> None:
    supervisor = login(client, "county")
    page = supervisor.get(f"/assistance/tasks/{site['H05']}").text
    assert "保卫村邻里互助队" in page and 'name="action"' not in page
    posted = supervisor.post(
        f"/assistance/tasks/{site['H05']}/needs/1", data={"csrf_token": csrf_of(page), "action": "assisted"}
    )
    assert posted.status_code == 403


def test_the_two_lists_show_needs_by_status_and_resources_with_places_used_and_left(
    client: TestClient, site: dict[str, int]
) -> None:
    officer = login(client, "donglin")
    needs = officer.get("/assistance/needs").text
    assert "需求清单库" in needs and "医疗救助" in needs and "H05" in needs and "H08" not in needs
    assert "H05" not in officer.get("/assistance/needs?category=medical").text
    resources = officer.get("/assistance/resources").text
    village = re.search(r'data-resource="r-care-village">(.*?)</tr>', resources, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r'class="num[^"]*">(\d+)</td>', village) == ["1", "1", "0"]
    assert "r-care-village" in resources and 'data-resource="r-care-town"' in resources


def test_the_summary_counts_by_town_and_draws_its_chart_from_the_same_figures(
    client: TestClient, site: dict[str, int]
) -> None:
    page = login(client, "county").get("/assistance/summary").text
    assert "东林镇" in page and "埭溪镇" in page and "data-assistance-towns" in page
    assert re.search(r"<span>发现家庭</span><strong>5</strong>", page)


def test_the_workbook_lists_tasks_and_needs_without_id_numbers(client: TestClient, site: dict[str, int]) -> None:
    response = login(client, "donglin").get("/assistance/tasks.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["任务", "需求", "说明"]
    tasks = list(book["任务"].iter_rows(values_only=True))
    assert tasks[0][:4] == ("任务编号", "户号", "镇（街道）", "村（社区）")
    assert sorted(row[1] for row in tasks[1:]) == ["H01", "H03", "H05", "H11"]
    h05 = next(row for row in tasks[1:] if row[1] == "H05")
    assert h05[2:4] == ("东林镇", "保卫村") and "Z03 高龄独居" in h05[8] and h05[6] == "办理中"
    needs = list(book["需求"].iter_rows(values_only=True))
    assert any(row[4] == "保卫村邻里互助队：结对探访" for row in needs)
    cells = " ".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row)
    assert not FULL_ID.search(cells)
