"""Victims answers from a person-year frame: the year's figures, gap decomposition, grouped
cells, rates, Chapman estimates and overlap patterns, with small-cell suppression.

Every count comes from `tables.count_years` (a few bincounts per year); this module ties the
values together for suppression and `reads.py` renders them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import product
from typing import Any

import numpy as np

from app.statistics.capture import ASSUMPTIONS, BOUNDS_ASSUMPTIONS
from app.statistics.counting import DIMENSIONS
from app.statistics.reads import build, patterns, rate, year_read
from app.statistics.rules import RULES
from app.statistics.schemas import CellRead, PatternRead, VictimQuery, VictimStatsRead, YearRead
from app.statistics.suppression import Constraint, marginal_table, suppress
from app.statistics.tables import YearCounts, count_years
from app.statistics.variant import Frame, Variant

__all__ = ["MAX_GROUP_DIMS", "answer", "answer_together", "check"]

MAX_GROUP_DIMS = 2  # besides the year: keeps tables readable and the suppression audit exact
_TOTAL = {"*": "total"}  # a margin's label in the served cells


@dataclass
class _Table:
    """All values served, keyed, with the constraints that tie them and the hidden helpers.

    Constraints are only collected when `tied` (they serve suppression alone)."""

    values: dict[tuple[Any, ...], int]
    constraints: list[Constraint[tuple[Any, ...]]]
    unpublished: set[tuple[Any, ...]]
    tied: bool = True

    def add(self, total: tuple[Any, ...], parts: Sequence[tuple[Any, ...]]) -> None:
        if self.tied:
            self.constraints.append((total, list(parts)))


def _count(by_bits: Sequence[int], seen: int, unseen: int = 0) -> int:
    """Person-years whose list bits include all of `seen` and none of `unseen`."""
    return sum(n for m, n in enumerate(by_bits) if m & seen == seen and not m & unseen)


def _base_values(base: Variant, year: int) -> dict[str, int]:
    """Return the year's figures over every person-year (the same for every query)."""
    key = ("base_values", year)
    found = base.memo.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    pairs = base.seen_ever(year)  # [list bits that year, list bits ever]
    lists = base.lists
    r, s = (1 << lists.index(n) if n in lists else 0 for n in ("RETA", "SISTRA"))
    this_year = pairs.sum(axis=1).tolist()
    ever_r = pairs[:, [e for e in range(len(pairs)) if e & r]].sum(axis=1).tolist()
    ever_s = pairs[:, [e for e in range(len(pairs)) if e & s]].sum(axis=1).tolist()
    found = base.memo[key] = {
        "reta_persons_all": _count(this_year, r),
        "sistra_persons_all": _count(this_year, s),
        "both_all": _count(this_year, r | s),
        "reta_only_all": _count(this_year, r, unseen=s),
        "sistra_only_all": _count(this_year, s, unseen=r),
        "reta_only_other_year": _count(ever_s, r, unseen=s),
        "sistra_only_other_year": _count(ever_r, s, unseen=r),
        "rec_all": sum(this_year),
    }
    return found


