"""Constrained clustering of scored pairs that does not chain through single weak links."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

__all__ = ["cluster_pairs"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def cluster_pairs(
    n: int,
    a: I64,
    b: I64,
    probability: F64,
    *,
    threshold: float,
    mean_threshold: float,
    veto_probability: float = 0.0,
    cannot_link: Callable[[int, int], bool],
    must_link: Iterable[tuple[int, int]] = (),
) -> tuple[I64, list[tuple[int, int, str]]]:
    """Return a cluster label per record and the (a, b, reason) of every merge performed.

    Edges are merged strongest first. Two clusters merge only when no cross pair is
    forbidden, the mean probability over their scored cross pairs is above mean_threshold,
    a strict majority of those pairs is likelier a match than not, and no scored cross pair
    is below veto_probability, so A~B and B~C do not pull in C
    when A and C clearly disagree.
    """
    root = np.arange(n, dtype=np.int64)
    members: dict[int, list[int]] = {}
    merges: list[tuple[int, int, str]] = []

    def group(i: int) -> list[int]:
        return members.get(i) or [i]

    def union(ra: int, rb: int) -> None:
        ga, gb = group(ra), group(rb)
        if len(ga) < len(gb):
            ra, rb, ga, gb = rb, ra, gb, ga
        ga = ga + gb
        members[ra] = ga
        members.pop(rb, None)
        root[np.asarray(gb, dtype=np.int64)] = ra

    for i, j in must_link:
        ri, rj = int(root[i]), int(root[j])
        if ri != rj:
            union(ri, rj)
            merges.append((i, j, "judgement"))

    strong = probability >= threshold
    order = np.argsort(-probability[strong], kind="stable")
    ea, eb, ep = a[strong][order], b[strong][order], probability[strong][order]
    # Scores of pairs that can end up inside one cluster: only those touching a strong edge.
    touched = np.zeros(n, dtype=bool)
    touched[ea] = True
    touched[eb] = True
    keep = touched[a] & touched[b]
    # Sorted pair codes and their probabilities, looked up per merge with searchsorted: a
    # dict of millions of pairs costs more than all lookups together.
    codes = a[keep].astype(np.int64) * n + b[keep]
    by_code = np.argsort(codes)
    codes, probs_sorted = codes[by_code], probability[keep][by_code]
    del by_code, keep

    def cross_probs(ga: list[int], gb: list[int]) -> list[float]:
        x = np.asarray(ga, dtype=np.int64)[:, None]
        y = np.asarray(gb, dtype=np.int64)[None, :]
        want = (np.minimum(x, y) * n + np.maximum(x, y)).ravel()
        pos = np.minimum(np.searchsorted(codes, want), max(len(codes) - 1, 0))
        if len(codes) == 0:
            return []
        hit = codes[pos] == want
        return [float(v) for v in probs_sorted[pos[hit]].tolist()]

    for i, j, p in zip(ea.tolist(), eb.tolist(), ep.tolist(), strict=True):
        ri, rj = int(root[i]), int(root[j])
        if ri == rj:
            continue
        ga, gb = group(ri), group(rj)
        if any(cannot_link(x, y) for x in ga for y in gb):
            continue
        if len(ga) + len(gb) > 2:
            probs = cross_probs(ga, gb)
            # Majority support, not just a high average: one strong link must not outvote
            # one clear disagreement.
            support = sum(p_ >= 0.5 for p_ in probs)
            if probs and (
                sum(probs) / len(probs) <= mean_threshold
                or 2 * support <= len(probs)
                or min(probs) < veto_probability
            ):
                continue
        union(ri, rj)
        merges.append((i, j, f"p={p:.3f}"))
    return root, merges
