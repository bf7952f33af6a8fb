"""Comparable Splink blocking of the peer benchmark against a brute-force reading of its rules."""

from __future__ import annotations

import random
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench._peer.runner import _share_scored

# Each rule: (keys that must be equal and known, refinements equal unless one is unknown).
RULES = [
    (("document",), ()),
    (("surname_pair_ph",), ("given_initial", "sex")),
    (("given_first_ph", "paternal_ph"), ("surname_initials", "sex")),
    (("given_first_ph", "maternal_ph"), ("surname_initials", "sex")),
    (("given_first", "birth_year", "paternal_initial"), ("sex",)),
    (("given_first", "birth_year", "maternal_initial"), ("sex",)),
    (("paternal_ph", "ubigeo_residence"), ("given_initial", "sex")),
    (("maternal_ph", "ubigeo_residence"), ("given_initial", "sex")),
]
COLUMNS = sorted({c for keys, refs in RULES for c in keys + refs})


def _table(n: int, seed: int):
    pd = pytest.importorskip("pandas")
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row = {"unique_id": i}
        for c in COLUMNS:
            # Few values, a fifth unknown: blocks overlap and nulls matter.
            row[c] = None if rng.random() < 0.2 else f"{c[:2]}{rng.randrange(3)}"
        row["birth_year"] = None if row["birth_year"] is None else 1990 + rng.randrange(3)
        rows.append(row)
    df = pd.DataFrame(rows)
    df["birth_year"] = df["birth_year"].astype("Int64")
    return df, rows


def _blocked(x: dict, y: dict) -> bool:
    for keys, refs in RULES:
        if all(x[k] is not None and x[k] == y[k] for k in keys) and all(
            x[c] is None or y[c] is None or x[c] == y[c] for c in refs
        ):
            return True
    return False


@pytest.mark.parametrize("seed", [1, 2])
def test_comparable_rules_block_what_they_say(seed):
    pytest.importorskip("splink")
    from bench._peer.splink_model import blocking_recall, pairs_scored

    df, rows = _table(80, seed)
    pairs = [(i, j) for i, j in combinations(range(len(rows)), 2)]
    expected = [p for p in pairs if _blocked(rows[p[0]], rows[p[1]])]
    assert 0 < len(expected) < len(pairs)
    assert pairs_scored(df, "comparable") == len(expected)
    left = np.array([i for i, _ in pairs], dtype=np.int64)
    right = np.array([j for _, j in pairs], dtype=np.int64)
    assert blocking_recall(df, "comparable", left, right) == pytest.approx(
        len(expected) / len(pairs)
    )


def test_share_scored_counts_true_pairs_in_either_order():
    scored = (np.array([3, 1, 0]), np.array([1, 4, 2]))  # (1, 3), (1, 4), (0, 2)
    left, right = np.array([1, 0, 2]), np.array([3, 4, 3])
    assert _share_scored(5, scored, left, right) == pytest.approx(1 / 3)
    assert _share_scored(5, (np.array([], dtype=np.int64),) * 2, left, right) == 0.0
