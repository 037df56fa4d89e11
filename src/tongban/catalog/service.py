"""Catalogue use cases: search services and read a service guide."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tongban.auth.models import Department, Jurisdiction
from tongban.catalog.domain import (
    BundleGuide,
    BundleMemberView,
    CrossRegion,
    Limit,
    MaterialItem,
    ServiceGuide,
    ServiceSummary,
    search_terms,
)
from tongban.catalog.models import Alliance, AllianceService, Bundle, Service
from tongban.errors import NotFound

MAX_PAGE = 100


def search(
    session: Session,
    query: str | None = None,
    category: str | None = None,
    jurisdiction: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[ServiceSummary]]:
    """Services matching every word of the query, those with the query in their name first.

    A jurisdiction filter keeps the services implemented there, above it (a city's service
    applies in its districts) and below it.
    """
    statement = select(Service, Jurisdiction.name).join(Jurisdiction, Jurisdiction.code == Service.jurisdiction_code)
    statement = _filtered(session, statement, search_terms(query), category, jurisdiction)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rank = Service.name.contains(query.strip()) if query and query.strip() else Service.code.is_not(None)
    rows = session.execute(
        statement.order_by(rank.desc(), Service.code).limit(min(limit, MAX_PAGE)).offset(offset)
    ).all()
    return total, [_summary(service, name) for service, name in rows]


def _filtered(
    session: Session,
    statement: Select[Service, str],
    terms: list[str],
    category: str | None,
    jurisdiction: str | None,
) -> Select[Service, str]:
    for term in terms:
        statement = statement.where(Service.search_text.contains(term, autoescape=True))
    if category:
        statement = statement.where(Service.category == category)
    if jurisdiction:
        above = ancestors(session, jurisdiction)
        statement = statement.where(
            or_(
                Service.jurisdiction_code.in_(above),
                Service.jurisdiction_code.startswith(jurisdiction.rstrip("0")),
            )
        )
    return statement


def ancestors(session: Session, code: str) -> list[str]:
    """The jurisdiction and its parents up to the root."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        current = session.scalar(select(Jurisdiction.parent_code).where(Jurisdiction.code == current))
    return chain


def pack_of(session: Session, code: str) -> str | None:
    return session.scalar(select(Service.pack_code).where(Service.code == code))


def categories(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Service.category, func.count()).group_by(Service.category).order_by(func.count().desc())
    ).all()
    return [(name, count) for name, count in rows]


def guide(session: Session, code: str) -> ServiceGuide:
    service = session.scalars(
        select(Service).options(selectinload(Service.materials)).where(Service.code == code)
    ).one_or_none()
    if service is None:
        raise NotFound(f"事项 {code} 不存在", f"service {code} not found", "code")
    jurisdiction = session.get(Jurisdiction, service.jurisdiction_code)
    department = session.get(Department, service.department_code)
    return _guide(
        service,
        jurisdiction.name if jurisdiction else "",
        department.name if department else "",
        _cross_region(session, code),
    )


def bundle_guide(session: Session, code: str) -> BundleGuide:
    bundle = session.get(Bundle, code)
    if bundle is None:
        raise NotFound(f"“一件事” {code} 不存在", f"bundle {code} not found", "bundle")
    members = [BundleMemberView(guide(session, m["service"]), list(m.get("after", []))) for m in bundle.members]
    return BundleGuide(
        code=bundle.code,
        name=bundle.name,
        name_en=bundle.name_en,
        category=bundle.category,
        jurisdiction_code=bundle.jurisdiction_code,
        description=bundle.description,
        channels=list(bundle.channels),
        members=members,
        pack_code=bundle.pack_code,
    )


def bundles(session: Session) -> list[tuple[str, str, str | None]]:
    """(code, name, name_en) of every bundle, for the catalogue's "one thing" list."""
    rows = session.execute(select(Bundle.code, Bundle.name, Bundle.name_en).order_by(Bundle.code)).all()
    return [(code, name, name_en) for code, name, name_en in rows]


def _cross_region(session: Session, service_code: str) -> list[CrossRegion]:
    rows = session.execute(
        select(Alliance, AllianceService.modes)
        .join(AllianceService, AllianceService.alliance_code == Alliance.code)
        .where(AllianceService.service_code == service_code)
        .order_by(Alliance.code)
    ).all()
    return [CrossRegion(alliance.code, alliance.name, list(alliance.members), list(modes)) for alliance, modes in rows]


def names(session: Session, codes: Sequence[str]) -> dict[str, ServiceSummary]:
    rows = session.execute(
        select(Service, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.code == Service.jurisdiction_code)
        .where(Service.code.in_(codes))
        .order_by(Service.code)
    ).all()
    return {service.code: _summary(service, name) for service, name in rows}


def _summary(service: Service, jurisdiction_name: str) -> ServiceSummary:
    return ServiceSummary(
        code=service.code,
        name=service.name,
        name_en=service.name_en,
        category=service.category,
        item_type=service.item_type,
        handling_type=service.handling_type,
        promised_limit=Limit(service.promised_limit, service.promised_limit_unit),
        visits=service.visits,
        jurisdiction_code=service.jurisdiction_code,
        jurisdiction_name=jurisdiction_name,
    )


def _guide(
    service: Service, jurisdiction_name: str, department_name: str, cross_region: list[CrossRegion]
) -> ServiceGuide:
    materials = [
        MaterialItem(m.code, m.name, m.issuer, m.originals, m.copies, m.required, m.source, m.notes)
        for m in service.materials
    ]
    return ServiceGuide(
        **vars(_summary(service, jurisdiction_name)),
        basic_code=service.basic_code,
        department_code=service.department_code,
        department_name=department_name,
        legal_limit=Limit(service.legal_limit, service.legal_limit_unit),
        acceptance_conditions=service.acceptance_conditions,
        materials=materials,
        visits_reason=service.visits_reason,
        online_depth=service.online_depth,
        cross_region_scope=service.cross_region_scope,
        channels=list(service.channels),
        fees=list(service.fees),
        legal_basis=list(service.legal_basis),
        steps=list(service.steps),
        form_fields=list(service.form_fields),
        locations=service.locations,
        hours=service.hours,
        consult_phone=service.consult_phone,
        complaint_phone=service.complaint_phone,
        result_name=service.result_name,
        keywords=list(service.keywords),
        workflow=list(service.workflow or []),
        cross_region=cross_region,
        pack_code=service.pack_code,
        has_rules=bool(service.eligibility),
    )
