"""Set operations on integer arrays by sorting.

NumPy 2.4's np.unique without return_* (and np.isin, which calls it) hashes: about a
microsecond per element on a million codes spread over a large range, where a sort takes
tens of nanoseconds. The linkage calls them on millions of pair codes.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["isin_sorted", "member_of_sorted", "unique_sorted"]

B = npt.NDArray[np.bool_]
N = TypeVar("N", bound=np.integer)


def unique_sorted(x: npt.NDArray[N]) -> npt.NDArray[N]:
    """Return np.unique(x) of integers, by sorting."""
    s = np.sort(x)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def member_of_sorted(x: npt.NDArray[np.integer], sorted_set: npt.NDArray[np.integer]) -> B:
    """Return whether each x is in sorted_set (sorted ascending), by binary search."""
    if len(sorted_set) == 0:
        return np.zeros(len(x), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, x), len(sorted_set) - 1)
    return np.asarray(sorted_set[pos] == x)


def isin_sorted(x: npt.NDArray[np.integer], y: npt.NDArray[np.integer]) -> B:
    """Return np.isin(x, y) of integers, by sorting y and binary search."""
    return member_of_sorted(x, np.sort(y))
