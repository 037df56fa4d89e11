"""Errors a user can cause, each with a Chinese and an English message.

The API turns them into the CONTRACT's error shape and the CLI into one line on stderr;
anything else that escapes is a bug.
"""

from __future__ import annotations


class TongbanError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message_zh: str, message_en: str, field: str | None = None) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field

    def message(self, locale: str) -> str:
        return self.message_en if locale == "en" else self.message_zh


class BadInput(TongbanError):
    status = 422
    code = "invalid"


class NotFound(TongbanError):
    status = 404
    code = "not_found"


class Unauthenticated(TongbanError):
    status = 401
    code = "unauthenticated"


class Forbidden(TongbanError):
    status = 403
    code = "forbidden"


class Conflict(TongbanError):
    status = 409
    code = "conflict"


class Throttled(TongbanError):
    status = 429
    code = "too_many_attempts"
