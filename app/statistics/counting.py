"""Pure counting: current victim rows with their person -> person-years, tables and figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal

from app.schema.ubigeo import department_code, department_name

__all__ = [
    "DIMENSIONS",
    "UNKNOWN",
    "DateBasis",
    "OwnFigure",
    "PersonYear",
    "VictimRow",
    "age_ctdc",
    "age_fiscal",
    "age_minor",
    "department",
    "overlap_patterns",
    "own_figures",
    "person_years",
    "tabulate",
]

DateBasis = Literal["registration", "facts"]
UNKNOWN = "desconocido"

# Every dimension a count can be grouped or filtered by.
DIMENSIONS: tuple[str, ...] = (
    "year",
    "department_facts",
    "department_residence",
    "department_birth",
    "sex",
    "age_minor",
    "age_ctdc",
    "age_fiscal",
    "nationality",
    "purpose",
    "offence_family",
    "overlap",
    "identification",
)

_CTDC = ((0, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47))
_FISCAL = ((0, 12), (13, 17), (18, 24))


@dataclass(frozen=True, slots=True)
class VictimRow:
    """The current version of one victim source row and the person it is linked to."""

    source_record_id: int
    person_id: int
    system: str
    registration_date: date
    facts_date: date | None
    offence_family: str
    sex: str | None = None
    unidentified: bool = False
    age: int | None = None
    minor: bool | None = None
    nationality: str | None = None
    purpose: str | None = None
    ubigeo_facts: str | None = None
    ubigeo_residence: str | None = None
    ubigeo_birth: str | None = None
    case_id: int | None = None  # linked case (None: not linked yet, the row is its own case)
    origin: str | None = None  # SISTRA ORIGEN


@dataclass(frozen=True, slots=True)
class PersonYear:
    """One person counted in one year, with the attributes that place them in a table."""

    person_id: int
    year: int
    systems: frozenset[str]
    identified: bool
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OwnFigure:
    """A system's figure as it publishes it: victim rows registered in the year."""

    system: str
    year: int
    rows: int
    rows_trafficking: int


def age_minor(age: int | None, minor: bool | None) -> str:
    """Return 'menor', 'adulto' or 'desconocido'."""
    if age is not None:
        return "menor" if age < 18 else "adulto"
    if minor is not None:
        return "menor" if minor else "adulto"
    return UNKNOWN


def _band(age: int | None, bands: Sequence[tuple[int, int]], top: str) -> str:
    if age is None:
        return UNKNOWN
    for low, high in bands:
        if low <= age <= high:
            return f"{low}-{high}"
    return top


def age_ctdc(age: int | None, minor: bool | None = None) -> str:
    """Return the CTDC age band (0-8, 9-17, 18-20, ... 39-47, 48+)."""
    if age is None and minor is not None:
        return "menor_sin_edad" if minor else "adulto_sin_edad"
    return _band(age, _CTDC, "48+")


def age_fiscal(age: int | None, minor: bool | None = None) -> str:
    """Return the prosecutors' age band (0-12, 13-17, 18-24, 25+)."""
    if age is None and minor is not None:
        return "menor_sin_edad" if minor else "adulto_sin_edad"
    return _band(age, _FISCAL, "25+")


@lru_cache(maxsize=4096)
def department(ubigeo: str | None) -> str:
    """Return the department name of an INEI code, or 'desconocido'."""
    if not ubigeo:
        return UNKNOWN
    return department_name(department_code(ubigeo)) or UNKNOWN


def _overlap(systems: Collection[str]) -> str:
    if "RETA" in systems and "SISTRA" in systems:
        return "ambos"
    if "RETA" in systems:
        return "solo_reta"
    if "SISTRA" in systems:
        return "solo_sistra"
    return "+".join(sorted(systems)).lower()


def _pick(values: Iterable[str | None]) -> str:
    """Most frequent known value; ties go to the earliest row."""
    known = [v for v in values if v is not None and v != UNKNOWN]
    if not known:
        return UNKNOWN
    first = known[0]
    if len(known) == 1 or all(v == first for v in known):
        return first  # the usual case: one row, or rows that agree
    counts = Counter(known)
    best = max(counts.values())
    return next(v for v in known if counts[v] == best)


def _row_year(row: VictimRow, basis: DateBasis) -> int | None:
    when = row.registration_date if basis == "registration" else row.facts_date
    return when.year if when is not None else None


def _known(value: str | None) -> str:
    return value if value is not None and value != UNKNOWN else UNKNOWN


