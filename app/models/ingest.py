"""Batches, versioned source records and quarantined rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models._types import DocumentJson, JsonType, UtcDateTime, utcnow

__all__ = ["Batch", "QuarantineRow", "SourceRecord", "SourceRecordVersion"]


class Batch(Base):
    """One push of rows by an agency (a file or a JSON array), with its summary."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    system: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # api-file, api-json, cli
    filename: Mapped[str | None] = mapped_column(String(255))
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pushed_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # completed, failed
    error: Mapped[str | None] = mapped_column(Text)
    received: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SourceRecord(Base):
    """The current state of one source row: key columns for querying; the full common
    record of each version lives in `source_record_versions` (stored once)."""

    __tablename__ = "source_records"
    # Only the indexes some query reads: each one costs every ingested row (migration 0011).
    __table_args__ = (UniqueConstraint("system", "row_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(String(16))
    row_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    case_key_norm: Mapped[str] = mapped_column(String(128))
    registration_date: Mapped[date] = mapped_column(Date)
    facts_date: Mapped[date | None] = mapped_column(Date)
    offence: Mapped[str] = mapped_column(String(64))
    offence_family: Mapped[str] = mapped_column(String(16))
    sex: Mapped[str | None] = mapped_column(String(1))
    unidentified: Mapped[bool] = mapped_column(Boolean)
    # Keyed hash of the normalised document (app/privacy): exact lookups without decrypting.
    document_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    first_batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"))
    last_batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SourceRecordVersion(Base):
    """One version of a source row: what was pushed, by whom, when, in which batch."""

    __tablename__ = "source_record_versions"
    __table_args__ = (UniqueConstraint("source_record_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column(DocumentJson)
    raw: Mapped[dict[str, Any]] = mapped_column(DocumentJson)
    row_number: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"))
    pushed_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class QuarantineRow(Base):
    """A row that failed validation, kept whole with its reasons."""

    __tablename__ = "quarantine_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    system: Mapped[str] = mapped_column(String(16))
    row_number: Mapped[int] = mapped_column(Integer)
    row_id: Mapped[str | None] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column(JsonType)
    issues: Mapped[list[dict[str, str]]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
