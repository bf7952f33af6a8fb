"""SQL for statistics: current victim rows with their person, raw row figures, last run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.models import LinkRun, PersonMember, SourceRecord, SourceRecordVersion
from app.statistics.counting import VictimRow

__all__ = ["identified_persons", "last_run_finished", "raw_victim_rows", "victim_rows"]

_BATCH = 5000


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return str(value) if value not in (None, "") else None


def victim_rows(session: Session) -> Iterator[VictimRow]:
    """Yield the current version of every victim row with its person (unlinked: -row id)."""
    stmt = (
        select(
            SourceRecord.id,
            PersonMember.person_id,
            SourceRecord.system,
            SourceRecord.registration_date,
            SourceRecord.facts_date,
            SourceRecord.offence_family,
            SourceRecord.sex,
            SourceRecord.unidentified,
            SourceRecordVersion.record,
        )
        .join(
            SourceRecordVersion,
            and_(
                SourceRecordVersion.source_record_id == SourceRecord.id,
                SourceRecordVersion.version == SourceRecord.version,
            ),
        )
        .outerjoin(PersonMember, PersonMember.source_record_id == SourceRecord.id)
        .where(SourceRecord.role == "victim")
        .order_by(SourceRecord.id)
        .execution_options(yield_per=_BATCH)
    )
    for rid, pid, system, registered, facts, family, sex, unidentified, rec in session.execute(
        stmt
    ):
        age = rec.get("age")
        minor = rec.get("minor")
        yield VictimRow(
            source_record_id=rid,
            person_id=pid if pid is not None else -rid,
            system=system,
            registration_date=registered,
            facts_date=facts,
            offence_family=family,
            sex=sex,
            unidentified=bool(unidentified),
            age=int(age) if isinstance(age, int | float) else None,
            minor=bool(minor) if isinstance(minor, bool) else None,
            nationality=_text(rec, "nationality"),
            purpose=_text(rec, "purpose"),
            ubigeo_facts=_text(rec, "ubigeo_facts"),
            ubigeo_residence=_text(rec, "ubigeo_residence"),
            ubigeo_birth=_text(rec, "ubigeo_birth"),
        )


def identified_persons(session: Session) -> set[int]:
    """Return the persons with at least one identified row (any role)."""
    stmt = (
        select(PersonMember.person_id)
        .join(SourceRecord, SourceRecord.id == PersonMember.source_record_id)
        .where(SourceRecord.unidentified.is_(False))
        .distinct()
    )
    return set(session.scalars(stmt))


def raw_victim_rows(session: Session) -> list[tuple[str, date, str]]:
    """Return (system, registration date, offence family) of every current victim row."""
    stmt = select(
        SourceRecord.system, SourceRecord.registration_date, SourceRecord.offence_family
    ).where(SourceRecord.role == "victim")
    return [(s, d, f) for s, d, f in session.execute(stmt)]


def last_run_finished(session: Session) -> datetime | None:
    """Return when the last finished linkage run ended."""
    stmt = (
        select(LinkRun.finished_at)
        .where(LinkRun.finished_at.is_not(None))
        .order_by(LinkRun.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)
