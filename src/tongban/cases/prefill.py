"""Data instead of paper (DESIGN §4): application form fields filled from the registries packs declare.

A form field with ``source: registry:<code>`` takes the value of that registry's field of
the same name, from the applicant's record. The applicant sees it read-only with where it
came from; at filing the server reads it again and never takes a posted value for it.
Where the registry holds no record of the applicant, or nobody may read it for them, the
field is asked like any other, with a note saying why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from tongban.auth.domain import Actor
from tongban.auth.models import User
from tongban.registries import service as registries
from tongban.registries.service import Origin, Reading

REGISTRY = "registry:"


class Standing(StrEnum):
    """How a registry-sourced field stands for one applicant."""

    filled = "filled"  # the registry's value, shown read-only and taken at filing
    no_record = "no_record"  # the registry holds nothing about the applicant: asked
    not_read = "not_read"  # no ID number to look up, or a resident filing for someone else: asked
    at_filing = "at_filing"  # a window has not named the applicant yet: read at filing, what is typed is a fallback
    not_held = "not_held"  # no loaded pack declares the registry: never asked, as before there were registries


# Asked of the applicant as the field is declared: a required one must be filled in.
ASKED = frozenset({Standing.no_record, Standing.not_read})


@dataclass(frozen=True)
class SharedField:
    key: str
    standing: Standing
    origin: Origin | None  # None when the registry is not held
    value: Any = None


@dataclass(frozen=True)
class Prefill:
    """The form's registry-sourced fields for one applicant, by key."""

    fields: Mapping[str, SharedField]

    @property
    def values(self) -> dict[str, Any]:
        return {key: shared.value for key, shared in self.fields.items() if shared.standing is Standing.filled}

    def typed(self, posted: Mapping[str, Any]) -> dict[str, Any]:
        """What the applicant posted, less the fields the registry fills: a posted value for one is ignored."""
        filled = self.values
        return {key: value for key, value in posted.items() if key not in filled}

    def completed(self, fields: Sequence[Mapping[str, Any]], checked: Mapping[str, Any]) -> dict[str, Any]:
        """The checked form with the registry's values, in the order the fields are declared."""
        values = {**checked, **self.values}
        return {field["key"]: values[field["key"]] for field in fields if field["key"] in values}

    def specs(self, fields: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The fields as the form is checked: an asked registry field is required like any other field."""
        return [_as_asked(spec) if self.asks(spec["key"]) else dict(spec) for spec in fields]

    def asks(self, key: str) -> bool:
        shared = self.fields.get(key)
        return shared is not None and shared.standing in ASKED


def _as_asked(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in spec.items() if name != "source"}


def registry_of(source: str | None) -> str | None:
    """The registry code of a ``registry:<code>`` source; None for the applicant's own."""
    return source.removeprefix(REGISTRY) if source and source.startswith(REGISTRY) else None


def _wanted(fields: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {field["key"]: code for field in fields if (code := registry_of(field.get("source")))}


def read(
    session: Session,
    actor: Actor,
    id_number: str | None,
    fields: Sequence[Mapping[str, Any]],
    purpose: str,
) -> Prefill:
    """The applicant's values for the registry-sourced fields: one audited read per registry, never per field.

    ``id_number`` is None when there is nobody whose records the filer may read.
    """
    wanted = _wanted(fields)
    held = registries.origins(session, wanted.values())
    readings: Mapping[tuple[str, str], Reading] = {}
    if id_number is not None:
        asked = [(code, key) for key, code in wanted.items() if code in held]
        readings = registries.read_person(session, actor, id_number, asked, purpose)
    return Prefill({key: _shared(key, code, held, readings, id_number) for key, code in wanted.items()})


def _shared(
    key: str,
    code: str,
    held: Mapping[str, Origin],
    readings: Mapping[tuple[str, str], Reading],
    id_number: str | None,
) -> SharedField:
    origin = held.get(code)
    if origin is None:
        return SharedField(key, Standing.not_held, None)
    if id_number is None:
        return SharedField(key, Standing.not_read, origin)
    reading = readings[(code, key)]
    # A record with this value blank says no more than no record: the applicant fills it in.
    if not reading.found or reading.value is None:
        return SharedField(key, Standing.no_record, origin)
    return SharedField(key, Standing.filled, origin, reading.value)


def at_filing(session: Session, fields: Sequence[Mapping[str, Any]]) -> Prefill:
    """Before a window names the applicant: each field is read at filing; no personal data is read now."""
    wanted = _wanted(fields)
    held = registries.origins(session, wanted.values())
    return Prefill(
        {
            key: SharedField(key, Standing.at_filing if code in held else Standing.not_held, held.get(code))
            for key, code in wanted.items()
        }
    )


def own_id_number(session: Session, actor: Actor) -> str | None:
    user = session.get(User, actor.user_id) if actor.user_id else None
    return user.id_number if user else None


def material_notes(session: Session, sources: Sequence[str]) -> dict[str, str]:
    """What a case says of each shared material, by source: that it is not asked for, and where it is read."""
    held = registries.origins(session, [code for source in sources if (code := registry_of(source))])
    notes = {}
    for source in sources:
        code = registry_of(source)
        origin = held.get(code or "")
        if origin is not None:
            notes[source] = f"由共享数据获取，无需提交：{origin.name}（{origin.department}）"
        elif code is not None:  # a registry no loaded pack declares: the pack still says it is shared
            notes[source] = "由共享数据获取，无需提交"
    return notes
