"""Uploading a case's materials: once per case, checked by content and stored by hash (``files``)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor
from tongban.calendar import service as calendar
from tongban.cases import views
from tongban.cases.models import CaseMaterial
from tongban.db import transaction
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.files import service as files
from tongban.files.domain import ALL_TYPES

MAX_UPLOAD = 10 * 1024 * 1024


def upload(
    factory: sessionmaker[Session],
    store: files.FileStore,
    actor: Actor,
    case_id: int,
    code: str,
    name: str,
    data: bytes,
) -> views.CaseView:
    """Attaches a material once; uploading it again replaces it while the case still takes materials."""
    with transaction(factory) as session:
        case = views.readable_case(session, actor, case_id)
        if not views.owns(actor, case) and not views.holds_intake(session, actor, case):
            raise Forbidden("只有申请人或受理窗口可以上传材料", "only the applicant or the receiving window may upload")
        if case.status not in views.TAKES_MATERIALS:
            raise Conflict("办件当前不接收材料", "the case does not take materials in its current status")
        material = session.get(CaseMaterial, (case.id, code))
        if material is None:
            raise NotFound(f"办件没有材料 {code}", f"the case has no material {code}", "code")
        if material.source != "applicant":
            raise BadInput("该材料由共享数据提供，无需上传", "this material comes from shared data", "code")
        stored = files.store(session, store, actor, name, data, accepted=ALL_TYPES, max_bytes=MAX_UPLOAD)
        material.file_id, material.file_name, material.media_type = stored.id, name[:200], stored.media_type
        material.status, material.note = "provided", None
        audit.record(
            session, actor, "upload", "case_materials", f"{case.number}/{code}", after={"sha256": stored.sha256}
        )
        return views.case_view(session, actor, case, calendar.today())
