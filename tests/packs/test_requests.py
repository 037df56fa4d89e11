"""``requests.yaml``: request types, routing rules, labelled examples and providers, checked and loaded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.packs.conftest import Edit, errors_of, line_of, other_pack
from tongban.auth.domain import SYSTEM
from tongban.calendar.limits import TimeLimit, Unit
from tongban.db import transaction, utcnow
from tongban.packs import service as packs
from tongban.requests.domain import Priority, Stage, limits_of
from tongban.requests.models import Appointment, CitizenRequest, Provider, RequestType, RoutingExample, RoutingRule

REQ = "requests.yaml"
EXAMPLES = "requests/examples.csv"
PROVIDERS = "providers:\n"


def raise_request(db: sessionmaker[Session], type_code: str) -> int:
    """A request of the type, with a booking of the tiny pack's mediator, as residents would leave them."""
    now = utcnow()
    with transaction(db) as session:
        request = CitizenRequest(
            tracking_code="T0001",
            type_code=type_code,
            kind="dispute",
            channel="mobile",
            title="宅基地纠纷",
            text="邻居建房占了我家的宅基地",
            jurisdiction_code="330100",
            requester_name="王秀英",
            status="submitted",
            priority="general",
            submitted_at=now,
            version=1,
        )
        session.add(request)
        session.flush()
        session.add(
            Appointment(
                request_id=request.id, provider_code="tp-mediator-1", starts_at=now + timedelta(days=1), status="booked"
            )
        )
        return request.id


# --- loading ----------------------------------------------------------------------------


def test_types_keep_their_limits_by_stage_and_priority_and_their_levels(db: sessionmaker[Session], tiny: Path) -> None:
    packs.load(db, SYSTEM, [tiny])
    with db() as session:
        report = session.get(RequestType, "tp-report")
        dispute = session.get(RequestType, "tp-dispute")
    assert report is not None and dispute is not None
    limits = limits_of(report.limits)
    assert list(limits.stages) == [Stage.dispatch, Stage.sign, Stage.handle]
    handle = limits.stages[Stage.handle]
    assert handle.for_priority(Priority.general) == TimeLimit(5, Unit.working_days)
    assert handle.for_priority(Priority.urgent) == TimeLimit(24, Unit.hours)
    assert handle.for_priority(Priority.complex) == TimeLimit(15, Unit.working_days)
    assert limits.extension == TimeLimit(5, Unit.working_days)
    assert (report.channels, report.location, report.photos) == (["mobile", "web"], "required", 3)
    assert dispute.default_department == "tp-hrss"
    assert dispute.levels == [{"level": "county", "departments": ["tp-hrss"], "limit": {"value": 30, "unit": "自然日"}}]


def test_rules_keep_the_declared_order_and_examples_their_labels(db: sessionmaker[Session], tiny: Path) -> None:
    packs.load(db, SYSTEM, [tiny])
    with db() as session:
        rules = session.scalars(select(RoutingRule).order_by(RoutingRule.position)).all()
        examples = session.execute(select(RoutingExample.text, RoutingExample.department_code)).all()
        provider = session.get(Provider, "tp-mediator-1")
    assert [(r.position, r.department_code, r.type_codes, r.keywords) for r in rules] == [
        (1, "tp-cg", [], ["井盖", "路灯"]),
        (2, "tp-hrss", ["tp-report"], ["社保"]),
    ]
    assert {tuple(row) for row in examples} == {
        ("小区门口的井盖丢了", "tp-cg"),
        ("路灯坏了好几天", "tp-cg"),
        ("社保卡丢了怎么补办", "tp-hrss"),
        ("灵活就业怎么交养老保险", "tp-hrss"),
    }
    assert provider is not None and (provider.kind, provider.jurisdiction_code, provider.pack_code) == (
        "mediator",
        "330100",
        "tiny-pack",
    )


def test_what_left_the_pack_is_pruned_and_a_new_example_added(
    db: sessionmaker[Session], tiny: Path, edit: Edit
) -> None:
    packs.load(db, SYSTEM, [tiny])
    text = (tiny / REQ).read_text(encoding="utf-8")
    edit(REQ, text[text.index("  - code: tp-dispute") : text.index("routing:")], "")
    edit(REQ, "    - {department: tp-hrss, keywords: [社保], types: [tp-report]}\n", "")
    edit(REQ, text[text.index(PROVIDERS) :], "")
    edit(EXAMPLES, "社保卡丢了怎么补办", "退休后养老金怎么领")
    report = packs.load(db, SYSTEM, [tiny])
    # (created, updated, unchanged, deleted)
    outcomes = {entity: tuple(numbers) for entity, *numbers in report.rows()}
    assert outcomes["request_types"] == (0, 0, 1, 1)
    assert outcomes["request_providers"] == (0, 0, 0, 1)
    assert outcomes["request_routing_rules"] == (0, 0, 1, 1)
    assert outcomes["request_routing_examples"] == (1, 0, 3, 1)
    with db() as session:
        assert session.scalars(select(RequestType.code)).all() == ["tp-report"]
        assert session.scalars(select(RoutingRule.position)).all() == [1]


