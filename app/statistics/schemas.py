"""API shapes of victim statistics: yearly figures, tables, estimates, gaps and rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "BoundsRead",
    "CellRead",
    "CountRead",
    "EstimateRead",
    "GapRead",
    "GapStepRead",
    "PatternRead",
    "RateRead",
    "RuleRead",
    "SnapshotCompareRead",
    "SnapshotCreate",
    "SnapshotRead",
    "SnapshotSummaryRead",
    "StratifiedEstimateRead",
    "VictimQuery",
    "VictimStatsRead",
    "YearDiffRead",
    "YearRead",
]

Count = int | None  # None: hidden by small-cell suppression


class VictimQuery(BaseModel):
    """What to count: years, date basis, offence scope, filters and grouping."""

    year_from: int | None = None
    year_to: int | None = None
    date_basis: Literal["registration", "facts"] = "registration"
    offence_family: Literal["trafficking", "related"] | None = None
    where: dict[str, list[str]] = Field(default_factory=dict)
    group_by: list[str] = Field(default_factory=list)


class RuleRead(BaseModel):
    """One counting rule: an English key and its text in Spanish."""

    key: str
    text: str


class EstimateRead(BaseModel):
    """Chapman estimate of the total victims with a 95% interval."""

    n1: int = Field(description="Persons in RETA")
    n2: int = Field(description="Persons in SISTRA")
    m: int = Field(description="Persons in both")
    observed: int
    total: float
    se: float
    ci_low: float
    ci_high: float


class BoundsRead(BaseModel):
    """Total victims bounded under list dependence (see the assumptions), with a 95% interval."""

    population: str = Field(
        "case_first_registration",
        description="Persons placed in the year of their linked case's first registration",
    )
    lower_total: float = Field(description="Chapman: lists independent")
    upper_total: float = Field(description="Referral model: SISTRA = referral ∪ direct route")
    ci_low: float = Field(description="2.5% limit of the lower model")
    ci_high: float = Field(description="97.5% limit of the upper model")
    n1: Count = None
    n2: Count = None
    m: Count = None
    unreferred: Count = Field(
        None, description="RETA persons whose case was not referred (pooled over the years)"
    )
    unreferred_in_sistra: Count = None


class StratifiedEstimateRead(BaseModel):
    """Sum of Chapman estimates over strata (sex or age group)."""

    by: str
    total: EstimateRead
    strata: dict[str, EstimateRead] = Field(
        description="Per stratum; empty when some stratum is too small to serve"
    )


class GapStepRead(BaseModel):
    """One term of a gap decomposition."""

    key: str
    label: str
    value: Count


class GapRead(BaseModel):
    """From a published figure to the reconciled figure, term by term (terms add up)."""

    start: str
    start_value: Count
    steps: list[GapStepRead]
    end_value: Count


class YearRead(BaseModel):
    """The figures of one year."""

    year: int
    reconciled: Count = Field(description="Distinct victims (persons) counted in the year")
    identified: Count
    unidentified: Count = Field(description="Persons with no identified row: a separate line")
    reta_only: Count
    sistra_only: Count
    both: Count
    reta_rows: Count = Field(description="RETA victim rows registered in the year, all offences")
    reta_rows_trafficking: Count
    sistra_rows: Count = Field(description="SISTRA victim rows entered in the year, all offences")
    sistra_rows_trafficking: Count
    estimate: EstimateRead | None = None
    estimate_by_sex: StratifiedEstimateRead | None = None
    estimate_by_age: StratifiedEstimateRead | None = None
    estimate_bounds: BoundsRead | None = Field(
        None, description="Interval that allows for RETA -> SISTRA dependence (no filters)"
    )
    gaps: list[GapRead] = Field(default_factory=list)


class CellRead(BaseModel):
    """One cell (or margin: value 'total') of the grouping table."""

    key: dict[str, str]
    persons: Count


class PatternRead(BaseModel):
    """Persons of a year by the combination of lists that saw them (for MSE)."""

    year: int
    lists: dict[str, bool]
    persons: Count


class RateRead(BaseModel):
    """Victims per 100,000 inhabitants of a department (2020 population)."""

    year: int
    basis: Literal["residence", "birth"]
    department: str
    department_code: str | None
    persons: Count
    population: float | None
    rate_per_100k: float | None


class VictimStatsRead(BaseModel):
    """Distinct-victim statistics with the rules that produced them."""

    query: VictimQuery
    as_of: date | None = Field(None, description="Known on this date (end of day, UTC)")
    suppressed: bool = Field(description="True when small cells are hidden for this role")
    threshold: int
    rules: list[RuleRead]
    assumptions: list[str] = Field(description="Capture-recapture assumptions and caveats")
    last_linkage: datetime | None
    unlinked_rows: int = Field(description="Victim rows not yet linked: counted as own person")
    rows_without_date: int = Field(description="Rows left out: no date on the chosen basis")
    years: list[YearRead]
    group_by: list[str]
    cells: list[CellRead]
    patterns: list[PatternRead]
    rates: list[RateRead]


class SnapshotCreate(BaseModel):
    """What to freeze: a victims query, optionally as known on a date, with a note."""

    query: VictimQuery = Field(default_factory=VictimQuery)
    as_of: date | None = None
    note: str | None = Field(None, max_length=2000)


class SnapshotSummaryRead(BaseModel):
    """A frozen answer without its result."""

    id: int
    kind: str
    query: VictimQuery
    as_of: date | None
    note: str | None
    link_run_id: int | None
    created_by: str
    created_at: datetime


class SnapshotRead(SnapshotSummaryRead):
    """A frozen answer with its result (small cells hidden for roles below reviewer)."""

    result: VictimStatsRead


class YearDiffRead(BaseModel):
    """One year's figures in two snapshots and b minus a (None when either is hidden)."""

    year: int
    a: dict[str, float | None]
    b: dict[str, float | None]
    diff: dict[str, float | None]


class SnapshotCompareRead(BaseModel):
    """Per-year differences between two frozen answers."""

    a: SnapshotSummaryRead
    b: SnapshotSummaryRead
    suppressed: bool
    years: list[YearDiffRead]


class CountRead(BaseModel):
    """Distinct victims (person-years) in one cell of a fast grouped count."""

    year: int
    key: dict[str, str]
    persons: Count
