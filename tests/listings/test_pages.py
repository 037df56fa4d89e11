"""The lottery pages: the commitment before, enrolling and holding from the page, and the result re-run by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.listings.conftest import ELIGIBLE, PACK_DRAW
from tests.pages import csrf_of, login
from tongban.cli import app
from tongban.listings.models import Draw, DrawAllocation

PAGE = f"/draws/{PACK_DRAW}"


def enrol(person: TestClient, floor_area: str = "120") -> Any:
    token = csrf_of(person.get(PAGE).text)
    return person.post(
        f"{PAGE}/entries", data={"csrf_token": token, "form.floor_area": floor_area}, follow_redirects=False
    )


def test_anyone_sees_the_draw_and_its_commitment_but_not_its_seed(
    client: TestClient, village: sessionmaker[Session]
) -> None:
    with village() as session:
        draw = session.get(Draw, PACK_DRAW)
        assert draw is not None
        commitment, seed = draw.commitment, draw.seed
    assert "澧浦镇任前村2026年宅基地摇号选址" in client.get("/draws").text
    page = client.get(PAGE).text
    assert commitment in page and seed not in page
    assert "JD104201-2026-03" in page and "登录后报名" in page
    english = client.get(PAGE, params={"lang": "en"}).text
    assert "Commitment and seed" in english and "Log in to enter" in english


def test_a_villager_enters_from_the_page_and_a_refusal_names_the_rule(
    client: TestClient, village: sessionmaker[Session]
) -> None:
    villager = login(client, "wu-guoping")
    assert 'name="form.floor_area"' in villager.get(PAGE).text
    entered = enrol(villager)
    assert entered.status_code == 303
    page = villager.get(PAGE).text
    assert "104201007" in page and "本户" in page and "本户报名" not in page
    refused = enrol(login(client, "jin-youliang"))
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and "N02" in refused.text


def test_staff_open_a_draw_from_the_list_and_a_bad_plot_line_is_said_with_the_form_kept(
    client: TestClient, village: sessionmaker[Session]
) -> None:
    window = login(client, "window-lipu")
    listing = window.get("/draws").text
    assert "组织摇号" in listing and "任前村（330703104201）" in listing
    form = {
        "csrf_token": csrf_of(listing),
        "code": "JD104201-2026-02",
        "name": "任前村第二批",
        "village": "330703104201",
        "service": "330703-NZT-01",
        "registry": "jd-household",
        "enrol_until": "2099-12-31",
        "plots": "RQ-B01, 125, 平原\nRQ-B02，118.5，平原",
    }
    bad = window.post("/draws", data={**form, "plots": "RQ-B01 125"})
    assert bad.status_code == 422 and "地块第 1 行" in bad.text and "任前村第二批" in bad.text
    made = window.post("/draws", data=form, follow_redirects=False)
    assert (made.status_code, made.headers["location"]) == (303, "/draws/JD104201-2026-02")
    page = window.get("/draws/JD104201-2026-02").text
    assert "RQ-B02" in page and "118.5" in page and "现在摇号" in page


def test_after_the_draw_the_page_gives_the_seed_the_result_and_a_command_that_re_runs_it(
    client: TestClient, village: sessionmaker[Session], tmp_path: Path
) -> None:
    for name in ELIGIBLE:
        assert enrol(login(client, name)).status_code == 303
    window = login(client, "window-lipu")
    held = window.post(f"{PAGE}/draw", data={"csrf_token": csrf_of(window.get(PAGE).text)}, follow_redirects=False)
    assert held.status_code == 303
    page = client.get(PAGE).text
    with village() as session:
        seed = session.scalar(select(Draw.seed).where(Draw.code == PACK_DRAW))
        stored = session.scalars(select(DrawAllocation).order_by(DrawAllocation.rank)).all()
    assert seed is not None and seed in page and "现在摇号" not in page
    command = f"--households {PACK_DRAW}-households.csv --plots {PACK_DRAW}-plots.csv"
    assert f"tongban lottery rerun --seed {seed} --commitment " in page and command in page
    for kind in ("households", "plots"):
        download = client.get(f"{PAGE}/{kind}.csv")
        assert download.headers["content-type"].startswith("text/csv")
        (tmp_path / f"{kind}.csv").write_bytes(download.content)
    commitment = client.get(f"/api/v1/draws/{PACK_DRAW}").json()["commitment"]
    files = ["--households", str(tmp_path / "households.csv"), "--plots", str(tmp_path / "plots.csv")]
    rerun = CliRunner().invoke(app, ["lottery", "rerun", "--seed", seed, "--commitment", commitment, *files])
    assert rerun.exit_code == 0, rerun.output
    assert rerun.stdout.splitlines() == [
        f"{a.rank}\t{a.household_id}\t{a.ticket}\t{a.plot_code or '-'}" for a in stored
    ]


def test_each_page_keeps_to_its_owners(client: TestClient, village: sessionmaker[Session]) -> None:
    villager = login(client, "wu-li")
    assert "组织摇号" not in villager.get("/draws").text and "现在摇号" not in villager.get(PAGE).text
    token = csrf_of(villager.get(PAGE).text)
    assert villager.post("/draws", data={"csrf_token": token}).status_code == 403
    assert villager.post(f"{PAGE}/draw", data={"csrf_token": token}).status_code == 403
    other_town = login(client, "window-xiaoshun")
    assert "现在摇号" not in other_town.get(PAGE).text
    refused = other_town.post(f"{PAGE}/draw", data={"csrf_token": csrf_of(other_town.get(PAGE).text)})
    assert refused.status_code == 403 and 'role="alert"' in refused.text
    window = login(client, "window-lipu")
    assert window.post(f"{PAGE}/entries", data={"csrf_token": csrf_of(window.get(PAGE).text)}).status_code == 403
