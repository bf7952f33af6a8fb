"""Victims answers from a person-year frame: the year's figures, gap decomposition, grouped
cells, rates, Chapman estimates and overlap patterns, with small-cell suppression."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from app.schema.ubigeo import population, tables
from app.statistics.capture import (
    ASSUMPTIONS,
    BOUNDS_ASSUMPTIONS,
    Estimate,
    chapman,
    stratified,
    stratified_bounds,
)
from app.statistics.counting import DIMENSIONS
from app.statistics.frame import Frame, Slice
from app.statistics.population import CaptureCounts
from app.statistics.rules import GAP_LABELS as _GAP_LABELS
from app.statistics.rules import RULES
from app.statistics.schemas import (
    BoundsRead,
    CellRead,
    EstimateRead,
    GapRead,
    GapStepRead,
    PatternRead,
    RateRead,
    StratifiedEstimateRead,
    VictimQuery,
    VictimStatsRead,
    YearRead,
)
from app.statistics.suppression import Constraint, marginal_table, suppress

__all__ = ["MAX_GROUP_DIMS", "answer", "answer_together", "check"]

MAX_GROUP_DIMS = 2  # besides the year: keeps tables readable and the suppression audit exact


@dataclass
class _Table:
    """All values served, keyed, with the constraints that tie them and the hidden helpers."""

    values: dict[tuple[Any, ...], int]
    constraints: list[Constraint[tuple[Any, ...]]]
    unpublished: set[tuple[Any, ...]]

    def add(self, total: tuple[Any, ...], parts: Sequence[tuple[Any, ...]]) -> None:
        self.constraints.append((total, list(parts)))


def _year_values(
    filtered: Slice, base: Slice, scope: int, basis: int, own: dict[str, int]
) -> dict[str, int]:
    # Persons are distinct within a person-year set, so set algebra is counting by list bits.
    r, s = filtered.bit("RETA"), filtered.bit("SISTRA")
    identified = filtered.identified_count()
    v = {
        "reconciled": len(filtered),
        "identified": identified,
        "unidentified": len(filtered) - identified,
        "reta_only": filtered.count(r, unseen=s),
        "sistra_only": filtered.count(s, unseen=r),
        "both": filtered.count(r | s),
        **own,
        "reta_persons_all": base.count(r),
        "sistra_persons_all": base.count(s),
        "both_all": base.count(r | s),
        "reta_only_all": base.count(r, unseen=s),
        "sistra_only_all": base.count(s, unseen=r),
        "reta_only_other_year": base.count(r, unseen=s, ever=s),
        "sistra_only_other_year": base.count(s, unseen=r, ever=r),
        "rec_all": len(base),
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
_UNPUBLISHED = (
    "reta_rows_related",
    "sistra_rows_related",
    "reta_persons_all",
    "sistra_persons_all",
)


def _gaps(year: int, get: Any) -> list[GapRead]:
    def step(key: str, sign: int) -> GapStepRead:
        value = get(year, key)
        return GapStepRead(
            key=key, label=_GAP_LABELS[key], value=None if value is None else sign * value
        )

    tail = [step("scope_term", -1), step("basis_term", -1), step("filter_term", -1)]
    end = get(year, "reconciled")
    return [
        GapRead(
            start="reta_rows",
            start_value=get(year, "reta_rows"),
            steps=[
                step("dup_reta", -1),
                step("sistra_only_never", 1),
                step("sistra_only_other_year", 1),
                *tail,
            ],
            end_value=end,
        ),
        GapRead(
            start="sistra_rows",
            start_value=get(year, "sistra_rows"),
            steps=[
                step("dup_sistra", -1),
                step("reta_only_never", 1),
                step("reta_only_other_year", 1),
                *tail,
            ],
            end_value=end,
        ),
        GapRead(
            start="reta_rows+sistra_rows",
            start_value=None
            if get(year, "reta_rows") is None or get(year, "sistra_rows") is None
            else get(year, "reta_rows") + get(year, "sistra_rows"),
            steps=[step("dup_reta", -1), step("dup_sistra", -1), step("both_all", -1), *tail],
            end_value=end,
        ),
    ]


def _estimate_read(e: Estimate) -> EstimateRead:
    return EstimateRead(
        n1=e.n1, n2=e.n2, m=e.m, observed=e.observed, total=round(e.total, 1),
        se=round(e.se, 1), ci_low=round(e.ci_low, 1), ci_high=round(e.ci_high, 1),
    )  # fmt: skip


def _stratified(items: Slice, dim: str, *, small: int | None) -> StratifiedEstimateRead | None:
    groups: dict[str, dict[str, int]] = {}
    for (value, overlap), n in items.tabulate([dim, "overlap"]).items():
        groups.setdefault(value, {})[overlap] = n
    counts = {
        k: (c.get("solo_reta", 0), c.get("solo_sistra", 0), c.get("ambos", 0))
        for k, c in sorted(groups.items())
    }
    if not counts:
        return None
    est = stratified({k: (r + b, s + b, b) for k, (r, s, b) in counts.items()})
    strata = {k: _estimate_read(e) for k, e in est.strata.items()}
    if small is not None and any(min(c) < small for c in counts.values()):
        strata = {}
    return StratifiedEstimateRead(by=dim, total=_estimate_read(est.total), strata=strata)


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


@lru_cache(maxsize=256)
def _dept_code(name: str) -> str | None:
    return next((a.inei for a in tables().departments.values() if a.department == name), None)


_FIELDS = (
    "reconciled", "identified", "unidentified", "reta_only", "sistra_only", "both",
    "reta_rows", "reta_rows_trafficking", "sistra_rows", "sistra_rows_trafficking",
)  # fmt: skip


def _fill_cells(table: _Table, year: int, items: Slice, dims: list[str]) -> None:
    """Add the grouping table of one year (person-years of different years never add up)."""
    values, constraints = marginal_table(items.tabulate(dims[1:]))
    y = str(year)
    for key, v in values.items():
        table.values[("c", y, *key)] = v
    for total, parts in constraints:
        table.add(("c", y, *total), [("c", y, *p) for p in parts])
    if values:
        table.add(("y", year, "reconciled"), [("c", y, *(("*",) * (len(dims) - 1)))])


def _fill_rates(
    table: _Table, year: int, items: Slice, dims: list[str]
) -> list[tuple[str, int, str]]:
    """Add persons by department of residence and of birth, tied to the year and the cells."""
    keys: list[tuple[str, int, str]] = []
    for basis in ("residence", "birth"):
        dim = f"department_{basis}"
        parts: list[tuple[Any, ...]] = []
        for (dept,), v in items.tabulate([dim]).items():
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


@lru_cache(maxsize=256)
def _population(code: str | None) -> float | None:
    return population(code) if code else None


@lru_cache(maxsize=16_384)
def _rate(basis: str, year: int, dept: str, persons: int | None) -> RateRead:
    """Return the rate of a department (shared between answers: they are read-only)."""
    code = _dept_code(dept)
    pop = _population(code)
    # Built without validation (hundreds per answer): the values have the validated types.
    return RateRead.model_construct(
        year=year,
        basis="residence" if basis == "residence" else "birth",
        department=dept,
        department_code=code,
        persons=persons,
        population=float(round(pop)) if pop else None,
        rate_per_100k=round(persons / pop * 100_000, 2) if persons is not None and pop else None,
    )


def _bounds_read(
    strata: dict[str, CaptureCounts] | None,
    pooled: dict[str, tuple[int, int]],
    small: int | None,
) -> BoundsRead | None:
    if not strata or sum(c.m for c in strata.values()) == 0:
        return None
    total = [sum(getattr(c, f) for c in strata.values()) for f in ("n1", "n2", "m")]
    ref = (sum(u for u, _ in pooled.values()), sum(i for _, i in pooled.values()))
    if small is not None and min(*total, *ref) < small:
        return None
    b = stratified_bounds({k: (c.n1, c.n2, c.m) for k, c in strata.items()}, pooled)
    # The aligned population differs slightly from the year's published figures: below
    # reviewer its counts are not served, so differences cannot reveal small cells.
    names = ("n1", "n2", "m", "unreferred", "unreferred_in_sistra")
    shown = dict(zip(names, (*total, *ref), strict=True))
    return BoundsRead(
        lower_total=round(b.lower.total, 1),
        upper_total=round(b.upper_total, 1),
        ci_low=round(b.ci_low, 1),
        ci_high=round(b.ci_high, 1),
        **({} if small is not None else shown),
    )


def _year_read(
    year: int,
    items: Slice,
    get: Any,
    small: int | None,
    aligned: dict[str, CaptureCounts] | None = None,
    pooled: dict[str, tuple[int, int]] | None = None,
) -> tuple[YearRead, list[PatternRead]]:
    fields: dict[str, int | None] = {k: get(year, k) for k in _FIELDS}
    r, s, b = fields["reta_only"], fields["sistra_only"], fields["both"]
    estimate = None
    if r is not None and s is not None and b is not None and (small is None or b >= small):
        estimate = _estimate_read(chapman(r + b, s + b, b))
    read = YearRead(
        year=year,
        **fields,
        estimate=estimate,
        estimate_by_sex=_stratified(items, "sex", small=small) if estimate else None,
        estimate_by_age=_stratified(items, "age_minor", small=small) if estimate else None,
        estimate_bounds=_bounds_read(aligned, pooled or {}, small) if estimate else None,
        gaps=_gaps(year, get),
    )
    patterns = [
        PatternRead(year=year, lists={"RETA": lists[0], "SISTRA": lists[1]}, persons=value)
        for lists, value in (((True, False), r), ((False, True), s), ((True, True), b))
    ]
    return read, patterns


@dataclass
class _Prepared:
    """One query's values before suppression, and what rendering its answer needs."""

    query: VictimQuery
    dims: list[str]
    years: list[int]
    table: _Table
    slices: dict[int, Slice]
    rate_keys: list[tuple[str, int, str]]
    lists: tuple[str, ...]


