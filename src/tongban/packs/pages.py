"""Pages of the seed systems (服务包): each pack's scenarios, services and the shared data it reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from tongban.packs import overview
from tongban.packs.schema import PACK_CODE_PATTERN
from tongban.web.deps import PageActor, ReadSession
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
PackCodePath = Annotated[str, Path(max_length=64, pattern=PACK_CODE_PATTERN)]


@router.get("/packs")
def packs_page(request: Request, actor: PageActor, session: ReadSession) -> Response:
    """Owner: anyone. Every loaded seed system."""
    return render(request, actor, "packs/list.html", packs=overview.packs(session))


@router.get("/packs/{code}")
def pack_page(code: PackCodePath, request: Request, actor: PageActor, session: ReadSession) -> Response:
    """Owner: anyone. A seed system's scenarios, each with the pages where it happens."""
    return render(request, actor, "packs/pack.html", pack=overview.overview(session, code))
