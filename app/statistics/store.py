"""Victim facts (one row per victim source row, rebuilt per linkage run) and answer caches.

Cost model: `refresh_facts` reads every current victim row once (JSON parsed once per run, not
per query) and bulk-inserts the facts; a full statistics answer is then computed once per
(run, parameters) and kept in an in-process LRU keyed by the run's id and end time.
`count_victims` is the SQL fast path for plain grouped counts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.schema.ubigeo import department_name, tables
from app.statistics import repository
from app.statistics.counting import UNKNOWN, VictimRow
from app.statistics.facts import FACT_COLUMNS, case_years, fact_row, victim_row
from app.statistics.frame import (
    BASES,
    FAMILIES,
    Frame,
    Variant,
    VariantKey,
    build_frame,
    dump_variant,
    load_variant,
)
from app.statistics.tables import warm

__all__ = [
    "CountCell",
    "LoadedRows",
    "StaleFrame",
    "cached",
    "clear_caches",
    "count_cells",
    "current_rows",
    "refresh_facts",
    "run_frame",
    "store_frame",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LoadedRows:
    """What `compute` needs: victim rows, raw row figures, identified persons, run end."""

    rows: list[VictimRow]
    raw: list[tuple[str, Any, str]]
    identified: set[int]
    last_linkage: datetime | None


@dataclass(frozen=True, slots=True)
class CountCell:
    """Distinct persons with a victim row in one (year, *values) cell."""

    year: int
    key: tuple[str, ...]
    persons: int | None  # None: hidden by small-cell suppression


class _Lru:
    """A small thread-safe LRU of computed answers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]  # type: ignore[no-any-return]
        value = make()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_ANSWERS = _Lru(256)
# Indexes, frame variants and as-of rows: tens of MB each at national scale. A panorama uses up
# to four variants of a run, the counts two indexes.
_HEAVY = _Lru(12)


def clear_caches() -> None:
    """Forget every cached answer (tests; after restoring a database)."""
    _ANSWERS.clear()
    _HEAVY.clear()


def cached(key: Hashable, make: Callable[[], T], *, heavy: bool = False) -> T:
    """Return the cached value of `key`, computing it with `make` on a miss; `heavy` values
    (row sets, indexes) go to a much smaller cache."""
    return (_HEAVY if heavy else _ANSWERS).get(key, make)


class StaleFrame(LookupError):
    """The stored frame was replaced by a newer run's while an answer was being computed."""


def refresh_facts(session: Session, *, run_id: int) -> int:
    """Rebuild `victim_facts` and the person-year frame from the current victim rows and
    persons of run `run_id`."""
    repository.lock_facts(session)
    rows = list(repository.victim_rows(session))
    identified = _identified(session, rows)
    years = case_years(rows)
    facts = [fact_row(r, run_id=run_id, identified=identified, case_year=years) for r in rows]
    repository.replace_facts(session, rows=facts)
    raw = [(r.system, r.registration_date, r.offence_family) for r in rows]
    store_frame(session, run_id=run_id, rows=rows, raw=raw, identified=identified)
    session.flush()
    return len(facts)


def store_frame(
    session: Session,
    *,
    run_id: int,
    rows: list[VictimRow],
    raw: list[tuple[str, Any, str]],
    identified: set[int],
) -> Frame:
    """Build every variant of the person-year frame of `rows` and store it for run `run_id`."""
    frame = build_frame(rows, raw, identified=identified, eager=True)
    parts: list[tuple[str, dict[str, Any], bytes | None]] = [("meta", frame.meta(), None)]
    for (basis, family), variant in frame.variants.items():
        data, meta = dump_variant(variant)
        parts.append((f"{basis}:{family}", meta, data))
    repository.replace_frame(session, run_id=run_id, parts=parts)
    return frame


