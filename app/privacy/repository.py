"""SQL for privacy: a few stored sealed values, to check the key against."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SourceRecordVersion

__all__ = ["sealed_samples"]


def sealed_samples(session: Session, *, scan: int = 1000) -> list[str]:
    """Return sealed document numbers among the newest stored records (at most `scan` read)."""
    stmt = select(SourceRecordVersion.record).order_by(SourceRecordVersion.id.desc()).limit(scan)
    values = (r.get("document_number") for r in session.scalars(stmt) if isinstance(r, dict))
    return [v for v in values if isinstance(v, str) and v.startswith("enc:")]
