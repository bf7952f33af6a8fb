"""Stored records and source rows: documents sealed on write, opened back to the schema."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from app.adapters import parse_row
from app.privacy import HASH_FIELD, get_sealer, open_raw, open_record, seal_raw, seal_record_json
from app.schema import CommonRecord, System

DATA = Path(__file__).resolve().parent.parent / "data"


def _records() -> list[CommonRecord]:
    with (DATA / "sistra.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    parsed = [parse_row(System.SISTRA, n, row) for n, row in enumerate(rows, 2)]
    return [p for p in parsed if isinstance(p, CommonRecord)]


def test_sealed_record_opens_back_to_the_same_record():
    records = _records()
    assert any(r.document_number for r in records)
    assert any(not r.document_number for r in records)
    for rec in records:
        text, digest = seal_record_json(rec, rec.model_dump_json())
        stored = json.loads(text)
        assert HASH_FIELD in stored and stored[HASH_FIELD] == digest
        if rec.document_number:
            assert rec.document_number not in json.dumps(stored)
            assert stored[HASH_FIELD] is None or len(stored[HASH_FIELD]) == 64
        assert CommonRecord.model_validate(open_record(stored)) == rec


def test_same_document_gets_the_same_keyed_hash_in_both_systems():
    sealer = get_sealer()
    a = CommonRecord.model_validate(
        {**_records()[0].to_json(), "document_type": "DNI", "document_number": "01234567"}
    )
    b = a.model_copy(update={"system": System.RETA, "document_number": "1234567"})
    ha = json.loads(seal_record_json(a, a.model_dump_json())[0])[HASH_FIELD]
    hb = json.loads(seal_record_json(b, b.model_dump_json())[0])[HASH_FIELD]
    assert ha == hb == sealer.document_hash("DNI", "01234567")


def test_raw_document_columns_are_sealed_once_and_open_back():
    raw = {"ID_SUJETO": "S-1", "NUMERO_DOCUMENTO": "07654321", "NRO_DOC": 42, "X": "07654321"}
    sealed = seal_raw(dict(raw))
    assert sealed["NUMERO_DOCUMENTO"] != "07654321" and sealed["NRO_DOC"] != 42
    assert sealed["X"] == "07654321"  # only the document columns are sealed
    assert seal_raw(dict(sealed)) == sealed  # already sealed: left alone
    assert open_raw(sealed) == raw
    assert seal_raw({"NRO_DOC": ""}) == {"NRO_DOC": ""}


def test_records_written_before_sealing_are_read_as_they_are():
    plain = _records()[0].to_json()
    assert open_record(plain) == plain
