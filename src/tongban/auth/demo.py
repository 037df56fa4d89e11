"""The demo's people: an administrator, residents and companies, windows, reviewers and a supervisor.

Each works the seed packs' cases: 胡埭 and 雪堰 windows for the tri-town alliance, 锡山's
planning and housing reviewers for 拿地即开工, the city social-insurance centre for 就近办.
For 农宅通 (rural-housing): two villagers of 任前村 from the pack's registry sample, one who
may apply for a homestead and one who sold his house (rule N02), 澧浦镇's window, which
accepts for its villages, and a 任前村 official, who works the village steps.
"""

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
        "320211100",
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
    NewUser("company1", Role.citizen, "德力佳传动科技（经办人 周强）", "320205", phone="13771012345"),
    NewUser("agency1", Role.citizen, "梁溪某代理记账有限公司（经办人 孙丽）", "320213", phone="13606181234"),
    NewUser("window1", Role.window, "赵敏（胡埭镇便民服务中心）", "320211100"),
    NewUser("window2", Role.window, "钱芳（雪堰镇便民服务中心）", "320412110"),
    NewUser("window3", Role.window, "吴刚（锡山区政务服务中心）", "320205"),
    NewUser("reviewer1", Role.reviewer, "陈刚（市社保中心）", "320200", department_code="wx-sbzx"),
    NewUser("reviewer2", Role.reviewer, "周洁（雪堰市场监管分局）", "320412110", department_code="xy-scjg"),
    NewUser("reviewer3", Role.reviewer, "郑伟（锡山自然资源和规划分局）", "320205", department_code="xs-zrzy"),
    NewUser("reviewer4", Role.reviewer, "冯磊（锡山区住建局）", "320205", department_code="xs-zjj"),
    NewUser("supervisor1", Role.supervisor, "何静（市政务服务管理办公室）", "320200"),
    NewUser("villager1", Role.citizen, "吴国平", "330703104201", id_number="330703198003122098", phone="13957912345"),
    NewUser("villager2", Role.citizen, "金友良", "330703104201", id_number="330703197007072492", phone="13957954321"),
    NewUser("window4", Role.window, "楼晓燕（澧浦镇便民服务中心）", "330703104"),
    NewUser("reviewer5", Role.reviewer, "施建华（任前村村民委员会）", "330703104201", department_code="jd-cun"),
)
DEMO_LOGINS = ", ".join(user.username for user in DEMO_USERS)


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
