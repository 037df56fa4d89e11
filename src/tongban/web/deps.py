"""Request-scoped dependencies: the database, the actor, and who may call what."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from tongban.auth import service as auth_service
from tongban.auth.domain import Actor, Role
from tongban.config import Settings
from tongban.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "tongban_session"


def get_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.factory
    return factory


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(factory: Annotated[sessionmaker[Session], Depends(get_factory)]) -> Iterator[Session]:
    """A read-only session for queries; writes go through services that own their transaction."""
    with factory() as session:
        yield session


Factory = Annotated[sessionmaker[Session], Depends(get_factory)]
ReadSession = Annotated[Session, Depends(get_session)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def api_actor(request: Request, session: ReadSession) -> Actor:
    """The API authenticates by bearer token only, so cookies can never be ridden (no CSRF on the API)."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return auth_service.resolve(session, None, auth_service.TokenKind.api)
    return auth_service.resolve(session, secret.strip(), auth_service.TokenKind.api)


def page_actor(request: Request, session: ReadSession) -> Actor:
    return auth_service.resolve(session, request.cookies.get(SESSION_COOKIE), auth_service.TokenKind.session)


ApiActor = Annotated[Actor, Depends(api_actor)]
PageActor = Annotated[Actor, Depends(page_actor)]


def require(*roles: Role) -> Callable[[Actor], Actor]:
    """An API dependency admitting only the given roles."""

    def check(actor: ApiActor) -> Actor:
        return ensure_role(actor, roles)

    return check


def require_page(*roles: Role) -> Callable[[Actor], Actor]:
    def check(actor: PageActor) -> Actor:
        return ensure_role(actor, roles)

    return check


def ensure_role(actor: Actor, roles: tuple[Role, ...]) -> Actor:
    if actor.role is None:
        raise Unauthenticated("请先登录", "please log in")
    if actor.role not in roles:
        raise Forbidden("无权执行此操作", "you are not allowed to do this")
    return actor
