"""Statistics: denormalised victim facts per linkage run, and frozen answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models._types import JsonType, UtcDateTime, utcnow

__all__ = ["StatisticsFrame", "StatisticsSnapshot", "VictimFact"]


class VictimFact(Base):
    """One victim source row as statistics count it, rebuilt after every linkage run.

    No foreign keys: the table is replaced wholesale and only ever read by statistics.
    """

    __tablename__ = "victim_facts"
    __table_args__ = (
        Index("ix_victim_facts_year_registration_person", "year_registration", "person_id"),
        Index("ix_victim_facts_year_facts_person", "year_facts", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, index=True)
    source_record_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer)
    system: Mapped[str] = mapped_column(String(16))
    registration_date: Mapped[date] = mapped_column(Date)
    facts_date: Mapped[date | None] = mapped_column(Date)
    year_registration: Mapped[int] = mapped_column(Integer)
    year_facts: Mapped[int | None] = mapped_column(Integer)
    year_case: Mapped[int | None] = mapped_column(Integer)
    dept_facts: Mapped[str | None] = mapped_column(String(2))
    dept_residence: Mapped[str | None] = mapped_column(String(2))
    dept_birth: Mapped[str | None] = mapped_column(String(2))
    sex: Mapped[str | None] = mapped_column(String(1))
    age: Mapped[int | None] = mapped_column(Integer)
    minor: Mapped[bool | None] = mapped_column(Boolean)
    age_minor: Mapped[str] = mapped_column(String(16))
    age_ctdc: Mapped[str] = mapped_column(String(16))
    age_fiscal: Mapped[str] = mapped_column(String(16))
    nationality: Mapped[str | None] = mapped_column(String(3))
    purpose: Mapped[str | None] = mapped_column(String(32))
    offence_family: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str | None] = mapped_column(String(32))
    unidentified: Mapped[bool] = mapped_column(Boolean)
    person_identified: Mapped[bool] = mapped_column(Boolean)


class StatisticsFrame(Base):
    """One part of the person-year frame of a linkage run (`app.statistics.frame`).

    The part `meta` holds the small figures (own figures, estimation population, lists);
    each variant `<date basis>:<offence family>` holds its person-year arrays as an .npz blob
    with their vocabularies in `meta`. Replaced wholesale with the victim facts.
    """

    __tablename__ = "statistics_frames"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, index=True)
    part: Mapped[str] = mapped_column(String(32))
    meta: Mapped[dict[str, Any]] = mapped_column(JsonType)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)


class StatisticsSnapshot(Base):
    """A statistics answer frozen under an ID: its parameters, full result, run and time."""

    __tablename__ = "statistics_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # victims
    params: Mapped[dict[str, Any]] = mapped_column(JsonType)
    result: Mapped[dict[str, Any]] = mapped_column(JsonType)
    # The same answer with small cells hidden, served to roles below reviewer.
    result_suppressed: Mapped[dict[str, Any]] = mapped_column(JsonType)
    link_run_id: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
