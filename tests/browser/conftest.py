"""Browser tests' shared parts: Debian's Chromium (never a downloaded one), a live server, screenshots."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD
from tongban.config import Settings
from tongban.db import make_engine, make_session_factory
from tongban.migrations import upgrade
from tongban.web.app import create_app

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing; install Debian's chromium package (browsers are never downloaded)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def live_server(data_dir: Path, fill: Callable[[sessionmaker[Session]], None]) -> Iterator[str]:
    """The real app under Uvicorn on a free local port, over SQLite that ``fill`` loads first."""
    require_chromium()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(data_dir=data_dir, secret_key="browser-test-key", base_url=url)
    engine: Engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    fill(make_session_factory(engine))
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class People:
    """Everyone in a story, each in a browser context of their own (their own cookies), logged in.

    Nothing leaves the machine: requests for anything but the live server (map tiles) are refused,
    and the pages must work without them. JavaScript errors on any page are collected.
    """

    def __init__(self, browser: Browser, base_url: str, password: str) -> None:
        self.browser, self.base_url, self.password = browser, base_url, password
        self.pages: dict[str, Page] = {}
        self.errors: list[str] = []

    def __call__(self, name: str, viewport: dict[str, int] = DESKTOP) -> Page:
        if name not in self.pages:
            context = self.browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
            local = self.base_url
            context.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith(local) else route.abort()
            )
            page = context.new_page()
            page.on("pageerror", lambda error: self.errors.append(f"{name}: {error}"))
            page.goto(self.base_url + "/login")
            page.get_by_label("用户名").fill(name)
            page.get_by_label("密码").fill(self.password)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("button", name="退出")).to_contain_text(name)
            self.pages[name] = page
        return self.pages[name]


@pytest.fixture
def password() -> str:
    """The password of a module's people; a module whose people are the demo's overrides it."""
    return PASSWORD


@pytest.fixture
def people(browser: Browser, base_url: str, password: str) -> Iterator[People]:
    found = People(browser, base_url, password)
    yield found
    for page in found.pages.values():
        page.context.close()
    assert found.errors == [], f"JavaScript errors: {found.errors}"
