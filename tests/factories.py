"""Small factories for test data: a couple of jurisdictions, services and points around Wuxi."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tongban.auth.domain import SYSTEM, Role
from tongban.auth.models import Department, Jurisdiction
from tongban.auth.service import NewUser, add_user
from tongban.catalog.models import Material, Service
from tongban.db import transaction, utcnow
from tongban.packs.models import LoadedPack
from tongban.points.models import Point, PointService, PointTier, Poster

PASSWORD = "correct horse battery staple"


def jurisdictions(session: Session) -> None:
    session.add_all(
        [
            Jurisdiction(code="320200", name="无锡市", name_en="Wuxi", level="city"),
            Jurisdiction(code="320211", name="滨湖区", name_en="Binhu", level="county", parent_code="320200"),
            Jurisdiction(code="320213", name="梁溪区", name_en="Liangxi", level="county", parent_code="320200"),
            Jurisdiction(code="320211100", name="胡埭镇", level="town", parent_code="320211"),
        ]
    )
    session.flush()
    session.add(Department(code="wx-sbzx", name="无锡市社会保险基金管理中心", jurisdiction_code="320200"))
    session.flush()


def service(session: Session, code: str, name: str, **overrides: Any) -> Service:
    values: dict[str, Any] = {
        "code": code,
        "basic_code": "00012100" + code[-4:],
        "name": name,
        "category": "社会保险",
        "item_type": "公共服务",
        "jurisdiction_code": "320200",
        "department_code": "wx-sbzx",
        "handling_type": "承诺件",
        "legal_limit": 20,
        "legal_limit_unit": "工作日",
        "promised_limit": 5,
        "promised_limit_unit": "工作日",
        "acceptance_conditions": "本市户籍或在本市参保人员",
        "visits": 0,
        "online_depth": "四级",
        "cross_region_scope": "省内通办",
        "channels": ["window", "bank", "online"],
        "fees": [],
        "legal_basis": ["《中华人民共和国社会保险法》"],
        "steps": ["申请", "受理", "审核", "办结"],
        "form_fields": [],
        "locations": "各镇（街道）就近办网点",
        "hours": "周一至周五 8:30-17:00",
        "consult_phone": "0510-12333",
        "complaint_phone": "12345",
        "keywords": ["社保"],
        "search_text": f"{name} 社保 社会保险 {code}".lower(),
        "pack_code": "test",
        "updated_at": utcnow(),
    }
    values.update(overrides)
    row = Service(**values)
    row.materials = [
        Material(
            code="id-card",
            position=1,
            name="居民身份证",
            issuer="公安机关",
            originals=1,
            copies=1,
            required=True,
            source="applicant",
        ),
        Material(
            code="household",
            position=2,
            name="户口簿",
            issuer="公安机关",
            originals=0,
            copies=0,
            required=True,
            source="registry:household",
        ),
    ]
    session.add(row)
    session.flush()
    return row


def point(session: Session, code: str, lat: float, lon: float, services: list[str], tier: str = "basic_bank") -> None:
    session.add(
        Point(
            code=code,
            name=f"网点{code}",
            tier=tier,
            jurisdiction_code="320211",
            address="无锡市滨湖区太湖大道1号",
            lat=lat,
            lon=lon,
            hours="9:00-17:00",
            phone="0510-80000000",
            pack_code="test",
        )
    )
    session.flush()
    session.add_all([PointService(point_code=code, service_code=s) for s in services])
    session.flush()


def catalogue(factory: sessionmaker[Session]) -> None:
    """Two services and three points; a pack row so the nearest index sees a revision."""
    with transaction(factory) as session:
        jurisdictions(session)
        service(
            session,
            "320200-SB-0001",
            "城乡居民养老保险参保登记",
            keywords=["社保", "养老"],
            search_text="城乡居民养老保险参保登记 社保 养老 社会保险 320200-sb-0001",
        )
        service(session, "320200-SB-0002", "社会保障卡申领", keywords=["社保", "社保卡"])
        session.add(PointTier(pack_code="test", code="basic_bank", name="基础银行网点", name_en="Basic bank branch"))
        session.add(PointTier(pack_code="test", code="town_centre", name="镇街网点", name_en="Town centre"))
        point(session, "p-near", 31.4915, 120.3120, ["320200-SB-0001", "320200-SB-0002"])
        point(session, "p-mid", 31.5200, 120.3000, ["320200-SB-0001"], tier="town_centre")
        point(session, "p-far", 31.8000, 120.2800, ["320200-SB-0002"])
        session.add(
            Poster(
                code="metro-1",
                name="市民中心站",
                place="地铁1号线市民中心站",
                lat=31.4912,
                lon=120.3119,
                guidance="扫码查看附近网点",
                pack_code="test",
            )
        )
        session.add(
            LoadedPack(
                code="test",
                name="test",
                version="1",
                checksum="x",
                loaded_at=utcnow(),
                home_name="无锡市民中心",
                home_lat=31.4912,
                home_lon=120.3119,
            )
        )


def user(factory: sessionmaker[Session], username: str, role: Role, **fields: Any) -> None:
    with transaction(factory) as session:
        add_user(session, SYSTEM, NewUser(username, role, username, **fields), PASSWORD)


def bypass_append_only(session: Session) -> None:
    """What an attacker with database access would do before tampering with the audit log."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        return
    session.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
    session.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
