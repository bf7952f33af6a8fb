"""Hostile input gets a clear 4xx or a row-level rejection; nothing stored that should not be,
nothing lost that should be."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.models import QuarantineRow, SourceRecord, SourceRecordVersion

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def sistra(client, as_role):
    headers = as_role("agency", "SISTRA")
    row = json.loads((DATA / "sistra.jsonl").read_text("utf-8").splitlines()[0])

    def push(rows):
        return client.post("/v1/sources/SISTRA/batches", headers=headers, json=rows)

    return headers, row, push


def _stored() -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(SourceRecord)) or 0)


@pytest.mark.parametrize(
    ("name", "change", "column"),
    [
        ("10,000-character field", {"NOMBRES": "A" * 10_000}, "NOMBRES"),
        ("NUL byte", {"NOMBRES": "Ro\x00sa"}, "NOMBRES"),
        ("control characters", {"APELLIDO_PATERNO": "Qui\x07spe\x1b[31m"}, "APELLIDO_PATERNO"),
        ("oversized row id", {"ID_SUJETO": "S-" + "9" * 5000}, "ID_SUJETO"),
        ("oversized case file", {"NRO_CARPETA": "1" * 500}, "NRO_CARPETA"),
    ],
)
def test_hostile_cells_are_rejected_row_by_row_and_kept_in_quarantine(sistra, name, change, column):
    _, row, push = sistra
    good = dict(row, ID_SUJETO="S-0000000042")
    r = push([good, dict(row, **change)])
    assert r.status_code == 201, (name, r.text)
    body = r.json()
    assert (body["new"], body["rejected"]) == (1, 1), name
    [rejection] = body["rejections"]
    assert rejection["column"] == column and rejection["row"] == 2
    assert _stored() == 1
    with session_scope() as s:
        q = s.scalars(select(QuarantineRow)).one()
        assert set(q.raw) == set(row)  # every column of what was sent is kept


def test_injection_attempts_are_stored_as_inert_data(sistra, client):
    _, row, push = sistra
    sql = "Robert'); DROP TABLE source_records;--"
    script = "<script>alert('x')</script>"
    r = push([dict(row, ID_SUJETO="S-1", NOMBRES=sql), dict(row, ID_SUJETO="S-2", NOMBRES=script)])
    assert r.status_code == 201 and r.json()["new"] == 2
    with session_scope() as s:
        records = [v.raw["NOMBRES"] for v in s.scalars(select(SourceRecordVersion))]
    assert sorted(records) == sorted([sql, script])
    assert _stored() == 2


def test_header_only_and_empty_pushes_are_refused(client, as_role):
    h = as_role("agency", "SISTRA")
    header = (DATA / "sistra.csv").read_bytes().splitlines(keepends=True)[0]
    r = client.post("/v1/sources/SISTRA/batches", headers=h, files={"file": ("s.csv", header)})
    assert r.status_code == 422 and "filas" in r.json()["detail"]
    assert client.post("/v1/sources/SISTRA/batches", headers=h, json=[]).status_code == 422
    assert _stored() == 0


def test_a_declared_gigabyte_is_refused_before_reading(client, as_role):
    h = as_role("agency", "SISTRA")
    r = client.post(
        "/v1/sources/SISTRA/batches",
        headers={**h, "Content-Type": "application/json", "Content-Length": str(1 << 30)},
        content=b"[]",
    )
    assert r.status_code == 413


def test_an_undeclared_stream_is_cut_at_the_limit():
    from app.main import BodySizeLimit

    pulled = 0
    seen_by_app = 0

    async def receive():
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * (1 << 20), "more_body": pulled < 200}

    async def app(scope, receive, send):
        nonlocal seen_by_app
        while True:
            message = await receive()
            seen_by_app += len(message["body"])
            if not message["more_body"]:
                break

    async def send(message):
        pass

    import asyncio

    from app.main import PayloadTooLarge

    limited = BodySizeLimit(app, max_bytes=50 << 20)
    with pytest.raises(PayloadTooLarge):
        asyncio.run(limited({"type": "http", "headers": []}, receive, send))
    assert pulled == 51 and seen_by_app == 50 << 20  # stopped at the limit, not at 200 MiB


def _zip_bomb() -> bytes:
    real = (DATA / "reta.xlsx").read_bytes()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(real)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet1"):
                # ~300 MiB of padding inside the sheet, a few hundred KiB compressed.
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (300 << 20), 1)
            dst.writestr(info, data)
    return out.getvalue()


def test_a_zip_bomb_workbook_is_refused_without_inflating_it(client, as_role):
    bomb = _zip_bomb()
    assert len(bomb) < 5 << 20
    r = client.post(
        "/v1/sources/RETA/batches",
        headers=as_role("agency", "RETA"),
        files={"file": ("reta.xlsx", bomb)},
    )
    assert r.status_code == 422 and "descomprimirse" in r.json()["detail"]
    assert _stored() == 0


def test_formulas_in_cells_come_out_inert_in_the_rejected_download(sistra, client):
    headers, row, push = sistra
    formula = '=HYPERLINK("http://evil.example","clic")'
    body = push([dict(row, ID_SUJETO="S-3", FECHA_INGRESO="no-date", NOMBRES=formula)]).json()
    csv_text = client.get(f"/v1/batches/{body['batch_id']}/rejected.csv", headers=headers).text
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
