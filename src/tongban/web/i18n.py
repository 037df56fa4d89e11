"""Chinese first, English available: the locale of a request and bilingual text."""

from __future__ import annotations

from starlette.requests import Request

LOCALES = ("zh", "en")
LANG_COOKIE = "tongban_lang"


def locale_of(request: Request, default: str = "zh") -> str:
    """``?lang=`` beats the cookie, which beats Accept-Language; Chinese when nothing says otherwise."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LOCALES:
            return candidate
    accept = request.headers.get("accept-language", "").lower()
    if accept.startswith("en"):
        return "en"
    return default


def pick(locale: str, zh: str, en: str | None) -> str:
    return en if locale == "en" and en else zh
