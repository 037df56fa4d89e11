"""Where a case is received and who handles it (跨域通办), settled once when it is filed.

A window receives for the services of the jurisdictions it lies within; beyond them only
through an alliance listing the service (代收代办 or 多地联办 at a window, 全程网办 online).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role
from tongban.auth.models import Jurisdiction
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
