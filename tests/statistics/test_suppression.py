"""Primary and complementary suppression on 1-D and 2-D tables (no database)."""

from __future__ import annotations

import random

import pytest

from app.statistics.suppression import marginal_table, recoverable, suppress


def _check(values, constraints, hidden, threshold):
    shown = {k: v for k, v in values.items() if k not in hidden}
    assert all(v >= threshold for v in shown.values() if v > 0)
    primary = {k for k, v in values.items() if 0 < v < threshold}
    assert primary <= hidden
    assert not recoverable(values, constraints, hidden) & primary


def test_one_dimensional_table_hides_a_second_cell():
    values, constraints = marginal_table({("a",): 2, ("b",): 10, ("c",): 30})
    hidden = suppress(values, constraints, threshold=5)
    assert hidden == {("a",), ("b",)}
    _check(values, constraints, hidden, 5)


def test_single_small_cell_with_nothing_beside_it_hides_the_total():
    values, constraints = marginal_table({("a",): 3})
    hidden = suppress(values, constraints, threshold=5)
    assert hidden == {("a",), ("*",)}


def test_two_dimensional_table_with_margins():
    cells = {("a", "x"): 3, ("a", "y"): 10, ("b", "x"): 12, ("b", "y"): 20}
    values, constraints = marginal_table(cells)
    hidden = suppress(values, constraints, threshold=5)
    assert {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")} <= hidden
    _check(values, constraints, hidden, 5)


def test_bridge_between_two_cycles_is_caught_by_the_audit():
    # Rows a-b and c-d form two protected rectangles joined by one cell: the audit must act.
    values = {"T1": 10, "T2": 10, "x": 3, "y": 7, "z": 3, "w": 7}
    constraints = [("T1", ["x", "y"]), ("T2", ["z", "w"]), ("x", ["z"])]
    hidden = suppress(values, constraints, threshold=5)
    _check(values, constraints, hidden, 5)


@pytest.mark.parametrize("seed", range(20))
def test_random_tables_never_expose_a_small_cell(seed):
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 6), rng.randint(1, 5)
    cells = {
        (f"r{i}", f"c{j}"): rng.choice([1, 2, 3, 4, 6, 9, 15, 40])
        for i in range(rows)
        for j in range(cols)
        if rng.random() < 0.85
    }
    if not cells:
        return
    values, constraints = marginal_table(cells)
    hidden = suppress(values, constraints, threshold=5)
    _check(values, constraints, hidden, 5)


def test_unpublished_values_are_not_reported():
    values = {"T": 20, "a": 2, "b": 18, "h": 5}
    hidden = suppress(values, [("T", ["a", "b"]), ("h", ["a"])], threshold=5, unpublished={"h"})
    assert "h" not in hidden
    assert {"a", "b"} <= hidden or {"a", "T"} <= hidden


def test_a_negative_term_is_hidden_when_it_would_reveal_a_small_cell():
    # A year known only by its facts date: the basis term (-2) plus the basis count (2) make a
    # published zero, so the 2 persons are recoverable unless the negative term is hidden too.
    values = {"scope": 0, "basis_term": -2, "basis": 2, "filter_term": 0, "year": 2, "cell": 2}
    constraints = [
        ("scope", ["basis_term", "basis"]),
        ("basis", ["filter_term", "year"]),
        ("year", ["cell"]),
    ]
    hidden = suppress(values, constraints, threshold=5)
    assert {"basis_term", "basis", "year", "cell"} <= hidden
    _check(values, constraints, hidden, 5)