def run_frame(session: Session, key: tuple[int, datetime]) -> Frame:
    """Return the person-year frame of the run `key`: stored by the run, loaded once per
    process (variants on first use); rebuilt and stored when missing (a database from before
    frames were stored). Raises StaleFrame when a newer run replaced it meanwhile."""
    run_id = key[0]

    def meta() -> dict[str, Any]:
        if repository.frame_run_id(session) != run_id:
            loaded = current_rows(session)  # refreshes the facts, and so the frame, if stale
            if repository.frame_run_id(session) != run_id:
                store_frame(
                    session, run_id=run_id, rows=loaded.rows, raw=loaded.raw,
                    identified=loaded.identified,
                )  # fmt: skip
        part = repository.frame_part(session, run_id=run_id, part="meta")
        if part is None:
            raise StaleFrame(run_id)
        return part[0]

    def make(variant: VariantKey) -> Variant:
        def load() -> Variant:
            part = repository.frame_part(session, run_id=run_id, part=":".join(variant))
            if part is None or part[1] is None:
                raise StaleFrame(run_id)
            return load_variant(part[1], part[0])

        return cached(("frame", key, variant), load, heavy=True)

    frame = Frame.from_meta(cached(("frame_meta", key), meta), make)
    # Every variant, its index and unfiltered cubes at once, on the first answer after a run:
    # later queries of any shape then count in memory instead of paying a load in between.
    cached(("frame_loaded", key), partial(_load_all, frame))
    return frame


def _load_all(frame: Frame) -> bool:
    for basis in BASES:
        for family in FAMILIES:
            warm(frame.variant(basis, family))
    return True


def _identified(session: Session, rows: list[VictimRow]) -> set[int]:
    identified = repository.identified_persons(session)
    identified |= {r.person_id for r in rows if r.person_id < 0 and not r.unidentified}
    return identified


def current_rows(session: Session) -> LoadedRows:
    """Load victim rows from the facts, rebuilding them first when the last run is newer."""
    run = repository.last_run_key(session)
    if run is None:
        rows = list(repository.victim_rows(session))
        identified = _identified(session, rows)
    else:
        if repository.facts_run_id(session) != run[0]:
            refresh_facts(session, run_id=run[0])
        rows, identified = [], set()
        for fact in repository.fact_rows(session):
            row = victim_row(fact)
            rows.append(row)
            if fact["person_identified"]:
                identified.add(row.person_id)
    raw = [(r.system, r.registration_date, r.offence_family) for r in rows]
    return LoadedRows(rows, raw, identified, run[1] if run else None)


def _label(dim: str, value: Any) -> str:
    if value is None:
        return UNKNOWN
    if dim.startswith("department_"):
        return department_name(f"{value}0000") or UNKNOWN
    if dim == "identification":
        return "identificada" if value else "no_identificada"
    return str(value)


def _codes(dim: str, values: list[str]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v == UNKNOWN:
            out.append(None)
        elif dim.startswith("department_"):
            out += [a.inei[:2] for a in tables().departments.values() if a.department == v]
        elif dim == "identification":
            out.append(v == "identificada")
        else:
            out.append(v)
    return out


def count_cells(
    session: Session,
    *,
    date_basis: str,
    group_by: list[str],
    where: dict[str, list[str]],
    year_from: int | None = None,
    year_to: int | None = None,
) -> list[CountCell]:
    """Count distinct persons per year and dimensions straight from the facts in SQL.

    Row attributes, not the per-person choice of the full answer: a person whose rows of a
    year disagree (say two departments) counts once in each cell.
    """
    unknown = [d for d in [*group_by, *where] if d not in FACT_COLUMNS and d != "year"]
    if unknown:
        raise ValueError(f"dimensiones no disponibles en el conteo rápido: {', '.join(unknown)}")
    dims = [d for d in group_by if d != "year"]
    filters = {FACT_COLUMNS[d]: _codes(d, v) for d, v in where.items() if d != "year"}
    years = [int(v) for v in where.get("year", [])]
    if years:
        year_from = max(min(years), year_from) if year_from is not None else min(years)
        year_to = min(max(years), year_to) if year_to is not None else max(years)
    rows = repository.count_facts(
        session,
        year_column="year_facts" if date_basis == "facts" else "year_registration",
        columns=[FACT_COLUMNS[d] for d in dims],
        year_from=year_from,
        year_to=year_to,
        where=filters,
    )
    cells: dict[tuple[int, tuple[str, ...]], int] = {}
    for year, *values, persons in rows:
        if years and year not in years:
            continue
        key = (int(year), tuple(_label(d, v) for d, v in zip(dims, values, strict=True)))
        # Unknown codes fold into 'desconocido': keep the larger (persons overlap).
        cells[key] = max(cells.get(key, 0), int(persons))
    return [CountCell(y, k, v) for (y, k), v in sorted(cells.items())]
