"""SQL for the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent

__all__ = ["list_events"]


def list_events(
    session: Session,
    *,
    principal: str | None,
    action: str | None,
    since: datetime | None,
    limit: int,
    offset: int,
) -> Sequence[AuditEvent]:
    """Return audit events, newest first, with optional filters."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if principal:
        stmt = stmt.where(AuditEvent.principal == principal)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    return session.scalars(stmt.limit(limit).offset(offset)).all()
