"""Every error leaves in the CONTRACT's shape: JSON for the API, a page for people."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from tongban.auth import service as auth_service
from tongban.auth.domain import ANONYMOUS, Actor
from tongban.errors import TongbanError, Unauthenticated
from tongban.web.deps import SESSION_COOKIE
from tongban.web.i18n import locale_of
from tongban.web.templating import render

log = logging.getLogger("tongban")

HTTP_MESSAGES = {
    404: ("not_found", "找不到该页面或资源", "not found"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
}


def install(app: FastAPI) -> None:
    app.add_exception_handler(TongbanError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _bug)


async def refuse_nul(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """NUL never belongs in text, and PostgreSQL refuses it: turn it away before it reaches a query."""
    query_has_nul = "%00" in request.url.query or any("\x00" in v for v in request.query_params.values())
    form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if query_has_nul or "\x00" in request.url.path or (form and b"%00" in await request.body()):
        return _respond(
            request, 422, "invalid", "输入中含有不允许的控制字符", "the input contains a NUL character", None
        )
    return await call_next(request)


def _respond(request: Request, status: int, code: str, zh: str, en: str, field: str | None) -> Response:
    locale = locale_of(request)
    message = en if locale == "en" else zh
    if request.url.path.startswith(("/api/", "/open311/")):
        body = {"error": {"code": code, "message": message, "field": field}}
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)
    return render(request, _page_actor(request), "error.html", status_code=status, message=message, status=status)


def _page_visit(request: Request) -> bool:
    return request.method == "GET" and not request.url.path.startswith(("/api/", "/open311/"))


def _page_actor(request: Request) -> Actor:
    """The logged-in person, so an error page keeps their header; anonymous if that fails too."""
    try:
        with request.app.state.factory() as session:
            return auth_service.resolve(session, request.cookies.get(SESSION_COOKIE), auth_service.TokenKind.session)
    except Exception:
        return ANONYMOUS


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TongbanError)
    if isinstance(exc, Unauthenticated) and _page_visit(request):
        # A person following a link to a page they must log in for is taken to the login page, and back.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return _respond(request, exc.status, exc.code, exc.message_zh, exc.message_en, exc.field)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    field = ".".join(location) or None
    zh = f"参数 {field} 不正确：{first.get('msg', '')}" if field else "请求参数不正确"
    en = f"invalid {field}: {first.get('msg', '')}" if field else "invalid request"
    return _respond(request, 422, "invalid", zh, en, field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, zh, en = HTTP_MESSAGES.get(exc.status_code, ("http_error", str(exc.detail), str(exc.detail)))
    return _respond(request, exc.status_code, code, zh, en, None)


async def _bug(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(request, 500, "internal", "系统内部错误，已记录", "internal error; it has been logged", None)
