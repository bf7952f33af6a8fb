"""Pure conversion between victim rows and `victim_facts` rows (one per victim source row)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from app.statistics.counting import VictimRow, age_ctdc, age_fiscal, age_minor

__all__ = ["FACT_COLUMNS", "case_years", "fact_row", "victim_row"]

# Dimension -> facts column, for the SQL fast path (row attributes, codes for departments).
FACT_COLUMNS: Mapping[str, str] = {
    "department_facts": "dept_facts",
    "department_residence": "dept_residence",
    "department_birth": "dept_birth",
    "sex": "sex",
    "age_minor": "age_minor",
    "age_ctdc": "age_ctdc",
    "age_fiscal": "age_fiscal",
    "nationality": "nationality",
    "purpose": "purpose",
    "offence_family": "offence_family",
    "identification": "person_identified",
}


def case_years(rows: Iterable[VictimRow]) -> dict[int, int]:
    """Return the year of each linked case's first registration (over its victim rows)."""
    first: dict[int, date] = {}
    for r in rows:
        if r.case_id is not None and (
            r.case_id not in first or r.registration_date < first[r.case_id]
        ):
            first[r.case_id] = r.registration_date
    return {c: d.year for c, d in first.items()}


def fact_row(
    row: VictimRow, *, run_id: int, identified: Collection[int], case_year: Mapping[int, int]
) -> dict[str, Any]:
    """Return the `victim_facts` row of a victim row."""
    return {
        "run_id": run_id,
        "source_record_id": row.source_record_id,
        "person_id": row.person_id,
        "case_id": row.case_id,
        "system": row.system,
        "registration_date": row.registration_date,
        "facts_date": row.facts_date,
        "year_registration": row.registration_date.year,
        "year_facts": row.facts_date.year if row.facts_date else None,
        "year_case": case_year.get(row.case_id) if row.case_id is not None else None,
        "dept_facts": row.ubigeo_facts[:2] if row.ubigeo_facts else None,
        "dept_residence": row.ubigeo_residence[:2] if row.ubigeo_residence else None,
        "dept_birth": row.ubigeo_birth[:2] if row.ubigeo_birth else None,
        "sex": row.sex,
        "age": row.age,
        "minor": row.minor,
        "age_minor": age_minor(row.age, row.minor),
        "age_ctdc": age_ctdc(row.age, row.minor),
        "age_fiscal": age_fiscal(row.age, row.minor),
        "nationality": row.nationality,
        "purpose": row.purpose,
        "offence_family": row.offence_family,
        "origin": row.origin,
        "unidentified": row.unidentified,
        "person_identified": row.person_id in identified,
    }


def victim_row(fact: Mapping[str, Any]) -> VictimRow:
    """Return the victim row a `victim_facts` row was made from (departments as codes)."""
    return VictimRow(
        source_record_id=fact["source_record_id"],
        person_id=fact["person_id"],
        system=fact["system"],
        registration_date=fact["registration_date"],
        facts_date=fact["facts_date"],
        offence_family=fact["offence_family"],
        sex=fact["sex"],
        unidentified=bool(fact["unidentified"]),
        age=fact["age"],
        minor=fact["minor"],
        nationality=fact["nationality"],
        purpose=fact["purpose"],
        ubigeo_facts=fact["dept_facts"],
        ubigeo_residence=fact["dept_residence"],
        ubigeo_birth=fact["dept_birth"],
        case_id=fact["case_id"],
        origin=fact["origin"],
    )
