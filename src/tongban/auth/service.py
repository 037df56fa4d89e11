"""Logging in and out, tokens and sessions, throttling, and managing users."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import ANONYMOUS, Actor, Role
from tongban.auth.models import AuthToken, Department, Jurisdiction, LoginFailure, User
from tongban.auth.passwords import (
    DEMO_PASSWORD,
    dummy_hash,
    hash_password,
    one_time_password,
    verify_password,
)
from tongban.config import Settings
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, NotFound, Throttled, Unauthenticated
from tongban.identity.domain import InvalidIdNumber, mask_id_number, mask_phone, validate_id_number


class TokenKind(StrEnum):
    """A bearer token for the API, or a page session held in a cookie."""

    api = "api"
    session = "session"


@dataclass(frozen=True)
class Issued:
    secret: str
    expires_at: datetime
    actor: Actor


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        jurisdiction_code=user.jurisdiction_code,
        department_code=user.department_code,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def log_in(
    factory: sessionmaker[Session], settings: Settings, username: str, password: str, client: str, kind: TokenKind
) -> Issued:
    """Checks the password (throttled per username and per client) and issues a token.

    A failure is committed on its own before the error is raised, so that it counts.
    """
    with transaction(factory) as session:
        user = _check_password(session, settings, username, password, client)
        if user is not None:
            return _issue(session, settings, user, client, kind)
    with transaction(factory) as session:
        session.add(LoginFailure(username=username[:64], client=client[:64], at=utcnow()))
    raise Unauthenticated("用户名或密码错误", "wrong username or password", "password")


def _check_password(session: Session, settings: Settings, username: str, password: str, client: str) -> User | None:
    _refuse_if_throttled(session, settings, username, client, utcnow())
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        verify_password(dummy_hash(), password)
        return None
    return user if user.active and verify_password(user.password_hash, password) else None


def _issue(session: Session, settings: Settings, user: User, client: str, kind: TokenKind) -> Issued:
    username, now = user.username, utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    ttl = settings.session_ttl_hours if kind == TokenKind.session else settings.token_ttl_hours
    secret = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=ttl)
    session.add(AuthToken(token_hash=_digest(secret), user_id=user.id, kind=kind, created_at=now, expires_at=expires))
    audit.record(session, actor_of(user), "log_in", "users", user.username, after={"kind": kind, "client": client})
    return Issued(secret, expires, actor_of(user))


def _refuse_if_throttled(session: Session, settings: Settings, username: str, client: str, now: datetime) -> None:
    since = now - timedelta(minutes=settings.login_window_minutes)
    for column, value, limit in (
        (LoginFailure.username, username, settings.login_max_failures),
        # One address trying many usernames is throttled too, more loosely (a service hall shares one).
        (LoginFailure.client, client, settings.login_max_failures * 10),
    ):
        count = session.scalar(select(func.count()).where(column == value, LoginFailure.at >= since)) or 0
        if count >= limit:
            raise Throttled(
                f"登录失败次数过多，请 {settings.login_window_minutes} 分钟后再试",
                f"too many failed logins; try again in {settings.login_window_minutes} minutes",
                "username",
            )


def resolve(session: Session, secret: str | None, kind: TokenKind) -> Actor:
    """The actor a bearer token or session cookie stands for; anonymous when none or expired."""
    if not secret:
        return ANONYMOUS
    row = session.execute(
        select(AuthToken, User)
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == _digest(secret), AuthToken.kind == kind)
    ).one_or_none()
    if row is None:
        return ANONYMOUS
    token, user = row
    if token.revoked_at is not None or token.expires_at <= utcnow() or not user.active:
        return ANONYMOUS
    return actor_of(user)


def log_out(session: Session, secret: str) -> None:
    token = session.scalars(select(AuthToken).where(AuthToken.token_hash == _digest(secret))).one_or_none()
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()


@dataclass(frozen=True)
class NewUser:
    username: str
    role: Role
    display_name: str
    jurisdiction_code: str | None = None
    department_code: str | None = None
    id_number: str | None = None
    phone: str | None = None


def add_user(session: Session, actor: Actor, new: NewUser, password: str | None = None) -> tuple[User, str]:
    """Adds a user; without a password a one-time one is made and returned."""
    _check_new_user(session, new)
    password = password or one_time_password()
    id_number = validate_id_number(new.id_number).value if new.id_number else None
    user = User(
        username=new.username,
        display_name=new.display_name,
        password_hash=hash_password(password),
        role=new.role.value,
        id_number=id_number,
        phone=new.phone,
        jurisdiction_code=new.jurisdiction_code,
        department_code=new.department_code,
        active=True,
        has_demo_password=password == DEMO_PASSWORD,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "users", new.username, after=_public(user))
    return user, password


def _check_new_user(session: Session, new: NewUser) -> None:
    if not new.username or len(new.username) > 64 or not new.username.isascii():
        raise BadInput("用户名须为 1–64 个英文字符", "username must be 1–64 ASCII characters", "username")
    if session.scalars(select(User.id).where(User.username == new.username)).first() is not None:
        raise BadInput(f"用户名 {new.username} 已存在", f"username {new.username} already exists", "username")
    if new.jurisdiction_code and session.get(Jurisdiction, new.jurisdiction_code) is None:
        raise NotFound(
            f"行政区划 {new.jurisdiction_code} 不存在",
            f"jurisdiction {new.jurisdiction_code} not found",
            "jurisdiction",
        )
    if new.department_code and session.get(Department, new.department_code) is None:
        raise NotFound(
            f"部门 {new.department_code} 不存在", f"department {new.department_code} not found", "department"
        )
    if new.id_number:
        try:
            validate_id_number(new.id_number)
        except InvalidIdNumber as exc:
            raise BadInput(exc.message_zh, exc.message_en, "id_number") from exc


def _public(user: User) -> dict[str, object]:
    """What the audit log keeps of a user: never the password hash or the full ID number."""
    return {
        "username": user.username,
        "role": user.role,
        "jurisdiction": user.jurisdiction_code,
        "department": user.department_code,
        "id_number": mask_id_number(user.id_number) if user.id_number else None,
        "phone": mask_phone(user.phone) if user.phone else None,
    }


def users_with_demo_password(session: Session) -> list[str]:
    return list(session.scalars(select(User.username).where(User.has_demo_password).order_by(User.username)))
