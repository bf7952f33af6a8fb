"""SQL for linkage: current records, memberships, links, review items, judgements, runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, text, update
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
    "cases_of",
    "changed_records",
    "changed_since",
    "count_entities",
    "count_links",
    "count_pending_reviews",
    "create_entities",
    "current_record",
    "export_members",
    "get_person",
    "get_review_item",
    "iter_current_records",
    "iter_records_of",
    "judgements",
    "judgements_for",
    "judgements_since",
    "keys_of",
    "last_run",
    "links_among",
    "list_links",
    "list_runs",
    "lock_runs",
    "next_id",
    "pending_reviews",
    "person_events",
    "person_members",
    "person_of",
    "person_records",
    "persons_by_document",
    "record_states",
    "replace_links",
    "replace_links_of",
    "replace_members",
    "replace_members_of",
    "retire",
    "review_items",
]


_RUN_LOCK = 7_154_231  # arbitrary, constant: one linkage run at a time


def lock_runs(session: Session) -> None:
    """Serialise linkage runs (PostgreSQL advisory lock; SQLite has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _RUN_LOCK})


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
    """Return True when a source record or a judgement changed after `since`, or a source
    record belongs to no person yet (a push committed while the last run was reading)."""
    rec = session.scalar(select(func.max(SourceRecord.updated_at)))
    jud = session.scalar(select(func.max(Judgement.at)))
    if any(t is not None and t > since for t in (rec, jud)):
        return True
    return session.scalar(select(_stale().exists())) is True


def _stale() -> Select[Any]:
    """Source records whose person membership is missing or older than their version."""
    return (
        select(SourceRecord.id)
        .outerjoin(PersonMember, PersonMember.source_record_id == SourceRecord.id)
        .where(
            PersonMember.linked_version.is_(None)
            | (PersonMember.linked_version != SourceRecord.version)
        )
    )


def changed_records(session: Session) -> set[int]:
    """Return the ids of source records linked from an older version, or not linked at all.

    Compared by version, not by time: a push committed while a run was reading is caught by
    the next run whatever its timestamps say.
    """
    return set(session.scalars(_stale()))


def judgements_since(session: Session, *, since: datetime) -> list[tuple[str, str]]:
    """Return the pairs of keys judged after `since`."""
    stmt = select(Judgement.key_a, Judgement.key_b).where(Judgement.at > since)
    return [(a, b) for a, b in session.execute(stmt)]


