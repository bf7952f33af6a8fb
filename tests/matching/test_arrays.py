"""Sort-based integer set operations agree with NumPy's."""

from __future__ import annotations

import numpy as np
import pytest

from app.matching.arrays import isin_sorted, member_of_sorted, unique_sorted


@pytest.mark.parametrize("high", [5, 1 << 40])
def test_unique_and_isin_agree_with_numpy(high: int) -> None:
    rng = np.random.default_rng(high % 97)
    x = rng.integers(0, high, 5000)
    y = rng.integers(0, high, 700)
    assert np.array_equal(unique_sorted(x), np.unique(x))
    assert np.array_equal(isin_sorted(x, y), np.isin(x, y))
    assert np.array_equal(member_of_sorted(x, np.unique(y)), np.isin(x, y))


def test_empty_arrays() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert len(unique_sorted(empty)) == 0
    assert not isin_sorted(np.arange(3), empty).any()
    assert len(isin_sorted(empty, np.arange(3))) == 0
