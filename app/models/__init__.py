"""ORM models; importing this package registers every table on `Base.metadata`."""

from app.models.audit import AuditEvent
from app.models.auth import ApiKey
from app.models.ingest import Batch, QuarantineRow, SourceRecord, SourceRecordVersion

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Batch",
    "QuarantineRow",
    "SourceRecord",
    "SourceRecordVersion",
]
