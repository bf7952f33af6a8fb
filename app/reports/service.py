"""Report rules: collect the content once from the statistics, then hand it to a renderer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from sqlalchemy.orm import Session

from app.reports import ctdc, glotip, repository, sections
from app.reports.schemas import CtdcExport, Report, Value
from app.statistics import repository as stats_repository
from app.statistics.counting import VictimRow, person_years
from app.statistics.frame import Frame, build_frame
from app.statistics.schemas import VictimQuery, VictimStatsRead
from app.statistics.service import answer_together, default_threshold

__all__ = [
    "ReportSource",
    "annual_report",
    "build_annual",
    "ctdc_export",
    "glotip_report",
    "load",
]

Family = Literal["trafficking", "related"] | None

_RESERVED_NOTE = (
    "— : cifra reservada. Para proteger a las víctimas se ocultan los conteos entre 1 y {t} "
    "y los que permitirían deducirlos a partir de los totales."
)


@dataclass(frozen=True, slots=True)
class ReportSource:
    """Current victim rows with their persons, loaded once for every table of a report."""

    rows: list[VictimRow]
    raw: list[tuple[str, date, str]]
    identified: set[int]
    last_linkage: datetime | None
    frames: list[Frame] = field(default_factory=list)  # built on first use, one per source

    def frame(self) -> Frame:
        """Return the person-year frame of the rows (built once for every table)."""
        if not self.frames:
            self.frames.append(build_frame(self.rows, self.raw, identified=self.identified))
        return self.frames[0]


def load(session: Session) -> ReportSource:
    """Load the rows the statistics count, as the statistics service does."""
    rows = list(stats_repository.victim_rows(session))
    identified = stats_repository.identified_persons(session)
    identified |= {r.person_id for r in rows if r.person_id < 0 and not r.unidentified}
    return ReportSource(
        rows=rows,
        raw=list(stats_repository.raw_victim_rows(session)),
        identified=identified,
        last_linkage=stats_repository.last_run_finished(session),
    )


def _stats(
    src: ReportSource, queries: list[VictimQuery], *, suppress_small: bool, threshold: int
) -> list[VictimStatsRead]:
    # One suppression over every table of the report: a figure hidden in one table (say a
    # department's rate) cannot be read off another (the department breakdown).
    return answer_together(
        src.frame(),
        queries=queries,
        suppress_small=suppress_small,
        threshold=threshold,
        last_linkage=src.last_linkage,
    )


def build_annual(
    src: ReportSource,
    *,
    year: int,
    suppress_small: bool,
    threshold: int,
    offence_family: Family = None,
    now: datetime | None = None,
) -> Report:
    """Build the annual report of a year from loaded rows (LookupError: no data that year)."""
    grouped = [
        VictimQuery(year_from=year, year_to=year, offence_family=offence_family,
                    group_by=["year", dim])
        for dim, _, _ in sections.BREAKDOWNS
    ]  # fmt: skip
    main, *tables = _stats(
        src,
        [VictimQuery(year_to=year, offence_family=offence_family), *grouped],
        suppress_small=suppress_small,
        threshold=threshold,
    )
    found = next((y for y in main.years if y.year == year), None)
    if found is None:
        raise LookupError(f"No hay víctimas registradas en {year}.")
    parts = [
        sections.summary_section(found),
        sections.series_section(main.years),
        sections.gaps_section(found),
        sections.estimate_section(found, main.assumptions),
    ]
    for (dim, key, title), table in zip(sections.BREAKDOWNS, tables, strict=True):
        parts.append(sections.breakdown(table, year=year, dim=dim, key=key, title=title))
    parts.append(sections.rates_section(main.rates, year=year))
    e = found.estimate
    headline: tuple[tuple[str, Value], ...] = (
        ("Víctimas conciliadas", found.reconciled),
        ("Cifra publicada por RETA", found.reta_rows),
        ("Cifra publicada por SISTRA", found.sistra_rows),
        ("Estimación del total", round(e.total) if e else None),
    )
    scope = {None: "todos los delitos", "trafficking": "trata de personas",
             "related": "delitos afines"}[offence_family]  # fmt: skip
    notes = [r.text for r in main.rules]
    if suppress_small:
        notes.insert(0, _RESERVED_NOTE.format(t=threshold - 1))
    return Report(
        slug=f"informe-anual-{year}",
        title=f"Informe anual {year}: víctimas de trata de personas",
        subtitle=f"Registros de la Policía (RETA) y del Ministerio Público (SISTRA) "
        f"conciliados; alcance: {scope}; año de registro.",
        year=year,
        generated_at=now or datetime.now(UTC),
        last_linkage=main.last_linkage,
        suppressed=suppress_small,
        threshold=threshold,
        headline=headline,
        sections=tuple(parts),
        notes=tuple(notes),
    )


def annual_report(
    session: Session,
    *,
    year: int,
    suppress_small: bool,
    threshold: int | None = None,
    offence_family: Family = None,
) -> Report:
    """Collect the annual report of a year from the reconciled statistics."""
    return build_annual(
        load(session),
        year=year,
        suppress_small=suppress_small,
        threshold=default_threshold() if threshold is None else threshold,
        offence_family=offence_family,
    )


def glotip_report(
    session: Session, *, year: int, suppress_small: bool, threshold: int | None = None
) -> Report:
    """Collect the GLOTIP-style tables of a year (trafficking proper)."""
    src = load(session)
    items = [
        p
        for p in person_years(src.rows, offence_family="trafficking",
                              identified_persons=src.identified)
        if p.year == year
    ]  # fmt: skip
    return glotip.build(
        items,
        year=year,
        suppress_small=suppress_small,
        threshold=default_threshold() if threshold is None else threshold,
        last_linkage=src.last_linkage,
    )


def ctdc_export(session: Session, *, k: int = ctdc.DEFAULT_K) -> CtdcExport:
    """Collect the k-anonymised victim-year rows in the CTDC layout (trafficking proper)."""
    src = load(session)
    items = person_years(src.rows, offence_family="trafficking", identified_persons=src.identified)
    recruitment = repository.victim_recruitment(session)
    by_person_year: dict[tuple[int, int], list[str]] = {}
    for r in src.rows:
        if r.offence_family == "trafficking" and r.source_record_id in recruitment:
            key = (r.person_id, r.registration_date.year)
            by_person_year.setdefault(key, []).append(recruitment[r.source_record_id])
    return ctdc.export(items, recruitment=by_person_year, k=k)
