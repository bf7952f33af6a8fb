"""Tests of case linkage across passes."""

from __future__ import annotations

from datetime import date

from app.matching import from_common
from app.matching.cases import CaseMemo, link_cases

from .conftest import make_record, population


def test_memo_between_passes_changes_nothing() -> None:
    records = [from_common(r) for r in population()]
    records += [
        from_common(make_record("RETA", case="9-2017", ref="9-2017", facts_date=date(2017, 2, 1))),
        from_common(
            make_record(
                "SISTRA",
                case="1501014501-2017-99-0",
                ref="9-2017",
                facts_date=date(2017, 2, 1),
                registered=date(2017, 5, 1),
            )
        ),
    ]
    persons = list(range(len(records)))
    plain = link_cases(records, persons)
    memo = CaseMemo()
    first = link_cases(records, persons, memo=memo)
    again = link_cases(records, persons, memo=memo)
    assert plain == first == again
    # The complaint number with the same date of the facts links the two files on its own.
    keys = {(lk.file_a, lk.file_b) for lk in plain[1]}
    files = sorted(r.file for r in records[-2:])
    assert (files[0], files[1]) in keys
