"""``providers[]`` in ``requests.yaml``: who sees the bookings and which slots are bookable, checked and stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.packs.conftest import Edit, errors_of, line_of
from tongban.auth.domain import SYSTEM
from tongban.packs import service as packs
from tongban.requests.models import Provider

REQ = "requests.yaml"
SLOTS = 'slots: [{days: workdays, start: "09:00", end: "17:00"}]'


def test_a_provider_keeps_its_department_and_slots(db: sessionmaker[Session], tiny: Path, edit: Edit) -> None:
    edit(REQ, SLOTS, f'{SLOTS[:-1]}, {{days: [sat], start: "17:00", end: "18:30"}}], slot_minutes: 30')
    packs.load(db, SYSTEM, [tiny])
    with db() as session:
        provider = session.get(Provider, "tp-mediator-1")
    assert provider is not None and provider.department_code == "tp-hrss"
    assert provider.slots == {
        "minutes": 30,
        "ranges": [
            {"days": "workdays", "start": "09:00", "end": "17:00"},
            {"days": ["sat"], "start": "17:00", "end": "18:30"},
        ],
    }


@pytest.mark.parametrize(
    ("new", "field", "en"),
    [
        (
            'slots: [{days: workdays, start: 9:00, end: "17:00"}]',
            "providers[0].slots[0].start",
            'write a whole or half hour, quoted: "09:00", "17:30"',
        ),
        (
            'slots: [{days: workdays, start: "09:15", end: "17:00"}]',
            "providers[0].slots[0].start",
            'write a whole or half hour, quoted: "09:00", "17:30"',
        ),
        (
            'slots: [{days: workdays, start: "09:00", end: "09:30"}]',
            "providers[0].slots[0].end",
            "shorter than one 60-minute slot",
        ),
        (
            'slots: [{days: workdays, start: "09:00", end: "12:00"}, {days: [sat], start: "11:00", end: "13:00"}]',
            "providers[0].slots[1]",
            "the range overlaps an earlier one",
        ),
        ("slots: []", "providers[0].slots", "needs at least 1 item(s)"),
        (
            'slots: [{days: [someday], start: "09:00", end: "17:00"}]',
            "providers[0].slots[0].days",
            "must be workdays (the official working days) or a list of weekdays, as [mon, wed]",
        ),
    ],
)
def test_bad_slots_are_named_by_field_and_line(tiny: Path, edit: Edit, new: str, field: str, en: str) -> None:
    edit(REQ, SLOTS, new)
    [(file, line, found, _, message)] = errors_of([tiny])
    assert (file, line, found, message) == ("tiny-pack/requests.yaml", line_of(tiny / REQ, "tp-mediator-1"), field, en)


def test_the_department_that_sees_the_bookings_must_exist(tiny: Path, edit: Edit) -> None:
    edit(REQ, "department: tp-hrss, hours", "department: tp-nowhere, hours")
    [(_, _, field, zh, en)] = errors_of([tiny])
    assert (field, zh, en) == ("providers[0].department", "部门 tp-nowhere 不存在", "unknown department tp-nowhere")
