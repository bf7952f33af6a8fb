"""The application as scripts/e2e.sh serves it (app.main installs the UI)."""

from __future__ import annotations

from fastapi import FastAPI

from app.main import create_app


def create() -> FastAPI:
    """Build the app."""
    return create_app()
