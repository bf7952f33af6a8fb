"""Metric functions of the Splink peer benchmark, on tiny hand-made clusterings."""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench._peer.metrics import bcubed, pairwise, per_year_counts, score

KEYS = ["a", "b", "c", "d", "e"]
TRUTH = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 3}
YEAR = {"a": 2019, "b": 2019, "c": 2020, "d": 2020, "e": 2020}


def _brute_pairwise(keys, truth, pred):
    true = {(x, y) for x, y in combinations(keys, 2) if truth[x] == truth[y]}
    got = {(x, y) for x, y in combinations(keys, 2) if pred[x] == pred[y]}
    return len(true & got), len(got), len(true)


def test_perfect_clustering_scores_one():
    s = score(KEYS, TRUTH, dict(TRUTH), YEAR)
    assert (s.precision, s.recall, s.f1, s.bcubed_f1) == (1.0, 1.0, 1.0, 1.0)
    assert s.true_pairs == s.predicted_pairs == 3
    assert s.max_year_error == 0.0


def test_pairwise_split_and_merge():
    # Truth {a,b,c} {d} {e}; predicted {a,b} {c,d} {e}: one true pair of three is kept,
    # one of two predicted pairs is wrong.
    pred = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}
    p, r, f1, tp, npred, ntrue = pairwise(KEYS, TRUTH, pred)
    assert (tp, npred, ntrue) == _brute_pairwise(KEYS, TRUTH, pred) == (1, 2, 3)
    assert p == pytest.approx(0.5)
    assert r == pytest.approx(1 / 3)
    assert f1 == pytest.approx(0.4)


def test_all_singletons_and_missing_keys():
    # Keys missing from the prediction are their own singletons.
    p, r, f1, tp, npred, ntrue = pairwise(KEYS, TRUTH, {})
    assert (p, r, f1, tp, npred, ntrue) == (1.0, 0.0, 0.0, 0, 0, 3)
    bp, br, _ = bcubed(KEYS, TRUTH, {})
    assert bp == 1.0
    assert br == pytest.approx((1 / 3 * 3 + 1 + 1) / 5)


def test_everything_merged():
    pred = dict.fromkeys(KEYS, 0)
    p, r, _, _, npred, _ = pairwise(KEYS, TRUTH, pred)
    assert npred == 10
    assert p == pytest.approx(0.3)
    assert r == 1.0
    bp, br, f1 = bcubed(KEYS, TRUTH, pred)
    # a,b,c see 3 of 5 correct; d and e see 1 of 5.
    assert bp == pytest.approx((3 * 3 / 5 + 2 * 1 / 5) / 5)
    assert br == 1.0
    assert f1 == pytest.approx(2 * bp / (bp + 1))


def test_bcubed_split_and_merge_by_hand():
    pred = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}
    bp, br, _ = bcubed(KEYS, TRUTH, pred)
    # precision: a,b 1; c,d 1/2; e 1.  recall: a,b 2/3; c 1/3; d,e 1.
    assert bp == pytest.approx((1 + 1 + 0.5 + 0.5 + 1) / 5)
    assert br == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)


def test_per_year_counts_person_once_per_year():
    # Person 1 has rows in 2019 and 2020: counted once in each year.
    pred = {"a": "x", "b": "w", "c": "x", "d": "y", "e": "y"}
    out = per_year_counts(KEYS, TRUTH, pred, YEAR)
    assert out[2019] == (1, 2, pytest.approx(100.0))
    assert out[2020] == (3, 2, pytest.approx(-100 / 3))
    s = score(KEYS, TRUTH, pred, YEAR)
    assert s.max_year_error == pytest.approx(100.0)


def test_empty_keys():
    s = score([], {}, {}, {})
    assert s.rows == 0
    assert s.f1 == 1.0
    assert s.bcubed_f1 == 1.0
    assert s.max_year_error == 0.0
