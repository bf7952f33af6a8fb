"""The estimation population: persons in the year of their case's first registration."""

from __future__ import annotations

from datetime import date

from app.statistics.counting import VictimRow
from app.statistics.population import case_year_counts


def _row(rid, pid, system, day, case, origin=None, family="trafficking"):
    return VictimRow(rid, pid, system, day, None, family, case_id=case, origin=origin)


def test_a_december_complaint_and_its_january_file_fall_in_one_year():
    rows = [
        _row(1, 10, "RETA", date(2016, 12, 28), 1),
        _row(2, 10, "SISTRA", date(2017, 1, 9), 1, "DENUNCIA POLICIAL"),
        _row(3, 11, "RETA", date(2017, 3, 1), 2),  # police case, not referred, not in SISTRA
        _row(4, 12, "RETA", date(2017, 4, 1), 3),  # not referred, SISTRA by a direct route
        _row(5, 12, "SISTRA", date(2017, 4, 9), 3, "DENUNCIA DE PARTE"),
        _row(6, 13, "SISTRA", date(2017, 5, 1), None, "DE OFICIO"),  # unlinked: own case
    ]
    counts = case_year_counts(rows)
    assert set(counts) == {2016, 2017}
    c16, c17 = counts[2016], counts[2017]
    assert (c16.n1, c16.n2, c16.m, c16.unreferred) == (1, 1, 1, 0)
    assert (c17.n1, c17.n2, c17.m) == (2, 2, 1)
    assert (c17.unreferred, c17.unreferred_in_sistra) == (2, 1)
    assert case_year_counts(rows, offence_family="related") == {}
