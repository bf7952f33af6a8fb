"""Fast grouped counts: a per-run person-year index (default) or SQL over the victim facts."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.orm import Session

from app.config import get_settings
from app.statistics import repository
from app.statistics.counting import DIMENSIONS, DateBasis, person_years
from app.statistics.index import FACT_NAMES, PersonYearIndex, index_from_facts
from app.statistics.store import CountCell, cached, count_cells, current_rows, refresh_facts
from app.statistics.suppression import marginal_table, suppress

__all__ = ["count_victims"]


def _index(session: Session, key: Any, basis: DateBasis) -> PersonYearIndex:
    if key is None:  # never linked: count the live rows, nothing to key a cache on
        loaded = current_rows(session)
        items = person_years(loaded.rows, date_basis=basis, identified_persons=loaded.identified)
        return PersonYearIndex.build(items)

    def build() -> PersonYearIndex:
        if repository.facts_run_id(session) != key[0]:
            refresh_facts(session, run_id=key[0])
        cols = repository.fact_columns(session, names=FACT_NAMES)
        return index_from_facts(cols, basis=basis)

    return cached(("index", key, basis), build, heavy=True)


def _suppress_cells(cells: dict[tuple[str, ...], int], threshold: int) -> set[tuple[str, ...]]:
    """Hide small cells so that none can be recovered even from every published margin."""
    values, constraints = marginal_table(cells)
    return suppress(values, constraints, threshold=threshold) & set(cells)


def count_victims(
    session: Session,
    *,
    date_basis: DateBasis = "registration",
    group_by: list[str] | None = None,
    where: dict[str, list[str]] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    suppress_small: bool = False,
    threshold: int | None = None,
    method: Literal["index", "sql"] = "index",
) -> list[CountCell]:
    """Count distinct victims per year and dimensions, fast: from a per-run index or SQL.

    `index` (default) counts the person-years of the full answer (same cells); `sql` runs
    COUNT(DISTINCT person_id) over the victim facts with row attributes.
    """
    dims = [d for d in (group_by or []) if d != "year"]
    bad = [d for d in [*dims, *(where or {})] if d not in DIMENSIONS]
    if bad:
        raise ValueError(f"dimensiones desconocidas: {', '.join(bad)}")
    key = repository.last_run_key(session)
    if method == "sql":
        if key is not None and repository.facts_run_id(session) != key[0]:
            refresh_facts(session, run_id=key[0])

        def sql() -> list[CountCell]:
            return count_cells(
                session, date_basis=date_basis, group_by=dims, where=where or {},
                year_from=year_from, year_to=year_to,
            )  # fmt: skip

        frozen_sql = tuple(sorted((k, tuple(sorted(v))) for k, v in (where or {}).items()))
        sql_key = ("sql", key, date_basis, tuple(dims), frozen_sql, year_from, year_to)
        return sql() if key is None else list(cached(sql_key, sql))
    limit = get_settings().stats_threshold if threshold is None else threshold

    def run() -> list[CountCell]:
        index = _index(session, key, date_basis)
        cells = index.count(dims, where=where, year_from=year_from, year_to=year_to)
        hidden = _suppress_cells(cells, limit) if suppress_small else set()
        return [CountCell(int(k[0]), k[1:], None if k in hidden else v) for k, v in cells.items()]

    if key is None:
        return run()
    frozen = tuple(sorted((k, tuple(sorted(v))) for k, v in (where or {}).items()))
    params = (date_basis, tuple(dims), frozen, year_from, year_to, suppress_small, limit)
    return list(cached(("count", key, params), run))
