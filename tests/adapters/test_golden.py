"""Golden tests on the shared samples: every row parses and the transports agree."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from app.adapters import parse_row, read_rows
from app.schema import CommonRecord, Role, RowError, Sex, System

DATA = Path(__file__).resolve().parents[1] / "data"


@cache
def load(system: System, filename: str) -> tuple[CommonRecord | RowError, ...]:
    with (DATA / filename).open("rb") as stream:
        return tuple(parse_row(system, n, raw) for n, raw in read_rows(system, stream, filename))


def records(system: System, filename: str) -> list[CommonRecord]:
    results = load(system, filename)
    errors = [r for r in results if isinstance(r, RowError)]
    assert errors == [], errors
    return [r for r in results if isinstance(r, CommonRecord)]


@cache
def truth() -> dict[tuple[str, str], dict[str, str]]:
    with (DATA / "truth.csv").open(encoding="utf-8", newline="") as handle:
        return {(row["system"], row["row_id"]): row for row in csv.DictReader(handle)}


@pytest.mark.parametrize(
    ("system", "filename", "count"),
    [
        (System.RETA, "reta.csv", 54),
        (System.RETA, "reta.xlsx", 54),
        (System.RETA, "reta_corrections.csv", 5),
        (System.SISTRA, "sistra.csv", 66),
        (System.SISTRA, "sistra.jsonl", 66),
        (System.SISTRA, "sistra_corrections.csv", 8),
    ],
)
def test_every_sample_row_parses(system: System, filename: str, count: int) -> None:
    parsed = records(system, filename)
    assert len(parsed) == count
    assert len({r.row_id for r in parsed}) == count
    for record in parsed:  # fields built without surprises: a full validation round trip
        assert CommonRecord.model_validate(record.model_dump()) == record


def test_reta_xlsx_and_csv_give_identical_records() -> None:
    assert records(System.RETA, "reta.xlsx") == records(System.RETA, "reta.csv")


def test_sistra_jsonl_and_csv_give_identical_records() -> None:
    assert records(System.SISTRA, "sistra.jsonl") == records(System.SISTRA, "sistra.csv")


@pytest.mark.parametrize(
    ("system", "original", "corrections"),
    [
        (System.RETA, "reta.csv", "reta_corrections.csv"),
        (System.SISTRA, "sistra.csv", "sistra_corrections.csv"),
    ],
)
def test_corrections_re_export_known_rows_with_changes(
    system: System, original: str, corrections: str
) -> None:
    before = {r.row_id: r for r in records(system, original)}
    for corrected in records(system, corrections):
        assert corrected.row_id in before
        assert corrected.content_hash() != before[corrected.row_id].content_hash()


@pytest.mark.parametrize(
    ("system", "filename"), [(System.RETA, "reta.csv"), (System.SISTRA, "sistra.csv")]
)
def test_roles_agree_with_truth(system: System, filename: str) -> None:
    for record in records(system, filename):
        expected = truth()[(system.value, record.row_id)]["role"]
        assert record.role is Role(expected)


def test_same_person_agrees_across_systems_where_both_identified() -> None:
    by_person: dict[str, list[CommonRecord]] = {}
    for system, filename in ((System.RETA, "reta.csv"), (System.SISTRA, "sistra.csv")):
        for record in records(system, filename):
            by_person.setdefault(truth()[(system.value, record.row_id)]["person_id"], []).append(
                record
            )
    checked = 0
    for group in by_person.values():
        sexes = {r.sex for r in group if r.sex is not None}
        assert len(sexes) <= 1, group
        dnis = {
            r.document_number
            for r in group
            if r.document_number and r.document_type is not None and r.document_type.value == "DNI"
        }
        # DNIs of one person agree after zero padding, up to the sample's deliberate typos
        assert len(dnis) <= 2, group
        identified = [r for r in group if not r.unidentified]
        if len({r.system for r in identified}) == 2:
            given = {(r.given_names or "").split(" ")[0] for r in identified}
            checked += 1
            assert len(given) <= 3, group
    assert checked > 20


def test_split_names_match_the_prosecutor_record_of_the_same_person() -> None:
    reta = {r.row_id: r for r in records(System.RETA, "reta.csv")}
    sistra = {r.row_id: r for r in records(System.SISTRA, "sistra.csv")}
    cases = {
        # RETA row: SISTRA row of the same true person
        "R2015-000009": "S-0000156304",  # SANCHEZ GONZALES, JUAN LUYS / Juan Luis Sanchez Gonzales
        "R2017-000014": "S-0000156356",  # DEL AGUILA DE LA CRUZ,JUAN
        "R2018-000005": "S-0000156362",  # DEL CASTILLO QUTSPE, JUAN WILLIAM
        "R2015-000020": "S-0000156319",  # SALAZAR SANCHEZ VICTOR (no comma)
        "R2018-000024": "S-0000156398",  # FLORES  QUISPE DAVID (double space)
    }
    for reta_id, sistra_id in cases.items():
        police, prosecutor = reta[reta_id], sistra[sistra_id]
        assert police.paternal_surname == prosecutor.paternal_surname
        assert police.given_names is not None and prosecutor.given_names is not None
        assert police.given_names.split()[0] == prosecutor.given_names.split()[0]


def test_odd_reta_names_against_truth() -> None:
    reta = {r.row_id: r for r in records(System.RETA, "reta.csv")}
    # DE LUZ SANTOS is a mistyped DE LOS SANTOS (same person as R2017-000001 in truth.csv)
    odd, clean = reta["R2015-000001"], reta["R2017-000001"]
    t = truth()
    assert t[("RETA", odd.row_id)]["person_id"] == t[("RETA", clean.row_id)]["person_id"]
    assert (odd.paternal_surname, odd.maternal_surname, odd.given_names) == (
        "DE LUZ SANTOS",
        "QUISPE",
        "ANA MARIA",
    )
    assert (clean.paternal_surname, clean.maternal_surname, clean.given_names) == (
        "DE LOS SANTOS",
        "QUISPE",
        "ANA MARIA",
    )
    miguel = reta["R2019-000003"]  # DE LOS SANTOS MIGUEL ALEXANDER: no maternal surname
    assert (miguel.paternal_surname, miguel.maternal_surname, miguel.given_names) == (
        "DE LOS SANTOS",
        None,
        "MIGUEL ALEXANDER",
    )


def test_unidentified_rows_are_counted_not_dropped() -> None:
    reta = [r for r in records(System.RETA, "reta.csv") if r.unidentified]
    sistra = [r for r in records(System.SISTRA, "sistra.csv") if r.unidentified]
    assert {r.name_raw for r in reta} == {"NO IDENTIFICADO", "NN", "N.N."}
    assert {r.name_raw for r in sistra} == {"NN", "PERSONA POR IDENTIFICAR"}
    assert all(r.role is Role.VICTIM for r in reta + sistra)


def test_reniec_codes_are_translated_to_inei() -> None:
    reta = {r.row_id: r for r in records(System.RETA, "reta.csv")}
    # (row, RENIEC code in the file) -> INEI code in the record
    assert reta["R2015-000001"].ubigeo_facts == "030605"  # 030703 OCOBAMBA (Apurímac)
    assert reta["R2015-000006"].ubigeo_facts == "080201"  # 070201 ACOMAYO (Cusco)
    assert reta["R2015-000006"].ubigeo_birth == "210208"  # 200208 MUÑANI (Puno)
    assert reta["R2015-000006"].ubigeo_residence == "070101"  # 240101 CALLAO
    assert reta["R2017-000001"].ubigeo_facts == "170101"  # 160101 TAMBOPATA (Madre de Dios)


def test_zero_padded_dni_matches_across_systems() -> None:
    reta = {r.row_id: r for r in records(System.RETA, "reta.csv")}
    sistra = {r.row_id: r for r in records(System.SISTRA, "sistra.csv")}
    assert (
        reta["R2015-000008"].document_number == sistra["S-0000156300"].document_number == "00193715"
    )


def test_sex_values_of_the_samples() -> None:
    values = {r.sex for r in records(System.SISTRA, "sistra.csv")}
    assert values == {Sex.FEMALE, Sex.MALE, None}
