"""The demo's people over every seed pack: each has the place and department the packs declare, logs in and
opens the pages the top bar offers them, and together they walk every request scenario of the request packs.

Loading every pack takes a while, so each test loads them once and does much.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.pages import csrf_of
from tongban.auth.demo import DEMO_USERS, ensure_demo_users
from tongban.auth.domain import SYSTEM, Actor
from tongban.auth.models import User
from tongban.auth.passwords import DEMO_PASSWORD
from tongban.auth.service import actor_of
from tongban.db import transaction, utcnow
from tongban.files.service import FileStore
from tongban.packs import service as packs
from tongban.ratings import service as ratings
from tongban.ratings.domain import Channel as RatingChannel
from tongban.ratings.domain import Level as RatingLevel
from tongban.ratings.domain import SubjectKind
from tongban.requests import appointments, handling, service, supervision, views
from tongban.requests.domain import Action, Channel, Level, Status
from tongban.requests.handling import ActionInput, Routing
from tongban.requests.views import RequestView

PACKS = sorted(path for path in (Path(__file__).parents[2] / "packs").iterdir() if (path / "pack.yaml").exists())
# The bar's pages every visitor has; the rest depend on the role.
PUBLIC = {"/services", "/points", "/posters", "/packs"}

pytestmark = pytest.mark.slow


def demo_login(client: TestClient, username: str) -> TestClient:
    person = TestClient(client.app)
    token = csrf_of(person.get("/login").text)
    form = {"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    response = person.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303, f"{username}: {response.text}"
    return person


class Demo:
    """The demo people acting through the services, as their pages would have them."""

    def __init__(self, db: sessionmaker[Session], store: FileStore) -> None:
        self.db, self.store = db, store
        with db() as session:
            self.people: dict[str, Actor] = {u.username: actor_of(u) for u in session.scalars(select(User))}

    def raise_(
        self, who: str, type_code: str, text: str, channel: Channel = Channel.web, **more: object
    ) -> RequestView:
        submission = service.Submission(type_code=type_code, text=text, channel=channel, **more)  # type: ignore[arg-type]
        return service.submit(self.db, self.store, self.people[who], submission)[0]

    def act(self, who: str, view: RequestView, action: Action, **data: object) -> RequestView:
        given = ActionInput(**data)  # type: ignore[arg-type]
        return handling.act(self.db, self.people[who], view.id, action, view.version, given)

    def seen(self, who: str, view: RequestView) -> RequestView:
        with self.db() as session:
            actor = self.people[who]
            return views.request_view(session, actor, views.readable(session, actor, view.id), utcnow())

    def queue(self, who: str) -> set[int]:
        with self.db() as session:
            return {item.id for item in supervision.queue(session, self.people[who])}

    def answered(self, view: RequestView, dispatcher: str, department: str, reviewer: str) -> RequestView:
        """Routed to the suggested department, signed for and answered there."""
        assert self.seen(dispatcher, view).suggested_department == department
        view = self.act(dispatcher, view, Action.route, routing=Routing([department]))
        view = self.act(reviewer, view, Action.sign)
        if Action.accept in view.actions:  # a petition is accepted in writing first
            view = self.act(reviewer, view, Action.accept)
        return self.act(reviewer, view, Action.reply, reason="已核实并办理，答复如上。")


@pytest.fixture
def demo(db: sessionmaker[Session], tmp_path: Path) -> Demo:
    packs.load(db, SYSTEM, PACKS)
    with transaction(db) as session:
        ensure_demo_users(session)
    return Demo(db, FileStore(tmp_path / "files"))


def test_every_demo_user_has_the_packs_places_and_opens_the_pages_of_the_bar(client: TestClient, demo: Demo) -> None:
    with demo.db() as session:
        stored = {user.username: user for user in session.scalars(select(User))}
    for new in DEMO_USERS:
        user = stored[new.username]
        # ensure_demo_users blanks a code the packs lack: a blank here is a demo user in the wrong place.
        assert (user.role, user.jurisdiction_code, user.department_code) == (
            new.role.value,
            new.jurisdiction_code,
            new.department_code,
        ), new.username
    for new in DEMO_USERS:
        person = demo_login(client, new.username)
        home = person.get("/")
        assert home.status_code == 200, new.username
        nav = re.search(r'<nav aria-label="主导航">(.*?)</nav>', home.text, re.S)
        assert nav, new.username
        for href in set(re.findall(r'href="([^"]+)"', nav.group(1))) - PUBLIC:
            assert person.get(href).status_code == 200, f"{new.username}: {href}"


def huzhou_snap(demo: Demo) -> None:
    """监督一点通: 陈美芳 snaps the dug-up road; the street's construction office answers; she rates it."""
    road = demo.raise_("citizen3", "fh-snap", "单元门口的道路在施工开挖，老年人进出很不方便。", lat=30.87, lon=120.1)
    view = demo.answered(road, "dispatcher1", "fh-cjb", "reviewer6")
    given = ratings.RatingInput(view.id, RatingLevel.very_satisfied, RatingChannel.mobile, SubjectKind.request)
    ratings.rate(demo.db, demo.people["citizen3"], given)
    assert demo.seen("supervisor2", view).status is Status.closed