def _year_values(
    counts: YearCounts | None,
    base: dict[str, int],
    lists: tuple[str, ...],
    scope: int,
    basis: int,
    own: dict[str, int],
) -> dict[str, int]:
    # Persons are distinct within a person-year set, so set algebra is counting by list bits.
    r, s = (1 << lists.index(n) if n in lists else 0 for n in ("RETA", "SISTRA"))
    if counts is None:
        by_bits: list[int] = [0] * (1 << len(lists))
        identified = 0
    else:
        by_bits = counts.core.sum(axis=(1, 2, 3)).tolist()
        identified = int(counts.core[:, 1].sum())
    reconciled = sum(by_bits)
    v = {
        "reconciled": reconciled,
        "identified": identified,
        "unidentified": reconciled - identified,
        "reta_only": _count(by_bits, r, unseen=s),
        "sistra_only": _count(by_bits, s, unseen=r),
        "both": _count(by_bits, r | s),
        **own,
        **base,
        "rec_scope": scope,
        "rec_basis": basis,
    }
    v["reta_only_never"] = v["reta_only_all"] - v["reta_only_other_year"]
    v["sistra_only_never"] = v["sistra_only_all"] - v["sistra_only_other_year"]
    v["dup_reta"] = v["reta_rows"] - v["reta_persons_all"]
    v["dup_sistra"] = v["sistra_rows"] - v["sistra_persons_all"]
    v["reta_rows_related"] = v["reta_rows"] - v["reta_rows_trafficking"]
    v["sistra_rows_related"] = v["sistra_rows"] - v["sistra_rows_trafficking"]
    v["scope_term"] = v["rec_all"] - v["rec_scope"]
    v["basis_term"] = v["rec_scope"] - v["rec_basis"]
    v["filter_term"] = v["rec_basis"] - v["reconciled"]
    # Persons seen by neither RETA nor SISTRA (only by a third list): zero with two lists.
    v["other_only"] = v["reconciled"] - v["reta_only"] - v["sistra_only"] - v["both"]
    v["other_only_all"] = v["rec_all"] - v["reta_only_all"] - v["sistra_only_all"] - v["both_all"]
    return v


_YEAR_CONSTRAINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reconciled", ("identified", "unidentified")),
    ("reconciled", ("reta_only", "sistra_only", "both")),
    ("reta_rows", ("reta_rows_trafficking", "reta_rows_related")),
    ("sistra_rows", ("sistra_rows_trafficking", "sistra_rows_related")),
    ("reta_rows", ("reta_persons_all", "dup_reta")),
    ("sistra_rows", ("sistra_persons_all", "dup_sistra")),
    ("reta_persons_all", ("reta_only_all", "both_all")),
    ("sistra_persons_all", ("sistra_only_all", "both_all")),
    ("reta_only_all", ("reta_only_other_year", "reta_only_never")),
    ("sistra_only_all", ("sistra_only_other_year", "sistra_only_never")),
    ("rec_all", ("reta_only_all", "sistra_only_all", "both_all")),
    ("rec_all", ("scope_term", "rec_scope")),
    ("rec_scope", ("basis_term", "rec_basis")),
    ("rec_basis", ("filter_term", "reconciled")),
)
# With a third list the overlap split misses its own persons: the constraints then carry
# them as an unserved term (with two lists it is a known zero, so it stays out: an unknown
# term there would let the solver miss a recoverable cell).
_MORE_LISTS_CONSTRAINTS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (total, (*parts, "other_only"))
    if parts == ("reta_only", "sistra_only", "both")
    else (total, (*parts, "other_only_all"))
    if parts == ("reta_only_all", "sistra_only_all", "both_all")
    else (total, parts)
    for total, parts in _YEAR_CONSTRAINTS
)
_UNPUBLISHED = (
    "reta_rows_related",
    "sistra_rows_related",
    "reta_persons_all",
    "sistra_persons_all",
)


def _in_range(query: VictimQuery, year: int) -> bool:
    return (query.year_from is None or year >= query.year_from) and (
        query.year_to is None or year <= query.year_to
    )


def check(query: VictimQuery) -> list[str]:
    """Return the grouping dimensions of a query (year first); ValueError when invalid."""
    dims = [d for d in query.group_by if d != "year"]
    unknown = [d for d in [*dims, *query.where] if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"dimensiones desconocidas: {', '.join(unknown)}")
    if len(set(dims)) != len(dims) or len(dims) > MAX_GROUP_DIMS:
        raise ValueError(f"agrupe por a lo sumo {MAX_GROUP_DIMS} dimensiones (más el año)")
    return ["year", *dims]


