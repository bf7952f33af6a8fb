"""Rendering a victims answer: the API objects of a year (figures, gaps, estimates, bounds),
the overlap patterns and the rates, from counted values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from app.schema.ubigeo import population, tables
from app.statistics.capture import Estimate, chapman, stratified, stratified_bounds
from app.statistics.population import CaptureCounts
from app.statistics.rules import GAP_LABELS
from app.statistics.schemas import (
    BoundsRead,
    EstimateRead,
    GapRead,
    GapStepRead,
    PatternRead,
    RateRead,
    StratifiedEstimateRead,
    YearRead,
)
from app.statistics.tables import YearCounts
from app.statistics.variant import overlap_labels

__all__ = ["Get", "build", "patterns", "rate", "year_read"]

M = TypeVar("M", bound=BaseModel)
Get = Callable[..., int | None]  # (year, key) or ("c"/"r"/"p", ...) -> served value


@lru_cache(maxsize=64)
def _fields(cls: type[BaseModel]) -> tuple[tuple[str, ...], dict[str, Any]]:
    return tuple(cls.model_fields), dict(cls.model_fields)


def build(cls: type[M], **values: Any) -> M:
    """Construct a model from values that already have its validated types, unvalidated.

    An answer holds thousands of small objects: validating them cost more than counting.
    Same fields set, defaults and serialisation as `cls(**values)`.
    """
    given = set(values)
    names, infos = _fields(cls)
    if tuple(values) != names:
        # In field order: the serialiser writes the fields in the order of `__dict__`.
        values = {
            name: values[name]
            if name in values
            else infos[name].get_default(call_default_factory=True)
            for name in names
        }
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", given)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


@lru_cache(maxsize=65_536)
def _step(key: str, value: int | None) -> GapStepRead:
    """Return a gap term (shared between answers: they are read-only)."""
    return build(GapStepRead, key=key, label=GAP_LABELS[key], value=value)


def _gaps(year: int, get: Get) -> list[GapRead]:
    def step(key: str, sign: int) -> GapStepRead:
        value = get(year, key)
        return _step(key, None if value is None else sign * value)

    tail = [step("scope_term", -1), step("basis_term", -1), step("filter_term", -1)]
    end = get(year, "reconciled")
    reta, sistra = get(year, "reta_rows"), get(year, "sistra_rows")
    return [
        build(
            GapRead,
            start="reta_rows",
            start_value=reta,
            steps=[
                step("dup_reta", -1),
                step("sistra_only_never", 1),
                step("sistra_only_other_year", 1),
                *tail,
            ],
            end_value=end,
        ),
        build(
            GapRead,
            start="sistra_rows",
            start_value=sistra,
            steps=[
                step("dup_sistra", -1),
                step("reta_only_never", 1),
                step("reta_only_other_year", 1),
                *tail,
            ],
            end_value=end,
        ),
        build(
            GapRead,
            start="reta_rows+sistra_rows",
            start_value=None if reta is None or sistra is None else reta + sistra,
            steps=[step("dup_reta", -1), step("dup_sistra", -1), step("both_all", -1), *tail],
            end_value=end,
        ),
    ]


def _estimate_read(e: Estimate) -> EstimateRead:
    return build(
        EstimateRead, n1=e.n1, n2=e.n2, m=e.m, observed=e.observed, total=round(e.total, 1),
        se=round(e.se, 1), ci_low=round(e.ci_low, 1), ci_high=round(e.ci_high, 1),
    )  # fmt: skip


@lru_cache(maxsize=65_536)
def _chapman_read(n1: int, n2: int, m: int) -> EstimateRead:
    """Return Chapman's estimate (shared between answers: they are read-only)."""
    return _estimate_read(chapman(n1, n2, m))


def _stratified(
    counts: YearCounts | None,
    axis: int,
    vocab: tuple[str, ...],
    lists: tuple[str, ...],
    *,
    small: int | None,
    dim: str,
) -> StratifiedEstimateRead | None:
    if counts is None:
        return None
    # [list bits, stratum]: the core table summed over identification and the other stratum.
    table = counts.core.sum(axis=(1, 3 if axis == 2 else 2))
    labels = overlap_labels(lists)
    by_overlap: dict[str, Any] = {}
    for mask, label in enumerate(labels):
        by_overlap[label] = by_overlap.get(label, 0) + table[mask]
    zero = np.zeros(len(vocab), dtype=np.int64)
    r, s, b = (by_overlap.get(k, zero).tolist() for k in ("solo_reta", "solo_sistra", "ambos"))
    present = np.flatnonzero(table.sum(axis=0)).tolist()
    counts_ = tuple((vocab[c], (r[c], s[c], b[c])) for c in sorted(present, key=lambda c: vocab[c]))
    return _stratified_read(dim, counts_, small) if counts_ else None


