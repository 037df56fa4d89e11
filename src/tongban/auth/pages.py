"""Logging in and out of the pages, and choosing the language."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from tongban.auth import service
from tongban.auth.api import client_of
from tongban.db import transaction
from tongban.errors import Throttled, Unauthenticated
from tongban.web import csrf
from tongban.web.deps import SESSION_COOKIE, AppSettings, Factory, PageActor
from tongban.web.i18n import locale_of, pick
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not bounce people to another site."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, actor: PageActor, next: str = "/") -> Response:
    return render(request, actor, "login.html", next=safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(csrf.check)])
def login(
    request: Request,
    actor: PageActor,
    factory: Factory,
    settings: AppSettings,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        issued = service.log_in(factory, settings, username, password, client_of(request), service.TokenKind.session)
    except (Unauthenticated, Throttled) as exc:
        message = pick(locale_of(request), exc.message_zh, exc.message_en)
        return render(request, actor, "login.html", status_code=exc.status, next=safe_next(next), error=message)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_ttl_hours * 3600,
    )
    return response


@router.post("/logout", dependencies=[Depends(csrf.check)])
def logout(request: Request, factory: Factory) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        with transaction(factory) as session:
            service.log_out(session, secret)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
