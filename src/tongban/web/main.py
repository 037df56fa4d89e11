"""Entry point for Uvicorn workers: the app built from the environment's settings."""

from fastapi import FastAPI

from tongban.config import get_settings
from tongban.web.app import create_app


def app_from_env() -> FastAPI:
    return create_app(get_settings())
