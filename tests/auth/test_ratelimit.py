from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.ratelimit import FailureLimiter
from app.db import get_sessionmaker
from app.models import AuthFailure
from app.models._types import utcnow


def _rows() -> list[AuthFailure]:
    with get_sessionmaker()() as session:
        return list(session.scalars(select(AuthFailure)))


def test_failures_are_shared_by_every_limiter_instance(database_url):
    # Two instances stand for two uvicorn workers: a per-process count would give 2 × limit.
    worker_a, worker_b = FailureLimiter(), FailureLimiter()
    worker_a.reset()
    try:
        for _ in range(3):
            worker_a.fail("10.0.0.7")
        for _ in range(2):
            worker_b.fail("10.0.0.7")
        assert worker_b.blocked("10.0.0.7", 5)
        assert worker_a.blocked("10.0.0.7", 5)
        assert not worker_a.blocked("10.0.0.7", 6)
        assert not worker_b.blocked("10.0.0.8", 1)
    finally:
        worker_a.reset()


def test_old_failures_neither_count_nor_stay(database_url):
    limiter = FailureLimiter(window_seconds=60)
    limiter.reset()
    try:
        with get_sessionmaker()() as session, session.begin():
            session.add_all(
                AuthFailure(client="10.0.0.9", at=utcnow() - timedelta(minutes=5)) for _ in range(9)
            )
        assert not limiter.blocked("10.0.0.9", 1)
        limiter.fail("10.0.0.9")
        assert [r.client for r in _rows()] == ["10.0.0.9"]
        assert limiter.blocked("10.0.0.9", 1)
    finally:
        limiter.reset()
