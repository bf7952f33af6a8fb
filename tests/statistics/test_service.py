"""Victim statistics on a linked demo world: own figures, gaps, truth, suppression walk."""

from __future__ import annotations

from itertools import combinations

from app.db import session_scope
from app.statistics import service
from app.statistics.counting import DIMENSIONS
from app.statistics.schemas import VictimQuery

GROUPABLE = [d for d in DIMENSIONS if d != "year"]


def _stats(**kw):
    suppress_small = kw.pop("suppress_small", False)
    with session_scope() as s:
        return service.victim_statistics(
            s, query=VictimQuery(**kw), suppress_small=suppress_small, threshold=5
        )


def _gap_sum(gap):
    return gap.start_value + sum(step.value for step in gap.steps)


def test_own_figures_match_raw_rows_and_gaps_add_up(linked_world):
    truth = linked_world.summary["per_year"]
    stats = _stats()
    assert [y.year for y in stats.years] == [2016, 2017, 2018]
    assert stats.unlinked_rows == 0
    for y in stats.years:
        t = truth[str(y.year)]
        assert y.reta_rows == t["reta_victim_rows"]
        assert y.sistra_rows == t["sistra_victim_rows"]
        assert y.reta_rows_trafficking <= y.reta_rows
        assert y.reconciled == y.identified + y.unidentified
        assert y.reconciled == y.reta_only + y.sistra_only + y.both
        for gap in y.gaps:
            assert _gap_sum(gap) == gap.end_value == y.reconciled
        # Linkage is not perfect, but the reconciled count is close to the true one.
        assert abs(y.reconciled - t["detected_victims"]) <= max(3, 0.1 * t["detected_victims"])
        assert y.estimate is not None
        assert y.estimate.ci_low <= y.estimate.total <= y.estimate.ci_high


def test_scope_and_date_basis_terms_explain_the_filtered_figure(linked_world):
    stats = _stats(offence_family="trafficking", date_basis="facts", where={"sex": ["F"]})
    assert stats.rows_without_date > 0
    for y in stats.years:
        for gap in y.gaps:
            assert _gap_sum(gap) == y.reconciled
        steps = {s.key: s.value for s in y.gaps[0].steps}
        assert steps["scope_term"] <= 0  # related offences leave the count
        assert steps["filter_term"] <= 0


def test_cells_add_up_to_the_year_and_rates_are_per_100k(linked_world):
    stats = _stats(group_by=["sex", "age_minor"])
    by_year = {y.year: y.reconciled for y in stats.years}
    for cell in stats.cells:
        if cell.key["sex"] == "total" and cell.key["age_minor"] == "total":
            assert cell.persons == by_year[int(cell.key["year"])]
    rates = [r for r in stats.rates if r.department == "LIMA" and r.basis == "residence"]
    assert rates and all(r.population and r.population > 1_000_000 for r in rates)
    for r in rates:
        assert r.rate_per_100k == round(r.persons / r.population * 100_000, 2)


def test_no_cell_below_threshold_is_served_to_analysts_in_any_grouping(linked_world):
    groupings = [[], *([d] for d in GROUPABLE), *(list(p) for p in combinations(GROUPABLE, 2))]
    for group_by in groupings:
        stats = _stats(group_by=group_by, suppress_small=True)
        served: list[int | None] = [c.persons for c in stats.cells]
        served += [r.persons for r in stats.rates]
        served += [p.persons for p in stats.patterns]
        for y in stats.years:
            served += [
                y.reconciled, y.identified, y.unidentified, y.reta_only, y.sistra_only, y.both,
                y.reta_rows, y.reta_rows_trafficking, y.sistra_rows, y.sistra_rows_trafficking,
            ]  # fmt: skip
            served += [s.value for g in y.gaps for s in g.steps if s.value is not None]
            if y.estimate is not None:
                assert y.estimate.m >= 5
        small = [v for v in served if v is not None and 0 < abs(v) < 5]
        assert not small, (group_by, small)
