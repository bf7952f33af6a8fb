"""Every route × every role (and no key, bad, revoked and expired keys): the expected status,
and no personal field in any answer to a role that may not see personal data."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import session_scope
from app.models import PersonMember, SourceRecord
from app.models._types import utcnow

DATA = Path(__file__).resolve().parent.parent / "data"

ROLES = ("agency_reta", "agency_sistra", "analyst", "reviewer", "secretariat", "admin")
ALL = set(ROLES)
# Who may call each route. A route missing here fails the test: decide, then add it.
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("GET", "/health"): ALL,
    ("GET", "/v1/me"): ALL,
    ("GET", "/v1/batches/{batch_id}"): {"agency_reta", "admin"},
    ("GET", "/v1/batches/{batch_id}/rejected.csv"): {"agency_reta", "admin"},
    ("GET", "/v1/sources/{system}/batches"): {"agency_reta", "admin"},
    ("POST", "/v1/sources/{system}/batches"): {"agency_reta", "admin"},
    ("GET", "/v1/sources/{system}/records/{row_id}"): {"reviewer", "admin"},
    ("GET", "/v1/keys"): {"admin"},
    ("GET", "/v1/audit"): {"admin"},
    ("POST", "/v1/keys"): {"admin"},
    ("POST", "/v1/keys/{key_id}/revoke"): {"admin"},
    ("GET", "/v1/persons"): {"reviewer", "admin"},
    ("GET", "/v1/persons/{person_id}"): {"reviewer", "admin"},
    ("GET", "/v1/persons/{person_id}/links"): {"reviewer", "admin"},
    ("GET", "/v1/links"): {"reviewer", "admin"},
    ("GET", "/v1/review/queue"): {"reviewer", "admin"},
    ("POST", "/v1/review/{item_id}/judgement"): {"reviewer", "admin"},
    ("POST", "/v1/judgements"): {"reviewer", "admin"},
    ("GET", "/v1/linkage/runs"): {"analyst", "reviewer", "secretariat", "admin"},
    ("POST", "/v1/linkage/runs"): {"admin"},
    ("GET", "/v1/statistics/victims"): {"analyst", "reviewer", "secretariat", "admin"},
    ("GET", "/v1/statistics/counts"): {"analyst", "reviewer", "secretariat", "admin"},
    ("POST", "/v1/statistics/snapshots"): {"secretariat", "admin"},
    ("GET", "/v1/statistics/snapshots"): {"analyst", "reviewer", "secretariat", "admin"},
    ("GET", "/v1/statistics/snapshots/{snapshot_id}"): {
        "analyst",
        "reviewer",
        "secretariat",
        "admin",
    },
    ("GET", "/v1/statistics/snapshots/{a}/compare/{b}"): {
        "analyst",
        "reviewer",
        "secretariat",
        "admin",
    },
    ("GET", "/v1/reports/annual/{year}"): {"secretariat", "admin"},
    ("GET", "/v1/reports/glotip/{year}"): {"secretariat", "admin"},
    ("GET", "/v1/reports/ctdc"): {"secretariat", "admin"},
}
# Roles that must never receive a personal field.
NO_PERSONAL = {"analyst", "secretariat"}
PERSONAL_FIELDS = (
    '"given_names"',
    '"paternal_surname"',
    '"maternal_surname"',
    '"document_number"',
    '"name_raw"',
    '"birth_date"',
    '"NOMBRES"',
    '"APELLIDOS_NOMBRES"',
    '"NRO_DOC"',
)
BODIES = {
    "/v1/sources/{system}/batches": [],
    "/v1/keys": {"role": "analyst"},
    "/v1/review/{item_id}/judgement": {"decision": "unsure"},
    "/v1/judgements": {
        "key_a": "RETA:R2015-000001",
        "key_b": "RETA:R2015-000006",
        "decision": "unsure",
    },
    "/v1/linkage/runs": {},
    "/v1/statistics/snapshots": {},
}


@pytest.fixture
def world(client, make_key):
    tokens = {
        "agency_reta": make_key("agency", "RETA"),
        "agency_sistra": make_key("agency", "SISTRA"),
        **{r: make_key(r) for r in ("analyst", "reviewer", "secretariat", "admin")},
    }
    h = {"Authorization": f"Bearer {tokens['agency_reta']}"}
    batch = client.post(
        "/v1/sources/RETA/batches",
        headers=h,
        files={"file": ("reta.csv", (DATA / "reta.csv").read_bytes())},
    ).json()["batch_id"]
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    client.post("/v1/linkage/runs", headers=admin, json={"full": True})
    person = client.get("/v1/links?limit=1", headers=admin).json()
    values = {
        "{system}": "RETA",
        "{batch_id}": batch,
        "{row_id}": "R2015-000001",
        "{key_id}": "doesnotexist",
        "{person_id}": "1",
        "{item_id}": "1",
        "{snapshot_id}": "1",
        "{a}": "1",
        "{b}": "1",
        "{year}": "2016",
    }
    return tokens, values, person


def _url(path: str, values: dict[str, str]) -> str:
    for k, v in values.items():
        path = path.replace(k, v)
    return path


def _routes(client):
    for path, ops in client.app.openapi()["paths"].items():
        for method in ops:
            yield method.upper(), path


def test_every_route_has_a_decided_role_set(client):
    missing = [r for r in _routes(client) if r not in ALLOWED]
    assert not missing, f"routes without an authorisation entry: {missing}"


def test_matrix_of_routes_and_roles(client, world):
    tokens, values, _ = world
    for method, path in _routes(client):
        url = _url(path, values)
        body = BODIES.get(path)
        for role in ROLES:
            r = client.request(
                method,
                url,
                headers={"Authorization": f"Bearer {tokens[role]}"},
                json=body if method == "POST" else None,
            )
            if role in ALLOWED[(method, path)]:
                assert r.status_code not in (401, 403), (method, path, role, r.status_code)
            else:
                assert r.status_code == 403, (method, path, role, r.status_code)
            # Stored documents are sealed; an answer never carries the ciphertext.
            assert "enc:v1:" not in r.text, (method, path, role)
            if role in NO_PERSONAL and r.status_code < 300:
                text = r.text
                # As keys of a JSON object (model parameters may name fields as values).
                leaked = [f for f in PERSONAL_FIELDS if f + ":" in text or f + " :" in text]
                assert not leaked, (method, path, role, leaked)


def test_reviewer_reads_documents_in_clear_and_analyst_never(client, world):
    tokens, _, _ = world
    with (DATA / "reta.csv").open(encoding="cp1252", newline="") as fh:
        row = next(r for r in csv.DictReader(fh, delimiter=";") if len(r["NRO_DOC"]) == 8)
    doc, row_id = row["NRO_DOC"], row["ID_REGISTRO"]
    headers = {role: {"Authorization": f"Bearer {tokens[role]}"} for role in ROLES}
    history = client.get(f"/v1/sources/RETA/records/{row_id}", headers=headers["reviewer"]).json()
    assert history["record"]["document_number"] == doc
    assert history["versions"][0]["raw"]["NRO_DOC"] == doc
    assert "document_hash" not in history["record"]
    with session_scope() as s:
        person = s.scalar(
            select(PersonMember.person_id)
            .join(SourceRecord, SourceRecord.id == PersonMember.source_record_id)
            .where(SourceRecord.row_id == row_id)
        )
    answer = client.get(f"/v1/persons/{person}", headers=headers["reviewer"]).json()
    [mine] = [r for r in answer["records"] if r["row_id"] == row_id]
    assert mine["record"]["document_number"] == doc
    for role in ("analyst", "secretariat", "agency_reta"):
        for url in (f"/v1/persons/{person}", f"/v1/sources/RETA/records/{row_id}"):
            r = client.get(url, headers=headers[role])
            assert r.status_code == 403 and doc not in r.text


def test_no_bad_revoked_or_expired_key_gets_in(client, world, make_key):
    tokens, values, _ = world
    revoked = make_key("admin")
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    client.post(f"/v1/keys/{revoked.split('_')[1]}/revoke", headers=admin)
    expired = make_key("admin", expires_at=utcnow() - timedelta(minutes=1))
    wrong = tokens["admin"][:-2] + ("xx" if not tokens["admin"].endswith("xx") else "yy")
    cases = {
        "none": {},
        "garbage": {"Authorization": "Bearer garbage"},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
        "wrong secret": {"Authorization": f"Bearer {wrong}"},
        "revoked": {"Authorization": f"Bearer {revoked}"},
        "expired": {"Authorization": f"Bearer {expired}"},
    }
    for method, path in _routes(client):
        if path == "/health":
            continue
        url = _url(path, values)
        for name, headers in cases.items():
            r = client.request(method, url, headers=headers, json=BODIES.get(path))
            assert r.status_code == 401, (method, path, name, r.status_code)
            assert "www-authenticate" in {k.lower() for k in r.headers}
