"""The content of a report, collected once and rendered to every format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = ["Chart", "CtdcExport", "Report", "Section", "Value"]

Value = int | float | str | None  # None: hidden by small-cell suppression
ChartKind = Literal["bar", "waterfall", "line"]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart of one section: categories, one or more named series and a text alternative."""

    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    alt: str
    unit: str = "personas"


@dataclass(frozen=True, slots=True)
class Section:
    """One part of a report: a captioned table, an optional chart and notes."""

    key: str
    title: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]
    chart: Chart | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """A report in Spanish: headline figures, sections and the rules behind them."""

    slug: str
    title: str
    subtitle: str
    year: int | None
    generated_at: datetime
    last_linkage: datetime | None
    suppressed: bool
    threshold: int
    headline: tuple[tuple[str, Value], ...]
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = ()

    def section(self, key: str) -> Section:
        """Return the section with this key."""
        return next(s for s in self.sections if s.key == key)


@dataclass(frozen=True, slots=True)
class CtdcExport:
    """Victim-year rows in the CTDC / HTCDS layout after k-anonymisation."""

    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    k: int
    total: int
    suppressed: int
    levels: dict[str, int] = field(default_factory=dict)
