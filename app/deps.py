"""FastAPI dependencies: the session, the caller and role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.auth.ratelimit import limiter
from app.auth.roles import Role
from app.auth.service import Principal, authenticate
from app.config import get_settings
from app.db import get_session

__all__ = ["CurrentPrincipal", "DbId", "PathYear", "SessionDep", "require_role"]

# Identifiers in paths fit the database's integer keys (larger values used to overflow).
DbId = Annotated[int, Path(ge=1, le=2_147_483_647)]
PathYear = Annotated[int, Path(ge=1990, le=2100)]

# Commit before the response is sent: a client never sees 201 for a write that then
# fails to commit, and background work after the response finds the data committed.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer itk_...`")


def _current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    client = request.client.host if request.client else "?"
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Se requiere una clave de API (Authorization: Bearer ...).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = authenticate(session, token=credentials.credentials)
    if principal is not None:
        # A valid key always works, even from a blocked address: offices share addresses,
        # and keys are not guessable anyway.
        return principal
    if limiter.blocked(client, get_settings().auth_failures_per_minute):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Demasiados intentos con claves inválidas; espere un minuto.",
            headers={"Retry-After": "60", "WWW-Authenticate": "Bearer"},
        )
    limiter.fail(client)
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="Clave de API inválida, revocada o vencida.",
        headers={"WWW-Authenticate": "Bearer"},
    )


CurrentPrincipal = Annotated[Principal, Depends(_current_principal)]


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    """Return a dependency that admits only callers with one of these roles."""
    allowed = frozenset(roles)

    def _check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"El rol '{principal.role.value}' no tiene acceso a este recurso.",
            )
        return principal

    return _check
