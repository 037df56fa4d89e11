"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

DEMO_PASSWORD = "demo-password"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


@cache
def dummy_hash() -> str:
    """Checked against when a username does not exist, so that timing does not reveal which do.

    Made on first use rather than at import: hashing takes tens of milliseconds.
    """
    return hash_password(secrets.token_urlsafe(16))
