"""GLOTIP tables add up to the reconciled figures; the CTDC export is k-anonymous."""

from __future__ import annotations

from collections import Counter

import pytest

from app.reports import ctdc, service
from app.reports.glotip import GROUPS
from app.statistics.schemas import VictimQuery
from app.statistics.service import default_threshold, victim_statistics

from .conftest import YEAR

_GROUP_OF = {("F", "adulto"): "Mujeres", ("M", "adulto"): "Hombres", ("F", "menor"): "Niñas",
             ("M", "menor"): "Niños"}  # fmt: skip


def test_glotip_adds_up_to_the_reconciled_total_by_sex_and_age(linked_world, session):
    stats = victim_statistics(
        session,
        query=VictimQuery(year_from=YEAR, year_to=YEAR, offence_family="trafficking",
                          group_by=["sex", "age_minor"]),
        suppress_small=False,
    )  # fmt: skip
    report = service.glotip_report(session, year=YEAR, suppress_small=False)
    names = [n for _, n in GROUPS]
    for section in report.sections:
        total = dict(zip(section.columns[1:], section.rows[-1][1:], strict=True))
        assert total["Total"] == stats.years[0].reconciled
        assert sum(total[n] for n in names) == total["Total"]
        assert sum(r[-1] for r in section.rows[:-1]) == total["Total"]
        expected = Counter()
        for c in stats.cells:
            sex, age = c.key["sex"], c.key["age_minor"]
            if sex != "total" and age != "total":
                expected[_GROUP_OF.get((sex, age), "Sin dato de sexo o edad")] += c.persons
        assert {n: total[n] for n in names} == {n: expected[n] for n in names}


def test_glotip_suppressed_has_no_small_cell(linked_world, session):
    report = service.glotip_report(session, year=YEAR, suppress_small=True)
    values = [v for s in report.sections for r in s.rows for v in r[1:]]
    assert all(v is None or v == 0 or v >= default_threshold() for v in values)


@pytest.mark.parametrize("k", [5, 11])
def test_ctdc_every_quasi_identifier_combination_has_k_rows(linked_world, session, k):
    export = service.ctdc_export(session, k=k)
    assert export.total == len(export.rows) + export.suppressed
    classes = Counter(tuple(r[c] for c in ctdc.QUASI_IDENTIFIERS) for r in export.rows)
    assert all(n >= k for n in classes.values())
    assert list(export.rows[0]) == list(ctdc.COLUMNS)
    assert {r["isSexualExploit"] for r in export.rows} <= {"0", "1", ""}


def test_k_anonymise_generalises_before_dropping():
    rows = [
        {
            "yearOfRegistration": str(2016 + i % 2),
            "gender": "Female",
            "age": "18--20|Adult" if i % 3 else "21--23|Adult",
            "citizenship": "VEN" if i % 2 else "COL",
        }
        for i in range(40)
    ] + [{"yearOfRegistration": "2016", "gender": "Male", "age": "48+|Adult", "citizenship": "CHN"}]
    kept, dropped, levels = ctdc.k_anonymise(rows, k=10)
    assert dropped == 1 and len(kept) == 40
    assert Counter(tuple(r[q] for q in ("yearOfRegistration", "gender", "age", "citizenship"))
                   for r in kept).most_common()[-1][1] >= 10  # fmt: skip
    assert levels["citizenship"] >= 1 or levels["age"] >= 1
    assert ctdc.k_anonymise(rows[:5], k=10)[0] == []
