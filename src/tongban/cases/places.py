"""Where a case is received and who handles it (跨域通办), settled once when it is filed.

A window receives for the services of the jurisdictions it lies within; beyond them only
through an alliance listing the service (代收代办 or 多地联办 at a window, 全程网办 online).
Steps a pack routes by a form field (``jurisdiction: form:village_code``) are worked at the
place the applicant's registry record names, checked here at filing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role
from tongban.auth.models import Jurisdiction
from tongban.cases.domain import routed_by
from tongban.catalog.domain import ServiceGuide
from tongban.errors import BadInput
from tongban.packs.schema import CrossRegionMode


@dataclass(frozen=True)
class Places:
    received: str
    handling: str
    mode: str | None
    accept_at: str


def settle(session: Session, actor: Actor, service: ServiceGuide, received_at: str | None, channel: str) -> Places:
    """Where the case is received, who handles it, in which cross-region mode, and which window accepts."""
    handling = service.jurisdiction_code
    if actor.role is Role.window:
        received = actor.jurisdiction_code or handling
    else:
        received = received_at or actor.jurisdiction_code or handling
    if session.get(Jurisdiction, received) is None:
        raise BadInput(f"受理地 {received} 不存在", f"unknown receiving jurisdiction {received}", "received_at")
    if _within(received, handling):
        return Places(received, handling, None, received)
    modes = _alliance_modes(service, received, handling)
    online = channel in ("online", "mobile")
    if online and CrossRegionMode.online.value in modes:
        return Places(received, handling, CrossRegionMode.online.value, handling)
    if online and actor.role is not Role.window:
        # Anyone may apply online to the handling side directly; it is simply not cross-region.
        return Places(handling, handling, None, handling)
    for mode in (CrossRegionMode.joint.value, CrossRegionMode.proxy.value):
        if mode in modes:
            return Places(received, handling, mode, handling)
    raise BadInput(
        f"{received} 不能代收该事项：它不在该事项的跨域通办联盟中",
        f"{received} cannot receive this service: it is not in an alliance that handles it",
        "received_at",
    )


def receives_itself(actor: Actor, handling: str) -> bool:
    """A window within the handling jurisdiction accepts the case itself; one outside receives it for another."""
    return _within(actor.jurisdiction_code or handling, handling)


def _within(place: str, area: str) -> bool:
    return Actor(None, "", Role.window, area).covers(place)


def _alliance_modes(service: ServiceGuide, received: str, handling: str) -> list[str]:
    return [
        mode
        for alliance in service.cross_region
        if any(_within(received, member) for member in alliance.members)
        and any(_within(handling, member) for member in alliance.members)
        for mode in alliance.modes
    ]


def check_routes(
    session: Session,
    workflows: Sequence[Sequence[Mapping[str, Any]]],
    fields: Sequence[Mapping[str, Any]],
    filled: Mapping[str, Any],
) -> None:
    """A place that routes steps comes from a registry, never from what was typed, and must be a known one."""
    labels = {field["key"]: (field["label"], field.get("label_en") or field["key"]) for field in fields}
    for key in dict.fromkeys(key for workflow in workflows for key in routed_by(workflow)):
        label, label_en = labels.get(key, (key, key))
        value = filled.get(key)
        if value is None:
            raise BadInput(
                f"未能从共享数据取得“{label}”，无法确定由哪里办理；请到窗口核实登记信息后再申请",
                f"{label_en} could not be read from shared data, so the case cannot be routed; "
                "please have your records checked at a window",
                f"form.{key}",
            )
        if session.get(Jurisdiction, str(value)) is None:
            raise BadInput(
                f"共享数据中的“{label}” {value} 不是已知的行政区划",
                f"{label_en} {value} from shared data is not a known jurisdiction",
                f"form.{key}",
            )
