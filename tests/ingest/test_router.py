"""HTTP contract of batch pushes: roles, formats, limits, idempotence."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from app.config import get_settings
from app.db import session_scope
from app.models import AuditEvent

DATA = Path(__file__).resolve().parent.parent / "data"


def _upload(client, headers, system: str, name: str, content: bytes | None = None):
    body = content if content is not None else (DATA / name).read_bytes()
    return client.post(
        f"/v1/sources/{system}/batches", headers=headers, files={"file": (name, body)}
    )


def test_agency_pushes_a_file_and_replay_is_idempotent(client, as_role):
    h = as_role("agency", "RETA")
    first = _upload(client, h, "RETA", "reta.csv")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["received"] == body["new"] + body["rejected"] > 0
    again = _upload(client, h, "RETA", "reta.csv").json()
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, body["new"])
    xlsx = _upload(client, h, "RETA", "reta.xlsx").json()
    assert xlsx["unchanged"] == body["new"] and xlsx["new"] == xlsx["updated"] == 0


def test_json_array_of_native_rows(client, as_role):
    h = as_role("agency", "SISTRA")
    rows = [json.loads(line) for line in (DATA / "sistra.jsonl").read_text("utf-8").splitlines()]
    r = client.post("/v1/sources/SISTRA/batches", headers=h, json=rows)
    assert r.status_code == 201, r.text
    assert r.json()["received"] == len(rows)
    file_push = _upload(client, h, "SISTRA", "sistra.csv").json()
    assert file_push["new"] == file_push["updated"] == 0


def test_rejected_rows_carry_row_column_and_spanish_reason(client, as_role):
    h = as_role("agency", "SISTRA")
    with (DATA / "sistra.jsonl").open(encoding="utf-8") as fh:
        row = json.loads(fh.readline())
    bad = dict(
        row, ID_SUJETO="S-0000000001", FECHA_INGRESO="06/03/2017", NUMERO_DOCUMENTO="07654321"
    )
    r = client.post("/v1/sources/SISTRA/batches", headers=h, json=[row, bad])
    assert r.status_code == 201
    body = r.json()
    assert body["rejected"] == 1
    [rej] = [x for x in body["rejections"] if x["column"] == "FECHA_INGRESO"]
    assert rej["row"] == 2 and rej["row_id"] == "S-0000000001"
    assert "fecha" in rej["reason"].lower()
    detail = client.get(f"/v1/batches/{body['batch_id']}", headers=h).json()
    assert detail["rejections"] == body["rejections"]
    download = client.get(f"/v1/batches/{body['batch_id']}/rejected.csv", headers=h)
    assert download.status_code == 200
    [line] = list(csv.DictReader(download.text.splitlines()))
    assert line["FILA"] == "2" and "FECHA_INGRESO" in line["MOTIVOS"]
    # Sealed at rest, in clear for the agency that sent it (its own row to correct).
    assert line["NUMERO_DOCUMENTO"] == "07654321"


def test_agency_key_of_reta_cannot_push_to_sistra(client, as_role):
    r = _upload(client, as_role("agency", "RETA"), "SISTRA", "sistra.csv")
    assert r.status_code == 403


def test_agency_reads_only_its_own_batches(client, as_role):
    reta = as_role("agency", "RETA")
    batch_id = _upload(client, reta, "RETA", "reta.csv").json()["batch_id"]
    sistra = as_role("agency", "SISTRA")
    assert client.get(f"/v1/batches/{batch_id}", headers=sistra).status_code == 403
    assert client.get("/v1/sources/RETA/batches", headers=sistra).status_code == 403
    listed = client.get("/v1/sources/RETA/batches", headers=reta).json()
    assert [b["batch_id"] for b in listed] == [batch_id]


def test_roles_without_push_rights_get_403(client, as_role):
    for role in ("analyst", "reviewer", "secretariat"):
        assert _upload(client, as_role(role), "RETA", "reta.csv").status_code == 403


def test_malformed_files_get_4xx_never_500(client, as_role):
    h = as_role("agency", "SISTRA")
    cases = [
        ("sistra.csv", b""),
        ("sistra.csv", b"\xff\xfe\x00garbage"),
        ("sistra.csv", b"A,B,C\n1,2,3\n"),
        ("sistra.jsonl", b"{not json}\n"),
        ("sistra.xlsx", b"PK\x03\x04 not a workbook"),
        ("sistra.pdf", b"%PDF-1.4"),
    ]
    for name, content in cases:
        r = _upload(client, h, "SISTRA", name, content)
        assert r.status_code in (400, 422), (name, r.status_code, r.text)
        assert r.json()["detail"]
    assert (
        client.post(
            "/v1/sources/SISTRA/batches",
            headers={**h, "Content-Type": "application/json"},
            content=b"[{",
        ).status_code
        == 400
    )
    assert client.post("/v1/sources/SISTRA/batches", headers=h, json={"a": 1}).status_code == 422
    assert (
        client.post(
            "/v1/sources/SISTRA/batches", headers={**h, "Content-Type": "text/plain"}, content=b"x"
        ).status_code
        == 415
    )


def test_upload_over_the_limit_gets_413(client, as_role, monkeypatch):
    monkeypatch.setenv("INTERTRATA_MAX_UPLOAD_BYTES", "2048")
    get_settings.cache_clear()
    try:
        from fastapi.testclient import TestClient

        from app.main import create_app

        with TestClient(create_app()) as small:
            r = _upload(small, as_role("agency", "SISTRA"), "SISTRA", "sistra.csv")
            assert r.status_code == 413
            assert "límite" in r.json()["detail"]
    finally:
        monkeypatch.delenv("INTERTRATA_MAX_UPLOAD_BYTES")
        get_settings.cache_clear()


def test_reading_a_source_record_is_audited_and_shows_versions(client, as_role):
    _upload(client, as_role("agency", "RETA"), "RETA", "reta.csv")
    _upload(client, as_role("agency", "RETA"), "RETA", "reta_corrections.csv")
    row_id = (DATA / "reta_corrections.csv").read_text("cp1252").splitlines()[1].split(";")[0]
    assert (
        client.get(f"/v1/sources/RETA/records/{row_id}", headers=as_role("analyst")).status_code
        == 403
    )
    r = client.get(f"/v1/sources/RETA/records/{row_id}", headers=as_role("reviewer"))
    assert r.status_code == 200
    assert [v["version"] for v in r.json()["versions"]] == [1, 2]
    with session_scope() as s:
        events = s.query(AuditEvent).filter_by(action="read_source_record").all()
        assert [e.resource_id for e in events] == [f"RETA:{row_id}"]
