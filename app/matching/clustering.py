"""Constrained clustering of scored pairs that does not chain through single weak links."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

from app.matching.arrays import member_of_sorted

__all__ = ["cluster_pairs", "components", "components_pairs", "merge_labels"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

# Components up to this size have every intra pair checked against cannot_link up front; a
# larger one (rare) checks the cross pairs of each merge instead, as the greedy loop always did.
_PRECHECK_MAX = 64


def merge_labels(labels: I64, merges: Iterable[tuple[int, int]]) -> I64:
    """Return labels with each merged pair of labels joined under the smaller of them."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for x, y in merges:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    out = labels.copy()
    if parent:
        # Only rows whose label was merged into another move: look up those labels alone.
        moved = np.fromiter(parent, dtype=np.int64, count=len(parent))
        to = np.fromiter((find(r) for r in parent), dtype=np.int64, count=len(parent))
        order = np.argsort(moved)
        moved, to = moved[order], to[order]
        rows = np.flatnonzero(member_of_sorted(out, moved))
        out[rows] = to[np.searchsorted(moved, out[rows])]
    return out


def components(n: int, a: I64, b: I64) -> I64:
    """Return the connected component of each of n nodes under edges (a, b): its smallest node."""
    label = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return label
    while True:
        before = label.copy()
        low = np.minimum(label[a], label[b])
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        # Pointer jumping: a node's label is a node whose label is at most as small.
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label, before):
            return label


