"""The person-year index counts exactly what `tabulate` counts (no database)."""

from __future__ import annotations

import random
from datetime import date

from app.statistics.counting import VictimRow, person_years, tabulate
from app.statistics.index import PersonYearIndex


def _rows(n: int) -> list[VictimRow]:
    rng = random.Random(4)
    return [
        VictimRow(
            i,
            rng.randrange(n // 2),
            rng.choice(["RETA", "SISTRA"]),
            date(rng.randint(2015, 2019), rng.randint(1, 12), 1),
            None,
            rng.choice(["trafficking", "related"]),
            sex=rng.choice(["F", "M", None]),
            age=rng.choice([None, 9, 16, 25, 40]),
            ubigeo_facts=rng.choice(["150101", "07", None]),
        )
        for i in range(n)
    ]


def test_counts_match_tabulate_with_filters_and_years():
    items = person_years(_rows(3000))
    index = PersonYearIndex.build(items)
    for dims in ([], ["sex"], ["department_facts", "age_ctdc"], ["overlap", "identification"]):
        assert index.count(dims) == tabulate(items, ["year", *dims])
        where = {"sex": ["F", "desconocido"], "year": ["2016", "2018"]}
        kept = [p for p in items if p.attrs["sex"] in where["sex"] and str(p.year) in where["year"]]
        assert index.count(dims, where=where) == tabulate(kept, ["year", *dims])
        ranged = [p for p in items if 2016 <= p.year <= 2017]
        assert index.count(dims, year_from=2016, year_to=2017) == tabulate(ranged, ["year", *dims])
    assert index.count(["sex"], where={"sex": ["X"]}) == {}