def _attrs_one(r: VictimRow, year: int, identified: bool) -> dict[str, str]:
    """`_attrs` of a single row (most person-years), without the voting machinery."""
    return {
        "year": str(year),
        "department_facts": department(r.ubigeo_facts),
        "department_residence": department(r.ubigeo_residence),
        "department_birth": department(r.ubigeo_birth),
        "sex": _known(r.sex),
        "age_minor": age_minor(r.age, r.minor),
        "age_ctdc": age_ctdc(r.age, r.minor),
        "age_fiscal": age_fiscal(r.age, r.minor),
        "nationality": _known(r.nationality),
        "purpose": _known(r.purpose if r.purpose != "Unknown" else None),
        "offence_family": "trafficking" if r.offence_family == "trafficking" else "related",
        "overlap": _overlap((r.system,)),
        "identification": "identificada" if identified else "no_identificada",
    }


def _attrs(rows: Sequence[VictimRow], year: int, identified: bool) -> dict[str, str]:
    if len(rows) == 1:
        return _attrs_one(rows[0], year, identified)
    first_age = next((r for r in rows if r.age is not None), None)
    age = first_age.age if first_age is not None else None
    minor = _pick("1" if r.minor else "0" for r in rows if r.minor is not None)
    minor_flag = None if minor == UNKNOWN else minor == "1"
    purposes = (r.purpose if r.purpose not in (None, "Unknown") else None for r in rows)
    trafficking = any(r.offence_family == "trafficking" for r in rows)
    return {
        "year": str(year),
        "department_facts": _pick(department(r.ubigeo_facts) for r in rows),
        "department_residence": _pick(department(r.ubigeo_residence) for r in rows),
        "department_birth": _pick(department(r.ubigeo_birth) for r in rows),
        "sex": _pick(r.sex for r in rows),
        "age_minor": age_minor(age, minor_flag),
        "age_ctdc": age_ctdc(age, minor_flag),
        "age_fiscal": age_fiscal(age, minor_flag),
        "nationality": _pick(r.nationality for r in rows),
        "purpose": _pick(purposes),
        "offence_family": "trafficking" if trafficking else "related",
        "overlap": _overlap({r.system for r in rows}),
        "identification": "identificada" if identified else "no_identificada",
    }


def person_years(
    rows: Iterable[VictimRow],
    *,
    date_basis: DateBasis = "registration",
    offence_family: str | None = None,
    identified_persons: Collection[int] | None = None,
    where: Mapping[str, Collection[str]] | None = None,
) -> list[PersonYear]:
    """Count each person once in each year in which they have a victim row.

    Rows are kept by offence family first; a person's attributes in a year come from their rows
    of that year; `where` then keeps the person-years whose attributes match.
    """
    by_key: dict[tuple[int, int], list[VictimRow]] = defaultdict(list)
    any_identified: set[int] = set()
    for row in rows:
        if not row.unidentified:
            any_identified.add(row.person_id)
        if offence_family is not None and row.offence_family != offence_family:
            continue
        year = _row_year(row, date_basis)
        if year is not None:
            by_key[(row.person_id, year)].append(row)
    known = any_identified if identified_persons is None else identified_persons
    out: list[PersonYear] = []
    for (pid, year), group in sorted(by_key.items()):
        group.sort(key=lambda r: (r.registration_date, r.system, r.source_record_id))
        identified = pid in known
        attrs = _attrs(group, year, identified)
        if where and any(attrs.get(dim) not in allowed for dim, allowed in where.items()):
            continue
        out.append(PersonYear(pid, year, frozenset(r.system for r in group), identified, attrs))
    return out


def tabulate(items: Iterable[PersonYear], dims: Sequence[str]) -> dict[tuple[str, ...], int]:
    """Return the number of person-years in every non-empty cell of the `dims` grouping."""
    counts: Counter[tuple[str, ...]] = Counter(tuple(p.attrs[d] for d in dims) for p in items)
    return dict(sorted(counts.items()))


def overlap_patterns(
    items: Iterable[PersonYear], lists: Sequence[str]
) -> dict[tuple[int, tuple[bool, ...]], int]:
    """Return, per year, the persons seen by each combination of lists (for 2+ list MSE)."""
    counts: Counter[tuple[int, tuple[bool, ...]]] = Counter(
        (p.year, tuple(name in p.systems for name in lists)) for p in items
    )
    return dict(sorted(counts.items()))


def own_figures(
    rows: Iterable[tuple[str, date, str]], *, systems: Sequence[str] = ("RETA", "SISTRA")
) -> dict[tuple[str, int], OwnFigure]:
    """Count each system's victim rows by registration year: all offences and trafficking only."""
    total: Counter[tuple[str, int]] = Counter()
    proper: Counter[tuple[str, int]] = Counter()
    for system, registered, family in rows:
        key = (system, registered.year)
        total[key] += 1
        if family == "trafficking":
            proper[key] += 1
    years = {y for _, y in total}
    return {(s, y): OwnFigure(s, y, total[(s, y)], proper[(s, y)]) for s in systems for y in years}