def iter_current_records(
    session: Session, *, chunk: int = 20_000
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """Yield (source record id, version, common record JSON) of the current version of every
    row."""
    stmt = (
        select(SourceRecord.id, SourceRecord.version, SourceRecordVersion.record)
        .join(
            SourceRecordVersion,
            (SourceRecordVersion.source_record_id == SourceRecord.id)
            & (SourceRecordVersion.version == SourceRecord.version),
        )
        .order_by(SourceRecord.id)
        .execution_options(yield_per=chunk)
    )
    for row in session.execute(stmt):
        yield row[0], row[1], row[2]


def record_states(session: Session) -> dict[int, tuple[int, str]]:
    """Return source record id -> (current version, content hash) of every row."""
    stmt = select(SourceRecord.id, SourceRecord.version, SourceRecord.content_hash)
    return {rid: (version, digest) for rid, version, digest in session.execute(stmt)}


def iter_records_of(
    session: Session, *, record_ids: Sequence[int]
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """Yield (source record id, version, common record JSON) of the current version of some
    rows."""
    for chunk in _chunks(record_ids):
        stmt = (
            select(SourceRecord.id, SourceRecord.version, SourceRecordVersion.record)
            .join(
                SourceRecordVersion,
                (SourceRecordVersion.source_record_id == SourceRecord.id)
                & (SourceRecordVersion.version == SourceRecord.version),
            )
            .where(SourceRecord.id.in_(chunk))
        )
        for row in session.execute(stmt):
            yield row[0], row[1], row[2]


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


_CHUNK = 900  # ids per IN list: within SQLite's oldest limit on bound parameters


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for lo in range(0, len(ordered), _CHUNK):
        yield ordered[lo : lo + _CHUNK]


def replace_members_of(
    session: Session,
    *,
    model: type[PersonMember] | type[CaseMember],
    record_ids: Sequence[int],
    rows: list[dict[str, Any]],
) -> None:
    """Replace the membership rows of some source records (an incremental run)."""
    for chunk in _chunks(record_ids):
        session.execute(delete(model).where(model.source_record_id.in_(chunk)))
    executemany(session, model, rows)


def replace_links_of(
    session: Session, *, record_ids: Sequence[int], rows: list[dict[str, Any]]
) -> None:
    """Replace the links that touch some source records (an incremental run)."""
    for chunk in _chunks(record_ids):
        session.execute(
            delete(Link).where(Link.record_a_id.in_(chunk) | Link.record_b_id.in_(chunk))
        )
    executemany(session, Link, rows)


def count_links(session: Session, *, statuses: Sequence[str]) -> int:
    """Return how many stored links have one of these statuses."""
    stmt = select(func.count(Link.id)).where(Link.status.in_(list(statuses)))
    return int(session.scalar(stmt) or 0)


def count_pending_reviews(session: Session) -> int:
    """Return how many review items are pending."""
    stmt = select(func.count(ReviewItem.id)).where(ReviewItem.status == "pending")
    return int(session.scalar(stmt) or 0)


def count_entities(session: Session, *, model: type[PersonMember] | type[CaseMember]) -> int:
    """Return how many distinct persons or cases have members."""
    target = model.person_id if model is PersonMember else model.case_id  # type: ignore[union-attr]
    return int(session.scalar(select(func.count(func.distinct(target)))) or 0)


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


def get_person(session: Session, *, person_id: int) -> Person | None:
    """Return one person."""
    return session.get(Person, person_id)


def person_records(
    session: Session, *, person_id: int
) -> list[tuple[SourceRecord, dict[str, Any]]]:
    """Return the source records of a person with their current common record."""
    stmt = (
        select(SourceRecord, SourceRecordVersion.record)
        .join(PersonMember, PersonMember.source_record_id == SourceRecord.id)
        .join(
            SourceRecordVersion,
            (SourceRecordVersion.source_record_id == SourceRecord.id)
            & (SourceRecordVersion.version == SourceRecord.version),
        )
        .where(PersonMember.person_id == person_id)
        .order_by(SourceRecord.registration_date, SourceRecord.system, SourceRecord.row_id)
    )
    return [(rec, doc) for rec, doc in session.execute(stmt)]


def cases_of(session: Session, *, record_ids: list[int]) -> dict[int, int]:
    """Return source record id -> case id for some records."""
    if not record_ids:
        return {}
    stmt = select(CaseMember.source_record_id, CaseMember.case_id).where(
        CaseMember.source_record_id.in_(record_ids)
    )
    return {rid: cid for rid, cid in session.execute(stmt)}


def person_events(session: Session, *, person_id: int) -> Sequence[PersonEvent]:
    """Return the merges and splits that involve a person, oldest first."""
    stmt = (
        select(PersonEvent)
        .where((PersonEvent.person_id == person_id) | (PersonEvent.other_person_id == person_id))
        .order_by(PersonEvent.at, PersonEvent.id)
    )
    return session.scalars(stmt).all()


def judgements_for(session: Session, *, keys: list[str]) -> Sequence[Judgement]:
    """Return the judgements that involve any of these record keys."""
    if not keys:
        return []
    stmt = (
        select(Judgement)
        .where(Judgement.key_a.in_(keys) | Judgement.key_b.in_(keys))
        .order_by(Judgement.at, Judgement.id)
    )
    return session.scalars(stmt).all()


def links_among(session: Session, *, record_ids: list[int]) -> Sequence[Link]:
    """Return the links between records of a set."""
    if not record_ids:
        return []
    stmt = select(Link).where(Link.record_a_id.in_(record_ids) & Link.record_b_id.in_(record_ids))
    return session.scalars(stmt).all()


def list_links(session: Session, *, status: str | None, limit: int, offset: int) -> Sequence[Link]:
    """Return links of the last run, strongest first."""
    stmt = select(Link).order_by(Link.probability.desc(), Link.id)
    if status is not None:
        stmt = stmt.where(Link.status == status)
    return session.scalars(stmt.limit(limit).offset(offset)).all()


def keys_of(session: Session, *, record_ids: Iterable[int]) -> dict[int, str]:
    """Return source record id -> 'SYSTEM:row_id'."""
    ids = list(set(record_ids))
    if not ids:
        return {}
    stmt = select(SourceRecord.id, SourceRecord.system, SourceRecord.row_id).where(
        SourceRecord.id.in_(ids)
    )
    return {i: f"{s}:{r}" for i, s, r in session.execute(stmt)}


def pending_reviews(session: Session, *, limit: int) -> Sequence[ReviewItem]:
    """Return pending review items, most doubtful first."""
    stmt = (
        select(ReviewItem)
        .where(ReviewItem.status == "pending")
        .order_by(func.abs(ReviewItem.probability - 0.5), ReviewItem.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def get_review_item(session: Session, *, item_id: int) -> ReviewItem | None:
    """Return one review item."""
    return session.get(ReviewItem, item_id)


def current_record(session: Session, *, system: str, row_id: str) -> dict[str, Any] | None:
    """Return the current common record of a source row."""
    stmt = (
        select(SourceRecordVersion.record)
        .join(SourceRecord, SourceRecord.id == SourceRecordVersion.source_record_id)
        .where(
            SourceRecord.system == system,
            SourceRecord.row_id == row_id,
            SourceRecordVersion.version == SourceRecord.version,
        )
    )
    return session.scalar(stmt)


def person_of(session: Session, *, system: str, row_id: str) -> int | None:
    """Return the person id of a source row."""
    stmt = (
        select(PersonMember.person_id)
        .join(SourceRecord, SourceRecord.id == PersonMember.source_record_id)
        .where(SourceRecord.system == system, SourceRecord.row_id == row_id)
    )
    return session.scalar(stmt)


def list_runs(session: Session, *, limit: int) -> Sequence[LinkRun]:
    """Return the newest runs."""
    return session.scalars(select(LinkRun).order_by(LinkRun.id.desc()).limit(limit)).all()


def export_members(
    session: Session, *, model: type[PersonMember] | type[CaseMember]
) -> Iterator[tuple[str, str, int]]:
    """Yield (system, row_id, person or case id) for every stored row."""
    target = model.person_id if model is PersonMember else model.case_id  # type: ignore[union-attr]
    stmt = (
        select(SourceRecord.system, SourceRecord.row_id, target)
        .join(model, model.source_record_id == SourceRecord.id)
        .order_by(SourceRecord.system, SourceRecord.row_id)
        .execution_options(yield_per=20_000)
    )
    for row in session.execute(stmt):
        yield row[0], row[1], row[2]


def persons_by_document(session: Session, *, hashes: Sequence[str]) -> list[int]:
    """Return the persons holding a source record stored under any of these document hashes."""
    stmt = (
        select(PersonMember.person_id)
        .join(SourceRecord, SourceRecord.id == PersonMember.source_record_id)
        .where(SourceRecord.document_hash.in_(list(hashes)))
        .distinct()
        .order_by(PersonMember.person_id)
    )
    return list(session.scalars(stmt))
