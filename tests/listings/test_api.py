"""The lottery over the API: open a draw, enrol households, hold it; the seed hidden before and checkable after."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.listings.conftest import ELIGIBLE, FORM, PACK_DRAW, Api, enrol_everyone, new_draw
from tongban.audit.models import AuditEntry
from tongban.listings import service
from tongban.listings.domain import draw
from tongban.listings.models import Draw

People = Callable[[str | None], Api]


def stored_seed(db: sessionmaker[Session], code: str) -> str:
    with db() as session:
        seed = session.scalar(select(Draw.seed).where(Draw.code == code))
        assert seed is not None
        return seed


def test_staff_open_a_draw_publishing_the_commitment_and_never_the_seed(api: People, village: sessionmaker) -> None:
    created = api("window-lipu")("post", "/draws", json=new_draw())
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["seed"], body["rerun_command"]) == ("open", None, None)
    assert [plot["code"] for plot in body["plots"]] == ["RQ-B01", "RQ-B02"]
    seed = stored_seed(village, "JD104201-2026-02")
    assert body["commitment"] == hashlib.sha256(bytes.fromhex(seed)).hexdigest()
    for reader in (None, "wu-li", "window-lipu"):
        shown = api(reader)("get", "/draws/JD104201-2026-02")
        assert shown.json()["seed"] is None and seed not in shown.text
    assert seed not in api(None)("get", "/draws").text


def test_a_villager_enters_their_household_once(api: People) -> None:
    entered = api("wu-guoping")("post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM})
    assert entered.status_code == 201, entered.text
    assert entered.json() == {"draw": PACK_DRAW, "household_id": "104201007"}
    again = api("chen-meijuan")("post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM})
    assert again.status_code == 409 and "104201007" in again.json()["error"]["message"]
    public = api(None)("get", f"/draws/{PACK_DRAW}").json()["entries"]
    assert public == [
        {
            "household_id": "104201007",
            "name": "吴**",
            "id_number": None,
            "entered_at": public[0]["entered_at"],
            "mine": False,
        }
    ]
    staff = api("window-lipu")("get", f"/draws/{PACK_DRAW}").json()["entries"][0]
    assert (staff["name"], staff["id_number"]) == ("吴国平", "330703********2098")
    assert api("wu-guoping")("get", f"/draws/{PACK_DRAW}").json()["entries"][0]["mine"] is True


def test_a_villager_who_fails_a_rule_is_told_which_and_the_reads_stay_audited(
    api: People, village: sessionmaker
) -> None:
    refused = api("jin-youliang")("post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM})
    assert refused.status_code == 422
    assert "N02" in refused.json()["error"]["message"]
    english = api("jin-youliang")(
        "post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM}, headers={"Accept-Language": "en"}
    )
    assert english.json()["error"]["message"].startswith("not eligible for the draw: N02")
    with village() as session:
        reads = session.scalars(select(AuditEntry.entity_key).where(AuditEntry.action == "read")).all()
    assert "jd-household/330703********2492" in reads
    assert api(None)("get", f"/draws/{PACK_DRAW}").json()["entries"] == []


def test_a_villager_of_another_village_is_refused(api: People) -> None:
    refused = api("yan-wei")("post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "您的户籍不在本村，不能参加本村摇号"


def test_holding_the_draw_publishes_the_seed_that_matches_the_commitment_and_re_runs_to_the_same_result(
    api: People,
) -> None:
    enrol_everyone(api)
    held = api("window-lipu")("post", f"/draws/{PACK_DRAW}/draw")
    assert held.status_code == 200, held.text
    result = held.json()
    seed = bytes.fromhex(result["seed"])
    assert result["status"] == "drawn" and hashlib.sha256(seed).hexdigest() == result["commitment"]
    plots = [plot["code"] for plot in result["plots"]]
    again = draw(seed, sorted(ELIGIBLE.values()), plots)
    stored = [(a["rank"], a["household_id"], a["ticket"], a["plot_code"]) for a in result["allocations"]]
    assert stored == [(a.rank, a.household, a.ticket, a.plot) for a in again]
    assert result["rerun_command"].startswith(f"tongban lottery rerun --seed {result['seed']} --commitment ")
    assert api(None)("get", f"/draws/{PACK_DRAW}").json()["seed"] == result["seed"]


def test_a_held_draw_takes_no_entries_and_is_not_held_twice(api: People) -> None:
    api("wu-guoping")("post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM})
    assert api("window-lipu")("post", f"/draws/{PACK_DRAW}/draw").status_code == 200
    late = api("wu-li")("post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM})
    assert late.status_code == 409
    assert api("admin")("post", f"/draws/{PACK_DRAW}/draw").status_code == 409


def test_enrolment_closes_after_its_last_day_but_staff_may_still_hold_the_draw(
    api: People, village: sessionmaker
) -> None:
    api("wu-guoping")("post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM})
    with village.begin() as session:
        yesterday = service.today() - timedelta(days=1)
        session.execute(update(Draw).where(Draw.code == PACK_DRAW).values(enrol_until=yesterday))
    assert api(None)("get", f"/draws/{PACK_DRAW}").json()["enrolment_open"] is False
    assert api("wu-li")("post", f"/draws/{PACK_DRAW}/entries", json={"form": FORM}).status_code == 409
    assert api("window-lipu")("post", f"/draws/{PACK_DRAW}/draw").status_code == 200


def test_a_draw_with_nobody_entered_is_not_held(api: People) -> None:
    empty = api("window-lipu")("post", f"/draws/{PACK_DRAW}/draw")
    assert empty.status_code == 422


def test_every_change_is_audited_and_the_seed_only_with_the_draw(api: People, village: sessionmaker) -> None:
    api("window-lipu")("post", "/draws", json=new_draw())
    enrol_everyone(api, "JD104201-2026-02")
    seed = stored_seed(village, "JD104201-2026-02")
    with village() as session:
        before = session.scalars(select(AuditEntry)).all()
    assert not any(seed in (entry.after or "") for entry in before)
    api("window-lipu")("post", "/draws/JD104201-2026-02/draw")
    with village() as session:
        ours = select(AuditEntry).where(AuditEntry.entity_key.like("JD104201-2026-02%"))
        entries = session.scalars(ours.order_by(AuditEntry.seq)).all()
    assert [(e.action, e.actor) for e in entries] == [
        ("create", "window-lipu"),
        *[("enrol", name) for name in ELIGIBLE],
        ("draw", "window-lipu"),
    ]
    created, held = entries[0], entries[-1]
    commitment = hashlib.sha256(bytes.fromhex(seed)).hexdigest()
    assert commitment in created.after and seed not in created.after
    assert commitment in held.after and seed in held.after


def test_bad_plots_and_a_past_deadline_are_refused_saying_what(api: People) -> None:
    window = api("window-lipu")
    twice = window("post", "/draws", json=new_draw(plots=[{"code": "P1", "area": 100, "terrain": "平原"}] * 2))
    assert twice.status_code == 422 and "P1" in twice.json()["error"]["message"]
    past = window("post", "/draws", json=new_draw(enrol_until="2020-01-01"))
    assert (past.status_code, past.json()["error"]["field"]) == (422, "enrol_until")
    no_rules = window("post", "/draws", json=new_draw(service="330703-NZT-02"))
    assert no_rules.status_code == 422
    taken = window("post", "/draws", json=new_draw(code=PACK_DRAW))
    assert taken.status_code == 409


def test_only_town_staff_of_the_village_open_and_hold_its_draws(api: People) -> None:
    for name, status in (("wu-li", 403), ("reviewer-lipu", 403), ("window-xiaoshun", 403), (None, 401)):
        assert api(name)("post", "/draws", json=new_draw()).status_code == status, name
        assert api(name)("post", f"/draws/{PACK_DRAW}/draw").status_code == status, name
    assert api("admin")("post", "/draws", json=new_draw()).status_code == 201
    assert api("window-lipu")("post", "/draws/JD104201-2026-02/entries", json={"form": FORM}).status_code == 403
