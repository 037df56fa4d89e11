"""``draws.yaml``: lottery draws (摇号选址) a pack opens, and their references.

A pack never holds a seed: the platform draws one with ``secrets`` when the pack first
creates the draw, and publishes only its commitment (``listings.service.declare``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tongban.listings.domain import HOUSEHOLD_FIELDS, MAX_PLOT_AREA, NewDraw, Plot, china_date
from tongban.packs.domain import Located, PackError, ParsedPack, missing
from tongban.packs.schema import Code, DivisionCode, Service, Text100, Text200, Text300, _duplicates, _raise_violations

VILLAGE_DIGITS = 12


class _Plain(BaseModel):
    # Declared here rather than imported so that linters see a Pydantic model's fields.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrawPlot(_Plain):
    code: Code
    area: Annotated[float, Field(gt=0, le=MAX_PLOT_AREA, allow_inf_nan=False)]  # m²
    terrain: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]  # 平原、丘陵、山区


class Draw(_Plain):
    code: Code
    name: Text200
    name_en: Text300 | None = None
    village: DivisionCode
    service: Code
    registry: Text100
    # Enrolment closes this many days after the pack first loads the draw.
    enrol_days: Annotated[int, Field(ge=1, le=365)]
    plots: Annotated[list[DrawPlot], Field(min_length=1)]

    @model_validator(mode="after")
    def _rules(self) -> Draw:
        found = _duplicates((plot.code for plot in self.plots), "code", "plots")
        if len(self.village) != VILLAGE_DIGITS:
            found.append(
                (("village",), "摇号须在村里举行：应为 12 位村级区划代码", "a draw is held in a village: 12 digits")
            )
        _raise_violations(found)
        return self


class DrawsFile(_Plain):
    draws: list[Draw]


def items(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, Draw]]:
    return [(pack, draw) for pack in packs for _, draw in _draws(pack)]


def new_draw(draw: Draw, loaded: datetime) -> NewDraw:
    """The draw to create; enrolment runs ``enrol_days`` from the day of the load, in Beijing."""
    plots = [Plot(plot.code, plot.area, plot.terrain) for plot in draw.plots]
    until = china_date(loaded) + timedelta(days=draw.enrol_days)
    values = draw.model_dump(exclude={"enrol_days", "plots"})
    return NewDraw(**values, enrol_until=until, plots=plots)


def check(
    packs: Sequence[ParsedPack], codes: Mapping[str, set[str]], fields: Mapping[str, Mapping[str, str]]
) -> list[PackError]:
    """Each draw names a village, a service and a household registry (``fields``: registry → fields) that exist."""
    services = {located.record.code: located.record for pack in packs for located in pack.services}
    errors: list[PackError] = []
    first: dict[str, str] = {}
    for pack in packs:
        for index, draw in _draws(pack):
            assert pack.draws is not None  # _draws yields only from a pack with draws
            errors += _refs(pack.draws, index, draw, codes, fields)
            errors += _rules(pack.draws, index, draw, services)
            if draw.code in first:
                zh, en = f"摇号代码 {draw.code} 重复（另见 {first[draw.code]}）", f"duplicate draw code {draw.code}"
                errors.append(pack.draws.error(("draws", index, "code"), zh, en))
            first.setdefault(draw.code, pack.code)
    return errors


def _draws(pack: ParsedPack) -> list[tuple[int, Draw]]:
    return list(enumerate(pack.draws.record.draws)) if pack.draws else []


def _refs(
    located: Located[DrawsFile],
    index: int,
    draw: Draw,
    codes: Mapping[str, set[str]],
    fields: Mapping[str, Mapping[str, str]],
) -> list[PackError]:
    errors: list[PackError] = []
    if draw.village not in codes["jurisdictions"]:
        errors.append(missing(located, ("draws", index, "village"), "jurisdictions", draw.village))
    if draw.service not in codes["services"]:
        errors.append(missing(located, ("draws", index, "service"), "services", draw.service))
    absent = [name for name in HOUSEHOLD_FIELDS if name not in fields.get(draw.registry, {})]
    if absent:
        zh = f"登记库 {draw.registry} 不存在或缺少字段 {'、'.join(absent)}"
        en = f"registry {draw.registry} is unknown or lacks field(s) {', '.join(absent)}"
        errors.append(located.error(("draws", index, "registry"), zh, en))
    return errors


def _rules(located: Located[DrawsFile], index: int, draw: Draw, services: Mapping[str, Service]) -> list[PackError]:
    """Entrants must pass the service's rules, so a service of these packs must have some."""
    if draw.service in services and services[draw.service].eligibility is None:
        zh, en = f"事项 {draw.service} 没有资格规则", f"service {draw.service} has no eligibility rules"
        return [located.error(("draws", index, "service"), zh, en)]
    return []
