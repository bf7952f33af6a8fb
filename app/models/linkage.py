"""Persons, cases, links, review queue, judgements and linkage runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models._types import JsonType, UtcDateTime, utcnow

__all__ = [
    "Case",
    "CaseMember",
    "Judgement",
    "Link",
    "LinkRun",
    "Person",
    "PersonEvent",
    "PersonMember",
    "ReviewItem",
]


class LinkRun(Base):
    """One linkage run with what it found and the model it estimated."""

    __tablename__ = "link_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # full, incremental
    trigger: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    records: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    links: Mapped[int] = mapped_column(Integer, default=0)
    review: Mapped[int] = mapped_column(Integer, default=0)
    inferred: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    merges: Mapped[int] = mapped_column(Integer, default=0)
    splits: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class Person(Base):
    """A linked person; the ID is stable across runs (merges keep the older one)."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"))
    active: Mapped[bool] = mapped_column(default=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))


class PersonMember(Base):
    """Which person a source record belongs to now."""

    __tablename__ = "person_members"

    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    # The source record's version this membership was linked from: a newer version (or no
    # membership) is what an incremental run re-links.
    linked_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PersonEvent(Base):
    """A merge or split of persons, for the history of an ID."""

    __tablename__ = "person_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # merge, split
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    other_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class Case(Base):
    """A linked case: a police complaint and the prosecutor files that come from it."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"))
    active: Mapped[bool] = mapped_column(default=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))


class CaseMember(Base):
    """Which case a source record belongs to now."""

    __tablename__ = "case_members"

    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)


class Link(Base):
    """A scored or inferred pair of the last run, with its explanation."""

    __tablename__ = "links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"), index=True)
    record_a_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    record_b_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))  # link, review, judgement, inferred
    explanation: Mapped[dict[str, Any]] = mapped_column(JsonType)
    reasoning: Mapped[str | None] = mapped_column(Text)


class ReviewItem(Base):
    """A doubtful pair waiting for (or given) a human judgement."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("key_a", "key_b"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_a: Mapped[str] = mapped_column(String(96))
    key_b: Mapped[str] = mapped_column(String(96))
    probability: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, judged, obsolete
    created_run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Judgement(Base):
    """A reviewer's decision on a pair, keyed by source ids so it survives rebuilds."""

    __tablename__ = "judgements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_a: Mapped[str] = mapped_column(String(96), index=True)
    key_b: Mapped[str] = mapped_column(String(96), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # match, no_match, unsure
    reviewer: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