def _prepare(frame: Frame, query: VictimQuery) -> _Prepared:
    dims = check(query)
    basis, family = query.date_basis, query.offence_family
    where = {k: set(v) for k, v in query.where.items()}
    filtered = frame.variant(basis, family).select(where)
    base = frame.variant("registration", None)
    scope = frame.variant("registration", family).counts_by_year()
    in_basis = frame.variant(basis, family).counts_by_year()
    own = frame.own
    years = sorted(y for y in {y for _, y in own} | filtered.year_set() if _in_range(query, y))
    table = _Table({}, [], set())
    rate_keys: list[tuple[str, int, str]] = []
    slices: dict[int, Slice] = {}
    for y in years:
        figures = {
            f"{s.lower()}_{k}": getattr(own[(s, y)], k) if (s, y) in own else 0
            for s in ("RETA", "SISTRA")
            for k in ("rows", "rows_trafficking")
        }
        f = slices[y] = filtered.year(y)
        values = _year_values(f, base.year(y), scope.get(y, 0), in_basis.get(y, 0), figures)
        table.values.update({("y", y, k): v for k, v in values.items()})
        table.unpublished.update(("y", y, k) for k in _UNPUBLISHED)
        for total, parts in _YEAR_CONSTRAINTS:
            table.add(("y", y, total), [("y", y, p) for p in parts])
        _fill_cells(table, y, f, dims)
        rate_keys += _fill_rates(table, y, f, dims)
        if len(frame.lists) > 2:
            _fill_patterns(table, y, f)
    return _Prepared(query, dims, years, table, slices, rate_keys, frame.lists)


