"""The demo's people: an administrator, residents and companies, windows, reviewers and a supervisor.

Each works the seed packs' cases: 胡埭 and 雪堰 windows for the tri-town alliance, 锡山's
planning and housing reviewers for 拿地即开工, the city social-insurance centre for 就近办.
For 农宅通 (rural-housing): two villagers of 任前村 from the pack's registry sample, one who
may apply for a homestead and one who sold his house (rule N02), 澧浦镇's window, which
accepts for its villages, and a 任前村 official, who works the village steps.

For requests (诉求): in 湖州 凤凰街道 (huzhou-supervision) a resident who snaps a dug-up road, the
street's dispatcher, its construction and sanitation offices, the street's discipline committee
(纪委), which sees every report of a liaison station, a part-time member of 金色水岸社区's
liaison station (监察联络站, a window account of the community) and the district's supervisor;
in 安吉 (anji-disputes) 徐莉 of 五鹤村 with a dispute, the county's dispatcher, the mediators of
五鹤村, 天荒坪镇 and the county centre (村 → 镇 → 县), the letters-and-calls bureau (信访) and its
supervisor; in 无锡 (wuxi-enterprise) the platform's dispatcher and the data bureau, which
answers ``agency1``'s message about 批量代领.
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
    # 湖州 凤凰街道: 监督一点通 and 监察联络站 (huzhou-supervision).
    NewUser("citizen3", Role.citizen, "陈美芳", "330502005002", phone="13757201234"),
    NewUser("dispatcher1", Role.dispatcher, "潘悦（凤凰街道社会治理中心）", "330502005"),
    NewUser("reviewer6", Role.reviewer, "沈斌（凤凰街道城市建设管理办公室）", "330502005", department_code="fh-cjb"),
    NewUser("reviewer7", Role.reviewer, "钟丽（凤凰街道环境卫生管理所）", "330502005", department_code="fh-hw"),
    NewUser("reviewer8", Role.reviewer, "姚红（凤凰街道纪委）", "330502005", department_code="fh-jw"),
    NewUser("window5", Role.window, "许卫东（金色水岸社区监察工作联络站）", "330502005003"),
    NewUser("supervisor2", Role.supervisor, "朱敏（吴兴区纪委监委）", "330502"),
    # 安吉: 三级矛调 and 信访 (anji-disputes).
    NewUser("villager3", Role.citizen, "徐莉", "330523105201", phone="13867201234"),
    NewUser("dispatcher2", Role.dispatcher, "章丽（安吉县矛调中心指挥中心）", "330523"),
    NewUser("reviewer9", Role.reviewer, "潘永康（五鹤村人民调解委员会）", "330523105201", department_code="aj-wh-twh"),
    NewUser("reviewer10", Role.reviewer, "郎建华（天荒坪镇矛调中心）", "330523105", department_code="aj-thp-mt"),
    NewUser("reviewer11", Role.reviewer, "吴晓燕（安吉县矛调中心）", "330523", department_code="aj-mtzx"),
    NewUser("reviewer12", Role.reviewer, "俞国强（安吉县信访局）", "330523", department_code="aj-xfj"),
    NewUser("supervisor3", Role.supervisor, "孙丹（安吉县信访局督查科）", "330523"),
    # 无锡 锡企服务平台 (wuxi-enterprise); the enterprises are company1 and agency1.
    NewUser("dispatcher3", Role.dispatcher, "顾晨（锡企服务平台）", "320200"),
    NewUser("reviewer13", Role.reviewer, "陆洁（无锡市数据局市场准入处）", "320200", department_code="wx-sjj"),
    # 湖州 助联体 (huzhou-assistance): the towns' assistance officers and the city bureau.
    NewUser("reviewer14", Role.reviewer, "汪惠萍（东林镇民政救助专管员）", "330502104", department_code="hz-mzj"),
    NewUser("reviewer15", Role.reviewer, "沈燕（东迁街道民政救助专管员）", "330503002", department_code="hz-mzj"),
    NewUser("supervisor4", Role.supervisor, "马红（湖州市民政局社会救助处）", "330500"),
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
