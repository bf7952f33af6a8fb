"""SQL for API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiKey

__all__ = ["add_key", "get_key", "list_keys"]


def add_key(session: Session, *, key: ApiKey) -> ApiKey:
    """Insert a key row."""
    session.add(key)
    session.flush()
    return key


def get_key(session: Session, *, key_id: str) -> ApiKey | None:
    """Return the key with this public id."""
    return session.get(ApiKey, key_id)


def list_keys(session: Session) -> Sequence[ApiKey]:
    """Return every key, newest first."""
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())).all()
