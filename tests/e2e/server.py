"""The application as scripts/e2e.sh serves it: the API with the UI installed."""

from __future__ import annotations

from fastapi import FastAPI

from app.main import create_app
from app.web import install


def create() -> FastAPI:
    """Build the app, adding the UI unless app.main already includes it."""
    app = create_app()
    if not any(getattr(r, "path", None) == "/ui/" for r in app.routes):
        install(app)
    return app
