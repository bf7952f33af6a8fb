"""Deduplicate any person list (a shelter's list, FEBRL benchmarks) with the linkage core."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.matching import LinkInput

__all__ = ["FIELDS", "DedupeSummary", "dedupe_csv", "parse_mapping"]

# What a column of the list can be mapped to (names of from_person's arguments).
FIELDS = (
    "given_name",
    "surname",
    "maternal_surname",
    "dob",
    "sex",
    "document",
    "age",
    "postcode",
)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%m-%Y", "%Y/%m/%d")


@dataclass(frozen=True)
class DedupeSummary:
    """How many rows went in and how many persons came out."""

    rows: int
    persons: int
    duplicates: int


def parse_mapping(text: str) -> dict[str, str]:
    """Parse 'given_name=COL,surname=COL,...' into {field: column}."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        field, sep, column = part.partition("=")
        if not sep or field.strip() not in FIELDS or not column.strip():
            raise ValueError(f"asignación no válida '{part}'; campos posibles: {', '.join(FIELDS)}")
        mapping[field.strip()] = column.strip()
    if "given_name" not in mapping and "surname" not in mapping:
        raise ValueError("indique al menos given_name o surname")
    return mapping


def _date(value: str) -> date | None:
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _age(value: str) -> int | None:
    digits = "".join(ch for ch in value if ch.isdigit())
    return int(digits) if digits and len(digits) <= 3 else None


def _input(row: Mapping[str, str], id_column: str, mapping: Mapping[str, str]) -> LinkInput:
    def get(field: str) -> str:
        column = mapping.get(field)
        return (row.get(column) or "").strip() if column else ""

    kwargs: dict[str, Any] = {
        "given_name": get("given_name") or None,
        "surname": get("surname") or None,
        "maternal_surname": get("maternal_surname") or None,
        "birth_date": _date(get("dob")) if get("dob") else None,
        "sex": get("sex") or None,
        "document": get("document") or None,
        "age": _age(get("age")) if get("age") else None,
        "postcode": get("postcode") or None,
    }
    from app.matching import from_person

    return from_person(("LIST", row[id_column].strip()), **kwargs)


def dedupe_csv(
    path: Path,
    *,
    id_column: str,
    mapping: Mapping[str, str],
    out: Path,
    encoding: str = "utf-8-sig",
) -> DedupeSummary:
    """Write the list with a `person_id` column: rows of one person share it."""
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        missing = [c for c in [id_column, *mapping.values()] if c not in columns]
        if missing:
            raise ValueError(f"columnas inexistentes en el archivo: {', '.join(missing)}")
        rows = list(reader)
    # The linkage core (NumPy) is imported here, not at module level, so that the CLI can
    # read FIELDS for its help text without paying for it on every command.
    from app.matching import Linker

    inputs = [_input(r, id_column, mapping) for r in rows]
    ids = [i.key for i in inputs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"la columna {id_column} tiene valores repetidos")
    clusters = Linker().link(inputs).clusters if inputs else {}
    # The person id is the smallest row id of the cluster, so it is readable and stable.
    members: dict[int, list[str]] = {}
    for key, label in clusters.items():
        members.setdefault(label, []).append(key[1])
    person = {rid: min(m) for m in members.values() for rid in m}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*columns, "person_id"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "person_id": person[row[id_column].strip()]})
    return DedupeSummary(rows=len(rows), persons=len(members), duplicates=len(rows) - len(members))
