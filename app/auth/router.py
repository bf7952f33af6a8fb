"""HTTP routes for the caller's identity and key administration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status

from app.audit import record as audit
from app.auth import service
from app.auth.roles import Role
from app.auth.schemas import KeyCreate, KeyCreated, KeyRead, MeRead
from app.auth.service import Principal
from app.deps import CurrentPrincipal, SessionDep, require_role
from app.errors import NOT_FOUND
from app.models import ApiKey

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["auth"])

Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]


def _read(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role,
        "system": key.system,
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
    }


@router.get("/me", response_model=MeRead)
def me(principal: CurrentPrincipal) -> Any:
    """Return who the caller is and what role the key carries."""
    return MeRead(
        key_id=principal.key_id, name=principal.name, role=principal.role, system=principal.system
    )


@router.get("/keys", response_model=list[KeyRead])
def list_keys(principal: Admin, session: SessionDep) -> Any:
    """List API keys (never their secrets)."""
    return [_read(k) for k in service.list_keys(session)]


@router.post("/keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(body: KeyCreate, principal: Admin, session: SessionDep) -> Any:
    """Create an API key; its token is returned once."""
    try:
        key, token = service.create_key(
            session, role=body.role, system=body.system, name=body.name, expires_at=body.expires_at
        )
    except service.KeyRequestError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    audit(
        session,
        principal=principal.label,
        action="create_key",
        resource_type="api_key",
        resource_id=key.id,
        detail={"role": key.role, "system": key.system},
    )
    return {**_read(key), "token": token}


@router.post("/keys/{key_id}/revoke", response_model=KeyRead, responses=NOT_FOUND)
def revoke_key(key_id: str, principal: Admin, session: SessionDep) -> Any:
    """Revoke an API key."""
    try:
        key = service.revoke_key(session, key_id=key_id)
    except service.KeyRequestError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    audit(
        session,
        principal=principal.label,
        action="revoke_key",
        resource_type="api_key",
        resource_id=key.id,
    )
    return _read(key)
