"""The common schema shared by every adapter and every downstream service."""

from app.schema.record import CommonRecord, RowError, RowIssue
from app.schema.vocab import (
    DocumentType,
    OffenceFamily,
    Purpose,
    Recruitment,
    Role,
    Sex,
    Stage,
    System,
)

__all__ = [
    "CommonRecord",
    "DocumentType",
    "OffenceFamily",
    "Purpose",
    "Recruitment",
    "Role",
    "RowError",
    "RowIssue",
    "Sex",
    "Stage",
    "System",
]
