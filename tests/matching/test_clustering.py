"""cluster_pairs against the plain greedy loop it replaced: the same labels and merges."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pytest

import app.matching.clustering as clustering
from app.matching.clustering import cluster_pairs, components


def _reference(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    probability: np.ndarray,
    *,
    threshold: float,
    mean_threshold: float,
    veto_probability: float,
    cannot_link: Callable[[int, int], bool],
    must_link: Iterable[tuple[int, int]] = (),
) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """The greedy loop over all strong edges, cross pairs checked at every merge."""
    root = np.arange(n, dtype=np.int64)
    members: dict[int, list[int]] = {}
    merges: list[tuple[int, int, str]] = []
    prob = {(int(x), int(y)): float(p) for x, y, p in zip(a, b, probability, strict=True)}

    def group(i: int) -> list[int]:
        return members.get(i) or [i]

    def union(ra: int, rb: int) -> None:
        ga, gb = group(ra), group(rb)
        if len(ga) < len(gb):
            ra, rb, ga, gb = rb, ra, gb, ga
        members[ra] = ga + gb
        members.pop(rb, None)
        root[np.asarray(gb, dtype=np.int64)] = ra

    for i, j in must_link:
        if root[i] != root[j]:
            union(int(root[i]), int(root[j]))
            merges.append((i, j, "judgement"))
    strong = probability >= threshold
    order = np.argsort(-probability[strong], kind="stable")
    for i, j, p in zip(a[strong][order], b[strong][order], probability[strong][order], strict=True):
        ri, rj = int(root[i]), int(root[j])
        if ri == rj:
            continue
        ga, gb = group(ri), group(rj)
        if any(cannot_link(x, y) for x in ga for y in gb):
            continue
        if len(ga) + len(gb) > 2:
            probs = [
                prob[(min(x, y), max(x, y))]
                for x in ga
                for y in gb
                if (min(x, y), max(x, y)) in prob
            ]
            support = sum(q >= 0.5 for q in probs)
            if probs and (
                sum(probs) / len(probs) <= mean_threshold
                or 2 * support <= len(probs)
                or min(probs) < veto_probability
            ):
                continue
        union(ri, rj)
        merges.append((int(i), int(j), f"p={p:.3f}"))
    return root, merges


def _world(seed: int, n: int = 300, pairs: int = 900) -> tuple[np.ndarray, ...]:
    """Random scored pairs with clumps of rows, so that components of every size occur."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, n, pairs)
    y = np.minimum(n - 1, x + rng.integers(1, 6, pairs))  # near rows: chains and clumps
    a, b = np.minimum(x, y), np.maximum(x, y)
    code = np.unique(a * n + b)
    a, b = code // n, code % n
    keep = a != b
    a, b = a[keep], b[keep]
    p = rng.choice([0.02, 0.3, 0.55, 0.8, 0.97, 0.999], len(a)) + rng.random(len(a)) * 1e-3
    return a.astype(np.int64), b.astype(np.int64), np.minimum(p, 1.0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("vectorised", [True, False])
def test_same_labels_and_merges_as_the_greedy_loop(seed: int, vectorised: bool) -> None:
    n = 300
    a, b, p = _world(seed, n)
    rng = np.random.default_rng(100 + seed)
    forbidden = {
        (int(i), int(i) + int(d))
        for i, d in zip(rng.integers(0, n, 40), rng.integers(1, 4, 40), strict=True)
    }

    def cannot(i: int, j: int) -> bool:
        return (min(i, j), max(i, j)) in forbidden

    def cannot_many(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.array(
            [cannot(i, j) for i, j in zip(x.tolist(), y.tolist(), strict=True)], dtype=bool
        )

    must = [(5, 9), (9, 30)] if seed % 2 else []
    kw = dict(
        threshold=0.5, mean_threshold=0.5, veto_probability=0.05, cannot_link=cannot, must_link=must
    )
    want_roots, want_merges = _reference(n, a, b, p, **kw)  # type: ignore[arg-type]
    extra = {"cannot_link_many": cannot_many} if vectorised else {}
    roots, merges = cluster_pairs(n, a, b, p, **kw, **extra)  # type: ignore[arg-type]
    assert np.array_equal(roots, want_roots)
    assert merges == want_merges
    # explain=False: the same clusters without the list of merges.
    quiet = cluster_pairs(n, a, b, p, **kw, **extra, explain=False)  # type: ignore[arg-type]
    assert np.array_equal(quiet[0], roots) and quiet[1] == []
    assert len(set(roots.tolist())) < n  # something merged, something was kept apart
    assert len(merges) < int((p >= 0.5).sum())
    # The forbidden pairs matter: without them the clusters differ.
    free = cluster_pairs(n, a, b, p, **{**kw, "cannot_link": lambda i, j: False})  # type: ignore[arg-type]
    assert not np.array_equal(free[0], roots)


def test_large_components_check_each_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 300
    a, b, p = _world(42, n, 1500)
    forbidden = {(10, 12), (40, 41), (41, 43)}

    def cannot(i: int, j: int) -> bool:
        return (min(i, j), max(i, j)) in forbidden

    kw = dict(threshold=0.5, mean_threshold=0.5, veto_probability=0.05, cannot_link=cannot)
    want = _reference(n, a, b, p, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(clustering, "_PRECHECK_MAX", 3)
    got = cluster_pairs(n, a, b, p, **kw)  # type: ignore[arg-type]
    assert np.array_equal(got[0], want[0])
    assert got[1] == want[1]


def test_components() -> None:
    a = np.array([0, 1, 5, 7], dtype=np.int64)
    b = np.array([1, 2, 6, 5], dtype=np.int64)
    assert components(9, a, b).tolist() == [0, 0, 0, 3, 4, 5, 5, 5, 8]
