"""Walks every route as every role (and anonymous) and checks who may do what.

A new route fails this test until it is given an owner here: nobody adds an endpoint
without saying who may call it.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tests.conftest import token_for
from tongban.auth.domain import Role

PUBLIC = "public"
ANY_USER = "any user"
STAFF = frozenset({Role.window, Role.reviewer, Role.supervisor})

# (method, path template) → who may call it, and a concrete path to call.
OWNERS: dict[tuple[str, str], tuple[str | frozenset[Role], str]] = {
    ("POST", "/api/v1/auth/token"): (PUBLIC, "/api/v1/auth/token"),
    ("GET", "/api/v1/me"): (ANY_USER, "/api/v1/me"),
    ("GET", "/api/v1/services"): (PUBLIC, "/api/v1/services?q=社保"),
    ("GET", "/api/v1/services/{code}"): (PUBLIC, "/api/v1/services/320200-SB-0001"),
    ("GET", "/api/v1/points"): (PUBLIC, "/api/v1/points?lat=31.49&lon=120.31"),
    ("GET", "/api/v1/points/{code}"): (PUBLIC, "/api/v1/points/p-near"),
    ("GET", "/api/v1/bundles"): (PUBLIC, "/api/v1/bundles"),
    ("GET", "/api/v1/bundles/{code}"): (PUBLIC, "/api/v1/bundles/none"),
    ("POST", "/api/v1/cases"): (frozenset({Role.citizen, Role.window}), "/api/v1/cases"),
    ("GET", "/api/v1/cases"): (ANY_USER, "/api/v1/cases"),
    ("GET", "/api/v1/cases/{case_id}"): (ANY_USER, "/api/v1/cases/1"),
    ("POST", "/api/v1/cases/{case_id}/actions/{action}"): (ANY_USER, "/api/v1/cases/1/actions/accept"),
    ("POST", "/api/v1/cases/{case_id}/materials/{code}"): (ANY_USER, "/api/v1/cases/1/materials/id-card"),
    ("GET", "/api/v1/tasks"): (STAFF, "/api/v1/tasks"),
    ("POST", "/api/v1/pickups"): (frozenset({Role.window}), "/api/v1/pickups"),
    ("GET", "/api/v1/board"): (frozenset({Role.supervisor, Role.admin}), "/api/v1/board"),
    ("POST", "/api/v1/services/{code}/eligibility"): (
        STAFF | {Role.citizen, Role.admin},
        "/api/v1/services/320200-SB-0001/eligibility",
    ),
    ("POST", "/api/v1/ratings"): (frozenset({Role.citizen}), "/api/v1/ratings"),
    ("GET", "/api/v1/rectifications"): (STAFF | {Role.admin}, "/api/v1/rectifications"),
    ("POST", "/api/v1/rectifications/{rectification_id}/rectify"): (
        frozenset({Role.window, Role.reviewer}),
        "/api/v1/rectifications/1/rectify",
    ),
    ("POST", "/api/v1/rectifications/{rectification_id}/visit"): (
        frozenset({Role.supervisor}),
        "/api/v1/rectifications/1/visit",
    ),
    ("GET", "/api/v1/draws"): (PUBLIC, "/api/v1/draws"),
    ("GET", "/api/v1/draws/{code}"): (PUBLIC, "/api/v1/draws/none"),
    ("POST", "/api/v1/draws"): (frozenset({Role.window, Role.admin}), "/api/v1/draws"),
    ("POST", "/api/v1/draws/{code}/entries"): (frozenset({Role.citizen}), "/api/v1/draws/none/entries"),
    ("POST", "/api/v1/draws/{code}/draw"): (frozenset({Role.window, Role.admin}), "/api/v1/draws/none/draw"),
    ("GET", "/api/v1/codes/{token}"): (PUBLIC, "/api/v1/codes/no-such-token"),
    ("GET", "/api/v1/house-codes"): (frozenset({Role.reviewer, Role.supervisor, Role.admin}), "/api/v1/house-codes"),
    ("POST", "/api/v1/house-codes/{code_id}/inspections"): (
        frozenset({Role.reviewer}),
        "/api/v1/house-codes/1/inspections",
    ),
    ("GET", "/api/v1/request-types"): (PUBLIC, "/api/v1/request-types"),
    ("POST", "/api/v1/requests"): (frozenset({Role.citizen, Role.window, Role.dispatcher}), "/api/v1/requests"),
    ("GET", "/api/v1/requests/mine"): (ANY_USER, "/api/v1/requests/mine"),
    ("GET", "/api/v1/requests/nearby"): (ANY_USER, "/api/v1/requests/nearby?type=none&lat=30.87&lon=119.68"),
    ("GET", "/api/v1/requests/track/{tracking_code}"): (PUBLIC, "/api/v1/requests/track/NONE"),
    ("GET", "/api/v1/requests/{request_id}"): (ANY_USER, "/api/v1/requests/1"),
    ("POST", "/api/v1/requests/{request_id}/actions/{action}"): (ANY_USER, "/api/v1/requests/1/actions/route"),
    ("GET", "/api/v1/requests/{request_id}/photos/{position}"): (ANY_USER, "/api/v1/requests/1/photos/1"),
    # Reviewers too, but only those of a department (tests/requests/test_api.py): the walk's reviewer has none.
    ("GET", "/api/v1/request-queue"): (
        frozenset({Role.dispatcher, Role.supervisor, Role.admin}),
        "/api/v1/request-queue",
    ),
    ("GET", "/api/v1/request-board"): (frozenset({Role.supervisor, Role.admin}), "/api/v1/request-board"),
    ("GET", "/api/v1/request-indicators"): (
        frozenset({Role.supervisor, Role.admin}),
        "/api/v1/request-indicators?by=town&period=week",
    ),
    ("POST", "/api/v1/requests/{request_id}/orders"): (frozenset({Role.supervisor}), "/api/v1/requests/1/orders"),
    ("GET", "/api/v1/requests/{request_id}/orders"): (
        frozenset({Role.supervisor, Role.admin}),
        "/api/v1/requests/1/orders",
    ),
    ("GET", "/api/v1/providers"): (frozenset({Role.citizen}), "/api/v1/providers"),
    ("GET", "/api/v1/providers/{code}/slots"): (ANY_USER, "/api/v1/providers/none/slots"),
    ("POST", "/api/v1/appointments"): (frozenset({Role.citizen}), "/api/v1/appointments"),
    ("POST", "/api/v1/appointments/{appointment_id}/cancel"): (
        frozenset({Role.citizen}),
        "/api/v1/appointments/1/cancel",
    ),
    # Reviewers too, but only those of a provider's department (tests/requests/test_appointments.py).
    ("GET", "/api/v1/appointments"): (frozenset({Role.citizen, Role.supervisor, Role.admin}), "/api/v1/appointments"),
    ("GET", "/api/v1/disputes"): (frozenset({Role.citizen}), "/api/v1/disputes"),
    ("GET", "/api/v1/disputes/{token}"): (PUBLIC, "/api/v1/disputes/no-such-token-000000"),
    # 助联体: a reviewer sees the tasks of their own department and place (tests/registries/test_assistance_api.py).
    ("GET", "/api/v1/assistance/tasks"): (
        frozenset({Role.reviewer, Role.supervisor, Role.admin}),
        "/api/v1/assistance/tasks",
    ),
    ("GET", "/api/v1/assistance/tasks/{task_id}"): (
        frozenset({Role.reviewer, Role.supervisor, Role.admin}),
        "/api/v1/assistance/tasks/1",
    ),
    ("POST", "/api/v1/assistance/tasks/{task_id}/needs/{need_id}/actions/{action}"): (
        frozenset({Role.reviewer}),
        "/api/v1/assistance/tasks/1/needs/1/actions/assisted",
    ),
    # Reviewers of the run's department only (tests/registries/test_certification_api.py).
    ("GET", "/api/v1/certification/runs"): (frozenset({Role.admin, Role.reviewer}), "/api/v1/certification/runs"),
    ("GET", "/api/v1/certification/runs/{run_id}"): (
        frozenset({Role.admin, Role.reviewer}),
        "/api/v1/certification/runs/1",
    ),
    ("GET", "/api/v1/certification/objections"): (
        frozenset({Role.admin, Role.reviewer}),
        "/api/v1/certification/objections",
    ),
    ("POST", "/api/v1/certification/notices/{notice_id}/decision"): (
        frozenset({Role.admin, Role.reviewer}),
        "/api/v1/certification/notices/1/decision",
    ),
    ("GET", "/api/v1/certification/follow-ups"): (frozenset({Role.window}), "/api/v1/certification/follow-ups"),
    ("POST", "/api/v1/certification/follow-ups/{follow_up_id}/outcome"): (
        frozenset({Role.window}),
        "/api/v1/certification/follow-ups/1/outcome",
    ),
    ("GET", "/api/v1/certification/me"): (frozenset({Role.citizen}), "/api/v1/certification/me"),
    ("POST", "/api/v1/certification/notices/{notice_id}/objection"): (
        frozenset({Role.citizen}),
        "/api/v1/certification/notices/1/objection",
    ),
}
ROLES: list[Role | None] = [None, *Role]


def api_routes(client: TestClient) -> set[tuple[str, str]]:
    """The API as published: every operation in the OpenAPI document."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def may_call(owner: str | frozenset[Role], role: Role | None) -> bool:
    if owner == PUBLIC:
        return True
    if owner == ANY_USER:
        return role is not None
    return role in owner


def test_every_api_route_has_an_owner(client: TestClient) -> None:
    assert api_routes(client) == set(OWNERS)


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anonymous")
def test_each_role_reaches_exactly_what_it_owns(
    client: TestClient, db: sessionmaker[Session], role: Role | None
) -> None:
    factories.catalogue(db)
    headers = {}
    if role is not None:
        factories.user(db, f"u-{role.value}", role, jurisdiction_code="320211")
        headers = token_for(client, f"u-{role.value}", factories.PASSWORD)
    for (method, _), (owner, path) in OWNERS.items():
        response = client.request(method, path, headers=headers)
        if may_call(owner, role):
            assert response.status_code not in (401, 403), (method, path, role, response.text)
            assert response.status_code < 500, (method, path, role, response.text)
        else:
            assert response.status_code == (401 if role is None else 403), (method, path, role)
