"""SQL for statistics: current victim rows with their person, raw row figures, last run."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, and_, delete, func, select, text, type_coerce
from sqlalchemy.orm import Session

from app.db import executemany
from app.models import (
    CaseMember,
    Judgement,
    LinkRun,
    PersonMember,
    SourceRecord,
    SourceRecordVersion,
)
from app.models.statistics import StatisticsFrame, StatisticsSnapshot, VictimFact
from app.statistics.counting import VictimRow

__all__ = [
    "add_snapshot",
    "count_facts",
    "fact_columns",
    "fact_rows",
    "facts_run_id",
    "frame_part",
    "frame_run_id",
    "get_snapshot",
    "identified_persons",
    "judgements_as_of",
    "known_by",
    "last_run_finished",
    "last_run_id",
    "last_run_key",
    "list_snapshots",
    "lock_facts",
    "raw_victim_rows",
    "records_as_of",
    "replace_facts",
    "replace_frame",
    "victim_rows",
]

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
            CaseMember.case_id,
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
        .outerjoin(CaseMember, CaseMember.source_record_id == SourceRecord.id)
        .where(SourceRecord.role == "victim")
        .order_by(SourceRecord.id)
        .execution_options(yield_per=_BATCH)
    )
    for rid, pid, cid, system, registered, facts, family, sex, unidentified, rec in session.execute(
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
            case_id=cid,
            origin=_text(rec, "origin"),
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


def last_run_id(session: Session) -> int | None:
    """Return the id of the last completed linkage run."""
    stmt = select(func.max(LinkRun.id)).where(LinkRun.status == "completed")
    return session.scalar(stmt)


def facts_run_id(session: Session) -> int | None:
    """Return the run the victim facts were built for (None: never built)."""
    return session.scalar(select(VictimFact.run_id).limit(1))


def replace_facts(session: Session, *, rows: Sequence[dict[str, Any]], chunk: int = 50_000) -> None:
    """Replace every victim fact with `rows`."""
    session.execute(delete(VictimFact))
    for start in range(0, len(rows), chunk):
        executemany(session, VictimFact, list(rows[start : start + chunk]))


def frame_run_id(session: Session) -> int | None:
    """Return the run the stored person-year frame was built for (None: never built)."""
    return session.scalar(
        select(StatisticsFrame.run_id).where(StatisticsFrame.part == "meta").limit(1)
    )


def replace_frame(
    session: Session, *, run_id: int, parts: Sequence[tuple[str, dict[str, Any], bytes | None]]
) -> None:
    """Replace the stored person-year frame with `parts` (name, meta, data) of run `run_id`."""
    session.execute(delete(StatisticsFrame))
    for part, meta, data in parts:
        session.add(StatisticsFrame(run_id=run_id, part=part, meta=meta, data=data))
    session.flush()


def frame_part(
    session: Session, *, run_id: int, part: str
) -> tuple[dict[str, Any], bytes | None] | None:
    """Return (meta, data) of one stored frame part of run `run_id`, if stored."""
    stmt = select(StatisticsFrame.meta, StatisticsFrame.data).where(
        StatisticsFrame.run_id == run_id, StatisticsFrame.part == part
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row is not None else None


_FACT_FIELDS = (
    "source_record_id", "person_id", "case_id", "system", "registration_date", "facts_date",
    "offence_family", "sex", "unidentified", "age", "minor", "nationality", "purpose",
    "dept_facts", "dept_residence", "dept_birth", "origin", "person_identified",
)  # fmt: skip


def fact_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Yield every victim fact as a mapping of the columns a victim row needs."""
    cols = [getattr(VictimFact, f) for f in _FACT_FIELDS]
    stmt = select(*cols).order_by(VictimFact.id).execution_options(yield_per=_BATCH)
    for row in session.execute(stmt):
        yield dict(zip(_FACT_FIELDS, row, strict=True))


def count_facts(
    session: Session,
    *,
    year_column: str,
    columns: Sequence[str],
    year_from: int | None,
    year_to: int | None,
    where: Mapping[str, Collection[Any]],
) -> list[tuple[Any, ...]]:
    """Return (year, *column values, distinct persons) grouped by year and `columns`."""
    year = getattr(VictimFact, year_column)
    groups = [year, *(getattr(VictimFact, c) for c in columns)]
    stmt = select(*groups, func.count(func.distinct(VictimFact.person_id))).where(year.is_not(None))
    if year_from is not None:
        stmt = stmt.where(year >= year_from)
    if year_to is not None:
        stmt = stmt.where(year <= year_to)
    for column, allowed in where.items():
        col = getattr(VictimFact, column)
        values = [v for v in allowed if v is not None]
        cond = col.in_(values)
        stmt = stmt.where(cond | col.is_(None) if len(values) < len(allowed) else cond)
    stmt = stmt.group_by(*groups)
    return [tuple(r) for r in session.execute(stmt)]


