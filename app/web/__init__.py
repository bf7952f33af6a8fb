"""Browser UI in Spanish: server-rendered pages over the same services and roles as the API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web._pages import STATIC_DIR
from app.web.router import router

__all__ = ["STATIC_DIR", "install", "router"]


def install(app: FastAPI) -> None:
    """Add the UI routes and its static files (/ui/static) to an application."""
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
