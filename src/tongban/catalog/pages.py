"""Catalogue pages: the home page, service search and the service guide (办事指南)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tongban.catalog import service
from tongban.catalog.domain import CHANNEL_NAMES
from tongban.points.sections import ChosenPlace, guide_section
from tongban.web.deps import PageActor, ReadSession
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
POPULAR = 6
MAX_PAGE = 500


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    previous: str | None
    next: str | None


def pager(request: Request, page: int, total: int) -> Pager:
    """Links to the neighbouring result pages, keeping every other query parameter."""
    pages = max(1, -(-total // PAGE_SIZE))

    def href(number: int) -> str:
        params = {key: value for key, value in request.query_params.items() if key != "page"}
        return "/services?" + urlencode({**params, "page": number})

    return Pager(
        page=page,
        pages=pages,
        previous=href(page - 1) if page > 1 else None,
        next=href(page + 1) if page < pages else None,
    )


def wants_fragment(request: Request) -> bool:
    """htmx asks for the results alone, except when it restores history and needs the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Request-Type") != "full"
        and "HX-History-Restore-Request" not in request.headers
    )


@router.get("/")
def home(request: Request, actor: PageActor, session: ReadSession) -> Response:
    _, popular = service.search(session, limit=POPULAR)
    return render(request, actor, "catalog/home.html", categories=service.categories(session), popular=popular)


@router.get("/services")
def search_page(
    request: Request,
    actor: PageActor,
    session: ReadSession,
    q: Annotated[str | None, Query(max_length=100)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    jurisdiction: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    category = category or None
    total, items = service.search(session, q, category, jurisdiction, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    template = "catalog/_results.html" if wants_fragment(request) else "catalog/search.html"
    response = render(
        request,
        actor,
        template,
        q=q or "",
        category=category,
        jurisdiction=jurisdiction,
        total=total,
        items=items,
        pager=pager(request, page, total),
        categories=service.categories(session),
    )
    response.headers["Vary"] = "HX-Request, HX-Request-Type"
    return response


@router.get("/services/{code}")
def guide_page(code: str, request: Request, actor: PageActor, session: ReadSession, place: ChosenPlace) -> Response:
    guide = service.guide(session, code)
    section = guide_section(request, session, code, place, f"/services/{code}#nearest")
    return render(request, actor, "catalog/guide.html", guide=guide, section=section, channels=CHANNEL_NAMES)