def huzhou_liaison(demo: Demo) -> None:
    """监察联络站: the station reports litter; the sanitation office answers, the street's 纪委 follows it."""
    litter = demo.raise_(
        "window5",
        "fh-liaison",
        "小区内经常有人乱扔垃圾包，请分管环境卫生的干部督办。",
        Channel.liaison_station,
        jurisdiction_code="330502005003",
        requester_name="金色水岸社区监察工作联络站",
    )
    assert litter.id in demo.queue("reviewer8") and litter.id in demo.queue("dispatcher1")
    assert demo.seen("dispatcher1", litter).suggested_department == "fh-hw"
    view = demo.act("dispatcher1", litter, Action.route, routing=Routing(["fh-hw"]))
    assert (view.department_code, view.co_departments) == ("fh-hw", ["fh-jw"])
    assert view.id in demo.queue("reviewer7") and view.id in demo.queue("reviewer8")
    view = demo.act("reviewer7", demo.act("reviewer7", view, Action.sign), Action.reply, reason="已安排每日清运。")
    assert demo.seen("reviewer8", view).reply == "已安排每日清运。"
    assert demo.seen("supervisor2", view).status is Status.replied


def anji_dispute(demo: Demo) -> None:
    """三级矛调: 徐莉's dispute moves from 五鹤村 to 天荒坪镇 to the county centre, which settles it."""
    with demo.db() as session:
        bookable = {p.code for p in appointments.providers(session, demo.people["villager3"])}
    assert {"aj-wh-lawyer", "aj-wh-mediator", "aj-thp-lawyer"} <= bookable
    view = demo.raise_("villager3", "aj-dispute", "与邻居因宅基地边界发生争执，多次协商不成，希望调解。")
    view = demo.act("dispatcher2", view, Action.route, routing=Routing(["aj-wh-twh"]))
    for reviewer, level, body in (
        ("reviewer9", Level.town, "aj-thp-mt"),
        ("reviewer10", Level.county, "aj-mtzx"),
    ):
        view = demo.act(reviewer, demo.act(reviewer, view, Action.sign), Action.escalate, reason="调解不成，上移一级。")
        assert (view.level, view.department_code) == (level.value, body)
    view = demo.act(
        "reviewer11", demo.act("reviewer11", view, Action.sign), Action.reply, reason="经县矛调中心调处达成协议。"
    )
    assert demo.seen("supervisor3", view).status is Status.replied


def anji_petition(demo: Demo) -> None:
    """信访: a petition about a historical matter goes to the letters-and-calls bureau, which accepts it."""
    text = "母亲未能按规定享受遗属生活困难补助，是历史遗留问题，多次反映没有结果。"
    view = demo.answered(demo.raise_("villager3", "aj-petition", text), "dispatcher2", "aj-xfj", "reviewer12")
    assert view.status is Status.replied


def wuxi_message(demo: Demo) -> None:
    """锡企服务平台: the accounting agency's message about 代办 accounts reaches the data bureau."""
    text = "工商注册代办人员的账号只能同时为一家公司注册，影响我们代办营业执照的速度。"
    view = demo.answered(demo.raise_("agency1", "wx-demand", text), "dispatcher3", "wx-sjj", "reviewer13")
    assert demo.seen("supervisor1", view).status is Status.replied


def test_the_demo_people_walk_every_request_scenario(demo: Demo) -> None:
    for scenario in (huzhou_snap, huzhou_liaison, anji_dispute, anji_petition, wuxi_message):
        scenario(demo)
