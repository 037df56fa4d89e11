"""The eligibility page: the rules listed, then the person's result rule by rule with where each fact came from."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.pages import csrf_of, login
from tests.rules.test_api import CHILD, site  # noqa: F401  (fixture)

PAGE = "/services/TP-001/eligibility"


def test_a_resident_sees_each_rule_and_the_source_of_each_fact(site: TestClient) -> None:  # noqa: F811
    child = login(site, "child")
    listed = child.get(PAGE).text
    assert "须年满16周岁" in listed and "查询申请资格" in listed
    result = child.post(PAGE, data={"csrf_token": csrf_of(listed)}).text
    assert "暂不符合申请条件" in result and "一键申请" not in result
    assert "人口基础信息（杭州市人力资源和社会保障局）" in result
    adult = login(site, "adult")
    result = adult.post(PAGE, data={"csrf_token": csrf_of(adult.get(PAGE).text)}).text
    assert "符合申请条件" in result and "一键申请" in result


def test_staff_check_a_person_by_id_number_and_a_bad_number_is_said_plainly(site: TestClient) -> None:  # noqa: F811
    window = login(site, "window")
    page = window.get(PAGE).text
    assert 'name="id_number"' in page
    result = window.post(PAGE, data={"csrf_token": csrf_of(page), "id_number": CHILD}).text
    assert "暂不符合申请条件" in result
    bad = window.post(PAGE, data={"csrf_token": csrf_of(page), "id_number": "123"})
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text


def test_the_guide_offers_the_check_where_a_service_has_rules(site: TestClient) -> None:  # noqa: F811
    assert "查询申请资格" in site.get("/services/TP-001").text
    assert "查询申请资格" not in site.get("/services/TP-002").text
