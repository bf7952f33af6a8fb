"""Slow down guessing: too many failed authentications from one client get 429 for a while."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from app.db import get_sessionmaker
from app.models import AuthFailure
from app.models._types import utcnow

__all__ = ["FailureLimiter", "limiter"]


class FailureLimiter:
    """Count failures per client in a sliding window, in the database.

    Stored, not kept per process: with N uvicorn workers a per-process count would let a
    client try N times the limit. Only failures touch the table, so valid requests pay
    nothing; each write runs in its own short transaction so that the failing request's
    rollback does not undo it.
    """

    def __init__(self, window_seconds: float = 60.0) -> None:
        self.window = timedelta(seconds=window_seconds)

    def blocked(self, client: str, limit: int) -> bool:
        """Return True when the client has failed `limit` times within the window."""
        since = utcnow() - self.window
        with get_sessionmaker()() as session:
            count = session.scalar(
                select(func.count())
                .select_from(AuthFailure)
                .where(AuthFailure.client == client[:64], AuthFailure.at > since)
            )
        return (count or 0) >= limit

    def fail(self, client: str) -> None:
        """Record one failed authentication and forget failures older than the window."""
        now = utcnow()
        with get_sessionmaker()() as session, session.begin():
            session.execute(delete(AuthFailure).where(AuthFailure.at <= now - self.window))
            session.add(AuthFailure(client=client[:64], at=now))

    def reset(self) -> None:
        """Forget every client (tests)."""
        with get_sessionmaker()() as session, session.begin():
            session.execute(delete(AuthFailure))


limiter = FailureLimiter()
