"""Rating from the case page, and the rectification of a bad rating from the department to the return visit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.cases.conftest import Api, api, people  # noqa: F401  (fixtures)
from tests.cases.test_api import act, upload
from tests.pages import csrf_of, login

People = Callable[[str], Api]


def delivered_case(api: People) -> dict[str, Any]:  # noqa: F811
    case = api("resident")("post", "/cases", json={"service": "CP-INSTANT", "form": {"phone": "13861712345"}}).json()
    case = upload(api, "resident", case, "id-card")
    case = act(api, "window-hd", case, "accept")
    return act(api, "window-hd", case, "deliver")


def test_a_bad_rating_is_rectified_by_the_department_and_closed_by_a_return_visit(
    client: TestClient,
    api: People,  # noqa: F811
) -> None:
    case = delivered_case(api)
    resident = login(client, "resident")
    page = resident.get(f"/cases/{case['id']}").text
    assert "您对本次办理满意吗" in page
    data = {"csrf_token": csrf_of(page), "case_id": case["id"], "level": 1, "comment": "来回跑了三趟"}
    assert resident.post("/ratings", data=data, follow_redirects=False).status_code == 303
    page = resident.get(f"/cases/{case['id']}").text
    assert "非常不满意" in page and "已转整改" in page and "提交评价" not in page

    reviewer = login(client, "rev-sb")
    listed = reviewer.get("/rectifications").text
    assert case["number"] in listed and "提交整改" in listed
    data = {"csrf_token": csrf_of(listed), "measures": "窗口增设材料预审，一次告知到位"}
    assert reviewer.post("/rectifications/1/rectify", data=data, follow_redirects=False).status_code == 303

    supervisor = login(client, "supervisor")
    listed = supervisor.get("/rectifications").text
    assert "记录回访并办结" in listed
    data = {"csrf_token": csrf_of(listed), "verdict": "satisfied"}
    assert supervisor.post("/rectifications/1/visit", data=data, follow_redirects=False).status_code == 303
    assert "已回访办结" in supervisor.get("/rectifications?status=closed").text


def test_others_cannot_rate_or_read_rectifications(client: TestClient, api: People) -> None:  # noqa: F811
    case = delivered_case(api)
    neighbour = login(client, "neighbour")
    page = neighbour.get("/rectifications")
    assert page.status_code == 403
    token = csrf_of(neighbour.get("/").text)
    refused = neighbour.post("/ratings", data={"csrf_token": token, "case_id": case["id"], "level": 5})
    assert refused.status_code == 404
    window = login(client, "window-xy")
    assert case["number"] not in window.get("/rectifications").text
