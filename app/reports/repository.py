"""SQL for reports: what the statistics rows do not carry (recruitment of victim rows)."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.models import SourceRecord, SourceRecordVersion

__all__ = ["victim_recruitment"]


def victim_recruitment(session: Session) -> dict[int, str]:
    """Return the recruitment means of every current victim row that has one, by row id."""
    stmt = (
        select(SourceRecord.id, SourceRecordVersion.record)
        .join(
            SourceRecordVersion,
            and_(
                SourceRecordVersion.source_record_id == SourceRecord.id,
                SourceRecordVersion.version == SourceRecord.version,
            ),
        )
        .where(SourceRecord.role == "victim")
        .execution_options(yield_per=5000)
    )
    out: dict[int, str] = {}
    for rid, record in session.execute(stmt):
        value = record.get("recruitment") if isinstance(record, dict) else None
        if value not in (None, "", "Unknown"):
            out[rid] = str(value)
    return out
