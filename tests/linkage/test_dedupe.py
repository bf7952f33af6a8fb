"""Deduplicate a generic person list with the linkage core."""

from __future__ import annotations

import csv

import pytest

from app.linkage.dedupe import dedupe_csv, parse_mapping


def test_dedupe_groups_variants_of_one_person(tmp_path):
    src = tmp_path / "albergue.csv"
    rows = [
        ("1", "Rosa Elena", "Quispe", "Mamani", "2001-05-12"),
        ("2", "Rosa", "Quispe", "Mamani", "2001-05-12"),
        ("3", "Luz", "Quispe", "Mamani", "2004-02-01"),
        ("4", "Carmen", "Ñaupari", "Torres", "1998-11-30"),
        ("5", "Carmen", "Naupari", "Torres", "1998-11-30"),
        ("6", "José", "Huamán", "Flores", "1990-01-01"),
    ]
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "nombres", "paterno", "materno", "nacimiento"])
        w.writerows(rows)
    out = tmp_path / "out.csv"
    summary = dedupe_csv(
        src,
        id_column="id",
        mapping=parse_mapping(
            "given_name=nombres,surname=paterno,maternal_surname=materno,dob=nacimiento"
        ),
        out=out,
    )
    with out.open(encoding="utf-8") as fh:
        person = {r["id"]: r["person_id"] for r in csv.DictReader(fh)}
    assert person["1"] == person["2"] == "1"
    assert person["4"] == person["5"]
    assert person["3"] != person["1"] and person["6"] not in (person["1"], person["4"])
    assert summary.rows == 6 and summary.persons == 4 and summary.duplicates == 2


def test_bad_mapping_is_refused():
    with pytest.raises(ValueError):
        parse_mapping("nombre=x")
    with pytest.raises(ValueError):
        parse_mapping("dob=x")
