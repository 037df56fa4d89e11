"""Chinese first, English available: the locale of a request and bilingual text."""

from __future__ import annotations

from starlette.requests import Request

LOCALES = ("zh", "en")
LANG_COOKIE = "tongban_lang"


def locale_of(request: Request, default: str = "zh") -> str:
    """``?lang=`` beats the cookie; then API clients get what Accept-Language asks for.

    Pages stay Chinese until a person chooses English: a service hall's browser or a
    phone set to English is no sign that the resident reads English better.
    """
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LOCALES:
            return candidate
    is_api = request.url.path.startswith(("/api/", "/open311/"))
    if is_api and request.headers.get("accept-language", "").lower().startswith("en"):
        return "en"
    return default


def pick(locale: str, zh: str, en: str | None) -> str:
    return en if locale == "en" and en else zh
