"""API shapes of keys and of the caller."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.auth.roles import Role
from app.schema.vocab import System

__all__ = ["KeyCreate", "KeyCreated", "KeyRead", "MeRead"]


class KeyCreate(BaseModel):
    """A request for a new key."""

    role: Role
    system: System | None = Field(None, description="Required for (and only for) agency keys")
    name: str = Field("", max_length=120)
    expires_at: datetime | None = None


class KeyRead(BaseModel):
    """A key without its secret."""

    id: str
    name: str
    role: Role
    system: System | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class KeyCreated(KeyRead):
    """A new key with its token, shown once."""

    token: str


class MeRead(BaseModel):
    """The authenticated caller."""

    key_id: str
    name: str
    role: Role
    system: System | None