def add_snapshot(session: Session, *, snapshot: StatisticsSnapshot) -> StatisticsSnapshot:
    """Insert a frozen statistics answer."""
    session.add(snapshot)
    session.flush()
    return snapshot


def get_snapshot(session: Session, *, snapshot_id: int) -> StatisticsSnapshot | None:
    """Return one frozen answer."""
    return session.get(StatisticsSnapshot, snapshot_id)


def list_snapshots(session: Session, *, limit: int, offset: int) -> list[StatisticsSnapshot]:
    """Return frozen answers, newest first."""
    stmt = (
        select(StatisticsSnapshot)
        .order_by(StatisticsSnapshot.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt))


_FACTS_LOCK = 7_154_232  # one facts refresh at a time (next to the linkage run lock)


def lock_facts(session: Session) -> None:
    """Serialise facts refreshes (PostgreSQL advisory lock; SQLite has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _FACTS_LOCK})


def last_run_key(session: Session) -> tuple[int, datetime] | None:
    """Return (id, finished_at) of the last completed run: a cache key that ids alone are not
    (SQLite reuses the ids of an emptied table)."""
    stmt = (
        select(LinkRun.id, LinkRun.finished_at)
        .where(LinkRun.status == "completed", LinkRun.finished_at.is_not(None))
        .order_by(LinkRun.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row is not None and row[1] is not None else None


def records_as_of(session: Session, *, at: datetime) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (source record id, common record JSON) of each row's last version created by `at`
    (rows first pushed after `at` are left out)."""
    latest = (
        select(
            SourceRecordVersion.source_record_id.label("rid"),
            func.max(SourceRecordVersion.version).label("version"),
        )
        .where(SourceRecordVersion.created_at <= at)
        .group_by(SourceRecordVersion.source_record_id)
        .subquery()
    )
    stmt = (
        select(SourceRecordVersion.source_record_id, SourceRecordVersion.record)
        .join(
            latest,
            and_(
                SourceRecordVersion.source_record_id == latest.c.rid,
                SourceRecordVersion.version == latest.c.version,
            ),
        )
        .order_by(SourceRecordVersion.source_record_id)
        .execution_options(yield_per=_BATCH)
    )
    yield from session.execute(stmt)


def judgements_as_of(session: Session, *, at: datetime) -> list[tuple[str, str, str]]:
    """Return (key_a, key_b, decision) of the judgements made by `at`, oldest first."""
    stmt = (
        select(Judgement.key_a, Judgement.key_b, Judgement.decision)
        .where(Judgement.at <= at)
        .order_by(Judgement.at, Judgement.id)
    )
    return [(a, b, d) for a, b, d in session.execute(stmt)]


def known_by(session: Session, *, at: datetime) -> tuple[int, int, int]:
    """Return a fingerprint of what was known by `at`: versions, their max id, judgements."""
    versions = session.execute(
        select(func.count(), func.max(SourceRecordVersion.id)).where(
            SourceRecordVersion.created_at <= at
        )
    ).one()
    judged = session.scalar(select(func.count()).where(Judgement.at <= at)) or 0
    return int(versions[0] or 0), int(versions[1] or 0), int(judged)


def fact_columns(session: Session, *, names: Sequence[str]) -> dict[str, list[Any]]:
    """Return the named columns of every victim fact, as lists in one order."""
    table = VictimFact.__table__
    # Dates and booleans are read raw (text / 0-1 on SQLite): their result processors cost
    # more than the rest of the load together; callers accept either form.
    cols: list[Any] = []
    for name in names:
        col = table.c[name]
        if isinstance(col.type, Date):
            cols.append(type_coerce(col, String()).label(name))
        elif isinstance(col.type, Boolean):
            cols.append(type_coerce(col, Integer()).label(name))
        else:
            cols.append(col)
    stmt = select(*cols)
    # Core rows, not ORM: a million rows load several times faster.
    result = session.connection().execution_options(stream_results=True).execute(stmt)
    rows = result.fetchall()
    return {n: [r[i] for r in rows] for i, n in enumerate(names)}
