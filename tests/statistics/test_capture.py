"""Chapman's estimator, variance, interval and stratification (no database)."""

from __future__ import annotations

import math

import pytest

from app.statistics.capture import chapman, stratified


def test_chapman_matches_the_textbook_formula():
    e = chapman(100, 80, 40)
    assert e.total == pytest.approx(101 * 81 / 41 - 1)
    var = 101 * 81 * 60 * 40 / (41**2 * 42)
    assert e.se == pytest.approx(math.sqrt(var))
    assert e.observed == 140
    assert e.observed <= e.ci_low < e.total < e.ci_high


def test_full_overlap_gives_the_observed_count():
    e = chapman(30, 30, 30)
    assert e.total == pytest.approx(30)
    assert e.ci_low == e.ci_high == pytest.approx(30)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        chapman(5, 3, 4)


def test_stratified_adds_totals_and_variances():
    s = stratified({"F": (60, 50, 30), "M": (40, 30, 10)})
    assert s.total.total == pytest.approx(s.strata["F"].total + s.strata["M"].total)
    assert s.total.se == pytest.approx(math.hypot(s.strata["F"].se, s.strata["M"].se))
    assert (s.total.n1, s.total.n2, s.total.m) == (100, 80, 40)


def test_bounds_run_from_chapman_to_the_referral_model():
    from app.statistics.capture import bounds

    b = bounds(200, 300, 170, unreferred=40, unreferred_in_sistra=12)
    assert b.lower == chapman(200, 300, 170)
    q1 = 13 / 42
    assert b.upper_total == pytest.approx(200 + 130 / q1)
    assert b.ci_low == b.lower.ci_low < b.lower.total < b.upper_total < b.ci_high
    with pytest.raises(ValueError):
        bounds(10, 10, 5, unreferred=3, unreferred_in_sistra=4)
