"""The demo's people: an administrator, two residents, window staff and a reviewer."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.auth.domain import SYSTEM, Role
from tongban.auth.models import Department, Jurisdiction, User
from tongban.auth.passwords import DEMO_PASSWORD
from tongban.auth.service import NewUser, add_user
from tongban.identity.domain import with_check_digit

DEMO_USERS = (
    NewUser("admin", Role.admin, "系统管理员"),
    NewUser(
        "citizen1",
        Role.citizen,
        "王秀英",
        "320211",
        id_number=with_check_digit("32021119580314002"),
        phone="13861712345",
    ),
    NewUser(
        "citizen2",
        Role.citizen,
        "李建国",
        "320213",
        id_number=with_check_digit("32021319870921153"),
        phone="13915098765",
    ),
    NewUser("window1", Role.window, "赵敏（胡埭镇便民服务中心）", "320211100"),
    NewUser("reviewer1", Role.reviewer, "陈刚（市社保中心）", "320200", department_code="wx-sbzx"),
)


def ensure_demo_users(session: Session) -> list[NewUser]:
    """Creates the demo users that do not exist yet; codes missing from the loaded packs are left blank."""
    created = []
    for new in DEMO_USERS:
        if session.scalars(select(User.id).where(User.username == new.username)).first() is not None:
            continue
        new = _within_loaded_data(session, new)
        add_user(session, SYSTEM, new, DEMO_PASSWORD)
        created.append(new)
    return created


def _within_loaded_data(session: Session, new: NewUser) -> NewUser:
    if new.jurisdiction_code and session.get(Jurisdiction, new.jurisdiction_code) is None:
        new = replace(new, jurisdiction_code=None)
    if new.department_code and session.get(Department, new.department_code) is None:
        new = replace(new, department_code=None)
    return new
