"""API shapes of batches, rejections and source records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "BatchRead",
    "BatchSummaryRead",
    "RecordHistoryRead",
    "RecordVersionRead",
    "RejectionRead",
]


class RejectionRead(BaseModel):
    """One rejected (row, column) with its reason in Spanish."""

    row: int = Field(description="Row as a spreadsheet shows it (header is row 1)")
    row_id: str | None
    column: str
    reason: str


class BatchRead(BaseModel):
    """A batch and its summary."""

    batch_id: str
    system: str
    channel: str
    filename: str | None
    status: str
    error: str | None = None
    received: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    created_at: datetime
    finished_at: datetime | None


class BatchSummaryRead(BatchRead):
    """A batch summary with its rejections (the first `rejections_limit`)."""

    rejections: list[RejectionRead]
    rejections_truncated: bool = False


class RecordVersionRead(BaseModel):
    """One version of a source record."""

    version: int
    batch_id: str
    pushed_by: str
    created_at: datetime
    row_number: int
    record: dict[str, Any]
    raw: dict[str, Any]


class RecordHistoryRead(BaseModel):
    """A source record with its versions, oldest first."""

    system: str
    row_id: str
    current_version: int
    record: dict[str, Any]
    versions: list[RecordVersionRead]
