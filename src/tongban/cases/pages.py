"""Case pages (办件): applying, a resident's cases, and the case page with its actions.

The staff pages over many cases (workbench, board) live in ``workbench_pages`` and are
mounted on this router, so that the app registers the cases pages once.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.cases import actions, inbox, service, uploads, views, workbench_pages
from tongban.cases.domain import STATUS_TEXT, Action
from tongban.cases.page_forms import (
    APPLICANT_VIEWS,
    CONSENT_METHODS,
    DELIVERY_NAMES,
    Answers,
    ApplyForm,
    MaterialChoice,
    action_input,
    application_of,
    apply_form,
    check_input,
    place_of_error,
    prefilled,
    problems_of,
    read_answers,
)
from tongban.cases.places import receives_itself
from tongban.catalog import service as catalog
from tongban.catalog.domain import CHANNEL_NAMES
from tongban.catalog.forms import FieldProblem, merge_fields
from tongban.credentials.sections import house_code_section
from tongban.db import transaction
from tongban.errors import BadInput, Conflict, Forbidden, NotFound, TongbanError
from tongban.files.service import FileStore
from tongban.ratings.sections import rating_section
from tongban.web import csrf
from tongban.web.deps import AppSettings, Factory, ReadSession, require_page
from tongban.web.i18n import locale_of
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(workbench_pages.router)
Applicants = Annotated[Actor, Depends(require_page(Role.citizen, Role.window))]
Citizens = Annotated[Actor, Depends(require_page(Role.citizen))]
Readers = Annotated[Actor, Depends(require_page(*Role))]
CaseId = Annotated[int, Path(ge=1)]
Checked = [Depends(csrf.check)]


async def posted(request: Request) -> FormData:
    """The posted form as a whole: the apply and action forms name their inputs after the pack."""
    return await request.form()


Posted = Annotated[FormData, Depends(posted)]


def local_time(moment: datetime | None) -> str:
    """Times as the service hall reads them: China Standard Time, to the minute."""
    return moment.astimezone(calendar.CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- applying ----------------------------------------------------------------------


@router.get("/services/{code}/apply")
def apply_service_page(code: str, request: Request, actor: Applicants, factory: Factory) -> Response:
    """Owner: citizen, window. The application form of a service; registry reads for its fields are audited."""
    with transaction(factory) as session:
        form = prefilled(session, actor, apply_form(session, "service", code))
    return _apply_page(request, actor, form)


@router.get("/bundles/{code}/apply")
def apply_bundle_page(code: str, request: Request, actor: Applicants, factory: Factory) -> Response:
    """Owner: citizen, window. One application form for every service of a bundle (一件事)."""
    with transaction(factory) as session:
        form = prefilled(session, actor, apply_form(session, "bundle", code))
    return _apply_page(request, actor, form)


@router.post("/services/{code}/apply", dependencies=Checked)
def apply_service(
    code: str, request: Request, actor: Applicants, factory: Factory, settings: AppSettings, data: Posted
) -> Response:
    """Owner: citizen, window. Files the application and uploads the chosen materials."""
    with factory() as session:
        form = apply_form(session, "service", code)
    return _apply(request, actor, factory, settings, form, data)


@router.post("/bundles/{code}/apply", dependencies=Checked)
def apply_bundle(
    code: str, request: Request, actor: Applicants, factory: Factory, settings: AppSettings, data: Posted
) -> Response:
    """Owner: citizen, window. Files the bundle's one application and uploads the chosen materials."""
    with factory() as session:
        form = apply_form(session, "bundle", code)
    return _apply(request, actor, factory, settings, form, data)


@router.post("/services/{code}/apply/check", dependencies=Checked)
def check_service_input(
    code: str,
    field: Annotated[str, Query(max_length=80)],
    request: Request,
    actor: Applicants,
    session: ReadSession,
    data: Posted,
) -> Response:
    """Owner: citizen, window. The message for one input as the applicant leaves it (htmx)."""
    return _check(request, actor, apply_form(session, "service", code), field, data)


@router.post("/bundles/{code}/apply/check", dependencies=Checked)
def check_bundle_input(
    code: str,
    field: Annotated[str, Query(max_length=80)],
    request: Request,
    actor: Applicants,
    session: ReadSession,
    data: Posted,
) -> Response:
    """Owner: citizen, window. The message for one input of a bundle's form (htmx)."""
    return _check(request, actor, apply_form(session, "bundle", code), field, data)


