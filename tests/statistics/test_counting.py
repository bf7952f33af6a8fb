"""Person-years, overlap, unidentified line, age groups and own figures (no database)."""

from __future__ import annotations

from datetime import date

from app.statistics.counting import (
    VictimRow,
    age_ctdc,
    age_fiscal,
    age_minor,
    own_figures,
    person_years,
    tabulate,
)


def _row(rid, pid, system, day, **kw):
    kw.setdefault("offence_family", "trafficking")
    return VictimRow(rid, pid, system, day, kw.pop("facts_date", None), **kw)


ROWS = [
    _row(1, 10, "RETA", date(2017, 3, 1), sex="F", age=16),
    _row(2, 10, "SISTRA", date(2017, 3, 9), sex="F", age=17),
    _row(3, 10, "SISTRA", date(2017, 9, 9), sex=None),  # second carpeta: same person
    _row(4, 11, "SISTRA", date(2017, 5, 1), offence_family="related", sex="M", age=30),
    _row(5, 12, "RETA", date(2018, 1, 2), unidentified=True, facts_date=date(2017, 12, 30)),
    _row(6, 10, "SISTRA", date(2018, 2, 1), sex="F"),  # re-victimised: counts again in 2018
]


def test_a_person_counts_once_per_year_and_both_systems_make_both():
    items = person_years(ROWS)
    assert [(p.person_id, p.year) for p in items] == [
        (10, 2017),
        (10, 2018),
        (11, 2017),
        (12, 2018),
    ]
    first = items[0]
    assert first.attrs["overlap"] == "ambos"
    assert first.attrs["sex"] == "F"
    assert first.attrs["age_minor"] == "menor"
    assert tabulate(items, ["year", "overlap"]) == {
        ("2017", "ambos"): 1,
        ("2017", "solo_sistra"): 1,
        ("2018", "solo_reta"): 1,
        ("2018", "solo_sistra"): 1,
    }


def test_unidentified_persons_are_their_own_line():
    items = person_years(ROWS)
    lines = tabulate(items, ["year", "identification"])
    assert lines[("2018", "no_identificada")] == 1


def test_offence_family_filters_rows_and_facts_basis_moves_years():
    assert {p.person_id for p in person_years(ROWS, offence_family="trafficking")} == {10, 12}
    by_facts = person_years(ROWS, date_basis="facts")
    assert [(p.person_id, p.year) for p in by_facts] == [(12, 2017)]


def test_where_filters_on_person_attributes():
    items = person_years(ROWS, where={"sex": {"M"}})
    assert [p.person_id for p in items] == [11]


def test_age_groups():
    assert age_minor(17, None) == "menor" and age_minor(None, False) == "adulto"
    assert age_ctdc(8) == "0-8" and age_ctdc(9) == "9-17" and age_ctdc(48) == "48+"
    assert age_fiscal(12) == "0-12" and age_fiscal(24) == "18-24" and age_fiscal(25) == "25+"
    assert age_fiscal(None) == "desconocido"


def test_own_figures_count_rows():
    raw = [(r.system, r.registration_date, r.offence_family) for r in ROWS]
    figures = own_figures(raw)
    assert figures[("SISTRA", 2017)].rows == 3
    assert figures[("SISTRA", 2017)].rows_trafficking == 2
    assert figures[("RETA", 2017)].rows == 1


def test_the_single_row_shortcut_agrees_with_the_general_rule():
    import random

    from app.statistics.counting import _attrs, _attrs_one

    rng = random.Random(3)
    for i in range(2000):
        r = VictimRow(
            i, i, rng.choice(["RETA", "SISTRA", "OTRO"]), date(2017, 1, 1), None,
            rng.choice(["trafficking", "related"]), sex=rng.choice(["F", "M", None]),
            age=rng.choice([None, 5, 17, 18, 30, 60]), minor=rng.choice([None, True, False]),
            nationality=rng.choice([None, "PER", "desconocido"]),
            purpose=rng.choice([None, "Unknown", "explotacion_sexual", "desconocido"]),
            ubigeo_facts=rng.choice([None, "150101", "070101", "990101"]),
            ubigeo_residence=rng.choice([None, "150101"]), ubigeo_birth=rng.choice([None, "08"]),
        )  # fmt: skip
        ident = rng.random() < 0.5
        assert _attrs_one(r, 2017, ident) == _attrs([r, r], 2017, ident)
