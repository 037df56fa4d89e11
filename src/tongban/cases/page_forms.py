"""The case pages' forms: what the apply form asks, and how posted forms become an application or an action.

The apply form is drawn from the service's declared fields (a bundle's merged ones) and
checked with ``catalog.forms.check_field``, field by field as the applicant leaves each
one and all together on submit, so the page says what the API would, in the same words.
Inputs are named ``form.<key>`` for declared fields and ``file.<code>`` for materials.
Fields filled from a registry are shown read-only and have no input: filing reads them again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from tongban.auth.domain import Actor, Role
from tongban.cases import prefill
from tongban.cases.actions import ActionInput
from tongban.cases.domain import Action, MissingItem, SpecialKind
from tongban.cases.service import Applicant, Application, Consent
from tongban.catalog import service as catalog
from tongban.catalog.domain import MaterialItem
from tongban.catalog.forms import FieldProblem, check_field, merge_fields, merge_materials
from tongban.errors import BadInput
from tongban.identity.domain import InvalidIdNumber, validate_id_number
from tongban.registries import service as registries
from tongban.registries.service import Origin

ONLINE_CHANNELS = ("online", "mobile")
DELIVERY_NAMES: Mapping[str, tuple[str, str]] = {
    "window": ("窗口领取", "Collect at a window"),
    "post": ("邮寄送达", "By post"),
    "online": ("网上送达（电子证照）", "Online (electronic licence)"),
}
CONSENT_METHODS: Mapping[str, tuple[str, str]] = {
    "signed": ("书面签字", "Signed in writing"),
    "verbal": ("当面口头授权", "Verbally, in person"),
    "phone": ("电话授权", "By phone"),
}
# Asked of whoever files for someone else (代办); checked with the same rules as declared fields.
APPLICANT_FIELDS: tuple[dict[str, Any], ...] = (
    {
        "key": "applicant.name",
        "label": "申请人姓名",
        "label_en": "Applicant's name",
        "type": "text",
        "required": True,
        "max": 100,
    },
    {
        "key": "applicant.id_number",
        "label": "申请人身份证号",
        "label_en": "Applicant's ID number",
        "type": "id_number",
        "required": True,
    },
    {"key": "applicant.phone", "label": "申请人电话", "label_en": "Applicant's phone", "type": "phone"},
    {
        "key": "consent.statement",
        "label": "授权说明",
        "label_en": "What the applicant agreed to",
        "type": "textarea",
        "required": True,
        "max": 1000,
    },
)
MAX_NOTE = 2000
KEY = re.compile(r"[A-Za-z0-9_-]{8,100}")


@dataclass(frozen=True)
class FieldView:
    """One input of the apply form; ``name`` is what the browser posts."""

    name: str
    label: str
    label_en: str | None
    type: str
    required: bool
    source: str | None
    options: list[str]
    spec: Mapping[str, Any]
    shared: prefill.SharedField | None = None  # how a registry-sourced field stands for this applicant

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


def _field_view(spec: Mapping[str, Any], name: str) -> FieldView:
    return FieldView(
        name=name,
        label=spec["label"],
        label_en=spec.get("label_en"),
        type=spec["type"],
        required=bool(spec.get("required")),
        source=spec.get("source"),
        options=list(spec.get("options", [])),
        spec=spec,
    )


APPLICANT_VIEWS = [_field_view(spec, spec["key"]) for spec in APPLICANT_FIELDS]


@dataclass(frozen=True)
class ApplyForm:
    """What the apply page asks for one service or one bundle (一件事)."""

    kind: str  # service | bundle
    code: str
    name: str
    name_en: str | None
    jurisdiction_code: str
    jurisdiction_name: str
    department_name: str
    channels: list[str]
    fields: list[FieldView]
    materials: list[MaterialItem]
    members: list[tuple[str, str, str | None]] = field(default_factory=list)
    cross_region: bool = False
    origins: Mapping[str, Origin] = field(default_factory=dict)  # the held registries its fields and materials name

    @property
    def path(self) -> str:
        return f"/{'bundles' if self.kind == 'bundle' else 'services'}/{self.code}/apply"

    @property
    def online_channel(self) -> str | None:
        return next((channel for channel in ONLINE_CHANNELS if channel in self.channels), None)

    def find(self, name: str) -> FieldView | None:
        return next((f for f in [*self.fields, *APPLICANT_VIEWS] if f.name == name), None)

    def origin_of(self, source: str) -> Origin | None:
        return self.origins.get(prefill.registry_of(source) or "")


def apply_form(session: Session, kind: str, code: str) -> ApplyForm:
    if kind == "bundle":
        bundle = catalog.bundle_guide(session, code)
        lead = bundle.members[0].service
        specs = merge_fields([member.service.form_fields for member in bundle.members])
        materials = merge_materials([[vars(m) for m in member.service.materials] for member in bundle.members])
        return ApplyForm(
            kind="bundle",
            code=bundle.code,
            name=bundle.name,
            name_en=bundle.name_en,
            jurisdiction_code=lead.jurisdiction_code,
            jurisdiction_name=lead.jurisdiction_name,
            department_name=lead.department_name,
            channels=list(bundle.channels),
            fields=[_field_view(spec, f"form.{spec['key']}") for spec in specs],
            materials=[MaterialItem(**material) for material in materials],
            members=[(m.service.code, m.service.name, m.service.name_en) for m in bundle.members],
            cross_region=any(member.service.cross_region for member in bundle.members),
            origins=_origins(session, [*specs, *materials]),
        )
    guide = catalog.guide(session, code)
    return ApplyForm(
        kind="service",
        code=guide.code,
        name=guide.name,
        name_en=guide.name_en,
        jurisdiction_code=guide.jurisdiction_code,
        jurisdiction_name=guide.jurisdiction_name,
        department_name=guide.department_name,
        channels=list(guide.channels),
        fields=[_field_view(spec, f"form.{spec['key']}") for spec in guide.form_fields],
        materials=list(guide.materials),
        cross_region=bool(guide.cross_region),
        origins=_origins(session, [*guide.form_fields, *map(vars, guide.materials)]),
    )


def _origins(session: Session, sourced: Sequence[Mapping[str, Any]]) -> dict[str, Origin]:
    return registries.origins(session, [code for item in sourced if (code := prefill.registry_of(item.get("source")))])


def prefilled(session: Session, actor: Actor, form: ApplyForm, answers: Answers | None = None) -> ApplyForm:
    """The form with its registry-sourced fields as they stand for the applicant; each registry read once, audited.

    A resident sees their own records. A window sees the applicant's once it has typed a valid
    ID number, and until then is told they are read at filing. A resident applying for
    someone else may not read that person's records and is asked for them.
    """
    if actor.role is not Role.window and form.online_channel is None:
        return form  # the page sends the resident to a window: nothing is shown, so nothing is read
    specs = [view.spec for view in form.fields]
    if actor.role is Role.window:
        id_number = _valid_id(answers.values.get("applicant.id_number", "") if answers else "")
        if id_number is None:
            return _with_prefill(form, prefill.at_filing(session, specs))
    elif answers is not None and answers.on_behalf:
        id_number = None
    else:
        id_number = prefill.own_id_number(session, actor)
    return _with_prefill(form, prefill.read(session, actor, id_number, specs, f"application form: {form.code}"))


def _valid_id(typed: str) -> str | None:
    try:
        return validate_id_number(typed).value
    except InvalidIdNumber:
        return None


def _with_prefill(form: ApplyForm, shared: prefill.Prefill) -> ApplyForm:
    """Each field with its standing; one the registry cannot fill is asked, required as declared."""
    specs = shared.specs([view.spec for view in form.fields])
    fields = [
        replace(view, spec=spec, shared=shared.fields.get(spec["key"]))
        for view, spec in zip(form.fields, specs, strict=True)
    ]
    return replace(form, fields=fields)


@dataclass(frozen=True)
class Answers:
    """A posted apply form: the typed values (kept to show again) and the chosen files."""

    values: dict[str, str]
    files: dict[str, UploadFile]

    @property
    def on_behalf(self) -> bool:
        return any(self.values.get(spec["key"], "").strip() for spec in APPLICANT_FIELDS)


def read_answers(form: ApplyForm, data: FormData) -> Answers:
    names = [f.name for f in form.fields] + [f.name for f in APPLICANT_VIEWS]
    names += ["consent.method", "channel", "delivery_method", "key"]
    values = {name: value for name in names if isinstance(value := data.get(name), str)}
    if not KEY.fullmatch(values.get("key", "")):
        values["key"] = ""
    files = {}
    for material in form.materials:
        upload = data.get(f"file.{material.code}")
        if isinstance(upload, UploadFile) and upload.filename:
            files[material.code] = upload
    return Answers(values, files)


def problems_of(form: ApplyForm, answers: Answers, actor: Actor) -> dict[str, FieldProblem]:
    """Every problem the page can see before filing, by input name: declared fields, 代办, channel, delivery."""
    found: dict[str, FieldProblem] = {}
    for view in form.fields:
        problem = check_input(view, answers.values.get(view.name, ""))
        if problem is not None:
            found[view.name] = problem
    if actor.role is Role.window or answers.on_behalf:
        for view in APPLICANT_VIEWS:
            problem = check_input(view, answers.values.get(view.name, ""))
            if problem is not None:
                found[view.name] = problem
        if answers.values.get("consent.method") not in CONSENT_METHODS:
            found["consent.method"] = FieldProblem("consent.method", "请选择授权方式", "choose how consent was given")
    if channel_of(form, answers, actor) is None:
        found["channel"] = FieldProblem("channel", "该事项不能通过此渠道办理", "this service is not offered that way")
    if answers.values.get("delivery_method") not in DELIVERY_NAMES:
        found["delivery_method"] = FieldProblem("delivery_method", "请选择送达方式", "choose how to receive the result")
    return found


def check_input(view: FieldView, value: str) -> FieldProblem | None:
    """One input checked as the API would check it, plus the length the database keeps."""
    _, problem = check_field(view.spec, value)
    limit = view.spec.get("max")
    if problem is None and limit and len(value.strip()) > limit:
        return FieldProblem(view.name, f"{view.label}不能超过 {limit} 个字", f"{view.label_en} is too long")
    return problem


def channel_of(form: ApplyForm, answers: Answers, actor: Actor) -> str | None:
    """A window says how it received the application; a resident applies online."""
    if actor.role is Role.window:
        chosen = answers.values.get("channel", "")
        return chosen if chosen in form.channels else None
    return form.online_channel


def application_of(form: ApplyForm, answers: Answers, actor: Actor) -> Application:
    """The application as ``service.apply`` takes it; call after ``problems_of`` found nothing."""
    values = answers.values
    typed = {view.name.removeprefix("form."): values[view.name] for view in form.fields if values.get(view.name)}
    applicant = consent = None
    if actor.role is Role.window or answers.on_behalf:
        applicant = Applicant(values["applicant.name"].strip(), values["applicant.id_number"])
        if values.get("applicant.phone", "").strip():
            applicant = Applicant(applicant.name, applicant.id_number, values["applicant.phone"].strip())
        consent = Consent(values["consent.method"], values["consent.statement"].strip())
    return Application(
        service=form.code if form.kind == "service" else None,
        bundle=form.code if form.kind == "bundle" else None,
        form=typed,
        channel=channel_of(form, answers, actor) or "",
        delivery_method=values["delivery_method"],
        applicant=applicant,
        consent=consent,
        idempotency_key=values.get("key") or None,
    )


# Where a service error belongs on the apply page; the rest are shown above the form.
ERROR_PLACES = {
    "applicant": "applicant.name",
    "applicant.id_number": "applicant.id_number",
    "consent": "consent.statement",
    "channel": "channel",
    "delivery_method": "delivery_method",
}


def place_of_error(field_name: str | None) -> str:
    if field_name and field_name.startswith("form."):
        return field_name
    return ERROR_PLACES.get(field_name or "", "")


@dataclass(frozen=True)
class MaterialChoice:
    code: str
    name: str
    status: str


def action_input(action: Action, data: FormData, materials: Sequence[MaterialChoice]) -> tuple[int, ActionInput]:
    """The case version the form was drawn at, and what the action needs from it."""
    version = str(data.get("version") or "")
    if not version.isdigit():
        raise BadInput("表单缺少办件版本，请刷新后重试", "the form lacks the case version; reload it", "version")
    reason = _text(data, "reason")
    step = _text(data, "step")
    special = _text(data, "special")
    items: list[MissingItem] = []
    if action is Action.notify_missing:
        items = _missing_items(data, materials)
        reason = None
    return int(version), ActionInput(
        reason=reason,
        step=step,
        items=items,
        special=SpecialKind(special) if special and special in SpecialKind.__members__ else None,
    )


def _text(data: FormData, name: str) -> str | None:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    if len(value) > MAX_NOTE:
        raise BadInput(f"不能超过 {MAX_NOTE} 个字", f"at most {MAX_NOTE} characters", name)
    return value.strip()


def _missing_items(data: FormData, materials: Sequence[MaterialChoice]) -> list[MissingItem]:
    """一次性告知: each ticked material with its reason (a sensible default), then the free text as one more line."""
    ticked = set(data.getlist("item"))
    items = []
    for material in materials:
        if material.code not in ticked:
            continue
        default = f"{material.name}有误，请重新提交" if material.status == "provided" else f"请提交{material.name}"
        items.append(MissingItem(material.code, _text(data, f"item_reason.{material.code}") or default))
    other = _text(data, "note")
    if other:
        items.append(MissingItem("other", other))
    return items
