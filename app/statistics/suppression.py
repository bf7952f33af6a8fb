"""Pure small-cell suppression: primary cells under a threshold, then complementary cells.

A table is a set of published values (cells and their margins) tied by additive constraints
`total = sum(parts)`. Primary suppression hides every value in 1..threshold-1 (empty cells are
never served). Complementary suppression then hides more values until no primary cell can be
recovered exactly from the published ones by any combination of the constraints: first the
usual rule (no constraint with exactly one hidden value), then an exact linear audit (a hidden
value is recoverable when its unit vector lies in the row space of the constraints restricted to
hidden values). Bounds from non-negativity are not audited.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from itertools import combinations
from typing import TypeVar

import numpy as np

__all__ = ["Constraint", "marginal_table", "recoverable", "suppress"]

K = TypeVar("K", bound=Hashable)
Constraint = tuple[K, Sequence[K]]

_MAX_ROUNDS = 10_000


def _members(constraint: Constraint[K]) -> list[K]:
    return [constraint[0], *constraint[1]]


def recoverable(
    values: Mapping[K, int], constraints: Sequence[Constraint[K]], hidden: Collection[K]
) -> set[K]:
    """Return the hidden values that the published values and the constraints determine."""
    unknown = sorted(hidden, key=repr)
    if not unknown:
        return set()
    index = {k: i for i, k in enumerate(unknown)}
    # Sparse rows (hidden value -> coefficient): most constraints touch no hidden value.
    rows: list[dict[int, float]] = []
    for total, parts in constraints:
        row: dict[int, float] = {}
        if total in index:
            row[index[total]] = 1.0
        for p in parts:
            if p in index:
                row[index[p]] = row.get(index[p], 0.0) - 1.0
        row = {j: v for j, v in row.items() if v != 0.0}
        if row:
            rows.append(row)
    if not rows:
        return set()
    found: set[K] = set()
    for component in _components(rows):
        if len(component) == 1:
            # One constraint: its hidden values are determined only when it has just one.
            (row,) = (rows[i] for i in component)
            if len(row) == 1:
                found.add(unknown[next(iter(row))])
            continue
        cols = sorted({j for i in component for j in rows[i]})
        where = {j: n for n, j in enumerate(cols)}
        sub = np.zeros((len(component), len(cols)))
        for r, i in enumerate(component):
            for j, v in rows[i].items():
                sub[r, where[j]] = v
        # The null space of A is that of A'A (one row per hidden value), found by eigh.
        eigenvalues, vectors = np.linalg.eigh(sub.T @ sub)
        null = vectors[:, eigenvalues < 1e-8]  # directions the hidden values can move together
        free = np.linalg.norm(null, axis=1) if null.size else np.zeros(len(cols))
        found.update(unknown[cols[n]] for n in range(len(cols)) if free[n] < 1e-6)
    return found


def _components(rows: Sequence[Mapping[int, float]]) -> list[list[int]]:
    """Group constraint rows that share hidden values (independent blocks)."""
    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[int, int] = {}
    for i, row in enumerate(rows):
        for j in row:
            if j in owner:
                parent[find(i)] = find(owner[j])
            else:
                owner[j] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _complement(
    target: K,
    values: Mapping[K, int],
    constraints: Sequence[Constraint[K]],
    hidden: set[K],
    totals: set[K],
) -> K | None:
    """Pick a published non-zero value sharing a constraint with `target`: cells before margins,
    small before large; when none is left, look one constraint further (through hidden values)."""
    frontier = {target}
    for _ in range(len(constraints) + 1):
        best: tuple[bool, int, str, K] | None = None
        touched: set[K] = set()
        for c in constraints:
            members = _members(c)
            if not frontier.intersection(members):
                continue
            for k in members:
                if k in hidden:
                    touched.add(k)
                elif values.get(k, 0) != 0:
                    # Signed terms (a gap's decomposition) can be negative: they hide as well.
                    candidate = (k in totals, abs(values[k]), repr(k), k)
                    if best is None or candidate[:3] < best[:3]:
                        best = candidate
        if best is not None:
            return best[3]
        if touched <= frontier:
            return None
        frontier |= touched
    return None


def suppress(
    values: Mapping[K, int],
    constraints: Sequence[Constraint[K]],
    *,
    threshold: int = 5,
    unpublished: Collection[K] = (),
) -> set[K]:
    """Return the keys to hide: primary (0 < value < threshold) plus complementary ones.

    `unpublished` are values that take part in constraints but are never served.
    """
    primary = {k for k, v in values.items() if 0 < v < threshold and k not in unpublished}
    hidden = set(primary) | set(unpublished)
    totals = {c[0] for c in constraints}
    for _ in range(_MAX_ROUNDS):
        changed = False
        for c in constraints:
            members = _members(c)
            open_ = [k for k in members if k in hidden]
            if len(open_) == 1 and open_[0] in primary:
                extra = _complement(open_[0], values, [c], hidden, totals)
                if extra is not None:
                    hidden.add(extra)
                    changed = True
        if changed:
            continue
        exposed = sorted(recoverable(values, constraints, hidden) & primary, key=repr)
        if not exposed:
            return hidden - set(unpublished)
        added = {_complement(t, values, constraints, hidden, totals) for t in exposed}
        added.discard(None)
        if not added:
            raise RuntimeError("la supresión complementaria no encontró celdas que ocultar")
        hidden.update(k for k in added if k is not None)
    raise RuntimeError("la supresión complementaria no convergió")


def marginal_table(
    cells: Mapping[tuple[str, ...], int],
) -> tuple[dict[tuple[str, ...], int], list[Constraint[tuple[str, ...]]]]:
    """Add every margin of an n-dimensional table (``*`` marks a summed dimension).

    Returns the values (cells, margins, grand total) and the constraints `margin = sum(parts)`
    along each dimension, so a 2-D table gives its rows, columns and total.
    """
    if not cells:
        return {}, []
    ndim = len(next(iter(cells)))
    values: dict[tuple[str, ...], int] = dict(cells)
    for r in range(1, ndim + 1):
        for summed in combinations(range(ndim), r):
            for key, v in cells.items():
                margin = tuple("*" if i in summed else x for i, x in enumerate(key))
                values[margin] = values.get(margin, 0) + v
    constraints: list[Constraint[tuple[str, ...]]] = []
    children: dict[tuple[tuple[str, ...], int], list[tuple[str, ...]]] = {}
    for key in values:
        for i, x in enumerate(key):
            if x != "*":
                parent = (*key[:i], "*", *key[i + 1 :])
                children.setdefault((parent, i), []).append(key)
    for (parent, _), parts in sorted(children.items()):
        constraints.append((parent, parts))
    return values, constraints
