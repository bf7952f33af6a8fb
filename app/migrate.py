"""Apply Alembic migrations: the only way the schema is created or changed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.db import get_engine

__all__ = ["current_revision", "head_revision", "upgrade"]

_ROOT = Path(__file__).resolve().parent.parent


def _config() -> Config:
    cfg = Config(str(_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(_ROOT / "migrations"))
    return cfg


def head_revision() -> str | None:
    """Return the newest revision the code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision() -> str | None:
    """Return the revision the database is at (None when empty)."""
    with get_engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(revision: str = "head") -> bool:
    """Bring the database to `revision`; return True when something was applied."""
    if revision == "head" and current_revision() == head_revision():
        return False
    with get_engine().begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return True
