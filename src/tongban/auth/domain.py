"""Who may do what: roles, the actor of a request, and jurisdiction scope."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    citizen = "citizen"
    window = "window"  # 窗口人员 / 全科社工
    reviewer = "reviewer"
    dispatcher = "dispatcher"
    supervisor = "supervisor"
    admin = "admin"


class JurisdictionLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    town = "town"
    village = "village"


@dataclass(frozen=True)
class Actor:
    """The person behind a request; ``anonymous`` when nobody is logged in."""

    user_id: int | None
    username: str
    role: Role | None
    jurisdiction_code: str | None = None
    department_code: str | None = None

    def covers(self, jurisdiction_code: str | None) -> bool:
        """A staff member sees their own jurisdiction and everything below it.

        Administrative-division codes nest by prefix once trailing zeros are dropped
        (320200 无锡 ⊃ 320211 滨湖区 ⊃ 320211100 胡埭镇); an admin without a
        jurisdiction sees everything.
        """
        if self.role is Role.admin and self.jurisdiction_code is None:
            return True
        if self.jurisdiction_code is None or jurisdiction_code is None:
            return False
        return jurisdiction_code.startswith(division_prefix(self.jurisdiction_code))


ANONYMOUS = Actor(user_id=None, username="anonymous", role=None)
SYSTEM = Actor(user_id=None, username="system", role=Role.admin)


def division_prefix(code: str) -> str:
    """The significant prefix of a 行政区划代码: 320000 → 32, 320200 → 3202, 320211100000 → 320211100."""
    if len(code) <= 6:
        while code.endswith("00"):
            code = code[:-2]
        return code
    head, tail = code[:6], code[6:]
    while tail.endswith("000"):
        tail = tail[:-3]
    return head + tail if tail else division_prefix(head)
