"""The base of every API answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    """Answers are read straight from the domain's dataclasses, attribute by attribute."""

    model_config = ConfigDict(from_attributes=True)
