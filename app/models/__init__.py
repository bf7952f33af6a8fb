"""ORM models; importing this package registers every table on `Base.metadata`."""

from app.models.audit import AuditEvent
from app.models.auth import ApiKey, AuthFailure, BrowserSession
from app.models.ingest import Batch, QuarantineRow, SourceRecord, SourceRecordVersion
from app.models.linkage import (
    Case,
    CaseMember,
    Judgement,
    Link,
    LinkRun,
    Person,
    PersonEvent,
    PersonMember,
    ReviewItem,
)
from app.models.statistics import StatisticsFrame, StatisticsSnapshot, VictimFact

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuthFailure",
    "Batch",
    "BrowserSession",
    "Case",
    "CaseMember",
    "Judgement",
    "Link",
    "LinkRun",
    "Person",
    "PersonEvent",
    "PersonMember",
    "QuarantineRow",
    "ReviewItem",
    "SourceRecord",
    "SourceRecordVersion",
    "StatisticsFrame",
    "StatisticsSnapshot",
    "VictimFact",
]
