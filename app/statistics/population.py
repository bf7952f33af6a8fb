"""Pure estimation population: persons by the year their linked case was first registered."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.statistics.counting import VictimRow

__all__ = ["POLICE_ORIGIN", "CaptureCounts", "case_year_counts", "case_year_strata"]

POLICE_ORIGIN = "DENUNCIA POLICIAL"
_FIELDS = ("n1", "n2", "m", "unreferred", "unreferred_in_sistra")


@dataclass(frozen=True, slots=True)
class CaptureCounts:
    """List counts of one year's estimation population, with the referral split of RETA."""

    n1: int  # persons in RETA
    n2: int  # persons in SISTRA
    m: int  # in both
    unreferred: int  # RETA persons whose case has no SISTRA file of police origin
    unreferred_in_sistra: int  # ... and that SISTRA has anyway


def _case(row: VictimRow) -> int:
    # An unlinked row is a case of its own; negative ids cannot clash with real cases.
    return row.case_id if row.case_id is not None else -row.source_record_id


def case_year_strata(
    rows: Iterable[VictimRow], *, offence_family: str | None = None
) -> dict[int, dict[str, CaptureCounts]]:
    """Place each person in the year of their case's first registration and count the lists,
    by offence family (a person is 'trafficking' when any of their rows of the year is).

    A police complaint of December and its prosecutor file of January fall in one year, so a
    person is not counted 'only RETA' in one year and 'only SISTRA' in the next.
    """
    kept = [r for r in rows if offence_family is None or r.offence_family == offence_family]
    first: dict[int, date] = {}
    referred: set[int] = set()
    for r in kept:
        c = _case(r)
        if c not in first or r.registration_date < first[c]:
            first[c] = r.registration_date
        if r.system == "SISTRA" and (r.origin or "").upper() == POLICE_ORIGIN:
            referred.add(c)
    systems: dict[tuple[int, int], set[str]] = defaultdict(set)
    ref: dict[tuple[int, int], bool] = defaultdict(bool)
    trafficking: dict[tuple[int, int], bool] = defaultdict(bool)
    for r in kept:
        c = _case(r)
        key = (first[c].year, r.person_id)
        systems[key].add(r.system)
        ref[key] |= c in referred
        trafficking[key] |= r.offence_family == "trafficking"
    acc: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (year, pid), seen in systems.items():
        a = acc[(year, "trafficking" if trafficking[(year, pid)] else "related")]
        reta, sistra = "RETA" in seen, "SISTRA" in seen
        a[0] += reta
        a[1] += sistra
        a[2] += reta and sistra
        if reta and not ref[(year, pid)]:
            a[3] += 1
            a[4] += sistra
    out: dict[int, dict[str, CaptureCounts]] = defaultdict(dict)
    for (year, stratum), v in sorted(acc.items()):
        out[year][stratum] = CaptureCounts(*v)
    return dict(out)


def case_year_counts(
    rows: Iterable[VictimRow], *, offence_family: str | None = None
) -> dict[int, CaptureCounts]:
    """Return `case_year_strata` added up over the strata."""
    out: dict[int, CaptureCounts] = {}
    for year, strata in case_year_strata(rows, offence_family=offence_family).items():
        sums = [sum(getattr(c, f) for c in strata.values()) for f in _FIELDS]
        out[year] = CaptureCounts(*sums)
    return out
