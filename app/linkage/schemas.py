"""API shapes of persons, links, the review queue, judgements and runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "JudgementCreate",
    "JudgementRead",
    "LinkRead",
    "PairJudgementCreate",
    "PersonEventRead",
    "PersonRead",
    "PersonRecordRead",
    "ReviewItemRead",
    "ReviewSide",
    "RunCreate",
    "RunRead",
]

Decision = Literal["match", "no_match", "unsure"]


class PersonRecordRead(BaseModel):
    """One source row of a person, with its current common record."""

    key: str
    system: str
    row_id: str
    role: str
    registration_date: str
    case_id: int | None
    version: int
    record: dict[str, Any]


class PersonEventRead(BaseModel):
    """A merge or split in a person's history."""

    kind: str
    person_id: int
    other_person_id: int
    at: datetime
    run_id: int
    records: int


class JudgementRead(BaseModel):
    """A reviewer's decision on a pair."""

    model_config = ConfigDict(from_attributes=True)

    key_a: str
    key_b: str
    decision: str
    reviewer: str
    note: str | None
    at: datetime


class PersonMatchesRead(BaseModel):
    """The persons whose records carry a document number (found through its keyed hash)."""

    persons: list[int]


class PersonRead(BaseModel):
    """A linked person: every source record, case, judgement and merge, in time order."""

    person_id: int
    active: bool
    merged_into: int | None
    created_at: datetime
    records: list[PersonRecordRead]
    cases: list[int]
    judgements: list[JudgementRead]
    history: list[PersonEventRead]


class LinkRead(BaseModel):
    """A link of the last run with its explanation (waterfall of match weights)."""

    key_a: str
    key_b: str
    probability: float
    status: str = Field(description="link, review, judgement or inferred")
    explanation: dict[str, Any]
    reasoning: str | None


class ReviewSide(BaseModel):
    """One record of a pair under review."""

    key: str
    person_id: int | None
    record: dict[str, Any] | None


class ReviewItemRead(BaseModel):
    """A doubtful pair: both records side by side, the explanation and the fields that agree."""

    id: int
    probability: float
    explanation: dict[str, Any]
    a: ReviewSide
    b: ReviewSide
    agree: list[str]
    disagree: list[str]


class JudgementCreate(BaseModel):
    """A decision on a review item."""

    decision: Decision
    note: str | None = Field(None, max_length=2000)


class PairJudgementCreate(JudgementCreate):
    """A decision on any pair of source rows, written as 'SYSTEM:row_id'."""

    key_a: str = Field(pattern=r"^(RETA|SISTRA):.+$")
    key_b: str = Field(pattern=r"^(RETA|SISTRA):.+$")


class RunCreate(BaseModel):
    """A request to run linkage now."""

    full: bool = False


class RunRead(BaseModel):
    """A linkage run and what it found."""

    id: int
    mode: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    records: int
    pairs: int
    links: int
    review: int
    inferred: int
    persons: int
    cases: int
    merges: int
    splits: int
    seconds: float
    details: dict[str, Any]
