"""Authentication and authorisation by API key."""

from app.auth.roles import Role
from app.auth.service import Principal

__all__ = ["Principal", "Role"]
