"""The common record's trusted constructor and its JSON encoding."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.adapters import parse_row, read_rows
from app.schema import CommonRecord, OffenceFamily, Purpose, Role, System

DATA = Path(__file__).resolve().parents[1] / "data"


def _fields(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {name: None for name in CommonRecord.model_fields}
    values.update(
        system=System.SISTRA,
        row_id="S-1",
        role=Role.VICTIM,
        case_key="CF 12-2020",
        case_key_norm="CF 12-2020",
        unidentified=False,
        registration_date=date(2020, 3, 4),
        offence_raw="TRATA DE PERSONAS",
        offence="TRATA",
        offence_family=OffenceFamily.TRAFFICKING,
        purpose=Purpose.UNKNOWN,
    )
    values.update(changes)
    return values


def test_trusted_equals_the_validated_record() -> None:
    values = _fields(name_raw='ÑUÑEZ "EL" \\ QUISPE\x1f', birth_date=date(5, 1, 1), age=17)
    trusted = CommonRecord.trusted(**values)
    validated = CommonRecord(**values)
    assert trusted == validated
    assert trusted.json_bytes() == validated.model_dump_json().encode("utf-8")
    assert trusted.content_hash() == validated.content_hash()


def test_trusted_refuses_missing_or_unknown_fields() -> None:
    values = _fields()
    del values["stage"]
    with pytest.raises(TypeError):
        CommonRecord.trusted(**values)
    with pytest.raises(TypeError):
        CommonRecord.trusted(**_fields(colour="red"))


def test_json_bytes_falls_back_for_text_orjson_refuses() -> None:
    record = CommonRecord.trusted(**_fields(name_raw="a\udc80b"))
    with pytest.raises(ValueError):  # pydantic refuses it too: the behaviour is unchanged
        record.json_bytes()


@pytest.mark.parametrize(
    ("system", "filename"),
    [
        (System.RETA, "reta.csv"),
        (System.RETA, "reta.xlsx"),
        (System.SISTRA, "sistra.csv"),
        (System.SISTRA, "sistra.jsonl"),
    ],
)
def test_adapters_build_records_validation_would_accept_unchanged(
    system: System, filename: str
) -> None:
    with (DATA / filename).open("rb") as stream:
        parsed = [parse_row(system, n, raw) for n, raw in read_rows(system, stream, filename)]
    records = [r for r in parsed if isinstance(r, CommonRecord)]
    assert records
    for record in records:
        validated = CommonRecord.model_validate(dict(record))
        for name in CommonRecord.model_fields:  # same values of the same types, not just equal
            assert type(getattr(record, name)) is type(getattr(validated, name)), name
        assert validated == record
        assert record.json_bytes() == validated.model_dump_json().encode("utf-8")


def test_trusted_puts_fields_in_class_order_whatever_the_call_order() -> None:
    values = _fields(name_raw="ANA")
    shuffled = dict(reversed(list(values.items())))
    assert CommonRecord.trusted(**shuffled).json_bytes() == CommonRecord(
        **values
    ).model_dump_json().encode("utf-8")