def _apply_page(
    request: Request,
    actor: Actor,
    form: ApplyForm,
    answers: Answers | None = None,
    problems: dict[str, FieldProblem] | None = None,
    *,
    notice: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values = dict(answers.values) if answers else {}
    if not values.get("key"):
        values["key"] = secrets.token_urlsafe(18)
    values.setdefault("delivery_method", "window")
    values.setdefault("channel", "window" if "window" in form.channels else form.channels[0])
    return render(
        request,
        actor,
        "cases/apply.html",
        status_code=status_code,
        form=form,
        values=values,
        problems=problems or {},
        applicant_fields=APPLICANT_VIEWS,
        consent_methods=CONSENT_METHODS,
        delivery_names=DELIVERY_NAMES,
        channel_names=CHANNEL_NAMES,
        handled_elsewhere=actor.role is Role.window and not receives_itself(actor, form.jurisdiction_code),
        notice=notice,
    )


def _apply(
    request: Request, actor: Actor, factory: Factory, settings: AppSettings, form: ApplyForm, data: FormData
) -> Response:
    answers = read_answers(form, data)
    problems = problems_of(form, answers, actor)
    if problems:
        return _apply_page(request, actor, _shown(factory, actor, form, answers), answers, problems, status_code=422)
    try:
        view, _ = service.apply(factory, actor, application_of(form, answers, actor))
    except Conflict as exc:
        # The same form was filed once already and has been changed since: offer a new application.
        fresh = Answers({**answers.values, "key": ""}, answers.files)
        notice = ("这份表单已经提交过一次。如确需再提交一份新的申请，请再次点击提交。", exc.message_en)
        return _apply_page(request, actor, _shown(factory, actor, form, fresh), fresh, notice=notice, status_code=409)
    except BadInput as exc:
        place = place_of_error(exc.field)
        problem = FieldProblem(place, exc.message_zh, exc.message_en)
        shown = _shown(factory, actor, form, answers)
        return _apply_page(request, actor, shown, answers, {place: problem}, status_code=exc.status)
    failed = _upload_all(factory, settings, actor, view.id, answers.files)
    suffix = f"?failed={','.join(failed)}#materials" if failed else ""
    return RedirectResponse(f"/cases/{view.id}{suffix}", status_code=303)


def _shown(factory: Factory, actor: Actor, form: ApplyForm, answers: Answers) -> ApplyForm:
    """The form drawn again after a refusal, for whom the posted answers say it is for."""
    with transaction(factory) as session:
        return prefilled(session, actor, form, answers)


def _upload_all(
    factory: Factory, settings: AppSettings, actor: Actor, case_id: int, files: dict[str, UploadFile]
) -> list[str]:
    """Uploads every chosen file; the codes of those refused, to be chosen again on the case page."""
    store = FileStore.from_settings(settings)
    failed = []
    for code, upload in files.items():
        try:
            data = upload.file.read(uploads.MAX_UPLOAD + 1)
            uploads.upload(factory, store, actor, case_id, code, upload.filename or code, data)
        except (BadInput, Conflict):
            failed.append(code)
    return failed


def _check(request: Request, actor: Actor, form: ApplyForm, name: str, data: FormData) -> Response:
    found = form.find(name)
    if found is None:
        raise NotFound(f"表单没有字段 {name}", f"the form has no field {name}", "field")
    value = data.get(name)
    problem = check_input(found, value if isinstance(value, str) else "")
    return render(request, actor, "cases/_field_error.html", problem=problem)


# --- reading cases -----------------------------------------------------------------


@router.get("/cases")
def my_cases_page(request: Request, actor: Citizens, session: ReadSession) -> Response:
    """Owner: citizen. The resident's own cases, newest first, and the bundles (一件事) they may apply for."""
    today = calendar.today()
    found = [views.case_view(session, actor, case, today) for case in inbox.my_cases(session, actor)]
    return render(request, actor, "cases/mine.html", cases=found, bundles=catalog.bundles(session), local=local_time)


@router.get("/cases/{case_id}")
def case_page(
    case_id: CaseId,
    request: Request,
    actor: Readers,
    session: ReadSession,
    failed: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Owner: the applicant; staff of its places and of its steps. Status, steps, materials, timeline, actions."""
    view = views.case_view(session, actor, views.readable_case(session, actor, case_id), calendar.today())
    refused = {code: "" for code in (failed or "").split(",") if code}
    return _case_page(request, actor, session, view, upload_errors=refused)


def _case_page(
    request: Request,
    actor: Actor,
    session: Session,
    view: views.CaseView,
    *,
    error: TongbanError | None = None,
    error_action: str | None = None,
    upload_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    steps = [*view.steps, *(step for child in view.children for step in child.steps)]
    mine = [step for step in view.steps if step.mine and step.kind == "review"]
    intake = any(step.mine and step.kind in ("receive", "accept") for step in view.steps)
    return render(
        request,
        actor,
        "cases/case.html",
        status_code=status_code,
        view=view,
        owners=views.step_owners(session, steps),
        labels=_labels(session, view),
        mine_reviews=mine,
        may_upload=view.parent_id is None
        and view.status in views.TAKES_MATERIALS
        and (actor.role is Role.citizen or (actor.role is Role.window and intake)),
        error=error,
        error_action=error_action,
        upload_errors=upload_errors or {},
        local=local_time,
        channel_names=CHANNEL_NAMES,
        delivery_names=DELIVERY_NAMES,
        consent_methods=CONSENT_METHODS,
        statuses=STATUS_TEXT,
        rating=rating_section(session, actor, view.id) if view.parent_id is None else None,
        house_code=house_code_section(session, actor, view.id),
    )


def _labels(session: Session, view: views.CaseView) -> dict[str, tuple[str, str | None]]:
    """The declared fields' labels, to show the form's answers under the names the applicant saw."""
    if not view.form:
        return {}
    if view.bundle and view.kind == "bundle":
        guide = catalog.bundle_guide(session, view.bundle)
        fields = merge_fields([member.service.form_fields for member in guide.members])
    else:
        fields = catalog.guide(session, view.service or "").form_fields
    return {f["key"]: (f["label"], f.get("label_en")) for f in fields}


# --- working a case ----------------------------------------------------------------


@router.post("/cases/{case_id}/actions/{action}", dependencies=Checked)
def act_page(
    case_id: CaseId, action: Action, request: Request, actor: Readers, factory: Factory, data: Posted
) -> Response:
    """Owner: the holder of the case's open step (window, reviewer); the applicant for withdraw and resume."""
    materials: list[MaterialChoice] = []
    if action is Action.notify_missing:
        with factory() as session:
            case = views.readable_case(session, actor, case_id)
            shown = views.case_view(session, actor, case, calendar.today())
            materials = [MaterialChoice(m.code, m.name, m.status) for m in shown.materials]
    try:
        version, given = action_input(action, data, materials)
        actions.act(factory, actor, case_id, action, version, given)
    except (BadInput, Conflict, Forbidden) as exc:
        with factory() as session:
            view = views.case_view(session, actor, views.readable_case(session, actor, case_id), calendar.today())
            return _case_page(
                request, actor, session, view, error=exc, error_action=action.value, status_code=exc.status
            )
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/materials/{code}", dependencies=Checked)
def upload_page(
    case_id: CaseId,
    code: Annotated[str, Path(max_length=64)],
    request: Request,
    actor: Readers,
    factory: Factory,
    settings: AppSettings,
    data: Posted,
) -> Response:
    """Owner: the applicant or the receiving window. Uploads one material (PDF, JPEG, PNG; at most 10 MB)."""
    upload = data.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise BadInput("请选择要上传的文件", "choose a file to upload", "file")
        content = upload.file.read(uploads.MAX_UPLOAD + 1)
        store = FileStore.from_settings(settings)
        uploads.upload(factory, store, actor, case_id, code, upload.filename, content)
    except (BadInput, Conflict, Forbidden) as exc:
        with factory() as session:
            view = views.case_view(session, actor, views.readable_case(session, actor, case_id), calendar.today())
            refused = {code: exc.message(_locale(request))}
            return _case_page(request, actor, session, view, upload_errors=refused, status_code=exc.status)
    return RedirectResponse(f"/cases/{case_id}#materials", status_code=303)


def _locale(request: Request) -> str:
    return locale_of(request, request.app.state.settings.default_locale)
