"""Tokens for API clients and who the caller is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from pydantic import BaseModel

from tongban.auth import service
from tongban.auth.domain import Actor, Role
from tongban.web.deps import AppSettings, Factory, require

router = APIRouter(tags=["auth"])

ANY_USER = tuple(Role)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class MeOut(BaseModel):
    username: str
    role: Role
    jurisdiction: str | None
    department: str | None


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", response_model=TokenOut)
def issue_token(
    request: Request,
    factory: Factory,
    settings: AppSettings,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> TokenOut:
    """Owner: anyone with an account. Exchanges a username and password for a bearer token."""
    issued = service.log_in(factory, settings, username, password, client_of(request), service.TokenKind.api)
    return TokenOut(access_token=issued.secret, expires_at=issued.expires_at)


@router.get("/me", response_model=MeOut)
def me(actor: Annotated[Actor, Depends(require(*ANY_USER))]) -> MeOut:
    """Owner: any logged-in user. Who the token belongs to."""
    assert actor.role is not None
    return MeOut(
        username=actor.username,
        role=actor.role,
        jurisdiction=actor.jurisdiction_code,
        department=actor.department_code,
    )
