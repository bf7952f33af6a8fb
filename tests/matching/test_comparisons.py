"""Comparator: levels of record pairs, and the cheap screen before the string scorers."""

from __future__ import annotations

from datetime import date

import numpy as np

from app.matching import from_common
from app.matching.comparisons import NULL_LEVEL, compile_comparisons
from app.matching.records import RecordTable
from app.matching.settings import default_settings

from .conftest import make_record

R, S = "RETA", "SISTRA"


def _table() -> RecordTable:
    recs = [
        make_record(R, given="ANA", paternal="ROJAS", maternal="CRUZ", birth=date(1990, 5, 1)),
        # 0-1: same person, dates a day apart: compared.
        make_record(S, given="Ana", paternal="Rojas", maternal="Cruz", birth=date(1990, 5, 2)),
        # 0-2: born 20 years later, another maternal surname: skipped.
        make_record(S, given="Ana", paternal="Rojas", maternal="Soto", birth=date(2010, 1, 1)),
        # 0-3: a man, another maternal surname: skipped.
        make_record(S, given="Ana", paternal="Rojas", maternal="Soto", sex="M"),
        # 0-4: born 20 years later but the same full name, surnames swapped: compared.
        make_record(S, given="Ana", paternal="Cruz", maternal="Rojas", birth=date(2010, 1, 1)),
        # 0-5: born 20 years later but the same document: compared.
        make_record(R, given="ANITA", paternal="ROJAS", doc="41234567", birth=date(2010, 1, 1)),
        make_record(S, given="Ana", paternal="Rojas", doc="41234567", birth=date(1990, 5, 1)),
        # 0-7: nothing known about birth or sex: compared.
        make_record(S, given="Ana", paternal="Rojas", maternal="Soto", sex=None),
    ]
    return RecordTable([from_common(r) for r in recs])


def test_incompatible_birth_or_sex_skips_the_name_scorers() -> None:
    table = _table()
    comparator = compile_comparisons(default_settings().comparisons)
    a = np.array([0, 0, 0, 0, 5, 0], dtype=np.int64)
    b = np.array([1, 2, 3, 4, 6, 7], dtype=np.int64)
    skip = comparator.incompatible(table, a, table, b)
    assert skip.tolist() == [False, True, True, False, False, False]


def test_cheap_levels_agree_with_compare_on_integer_columns() -> None:
    table = _table()
    comparator = compile_comparisons(default_settings().comparisons)
    a = np.zeros(7, dtype=np.int64)
    b = np.arange(1, 8, dtype=np.int64)
    full, _ = comparator.compare(table, a, table, b)
    cheap = comparator.cheap_levels(table, a, table, b)
    for c, comp in enumerate(comparator.comparisons):
        if comp.spec.kind in ("given_name", "paternal", "maternal", "document"):
            assert (cheap[:, c] == NULL_LEVEL).all()
        else:
            assert (cheap[:, c] == full[:, c]).all(), comp.name


def test_document_distance_screen_agrees_with_the_edit_distance() -> None:
    from app.matching.comparisons import _doc_distances, _Strings, doc_distance

    values = ["", "41234567", "41234576", "041234567", "4123456", "98765432", "00412345"]
    values += ["X12AB34", "X12AB43", "41234", "12345678", "0041234567", "A9"]
    strings = _Strings(documents=True).sync(values)
    left, right = np.meshgrid(np.arange(1, len(values)), np.arange(1, len(values)))
    left, right = left.ravel().astype(np.int64), right.ravel().astype(np.int64)
    got = _doc_distances(strings, left, right)
    want = [min(doc_distance(values[x], values[y]), 3.0) for x, y in zip(left, right, strict=True)]
    assert np.minimum(got, 3.0).tolist() == want


def test_token_subset_agrees_with_token_set_ratio() -> None:
    from rapidfuzz import fuzz

    from app.matching.comparisons import _Strings, _token_subset

    values = ["", "ROSA", "ROSA ELENA", "ELENA ROSA", "ROSA MARIA", "MARIA DEL CARMEN", "CARMEN"]
    values += ["MARIA CARMEN", "A B C D E", "A B C D E F", "ROSA ROSA", "DEL"]
    strings = _Strings().sync(values)
    left, right = np.meshgrid(np.arange(1, len(values)), np.arange(1, len(values)))
    left, right = left.ravel().astype(np.int64), right.ravel().astype(np.int64)
    got = _token_subset(strings, left, right).tolist()
    want = [
        fuzz.token_set_ratio(values[x], values[y]) >= 100 for x, y in zip(left, right, strict=True)
    ]
    assert got == want
    assert any(want) and not all(want)
