"""SQL for linkage: current records, memberships, links, review items, judgements, runs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.db import executemany
from app.models import (
    Case,
    CaseMember,
    Judgement,
    Link,
    LinkRun,
    Person,
    PersonEvent,
    PersonMember,
    ReviewItem,
    SourceRecord,
    SourceRecordVersion,
)

__all__ = [
    "add_events",
    "add_run",
    "case_members",
    "changed_since",
    "create_entities",
    "iter_current_records",
    "judgements",
    "last_run",
    "next_id",
    "person_members",
    "record_ids",
    "replace_links",
    "replace_members",
    "retire",
    "review_items",
]


def add_run(session: Session, *, run: LinkRun) -> LinkRun:
    """Insert a run row."""
    session.add(run)
    session.flush()
    return run


def last_run(session: Session) -> LinkRun | None:
    """Return the newest completed run."""
    stmt = select(LinkRun).where(LinkRun.status == "completed").order_by(LinkRun.id.desc()).limit(1)
    return session.scalars(stmt).first()


def changed_since(session: Session, *, since: datetime) -> bool:
    """Return True when a source record or a judgement changed after `since`."""
    rec = session.scalar(select(func.max(SourceRecord.updated_at)))
    jud = session.scalar(select(func.max(Judgement.at)))
    return any(t is not None and t > since for t in (rec, jud))


def iter_current_records(
    session: Session, *, chunk: int = 20_000
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (source record id, common record JSON) of the current version of every row."""
    stmt = (
        select(SourceRecord.id, SourceRecordVersion.record)
        .join(
            SourceRecordVersion,
            (SourceRecordVersion.source_record_id == SourceRecord.id)
            & (SourceRecordVersion.version == SourceRecord.version),
        )
        .order_by(SourceRecord.id)
        .execution_options(yield_per=chunk)
    )
    for row in session.execute(stmt):
        yield row[0], row[1]


def record_ids(session: Session) -> dict[tuple[str, str], int]:
    """Return (system, row_id) -> source record id."""
    stmt = select(SourceRecord.system, SourceRecord.row_id, SourceRecord.id)
    return {(s, r): i for s, r, i in session.execute(stmt)}


def person_members(session: Session) -> dict[int, int]:
    """Return source record id -> person id."""
    stmt = select(PersonMember.source_record_id, PersonMember.person_id)
    return {rid: pid for rid, pid in session.execute(stmt)}


def case_members(session: Session) -> dict[int, int]:
    """Return source record id -> case id."""
    stmt = select(CaseMember.source_record_id, CaseMember.case_id)
    return {rid: cid for rid, cid in session.execute(stmt)}


def next_id(session: Session, *, model: type[Person] | type[Case]) -> int:
    """Return the first unused id of persons or cases (runs are serialised)."""
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def create_entities(
    session: Session, *, model: type[Person] | type[Case], run_id: int, ids: list[int]
) -> None:
    """Create persons or cases with the given ids."""
    if ids:
        executemany(
            session, model, [{"id": i, "created_run_id": run_id, "active": True} for i in ids]
        )


def retire(session: Session, *, model: type[Person] | type[Case], retired: dict[int, int]) -> None:
    """Mark ids as merged into others."""
    for old, new in retired.items():
        session.execute(
            update(model).where(model.id == old).values(active=False, merged_into_id=new)
        )


def add_events(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Insert person merge and split events."""
    executemany(session, PersonEvent, rows)


def replace_members(
    session: Session, *, model: type[PersonMember] | type[CaseMember], rows: list[dict[str, Any]]
) -> None:
    """Replace every membership row of one kind."""
    session.execute(delete(model))
    executemany(session, model, rows)


def replace_links(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Replace the links of the previous run by this run's."""
    session.execute(delete(Link))
    executemany(session, Link, rows)


def judgements(session: Session) -> Sequence[Judgement]:
    """Return all judgements, oldest first (a later one overrides an earlier one)."""
    return session.scalars(select(Judgement).order_by(Judgement.at, Judgement.id)).all()


def review_items(session: Session) -> dict[tuple[str, str], ReviewItem]:
    """Return every review item by its pair of keys."""
    return {(r.key_a, r.key_b): r for r in session.scalars(select(ReviewItem))}
