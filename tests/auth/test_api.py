from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tests.conftest import token_for
from tongban.auth.domain import Role


def test_a_user_gets_a_token_and_sees_who_they_are(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.user(db, "window1", Role.window)
    me = client.get("/api/v1/me", headers=token_for(client, "window1", factories.PASSWORD))
    assert me.json()["role"] == "window"


def test_a_wrong_password_is_refused_in_the_contract_shape(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.user(db, "window1", Role.window)
    response = client.post("/api/v1/auth/token", data={"username": "window1", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.json()["error"]["message"] == "用户名或密码错误"


def test_english_errors_on_request(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token", data={"username": "x", "password": "y"}, headers={"Accept-Language": "en-GB"}
    )
    assert response.json()["error"]["message"] == "wrong username or password"


def test_repeated_failures_lock_the_username_even_with_the_right_password(
    client: TestClient, db: sessionmaker[Session]
) -> None:
    factories.user(db, "window1", Role.window)
    for _ in range(5):
        client.post("/api/v1/auth/token", data={"username": "window1", "password": "guess"})
    response = client.post("/api/v1/auth/token", data={"username": "window1", "password": factories.PASSWORD})
    assert response.status_code == 429


def test_a_made_up_token_is_anonymous(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer made-up"})
    assert response.status_code == 401


def test_the_page_login_sets_a_session_and_needs_the_csrf_token(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.user(db, "citizen1", Role.citizen)
    client.get("/login")
    forged = client.post("/login", data={"username": "citizen1", "password": factories.PASSWORD})
    assert forged.status_code == 403
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"username": "citizen1", "password": factories.PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "tongban_session" in response.cookies


def test_a_login_never_redirects_off_site(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.user(db, "citizen1", Role.citizen)
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={
            "username": "citizen1",
            "password": factories.PASSWORD,
            "csrf_token": token,
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
