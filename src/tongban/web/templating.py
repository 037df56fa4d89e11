"""Jinja2 for server-rendered pages: one environment, each context's own templates folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from tongban.auth.domain import Actor
from tongban.config import Settings
from tongban.web import csrf
from tongban.web.i18n import locale_of, pick

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS_WITH_PAGES = (
    "web",
    "catalog",
    "points",
    "auth",
    "cases",
    "ratings",
    "rules",
    "listings",
    "credentials",
    "packs",
    "requests",
    "registries",
)

_env = Environment(
    loader=ChoiceLoader([FileSystemLoader(ROOT / name / "templates") for name in CONTEXTS_WITH_PAGES]),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)


def render(request: Request, actor: Actor, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    locale = locale_of(request, settings.default_locale)

    def t(zh: str, en: str | None = None) -> str:
        return pick(locale, zh, en)

    context.update(
        request=request,
        actor=actor,
        locale=locale,
        t=t,
        csrf_token=csrf.token_for(settings, csrf.seed_of(request)),
        map_tiles=settings.map_tiles,
        map_attribution=settings.map_attribution,
    )
    return templates.TemplateResponse(request, template, context, status_code=status_code)