@lru_cache(maxsize=16_384)
def _stratified_read(
    dim: str, counts: tuple[tuple[str, tuple[int, int, int]], ...], small: int | None
) -> StratifiedEstimateRead:
    """Return the stratified estimate of (reta_only, sistra_only, both) per stratum (shared
    between answers: they are read-only)."""
    est = stratified({k: (r + b, s + b, b) for k, (r, s, b) in counts})
    strata = {k: _estimate_read(e) for k, e in est.strata.items()}
    if small is not None and any(min(c) < small for _, c in counts):
        strata = {}
    return build(StratifiedEstimateRead, by=dim, total=_estimate_read(est.total), strata=strata)


@lru_cache(maxsize=256)
def _dept_code(name: str) -> str | None:
    return next((a.inei for a in tables().departments.values() if a.department == name), None)


@lru_cache(maxsize=256)
def _population(code: str | None) -> float | None:
    return population(code) if code else None


@lru_cache(maxsize=16_384)
def rate(basis: str, year: int, dept: str, persons: int | None) -> RateRead:
    """Return the rate of a department (shared between answers: they are read-only)."""
    code = _dept_code(dept)
    pop = _population(code)
    return build(
        RateRead,
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
    return _bounds_cached(tuple(strata.items()), tuple(pooled.items()), small)


@lru_cache(maxsize=4096)
def _bounds_cached(
    items: tuple[tuple[str, CaptureCounts], ...],
    pooled_items: tuple[tuple[str, tuple[int, int]], ...],
    small: int | None,
) -> BoundsRead | None:
    """Return the dependence bounds (shared between answers: they are read-only)."""
    strata, pooled = dict(items), dict(pooled_items)
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


_FIELDS = (
    "reconciled", "identified", "unidentified", "reta_only", "sistra_only", "both",
    "reta_rows", "reta_rows_trafficking", "sistra_rows", "sistra_rows_trafficking",
)  # fmt: skip


def year_read(
    year: int,
    counts: YearCounts | None,
    vocab: Mapping[str, tuple[str, ...]],
    lists: tuple[str, ...],
    get: Get,
    small: int | None,
    aligned: dict[str, CaptureCounts] | None = None,
    pooled: dict[str, tuple[int, int]] | None = None,
) -> tuple[YearRead, list[PatternRead]]:
    """Return the figures of a year and its two-list overlap patterns."""
    fields: dict[str, int | None] = {k: get(year, k) for k in _FIELDS}
    r, s, b = fields["reta_only"], fields["sistra_only"], fields["both"]
    estimate = by_sex = by_age = bounds = None
    if r is not None and s is not None and b is not None and (small is None or b >= small):
        estimate = _chapman_read(r + b, s + b, b)
        by_sex = _stratified(counts, 2, vocab["sex"], lists, small=small, dim="sex")
        by_age = _stratified(counts, 3, vocab["age_minor"], lists, small=small, dim="age_minor")
        bounds = _bounds_read(aligned, pooled or {}, small)
    read = build(
        YearRead,
        year=year,
        **fields,
        estimate=estimate,
        estimate_by_sex=by_sex,
        estimate_by_age=by_age,
        estimate_bounds=bounds,
        gaps=_gaps(year, get),
    )
    two = [
        build(PatternRead, year=year, lists={"RETA": seen[0], "SISTRA": seen[1]}, persons=value)
        for seen, value in (((True, False), r), ((False, True), s), ((True, True), b))
    ]
    return read, two


def patterns(year: int, lists: tuple[str, ...], get: Get) -> list[PatternRead]:
    """Return the persons of every combination of 3+ lists."""
    return [
        build(
            PatternRead,
            year=year,
            lists={name: bool(mask >> i & 1) for i, name in enumerate(lists)},
            persons=get("p", year, mask),
        )
        for mask in range(1, 1 << len(lists))
    ]