def _fill_patterns(table: _Table, year: int, items: Slice) -> None:
    """Add the persons of every combination of 3+ lists, tied to the year's figures (with two
    lists the combinations are reta_only, sistra_only and both themselves)."""
    counts = items.patterns()
    masks = range(1, 1 << len(items.lists))
    for mask in masks:
        table.values[("p", year, mask)] = counts.get(mask, 0)
    r, s = items.bit("RETA"), items.bit("SISTRA")
    groups = {
        "reconciled": list(masks),
        "both": [m for m in masks if m & r and m & s],
        "reta_only": [m for m in masks if m & r and not m & s],
        "sistra_only": [m for m in masks if m & s and not m & r],
    }
    for total, parts in groups.items():
        table.add(("y", year, total), [("p", year, m) for m in parts])


def _patterns(year: int, lists: tuple[str, ...], get: Any) -> list[PatternRead]:
    return [
        PatternRead(
            year=year,
            lists={name: bool(mask >> i & 1) for i, name in enumerate(lists)},
            persons=get("p", year, mask),
        )
        for mask in range(1, 1 << len(lists))
    ]


def answer(
    frame: Frame,
    *,
    query: VictimQuery,
    suppress_small: bool = False,
    threshold: int = 5,
    last_linkage: datetime | None = None,
) -> VictimStatsRead:
    """Answer a query from a person-year frame (`compute` with the rows already framed)."""
    prep = _prepare(frame, query)
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

    def get(*key: Any) -> int | None:
        full = key if key[0] in ("c", "r", "p") else ("y", *key)
        return None if full in hidden else table.values.get(full, 0)

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
    patterns: list[PatternRead] = []
    for y in years:
        read, pats = _year_read(y, prep.slices[y], get, small, aligned.get(y), pooled)
        out_years.append(read)
        patterns += pats if len(prep.lists) == 2 else _patterns(y, prep.lists, get)
    cell_keys = sorted(k[1:] for k in table.values if k[0] == "c")
    return VictimStatsRead(
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
            CellRead.model_construct(
                key={d: ("total" if x == "*" else x) for d, x in zip(dims, key, strict=True)},
                persons=get("c", *key),
            )
            for key in cell_keys
        ],
        patterns=patterns,
        rates=[_rate(b, y, d, get("r", b, y, d)) for b, y, d in prep.rate_keys],
    )
