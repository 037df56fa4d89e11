"""Typed settings, read from the environment (prefix ``TONGBAN_``) and nothing else.

There is deliberately no default secret: without ``TONGBAN_SECRET_KEY`` a random key is
made per data dir and kept in ``<data dir>/secret.key``, so a fresh demo works and a
production deployment sets its own.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TONGBAN_", extra="ignore")

    data_dir: Path = Path(".tongban")
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    packs_dir: Path = Path("packs")
    # Leaflet tile URL template; empty turns the map off and pages show the list alone.
    map_tiles: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = "© OpenStreetMap contributors"
    token_ttl_hours: int = 12
    session_ttl_hours: int = 8
    login_max_failures: int = 5
    login_window_minutes: int = 15
    cookie_secure: bool = False
    default_locale: str = Field(default="zh", pattern="^(zh|en)$")

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tongban.db'}"

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret.key"
        if not key_file.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