def test_a_type_with_requests_and_a_booked_provider_stay_when_dropped(
    db: sessionmaker[Session], tiny: Path, edit: Edit
) -> None:
    packs.load(db, SYSTEM, [tiny])
    raise_request(db, "tp-dispute")
    text = (tiny / REQ).read_text(encoding="utf-8")
    edit(REQ, text[text.index("  - code: tp-dispute") : text.index("routing:")], "")
    edit(REQ, text[text.index(PROVIDERS) :], "")
    report = packs.load(db, SYSTEM, [tiny])
    assert report.count("request_types", "deleted") == report.count("request_providers", "deleted") == 0
    with db() as session:
        assert session.get(RequestType, "tp-dispute") is not None
        assert session.get(Provider, "tp-mediator-1") is not None


# --- references ----------------------------------------------------------------------------


def test_a_level_department_must_serve_within_or_above_the_types_area(tiny: Path, edit: Edit) -> None:
    with (tiny / "departments.csv").open("a", encoding="utf-8") as file:
        file.write("tp-nb,宁波市矛调中心,Ningbo dispute centre,330200,\n")
    edit(REQ, "departments: [tp-hrss]", "departments: [tp-nb]")
    assert errors_of([tiny]) == [
        (
            "tiny-pack/requests.yaml",
            line_of(tiny / REQ, "[tp-nb]"),
            "request_types[1].levels[0].departments[0]",
            "部门 tp-nb 的辖区 330200 既不在诉求类型的区划 330100 之内，也不在其上",
            "department tp-nb serves 330200, neither within nor above the type's 330100",
        )
    ]


def test_a_level_department_above_the_types_area_is_allowed(tiny: Path, edit: Edit) -> None:
    with (tiny / "departments.csv").open("a", encoding="utf-8") as file:
        file.write("tp-zj,浙江省信访局,Zhejiang Letters and Calls Bureau,330000,\n")
    edit(REQ, "departments: [tp-hrss]", "departments: [tp-hrss, tp-zj]")
    assert errors_of([tiny]) == []


def test_the_default_department_must_cover_the_whole_area_of_its_type(tiny: Path, edit: Edit) -> None:
    edit(REQ, 'jurisdiction: "330100"\n    channels: [mobile]\n', 'jurisdiction: "330000"\n    channels: [mobile]\n')
    [(file, line, field, zh, en)] = errors_of([tiny])
    assert (file, line, field) == (
        "tiny-pack/requests.yaml",
        line_of(tiny / REQ, "default_department"),
        "request_types[1].default_department",
    )
    assert "不能覆盖诉求类型的区划 330000" in zh and "does not cover the type's 330000" in en


def test_every_example_names_a_known_department_on_its_line(tiny: Path) -> None:
    path = tiny / EXAMPLES
    path.write_text(path.read_text(encoding="utf-8").replace("tp-hrss", "tp-none"), encoding="utf-8")
    assert errors_of([tiny]) == [
        ("tiny-pack/requests/examples.csv", line, "department", "部门 tp-none 不存在", "unknown department tp-none")
        for line in (4, 5)
    ]


def test_a_request_type_another_pack_loaded_is_not_taken_over(db: sessionmaker[Session], tiny: Path) -> None:
    packs.load(db, SYSTEM, [tiny])
    other = other_pack(tiny.parent)
    requests = (tiny / REQ).read_text(encoding="utf-8")
    (other / REQ).write_text(requests[: requests.index("  - code: tp-dispute")], encoding="utf-8")
    with db() as session:
        assert errors_of([other], session) == [
            (
                "other-pack/requests.yaml",
                3,
                "request_types[0].code",
                "诉求类型代码 tp-report 已属于服务包 tiny-pack",
                "request type code tp-report already belongs to pack tiny-pack",
            )
        ]


def test_a_provider_code_twice_among_packs_loaded_together_is_a_duplicate(tiny: Path) -> None:
    other = other_pack(tiny.parent)
    provider = (tiny / REQ).read_text(encoding="utf-8").split(PROVIDERS)[1]
    (other / REQ).write_text(
        "request_types:\n  - {code: op-ask, kind: consultation, name: 咨询, jurisdiction: '330100', channels: [web],"
        " limits: {handle: {value: 1, unit: 工作日}}}\n" + PROVIDERS + provider,
        encoding="utf-8",
    )
    [(file, _, field, zh, en)] = errors_of([tiny, other])
    assert (file, field) == ("other-pack/requests.yaml", "providers[0].code")
    assert "服务人员代码 tp-mediator-1 重复（另见 tiny-pack）" in zh and "duplicate provider code" in en


def test_only_a_petition_states_its_review_limit_and_every_petition_does(tiny: Path, edit: Edit) -> None:
    edit(REQ, "      extension: {value: 5, unit: 工作日}\n", "      review: {value: 30, unit: 自然日}\n")
    [(_, line, field, zh, en)] = errors_of([tiny])
    assert (line, field) == (line_of(tiny / REQ, "review:"), "request_types[0].limits.review")
    assert (zh, en) == ("只有信访事项有复查、复核", "only petitions have a review")
    edit(REQ, "    kind: report\n", "    kind: petition\n")
    assert errors_of([tiny]) == []
    edit(REQ, "      review: {value: 30, unit: 自然日}\n", "")
    [(_, _, field, zh, _)] = errors_of([tiny])
    assert (field, zh) == ("request_types[0].limits.review", "信访事项须写明复查、复核时限")
