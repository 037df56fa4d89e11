"""CSRF protection for pages: the signed double-submit cookie pattern.

Every visitor gets a random seed cookie; forms carry HMAC(secret key, seed). A forged
cross-site form can neither read the cookie nor compute the token. The API needs none of
this because it accepts bearer tokens only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Form, Request

from tongban.config import Settings
from tongban.errors import Forbidden

CSRF_COOKIE = "tongban_csrf"


def seed_of(request: Request) -> str:
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(24)
        request.state.csrf_seed = seed
    return seed


def token_for(settings: Settings, seed: str) -> str:
    return hmac.new(settings.resolved_secret_key().encode(), seed.encode(), hashlib.sha256).hexdigest()


def check(request: Request, csrf_token: str = Form("")) -> None:
    """A dependency for every page form that changes something."""
    settings: Settings = request.app.state.settings
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not hmac.compare_digest(token_for(settings, seed), csrf_token):
        raise Forbidden("页面已过期，请刷新后重试", "the form has expired; reload the page and try again", "csrf_token")
