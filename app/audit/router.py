"""HTTP route for reading the audit trail (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from app.audit import repository
from app.auth.roles import Role
from app.auth.service import Principal
from app.deps import SessionDep, require_role

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["audit"])

Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]


class AuditEventRead(BaseModel):
    """Who did what to which resource, and when."""

    at: datetime
    principal: str
    action: str
    resource_type: str
    resource_id: str | None
    detail: dict[str, Any]


@router.get("/audit", response_model=list[AuditEventRead])
def list_audit(
    principal: Admin,
    session: SessionDep,
    who: Annotated[str | None, Query(description="e.g. key:ab12cd34ef56")] = None,
    action: Annotated[str | None, Query(description="e.g. read_person")] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Any:
    """List audit events (reads of personal data, key administration), newest first."""
    return [
        {
            "at": e.at,
            "principal": e.principal,
            "action": e.action,
            "resource_type": e.resource_type,
            "resource_id": e.resource_id,
            "detail": e.detail,
        }
        for e in repository.list_events(
            session, principal=who, action=action, since=since, limit=limit, offset=offset
        )
    ]
