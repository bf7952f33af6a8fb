"""Record access to personal data and administrative actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEvent

__all__ = ["record"]


def record(
    session: Session,
    *,
    principal: str,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an audit event in the caller's transaction."""
    session.add(
        AuditEvent(
            principal=principal,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            detail=detail or {},
        )
    )
    session.flush()
