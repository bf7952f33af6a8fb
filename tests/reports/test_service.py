"""Small-cell suppression of one report holds across its tables: no hidden figure can be
recovered by combining the published tables."""

from __future__ import annotations

from app.db import session_scope
from app.reports.service import load
from app.statistics.schemas import VictimQuery, VictimStatsRead
from app.statistics.service import answer_together
from app.statistics.suppression import recoverable

THRESHOLD = 5
GROUPINGS = ["department_residence", "department_birth", "sex", "age_ctdc", "nationality"]


def _queries(year: int) -> list[VictimQuery]:
    grouped = [VictimQuery(year_from=year, year_to=year, group_by=["year", d]) for d in GROUPINGS]
    return [VictimQuery(year_to=year), *grouped]


def _attack(answers: list[VictimStatsRead], year: int) -> tuple[set[tuple[str, ...]], set]:
    """Return (hidden quantities, those an analyst can solve) from the published figures.

    A quantity is named by what it counts (a department's persons is the same number in the
    rates and in the department breakdown); it is known when any table publishes it. Known
    relations: every breakdown and each basis of the rates adds up to the year's figure.
    """
    known: dict[tuple[str, ...], int] = {}
    hidden: set[tuple[str, ...]] = set()
    parts: dict[str, list[tuple[str, ...]]] = {}

    def see(name: tuple[str, ...], value: int | None) -> None:
        if value is None:
            hidden.add(name)
        else:
            known[name] = value

    for a in answers:
        for y in a.years:
            if y.year == year:
                see(("reconciled",), y.reconciled)
        for r in a.rates:
            if r.year == year:
                dim = f"department_{r.basis}"
                name = (dim, r.department)
                see(name, r.persons)
                parts.setdefault(dim, []).append(name)
        for c in a.cells:
            if c.key["year"] != str(year) or len(a.group_by) < 2:
                continue
            dim = a.group_by[1]
            value = c.key[dim]
            name = ("reconciled",) if value == "total" else (dim, value)
            see(name, c.persons)
            if value != "total":
                parts.setdefault(dim, []).append(name)
    hidden -= set(known)
    constraints = [(("reconciled",), sorted(set(p))) for p in parts.values()]
    values = {**known, **dict.fromkeys(hidden, 0)}
    return hidden, recoverable(values, constraints, hidden)


def test_no_hidden_figure_of_a_report_can_be_recovered_from_its_other_tables(linked_world):
    with session_scope() as s:
        frame = load(s).frame()
    tried = 0
    for year in (2016, 2017, 2018):
        together = answer_together(
            frame, queries=_queries(year), suppress_small=True, threshold=THRESHOLD
        )
        hidden, solved = _attack(together, year)
        tried += len(hidden)
        assert not solved, (year, sorted(solved))
    assert tried > 0  # the attack had something to find
