"""Per-query counts of one variant: every table of a victims answer from one `bincount` a year.

The person-years of a variant are sorted by year, so a year is a contiguous slice. Per year,
one bincount of the combined code (`Variant.index`) gives the year's *cube*: person-years by
list bits, identification, sex, age group, offence family and departments of residence and
birth. The year's figures, overlap patterns, stratified estimates and rates are sums over it;
so are filters and groupings on those dimensions (and on `identification` and `overlap`, which
are functions of its axes). The unfiltered cube of a year is kept with the variant, so such
queries touch no row at all. Other filters are one boolean mask over the rows; other groupings
one more bincount of their codes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from app.statistics.variant import CUBE, Variant, overlap_labels

__all__ = ["YearCounts", "count_years", "warm"]

Counts = npt.NDArray[np.int64]
T = TypeVar("T", bound=np.generic)
V = TypeVar("V")
Rows = tuple[int, int, npt.NDArray[np.intp] | None]  # a year's range, and rows within it
Axes = dict[str, tuple[int, npt.NDArray[np.int64]]]  # dimension -> (cube axis, axis -> code)


@dataclass(frozen=True, slots=True)
class YearCounts:
    """The person-years of one year of a filtered variant, tabulated."""

    core: Counts  # [list bits, identified, sex, age_minor]
    place: Counts  # [department_residence, department_birth]
    cells: Counts  # [*grouping]: one cell per combination of the grouping's codes


def _mask(variant: Variant, where: Mapping[str, Collection[str]]) -> npt.NDArray[np.bool_] | None:
    """Return the person-years matching every non-year filter (None: no such filter)."""
    mask: npt.NDArray[np.bool_] | None = None
    for dim, allowed in where.items():
        if dim == "year":
            continue
        vocab = variant.vocab[dim]
        wanted = [vocab.index(v) for v in set(allowed) if v in vocab]
        codes = variant.codes[dim]
        if len(wanted) == 1:
            match = codes == wanted[0]
        else:
            table = np.zeros(max(len(vocab), 1), dtype=bool)
            table[wanted] = True
            match = table[codes]
        mask = match if mask is None else mask & match
    return mask


def _axes(variant: Variant) -> Axes:
    """Return, per dimension the cube holds, its axis and the 0/1 map from axis to code."""
    found = variant.memo.get("axes")
    if found is not None:
        return found  # type: ignore[no-any-return]
    axes: Axes = {}
    for axis, dim in enumerate(CUBE, start=2):
        axes[dim] = (axis, np.eye(len(variant.vocab[dim]), dtype=np.int64))
    derived = {
        "overlap": (0, overlap_labels(variant.lists)),
        "identification": (1, ("no_identificada", "identificada")),
    }
    for dim, (axis, labels) in derived.items():
        vocab = variant.vocab[dim]
        axes[dim] = (axis, np.array([[v == label for v in vocab] for label in labels], np.int64))
    variant.memo["axes"] = axes
    return axes


def _take(array: npt.NDArray[T], rows: Rows) -> npt.NDArray[T]:
    lo, hi, local = rows
    return array[lo:hi] if local is None else array[lo:hi][local]


def _cube(variant: Variant, rows: Rows) -> Counts:
    index = variant.index()
    size = int(np.prod(index.shape))
    return np.bincount(_take(index.code, rows), minlength=size).reshape(index.shape)


def _cells(variant: Variant, rows: Rows, dims: Sequence[str]) -> Counts:
    sizes = [len(variant.vocab[d]) for d in dims]
    if len(dims) == 1:
        return np.bincount(_take(variant.codes[dims[0]], rows), minlength=sizes[0])
    key = _take(variant.codes[dims[0]], rows).astype(np.intp)
    for d, size in zip(dims[1:], sizes[1:], strict=True):
        key *= size
        key += _take(variant.codes[d], rows)
    return np.bincount(key, minlength=int(np.prod(sizes))).reshape(sizes)


def _derived_cells(cube: Counts, dims: Sequence[str], axes: Axes) -> Counts:
    """Return the grouping's cells as sums over the cube."""
    if len(dims) == 1:
        axis, to_code = axes[dims[0]]
        others = tuple(a for a in range(cube.ndim) if a != axis)
        return cube.sum(axis=others) @ to_code  # type: ignore[no-any-return]
    (a1, m1), (a2, m2) = axes[dims[0]], axes[dims[1]]
    others = tuple(a for a in range(cube.ndim) if a not in (a1, a2))
    both = cube.sum(axis=others)  # axes in increasing order
    if a1 > a2:
        both = both.T
    return m1.T @ both @ m2  # type: ignore[no-any-return]


def _weights(variant: Variant, axes: Axes, where: Mapping[str, Collection[str]]) -> Counts:
    """Return the 0/1 array, broadcastable to the cube, of the cells the filters keep."""
    shape = variant.index().shape
    weights = np.ones((1,) * len(shape), dtype=np.int64)
    for dim, allowed in where.items():
        axis, to_code = axes[dim]
        wanted = np.array([v in allowed for v in variant.vocab[dim]], dtype=np.int64)
        keep = (to_code @ wanted > 0).astype(np.int64)
        weights = weights * keep.reshape([-1 if a == axis else 1 for a in range(len(shape))])
    return weights


def _memo(variant: Variant, key: tuple[object, ...], make: Callable[..., V], *args: object) -> V:
    found = variant.memo.get(key)
    if found is None:
        found = variant.memo[key] = make(variant, *args)
    return found


def warm(variant: Variant) -> None:
    """Compute the variant's index and every year's unfiltered cube now (once per process)."""
    for y, (lo, hi) in variant.index().bounds.items():
        _memo(variant, ("cube", y), _cube, (lo, hi, None))


def count_years(
    variant: Variant,
    *,
    where: Mapping[str, Collection[str]],
    dims: Sequence[str],
    years: Iterable[int],
) -> dict[int, YearCounts]:
    """Return the tables of each of `years` that has person-years matching `where`."""
    index = variant.index()
    axes = _axes(variant)
    allowed = where.get("year")
    wanted = [y for y in years if y in index.bounds and (allowed is None or str(y) in allowed)]
    filters = {d: v for d, v in where.items() if d != "year"}
    on_rows = any(d not in axes for d in filters)
    on_cube = all(d in axes for d in dims)
    # Filters the cube cannot apply mask the rows (all filters then, for simplicity).
    mask = _mask(variant, filters) if on_rows or (filters and not on_cube) else None
    weights = _weights(variant, axes, filters) if filters and not on_rows else None
    out: dict[int, YearCounts] = {}
    for y in wanted:
        lo, hi = index.bounds[y]
        if on_rows:
            local = np.flatnonzero(mask[lo:hi])  # type: ignore[index]
            if not len(local):
                continue
            rows: Rows = (lo, hi, local)
            cube = _cube(variant, rows)
        else:
            cube = _memo(variant, ("cube", y), _cube, (lo, hi, None))
            if weights is not None:
                cube = cube * weights
                if not cube.any():
                    continue
            rows = (lo, hi, None if mask is None else np.flatnonzero(mask[lo:hi]))
        if not dims:
            cells = np.asarray(cube.sum(), dtype=np.int64)
        elif on_cube:
            cells = _derived_cells(cube, dims, axes)
        elif rows[2] is None:
            cells = _memo(variant, ("cells", y, *dims), _cells, rows, dims)
        else:
            cells = _cells(variant, rows, dims)
        out[y] = YearCounts(cube.sum(axis=(4, 5, 6)), cube.sum(axis=(0, 1, 2, 3, 4)), cells)
    return out