def components_pairs(nodes: I64, comp: I64) -> tuple[I64, I64]:
    """Return every pair of nodes (x, y) that share a label in comp, each pair once."""
    order = np.argsort(comp[nodes], kind="stable")
    nodes = nodes[order]
    keys = comp[nodes]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(nodes)])
    size = np.repeat(sizes, sizes)
    local = np.arange(len(nodes)) - np.repeat(starts, sizes)
    later = size - 1 - local  # partners after each node in its component
    left = np.repeat(np.arange(len(nodes)), later)
    first = np.repeat(np.cumsum(later) - later, later)
    right = left + 1 + (np.arange(len(left)) - first)
    return nodes[left], nodes[right]


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
    cannot_link_many: Callable[[I64, I64], B] | None = None,
    explain: bool = True,
) -> tuple[I64, list[tuple[int, int, str]]]:
    """Return a cluster label per record and the (a, b, reason) of every merge performed.

    Edges are merged strongest first. Two clusters merge only when no cross pair is
    forbidden, the mean probability over their scored cross pairs is above mean_threshold,
    a strict majority of those pairs is likelier a match than not, and no scored cross pair
    is below veto_probability, so A~B and B~C do not pull in C
    when A and C clearly disagree. cannot_link_many: cannot_link over arrays of pairs, the
    same answers, when the caller has it (else cannot_link is called pair by pair).
    explain=False: the merges are not listed (an empty list), for a caller that needs labels.
    """
    many = cannot_link_many or (
        lambda x, y: np.fromiter(
            (cannot_link(i, j) for i, j in zip(x.tolist(), y.tolist(), strict=True)),
            dtype=bool,
            count=len(x),
        )
    )
    root = np.arange(n, dtype=np.int64)
    must = [(int(i), int(j)) for i, j in must_link]
    strong = probability >= threshold
    order = np.argsort(-probability[strong], kind="stable")
    ea, eb, ep = a[strong][order], b[strong][order], probability[strong][order]
    del strong, order
    # Merges in one connected component of the strong edges (and judgements) never touch
    # another: each component is clustered on its own, in the global order of its edges.
    ma = np.fromiter((i for i, _ in must), dtype=np.int64, count=len(must))
    mb = np.fromiter((j for _, j in must), dtype=np.int64, count=len(must))
    comp = components(n, np.concatenate([ea, ma]), np.concatenate([eb, mb]))
    size = np.bincount(comp, minlength=n)
    rank = np.arange(len(ea), dtype=np.int64)
    # A component of two rows joined by one strong edge merges unless the pair is forbidden:
    # the bulk of all merges, decided at once.
    pair_comp = size[comp[ea]] == 2
    if len(must):
        pair_comp &= ~np.isin(comp[ea], comp[ma])
    first = np.zeros(len(ea), dtype=bool)  # one edge per component (pairs come once anyway)
    first[np.flatnonzero(pair_comp)[np.unique(comp[ea[pair_comp]], return_index=True)[1]]] = True
    pa, pb = ea[first], eb[first]
    ok = ~many(pa, pb)
    root[pb[ok]] = pa[ok]
    done: list[tuple[int, int, int, float]] = (
        list(
            zip(
                rank[first][ok].tolist(),
                pa[ok].tolist(),
                pb[ok].tolist(),
                ep[first][ok].tolist(),
                strict=True,
            )
        )
        if explain
        else []
    )
    rest = ~pair_comp
    ea, eb, ep, rank = ea[rest], eb[rest], ep[rest], rank[rest]
    del pair_comp, rest, pa, pb, ok, first

    # The other components: the greedy loop, over their own rows and pairs only.
    nodes = np.flatnonzero((size[comp] > 2) | np.isin(comp, comp[ma]))
    small = nodes[size[comp[nodes]] <= _PRECHECK_MAX]
    fx, fy = components_pairs(small, comp)
    bad = many(fx, fy) if len(fx) else np.zeros(0, dtype=bool)
    fx, fy = fx[bad], fy[bad]
    precheck = np.zeros(n, dtype=bool)
    precheck[small] = True
    # Rows whose component is too large to precheck: cross pairs are checked per merge.
    unchecked = set(nodes[~precheck[nodes]].tolist())
    forbid: dict[int, set[int]] = {}
    for x, y in zip(fx.tolist(), fy.tolist(), strict=True):
        forbid.setdefault(x, set()).add(y)
        forbid.setdefault(y, set()).add(x)
    del fx, fy, bad
    inside = np.zeros(n, dtype=bool)
    inside[nodes] = True
    keep = inside[a] & inside[b]
    keep[keep] = comp[a[keep]] == comp[b[keep]]
    prob_of = dict(
        zip(
            (a[keep] * n + b[keep]).tolist(),
            probability[keep].tolist(),
            strict=True,
        )
    )
    del keep, inside
    members: dict[int, list[int]] = {}
    barred: dict[int, set[int]] = {}  # rows a cluster may not join, when any
    # The greedy loop reads and writes one row's root at a time: a list is cheaper there.
    root_of: list[int] = root.tolist()

    def group(i: int) -> list[int]:
        return members.get(i) or [i]

    def union(ra: int, rb: int) -> None:
        ga, gb = group(ra), group(rb)
        if len(ga) < len(gb):
            ra, rb, ga, gb = rb, ra, gb, ga
        members[ra] = ga + gb
        members.pop(rb, None)
        for x in gb:
            root_of[x] = ra
        fa, fb = barred.pop(ra, None) or forbid.get(ra), barred.pop(rb, None) or forbid.get(rb)
        if fa or fb:
            barred[ra] = (fa or set()) | (fb or set())

    judged: list[tuple[int, int, str]] = []
    for i, j in must:
        ri, rj = root_of[i], root_of[j]
        if ri != rj:
            union(ri, rj)
            judged.append((i, j, "judgement"))

    def forbidden(ra: int, rb: int, ga: list[int], gb: list[int]) -> bool:
        if ra in unchecked:
            return any(cannot_link(x, y) for x in ga for y in gb)
        fa = barred.get(ra) if ra in members else forbid.get(ra)
        return fa is not None and not fa.isdisjoint(gb)

    for r, i, j, p in zip(rank.tolist(), ea.tolist(), eb.tolist(), ep.tolist(), strict=True):
        ri, rj = root_of[i], root_of[j]
        if ri == rj:
            continue
        ga, gb = group(ri), group(rj)
        if forbidden(ri, rj, ga, gb):
            continue
        if len(ga) + len(gb) > 2:
            probs = [
                v
                for v in (prob_of.get(x * n + y if x < y else y * n + x) for x in ga for y in gb)
                if v is not None
            ]
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
        if explain:
            done.append((r, i, j, p))
    root = np.asarray(root_of, dtype=np.int64)
    if not explain:
        return root, []
    done.sort()
    return root, judged + [(i, j, f"p={p:.3f}") for _, i, j, p in done]
