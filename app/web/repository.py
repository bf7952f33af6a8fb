"""SQL for browser sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import ApiKey, BrowserSession

__all__ = ["add_session", "delete_expired", "delete_session", "get_session_with_key"]


def add_session(session: Session, *, item: BrowserSession) -> BrowserSession:
    """Insert a browser session row."""
    session.add(item)
    session.flush()
    return item


def get_session_with_key(session: Session, *, id_hash: str) -> tuple[BrowserSession, ApiKey] | None:
    """Return a browser session and its key in one query, or None."""
    row = session.execute(
        select(BrowserSession, ApiKey)
        .join(ApiKey, ApiKey.id == BrowserSession.key_id)
        .where(BrowserSession.id_hash == id_hash)
    ).first()
    return None if row is None else (row[0], row[1])


def delete_session(session: Session, *, id_hash: str) -> int:
    """Delete one browser session; return how many rows went."""
    result = session.execute(delete(BrowserSession).where(BrowserSession.id_hash == id_hash))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def delete_expired(session: Session, *, now: datetime) -> int:
    """Delete browser sessions past their expiry; return how many went."""
    result = session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= now))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
