"""Stable identifiers: map the clusters of a new run onto the IDs of the previous one."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["Assignment", "IdEvent", "assign_ids"]

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class IdEvent:
    """A merge (other absorbed into survivor) or a split (part of survivor moved to other)."""

    kind: str  # merge, split
    survivor: int
    other: int
    records: int


@dataclass
class Assignment:
    """The ID of every new cluster, the IDs created, and the merges and splits."""

    ids: dict[int, int] = field(default_factory=dict)
    created: list[int] = field(default_factory=list)
    retired: dict[int, int] = field(default_factory=dict)  # old id -> id it went into
    events: list[IdEvent] = field(default_factory=list)


def assign_ids(
    previous: Mapping[K, int], labels: Mapping[K, int], *, new_id: Callable[[], int]
) -> Assignment:
    """Give each cluster label an ID: the oldest previous ID it holds most of, else a new one.

    IDs are ordered by age (smaller is older). A cluster that holds several previous IDs keeps
    the oldest one it can claim and the others are retired as merged into it; a previous ID
    whose records went to several clusters stays with the cluster holding most of them and the
    rest are recorded as splits. The same clusters always get the same IDs back.
    """
    members: dict[int, list[K]] = defaultdict(list)
    for key, label in labels.items():
        members[label].append(key)
    overlap: dict[int, Counter[int]] = {
        label: Counter(previous[k] for k in keys if k in previous)
        for label, keys in members.items()
    }
    # Oldest ID first; for one ID, the cluster holding most of its records claims it.
    candidates = sorted(
        ((old, -count, label) for label, c in overlap.items() for old, count in c.items()),
    )
    out = Assignment()
    taken: set[int] = set()
    for old, _neg, label in candidates:
        if label in out.ids or old in taken:
            continue
        out.ids[label] = old
        taken.add(old)
    for label in sorted(members, key=lambda lb: min(map(str, members[lb]))):
        if label not in out.ids:
            out.ids[label] = new_id()
            out.created.append(out.ids[label])
    # Where every previous ID's records went now.
    went: dict[int, Counter[int]] = defaultdict(Counter)
    for label, c in overlap.items():
        for old, count in c.items():
            went[old][out.ids[label]] += count
    for old, targets in sorted(went.items()):
        if old in taken:
            for target, count in sorted(targets.items()):
                if target != old:
                    out.events.append(IdEvent("split", old, target, count))
            continue
        target, count = max(targets.items(), key=lambda tc: (tc[1], -tc[0]))
        out.retired[old] = target
        out.events.append(IdEvent("merge", target, old, count))
        for other, n in sorted(targets.items()):
            if other != target:
                out.events.append(IdEvent("split", old, other, n))
    return out