def _labelled(counts: np.ndarray, vocabs: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """Return the non-empty cells of a dense table by their labels, sorted (as `tabulate`)."""
    if not vocabs:
        total = int(counts)
        return {(): total} if total else {}
    where = np.nonzero(counts)
    values = counts[where].tolist()
    keys = zip(
        *(np.asarray(v, dtype=object)[c].tolist() for v, c in zip(vocabs, where, strict=True)),
        strict=True,
    )
    return dict(sorted(zip(keys, values, strict=True)))


def _margins(counts: np.ndarray, vocabs: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """Return the non-empty cells and margins of a dense table (as `marginal_table`'s values)."""
    n = len(vocabs)
    if n == 0:
        total = int(counts)
        return {(): total} if total else {}
    out: dict[tuple[str, ...], int] = {}
    for summed in product((False, True), repeat=n):
        axes = tuple(i for i, s in enumerate(summed) if s)
        table = counts.sum(axis=axes) if axes else counts
        kept = [vocabs[i] for i in range(n) if not summed[i]]
        if not kept:
            total = int(table)
            if total:
                out[("*",) * n] = total
            continue
        where = np.nonzero(table)
        values = table[where].tolist()
        labels = iter(
            [np.asarray(v, dtype=object)[c].tolist() for v, c in zip(kept, where, strict=True)]
        )
        columns = [["*"] * len(values) if s else next(labels) for s in summed]
        out.update(zip(zip(*columns, strict=True), values, strict=True))
    return out


def _fill_cells(table: _Table, year: int, cells: dict[tuple[str, ...], int], n: int) -> None:
    """Add the grouping table of one year (person-years of different years never add up)."""
    values, constraints = marginal_table(cells)
    y = str(year)
    for key, v in values.items():
        table.values[("c", y, *key)] = v
    for total, parts in constraints:
        table.add(("c", y, *total), [("c", y, *p) for p in parts])
    if values:
        table.add(("y", year, "reconciled"), [("c", y, *(("*",) * n))])


def _fill_rates(
    table: _Table, year: int, counts: YearCounts | None, variant: Variant, dims: list[str]
) -> list[tuple[str, int, str]]:
    """Add persons by department of residence and of birth, tied to the year and the cells."""
    keys: list[tuple[str, int, str]] = []
    if counts is None:
        return keys
    for axis, basis in enumerate(("residence", "birth")):
        dim = f"department_{basis}"
        parts: list[tuple[Any, ...]] = []
        persons = counts.place.sum(axis=1 - axis)
        for (dept,), v in _labelled(persons, [variant.vocab[dim]]).items():
            key = ("r", basis, year, dept)
            table.values[key] = v
            parts.append(key)
            keys.append((basis, year, dept))
            if dim in dims:
                idx = dims.index(dim)
                margin = tuple(dept if i == idx else "*" for i in range(1, len(dims)))
                table.add(("c", str(year), *margin), [key])
        if parts:
            table.add(("y", year, "reconciled"), parts)
    return keys


def _fill_patterns(
    table: _Table, year: int, counts: YearCounts | None, lists: tuple[str, ...]
) -> None:
    """Add the persons of every combination of 3+ lists, tied to the year's figures (with two
    lists the combinations are reta_only, sistra_only and both themselves)."""
    by_bits = (
        [0] * (1 << len(lists)) if counts is None else counts.core.sum(axis=(1, 2, 3)).tolist()
    )
    masks = range(1, 1 << len(lists))
    for mask in masks:
        table.values[("p", year, mask)] = by_bits[mask]
    r, s = (1 << lists.index(n) for n in ("RETA", "SISTRA"))
    groups = {
        "reconciled": list(masks),
        "both": [m for m in masks if m & r and m & s],
        "reta_only": [m for m in masks if m & r and not m & s],
        "sistra_only": [m for m in masks if m & s and not m & r],
    }
    for total, parts in groups.items():
        table.add(("y", year, total), [("p", year, m) for m in parts])


@dataclass
class _Prepared:
    """One query's values before suppression, and what rendering its answer needs."""

    query: VictimQuery
    dims: list[str]
    years: list[int]
    table: _Table
    counts: dict[int, YearCounts]
    vocab: Mapping[str, tuple[str, ...]]
    rate_keys: list[tuple[str, int, str]]
    lists: tuple[str, ...]


def _prepare(frame: Frame, query: VictimQuery, *, tied: bool = True) -> _Prepared:
    dims = check(query)
    basis, family = query.date_basis, query.offence_family
    where = {k: set(v) for k, v in query.where.items()}
    variant = frame.variant(basis, family)
    base = frame.variant("registration", None)
    scope = frame.variant("registration", family).counts_by_year()
    in_basis = variant.counts_by_year()
    own = frame.own
    own_years = {y for _, y in own}
    candidates = sorted(y for y in own_years | variant.year_set() if _in_range(query, y))
    counts = count_years(variant, where=where, dims=dims[1:], years=candidates)
    years = [y for y in candidates if y in own_years or y in counts]
    table = _Table({}, [], set(), tied)
    rate_keys: list[tuple[str, int, str]] = []
    vocabs = [variant.vocab[d] for d in dims[1:]]
    for y in years:
        figures = {
            f"{s.lower()}_{k}": getattr(own[(s, y)], k) if (s, y) in own else 0
            for s in ("RETA", "SISTRA")
            for k in ("rows", "rows_trafficking")
        }
        c = counts.get(y)
        values = _year_values(
            c, _base_values(base, y), frame.lists, scope.get(y, 0), in_basis.get(y, 0), figures
        )
        table.values.update({("y", y, k): v for k, v in values.items()})
        table.unpublished.update(("y", y, k) for k in _UNPUBLISHED)
        more_lists = set(frame.lists) - {"RETA", "SISTRA"}
        if more_lists:
            table.unpublished.update(("y", y, k) for k in ("other_only", "other_only_all"))
        for total, parts in _MORE_LISTS_CONSTRAINTS if more_lists else _YEAR_CONSTRAINTS:
            table.add(("y", y, total), [("y", y, p) for p in parts])
        if table.tied:
            cells = {} if c is None else _labelled(c.cells, vocabs)
            _fill_cells(table, y, cells, len(dims) - 1)
        elif c is not None:  # the values alone, summed with NumPy
            table.values.update(
                (("c", str(y), *k), v) for k, v in _margins(c.cells, vocabs).items()
            )
        rate_keys += _fill_rates(table, y, c, variant, dims)
        if len(frame.lists) > 2:
            _fill_patterns(table, y, c, frame.lists)
    return _Prepared(query, dims, years, table, counts, variant.vocab, rate_keys, frame.lists)


def answer(
    frame: Frame,
    *,
    query: VictimQuery,
    suppress_small: bool = False,
    threshold: int = 5,
    last_linkage: datetime | None = None,
) -> VictimStatsRead:
    """Answer a query from a person-year frame (`compute` with the rows already framed)."""
    prep = _prepare(frame, query, tied=suppress_small)
    t = prep.table
    hidden = (
        suppress(t.values, t.constraints, threshold=threshold, unpublished=t.unpublished)
        if suppress_small
        else set()
    )
    return _finish(frame, prep, hidden, suppress_small, threshold, last_linkage)


def _shared_key(prep: _Prepared, key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Name a value so that the same quantity in two answers gets the same name: year figures
    and rates depend on the filters only; cells also on the grouping."""
    q = prep.query
    scope = (q.date_basis, q.offence_family, tuple(sorted((k, tuple(sorted(v)))
                                                         for k, v in q.where.items())))  # fmt: skip
    return (scope, tuple(prep.dims), *key) if key[0] == "c" else (scope, *key)


def answer_together(
    frame: Frame,
    *,
    queries: Sequence[VictimQuery],
    suppress_small: bool = False,
    threshold: int = 5,
    last_linkage: datetime | None = None,
) -> list[VictimStatsRead]:
    """Answer queries published together (one report) with one small-cell suppression over
    all their tables, so a value hidden in one table cannot be recovered from another."""
    preps = [_prepare(frame, q) for q in queries]
    values: dict[tuple[Any, ...], int] = {}
    constraints: list[Constraint[tuple[Any, ...]]] = []
    unpublished: set[tuple[Any, ...]] = set()
    for prep in preps:
        t = prep.table

        def name(key: tuple[Any, ...], prep: _Prepared = prep) -> tuple[Any, ...]:
            return _shared_key(prep, key)

        for key, v in t.values.items():
            values[name(key)] = v
        constraints += [(name(total), [name(p) for p in parts]) for total, parts in t.constraints]
        unpublished.update(name(k) for k in t.unpublished)
    hidden = (
        suppress(values, constraints, threshold=threshold, unpublished=unpublished)
        if suppress_small
        else set()
    )
    return [
        _finish(
            frame,
            prep,
            {k for k in prep.table.values if _shared_key(prep, k) in hidden},
            suppress_small,
            threshold,
            last_linkage,
        )
        for prep in preps
    ]


def _finish(
    frame: Frame,
    prep: _Prepared,
    hidden: set[tuple[Any, ...]],
    suppress_small: bool,
    threshold: int,
    last_linkage: datetime | None,
) -> VictimStatsRead:
    query, dims, years, table = prep.query, prep.dims, prep.years, prep.table
    family = query.offence_family
    values = table.values

    def get(*key: Any) -> int | None:
        full = key if key[0] in ("c", "r", "p") else ("y", *key)
        return None if full in hidden else values.get(full, 0)

    small = threshold if suppress_small else None
    # The dependence interval is for a whole year's population: filters would cut cases apart.
    # One stratum: splitting by offence family was measured to widen the interval (the
    # 'related' stratum has few unreferred police cases, so its q1 is noisy) at equal coverage.
    aligned = {} if query.where else {y: {"": c} for y, c in frame.aligned[family or ""].items()}
    # q1 (direct route of unreferred police cases) is pooled over all years: one year has few.
    pooled: dict[str, tuple[int, int]] = {}
    for strata in aligned.values():
        for name, c in strata.items():
            u, i = pooled.get(name, (0, 0))
            pooled[name] = (u + c.unreferred, i + c.unreferred_in_sistra)
    out_years: list[YearRead] = []
    out_patterns: list[PatternRead] = []
    for y in years:
        read, two = year_read(
            y, prep.counts.get(y), prep.vocab, prep.lists, get, small, aligned.get(y), pooled
        )
        out_years.append(read)
        out_patterns += two if len(prep.lists) == 2 else patterns(y, prep.lists, get)
    # Hundreds of cells: built in one pass over the values, in key order.
    cells = sorted((k, None if k in hidden else v) for k, v in values.items() if k[0] == "c")
    cell = partial(build, CellRead)
    return build(
        VictimStatsRead,
        query=query,
        suppressed=suppress_small,
        threshold=threshold,
        rules=list(RULES),
        assumptions=[*ASSUMPTIONS, *BOUNDS_ASSUMPTIONS],
        last_linkage=last_linkage,
        unlinked_rows=frame.unlinked_rows,
        rows_without_date=frame.rows_without_facts_date if query.date_basis == "facts" else 0,
        years=out_years,
        group_by=dims,
        cells=[
            cell(
                key=dict(zip(dims, [_TOTAL.get(x, x) for x in key[1:]], strict=True)), persons=value
            )
            for key, value in cells
        ],
        patterns=out_patterns,
        rates=[rate(b, y, d, get("r", b, y, d)) for b, y, d in prep.rate_keys],
    )
