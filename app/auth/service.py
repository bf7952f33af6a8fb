"""Issue, verify and revoke API keys; only a hash of each secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.auth import repository
from app.auth.roles import Role
from app.models import ApiKey
from app.models._types import utcnow
from app.schema.vocab import System

__all__ = [
    "KeyRequestError",
    "Principal",
    "authenticate",
    "create_key",
    "list_keys",
    "principal_of_key",
    "revoke_key",
]

_PREFIX = "itk"
# last_used_at is informative; writing it on every request would serialise readers on SQLite.
_TOUCH_INTERVAL = timedelta(minutes=5)


class KeyRequestError(ValueError):
    """A key request that cannot be honoured."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    key_id: str
    name: str
    role: Role
    system: System | None

    @property
    def label(self) -> str:
        """Return the caller as written in audit records and batch history."""
        return f"key:{self.key_id}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(
    session: Session,
    *,
    role: Role,
    system: System | None = None,
    name: str = "",
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its one-time plaintext token."""
    if role is Role.AGENCY and system is None:
        raise KeyRequestError("an agency key must be bound to a system (--system RETA|SISTRA)")
    if role is not Role.AGENCY and system is not None:
        raise KeyRequestError("only agency keys are bound to a system")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        id=key_id,
        name=name or f"{role.value}{'-' + system.value if system else ''}",
        role=role.value,
        system=system.value if system else None,
        secret_hash=_hash(secret),
        created_at=utcnow(),
        expires_at=expires_at,
    )
    repository.add_key(session, key=key)
    return key, f"{_PREFIX}_{key_id}_{secret}"


def authenticate(session: Session, *, token: str) -> Principal | None:
    """Return the principal for a bearer token, or None when it is not valid now."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX:
        return None
    key = repository.get_key(session, key_id=parts[1])
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        return None
    return principal_of_key(session, key=key)


def principal_of_key(session: Session, *, key: ApiKey) -> Principal | None:
    """Return the principal of a key already identified, or None when it is not valid now."""
    now = utcnow()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_INTERVAL:
        key.last_used_at = now
        session.flush()
    return Principal(
        key_id=key.id,
        name=key.name,
        role=Role(key.role),
        system=System(key.system) if key.system else None,
    )


def revoke_key(session: Session, *, key_id: str) -> ApiKey:
    """Revoke a key from now on."""
    key = repository.get_key(session, key_id=key_id)
    if key is None:
        raise KeyRequestError(f"no key with id {key_id}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    """Return all keys (never their secrets)."""
    return list(repository.list_keys(session))
