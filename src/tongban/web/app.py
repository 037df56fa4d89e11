"""The FastAPI application: API under /api/v1, pages at the root, one process-wide engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.responses import Response

from tongban import __version__
from tongban.auth import api as auth_api
from tongban.auth import pages as auth_pages
from tongban.cases import api as cases_api
from tongban.cases import pages as cases_pages
from tongban.catalog import api as catalog_api
from tongban.catalog import pages as catalog_pages
from tongban.config import Settings
from tongban.credentials import api as credentials_api
from tongban.credentials import pages as credentials_pages
from tongban.db import make_engine, make_session_factory
from tongban.listings import api as listings_api
from tongban.listings import pages as listings_pages
from tongban.packs import pages as packs_pages
from tongban.points import api as points_api
from tongban.points import pages as points_pages
from tongban.ratings import api as ratings_api
from tongban.ratings import pages as ratings_pages
from tongban.registries import api as registries_api
from tongban.registries import assistance_api, assistance_pages, follow_up_pages, pension_pages
from tongban.registries import pages as registries_pages
from tongban.requests import api as requests_api
from tongban.requests import dispute_api, dispute_pages, indicator_api, indicator_pages, open311
from tongban.requests import pages as requests_pages
from tongban.rules import api as rules_api
from tongban.rules import pages as rules_pages
from tongban.web import csrf, errors
from tongban.web.i18n import LANG_COOKIE, LOCALES

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    app = FastAPI(
        title="Tongban 通办",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    # Resolved once here: without TONGBAN_SECRET_KEY it lives in a file, not to be read per request.
    settings = settings.model_copy(update={"secret_key": settings.resolved_secret_key()})
    app.state.settings = settings
    app.state.factory = make_session_factory(engine or make_engine(settings.resolved_database_url()))
    errors.install(app)
    apis = (
        auth_api,
        catalog_api,
        points_api,
        cases_api,
        ratings_api,
        rules_api,
        listings_api,
        credentials_api,
        requests_api,
        indicator_api,
        dispute_api,
        registries_api,
        assistance_api,
    )
    for router in (module.router for module in apis):
        app.include_router(router, prefix="/api/v1")
    app.include_router(open311.router, prefix="/open311/v2")
    pages = (
        catalog_pages,
        points_pages,
        auth_pages,
        ratings_pages,
        rules_pages,
        cases_pages,
        packs_pages,
        listings_pages,
        credentials_pages,
        # Before the request pages, whose /requests/{request_id} would otherwise take /requests/indicators.
        indicator_pages,
        requests_pages,
        dispute_pages,
        registries_pages,
        follow_up_pages,
        pension_pages,
        assistance_pages,
    )
    for router in (module.router for module in pages):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.middleware("http")(_cookies)
    app.middleware("http")(errors.refuse_nul)
    return app


async def _cookies(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Hands out the CSRF seed on first visit and remembers a language chosen with ``?lang=``."""
    response = await call_next(request)
    settings: Settings = request.app.state.settings
    seed = getattr(request.state, "csrf_seed", None)
    if seed and not request.cookies.get(csrf.CSRF_COOKIE):
        response.set_cookie(csrf.CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=settings.cookie_secure)
    lang = request.query_params.get("lang")
    if lang in LOCALES and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=settings.cookie_secure)
    return response
