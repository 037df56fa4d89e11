"""A pack's routing rules and trained classifier, read from the database and kept per process.

Training takes about a second, so each process trains a pack's model once and keeps it
under the pack's content checksum: a reload that changes any file of the pack changes the
checksum, and the next request of that pack retrains. Rows of a pack that was never
loaded (written by hand, as tests do) are read afresh every time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.packs.models import LoadedPack
from tongban.requests import routing
from tongban.requests.models import RoutingExample, RoutingRule
from tongban.requests.routing import Example, Model, Rule, Suggestion


@dataclass(frozen=True)
class Router:
    rules: tuple[Rule, ...]
    model: Model | None


# pack code → (the checksum it was built from, the router). One entry per pack: an
# older load's model is dropped as soon as a newer one is built.
_routers: dict[str, tuple[str, Router]] = {}


def suggest(session: Session, pack_code: str, type_code: str, text: str) -> Suggestion | None:
    """The department the pack's rules or model suggest for a request of this type and text."""
    router = router_of(session, pack_code)
    return routing.suggest(text, type_code, router.rules, router.model)


def router_of(session: Session, pack_code: str) -> Router:
    checksum = session.scalar(select(LoadedPack.checksum).where(LoadedPack.code == pack_code))
    cached = _routers.get(pack_code)
    if cached is not None and checksum is not None and cached[0] == checksum:
        return cached[1]
    # Two threads may both train after a reload; they build the same model, and the last one is kept.
    router = Router(rules_of(session, pack_code), routing.train(examples_of(session, pack_code)))
    if checksum is not None:
        _routers[pack_code] = (checksum, router)
    return router


def rules_of(session: Session, pack_code: str) -> tuple[Rule, ...]:
    """The pack's rules in their declared order."""
    rows = session.scalars(
        select(RoutingRule).where(RoutingRule.pack_code == pack_code).order_by(RoutingRule.position, RoutingRule.id)
    )
    return tuple(Rule(row.department_code, tuple(row.keywords), frozenset(row.type_codes)) for row in rows)


def examples_of(session: Session, pack_code: str) -> list[Example]:
    rows = session.execute(
        select(RoutingExample.text, RoutingExample.department_code)
        .where(RoutingExample.pack_code == pack_code)
        .order_by(RoutingExample.id)
    )
    return [Example(text, department) for text, department in rows]
