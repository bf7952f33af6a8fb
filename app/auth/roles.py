"""Roles of the service and who may do what."""

from enum import StrEnum

__all__ = ["Role"]


class Role(StrEnum):
    """Role carried by an API key."""

    AGENCY = "agency"
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"
