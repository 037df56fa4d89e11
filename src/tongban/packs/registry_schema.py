"""``registries.yaml``: the shared data sources (共享数据) a pack declares, as Pydantic models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tongban.packs.schema import Code, FactName, Text, Text100, Text200, Text300, _duplicates, _raise_violations
from tongban.rules.domain import FactType


class _Plain(BaseModel):
    # Declared here rather than imported so that linters see a Pydantic model's fields.
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegistryField(_Plain):
    name: FactName
    type: FactType
    label: Text100 | None = None


class Registry(_Plain):
    """A shared data source; its records come from the owning department's files, or a demo sample."""

    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=64)]
    name: Text200
    name_en: Text300 | None = None
    department: Code
    legal_basis: Text
    refresh: Text100
    key: Literal["id_number"] = "id_number"
    fields: Annotated[list[RegistryField], Field(min_length=1)]
    sample: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _rules(self) -> Registry:
        _raise_violations(_duplicates((field.name for field in self.fields), "name", "fields"))
        return self


class RegistriesFile(_Plain):
    registries: list[Registry]
