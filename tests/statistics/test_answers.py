"""The bincount answers equal plain set counting over `counting.person_years`, query by query.

The reference below is the counting the frame replaced: person-years as Python objects, sets
of persons per list, `tabulate` for the cells, the rates and the strata.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from app.statistics.answers import answer
from app.statistics.counting import DIMENSIONS, PersonYear, VictimRow, person_years, tabulate
from app.statistics.frame import build_frame
from app.statistics.schemas import VictimQuery

from .test_frame import _rows


def _query(rng: random.Random) -> VictimQuery:
    dims = [d for d in DIMENSIONS if d != "year"]
    values = {
        "year": ["2016", "2017", "2018"],
        "sex": ["F", "M", "desconocido"],
        "offence_family": ["trafficking", "related"],
        "overlap": ["ambos", "solo_reta"],
        "nationality": ["PER", "VEN", "desconocido"],
        "age_minor": ["menor", "adulto", "desconocido"],
    }
    where = {d: rng.sample(v, rng.choice([1, 2])) for d, v in values.items() if rng.random() < 0.2}
    return VictimQuery(
        date_basis=rng.choice(["registration", "facts"]),
        offence_family=rng.choice([None, "trafficking", "related"]),
        group_by=rng.sample(dims, rng.choice([0, 1, 2])),
        where=where,
        year_from=rng.choice([None, 2017]),
    )


def _reference(rows: list[VictimRow], q: VictimQuery) -> dict[int, dict[str, object]]:
    """Per year: the figures, cells, rates and strata counted from person-years with sets."""
    base = person_years(rows)
    ever: dict[int, set[str]] = {}
    for r in rows:
        ever.setdefault(r.person_id, set()).add(r.system)
    items = person_years(rows, date_basis=q.date_basis, offence_family=q.offence_family)
    where = {k: set(v) for k, v in q.where.items() if k != "year"}
    years = q.where.get("year")
    kept = [
        p
        for p in items
        if all(p.attrs[d] in v for d, v in where.items())
        and (years is None or str(p.year) in years)
    ]
    dims = [d for d in q.group_by if d != "year"]
    out: dict[int, dict[str, object]] = {}
    for y in sorted({p.year for p in kept}):
        if q.year_from is not None and y < q.year_from:
            continue
        mine = [p for p in kept if p.year == y]
        theirs = [p for p in base if p.year == y]

        def persons(group: list[PersonYear], system: str) -> set[int]:
            return {p.person_id for p in group if system in p.systems}

        reta, sistra = persons(mine, "RETA"), persons(mine, "SISTRA")
        reta_all, sistra_all = persons(theirs, "RETA"), persons(theirs, "SISTRA")
        strata = {
            d: {
                k: Counter(p.attrs["overlap"] for p in mine if p.attrs[d] == k)
                for k in {p.attrs[d] for p in mine}
            }
            for d in ("sex", "age_minor")
        }
        out[y] = {
            "reconciled": len(mine),
            "identified": sum(p.identified for p in mine),
            "reta_only": len(reta - sistra),
            "sistra_only": len(sistra - reta),
            "both": len(reta & sistra),
            "reta_only_other_year": sum(1 for p in reta_all - sistra_all if "SISTRA" in ever[p]),
            "both_all": len(reta_all & sistra_all),
            "cells": tabulate(mine, dims) if dims else {(): len(mine)},
            "residence": tabulate(mine, ["department_residence"]),
            "birth": tabulate(mine, ["department_birth"]),
            "strata": {
                d: {
                    k: (c["solo_reta"] + c["ambos"], c["solo_sistra"] + c["ambos"], c["ambos"])
                    for k, c in by.items()
                }
                for d, by in strata.items()
            },
        }
    return out


@pytest.mark.parametrize("seed", range(4))
def test_answers_equal_set_counting_over_person_years(seed):
    rows = _rows(seed, n=1500)
    raw = [(r.system, r.registration_date, r.offence_family) for r in rows]
    frame = build_frame(rows, raw)
    rng = random.Random(seed)
    for _ in range(25):
        q = _query(rng)
        got = answer(frame, query=q)
        expected = _reference(rows, q)
        years = {y.year: y for y in got.years if y.reconciled}
        assert sorted(years) == sorted(expected), q
        dims = got.group_by[1:]
        for y, ref in expected.items():
            read = years[y]
            for key in ("reconciled", "identified", "reta_only", "sistra_only", "both"):
                assert getattr(read, key) == ref[key], (q, y, key)
            steps = {s.key: s.value for g in read.gaps for s in g.steps}
            assert steps["reta_only_other_year"] == ref["reta_only_other_year"], (q, y)
            assert steps["both_all"] == -ref["both_all"], (q, y)
            cells = {
                tuple(c.key[d] for d in dims): c.persons
                for c in got.cells
                if c.key["year"] == str(y) and "total" not in c.key.values()
            }
            assert cells == ref["cells"], (q, y)
            for basis in ("residence", "birth"):
                rates = {
                    (r.department,): r.persons
                    for r in got.rates
                    if r.year == y and r.basis == basis
                }
                assert rates == ref[basis], (q, y, basis)
            for by, estimate in (
                ("sex", read.estimate_by_sex),
                ("age_minor", read.estimate_by_age),
            ):
                if estimate is not None and estimate.strata:
                    strata = {k: (e.n1, e.n2, e.m) for k, e in estimate.strata.items()}
                    assert strata == ref["strata"][by], (q, y, by)  # type: ignore[index]
