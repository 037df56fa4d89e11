"""Helpers for page tests: a browser-like client of one's own, logged in through the login page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD


def login(client: TestClient, name: str) -> TestClient:
    """A browser of one's own (its own cookies), logged in through the login page."""
    person = TestClient(client.app)
    token = csrf_of(person.get("/login").text)
    response = person.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return person


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)
