"""HTTP contract of persons, links, review and runs: roles, audit, judgements."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.db import session_scope
from app.models import AuditEvent, PersonMember, ReviewItem

DATA = Path(__file__).resolve().parent.parent / "data"


def _push(client, as_role):
    for system, name in (("RETA", "reta.csv"), ("SISTRA", "sistra.csv")):
        r = client.post(
            f"/v1/sources/{system}/batches",
            headers=as_role("agency", system),
            files={"file": (name, (DATA / name).read_bytes())},
        )
        assert r.status_code == 201


def test_push_links_in_the_background_and_runs_are_listed(client, as_role):
    _push(client, as_role)
    runs = client.get("/v1/linkage/runs", headers=as_role("analyst")).json()
    assert runs and runs[0]["status"] == "completed" and runs[0]["persons"] > 0
    assert runs[0]["details"]["parameters"]["fields"]
    assert client.get("/v1/linkage/runs", headers=as_role("agency", "RETA")).status_code == 403


def test_person_view_is_for_reviewers_and_audited(client, as_role):
    _push(client, as_role)
    with session_scope() as s:
        pid = s.scalars(select(PersonMember.person_id)).first()
    assert client.get(f"/v1/persons/{pid}", headers=as_role("analyst")).status_code == 403
    r = client.get(f"/v1/persons/{pid}", headers=as_role("reviewer"))
    assert r.status_code == 200
    body = r.json()
    assert body["records"] and body["records"][0]["record"]["system"] in ("RETA", "SISTRA")
    links = client.get(f"/v1/persons/{pid}/links", headers=as_role("reviewer"))
    assert links.status_code == 200
    with session_scope() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "read_person")).all()
        assert [e.resource_id for e in events] == [str(pid)]
    assert client.get("/v1/persons/999999", headers=as_role("reviewer")).status_code == 404


def test_links_carry_explanations(client, as_role):
    _push(client, as_role)
    links = client.get("/v1/links?status=link&limit=5", headers=as_role("reviewer")).json()
    assert links
    expl = links[0]["explanation"]
    total = expl["prior_log2_odds"] + sum(f["weight"] + f["tf_adjustment"] for f in expl["fields"])
    assert abs(total - expl["log2_odds"]) < 1e-2
    inferred = client.get("/v1/links?status=inferred", headers=as_role("reviewer")).json()
    assert all(x["reasoning"] for x in inferred)


def test_review_queue_and_judgements(client, as_role):
    _push(client, as_role)
    h = as_role("reviewer")
    queue = client.get("/v1/review/queue", headers=h).json()
    if queue:
        item = queue[0]
        assert item["a"]["record"] and item["b"]["record"]
        r = client.post(
            f"/v1/review/{item['id']}/judgement", headers=h, json={"decision": "unsure"}
        )
        assert r.status_code == 201 and r.json()["decision"] == "unsure"
        with session_scope() as s:
            assert s.get(ReviewItem, item["id"]).status == "judged"
        again = client.get("/v1/review/queue", headers=h).json()
        assert item["id"] not in [i["id"] for i in again]
    bad = client.post("/v1/review/1/judgement", headers=h, json={"decision": "maybe"})
    assert bad.status_code == 422
    pair = client.post(
        "/v1/judgements",
        headers=h,
        json={"key_a": "RETA:R2015-000001", "key_b": "RETA:R2015-000006", "decision": "no_match"},
    )
    assert pair.status_code == 201
    missing = client.post(
        "/v1/judgements",
        headers=h,
        json={"key_a": "RETA:nope", "key_b": "RETA:R2015-000006", "decision": "match"},
    )
    assert missing.status_code == 404
    assert client.get("/v1/review/queue", headers=as_role("analyst")).status_code == 403


def test_only_admin_starts_runs(client, as_role):
    _push(client, as_role)
    assert client.post("/v1/linkage/runs", headers=as_role("reviewer"), json={}).status_code == 403
    r = client.post("/v1/linkage/runs", headers=as_role("admin"), json={"full": True})
    assert r.status_code == 200 and r.json()["mode"] == "full"
    assert client.post("/v1/linkage/runs", headers=as_role("admin"), json={}).json() is None


def test_every_read_of_personal_data_is_queryable_by_admin(client, as_role):
    _push(client, as_role)
    with session_scope() as s:
        pid = s.scalars(select(PersonMember.person_id)).first()
    reviewer = as_role("reviewer")
    me = client.get("/v1/me", headers=reviewer).json()["key_id"]
    client.get(f"/v1/persons/{pid}", headers=reviewer)
    client.get("/v1/review/queue", headers=reviewer)
    client.get("/v1/sources/RETA/records/R2015-000001", headers=reviewer)
    events = client.get(f"/v1/audit?who=key:{me}", headers=as_role("admin")).json()
    assert {e["action"] for e in events} == {
        "read_person",
        "read_review_queue",
        "read_source_record",
    }
    assert client.get("/v1/audit", headers=reviewer).status_code == 403


def test_persons_are_found_by_document_through_its_keyed_hash(client, as_role):
    import csv

    from app.models import SourceRecord

    _push(client, as_role)
    with (DATA / "reta.csv").open(encoding="cp1252", newline="") as fh:
        row = next(r for r in csv.DictReader(fh, delimiter=";") if r["NRO_DOC"].strip().isdigit())
    number = row["NRO_DOC"].strip()
    with session_scope() as s:
        stored = s.execute(
            select(SourceRecord.id, SourceRecord.document_hash).where(
                SourceRecord.system == "RETA", SourceRecord.row_id == row["ID_REGISTRO"]
            )
        ).one()
        person = s.scalar(
            select(PersonMember.person_id).where(PersonMember.source_record_id == stored.id)
        )
    # The column holds a keyed hash, not the number.
    assert stored.document_hash and number not in stored.document_hash
    # Typed without its leading zeros, or with them: the same normalised document.
    for typed in (number.lstrip("0"), number.zfill(8)):
        r = client.get("/v1/persons", params={"document": typed}, headers=as_role("reviewer"))
        assert r.status_code == 200
        assert person in r.json()["persons"]
    none = client.get("/v1/persons", params={"document": "X"}, headers=as_role("reviewer"))
    assert none.json() == {"persons": []}
    denied = client.get("/v1/persons", params={"document": number}, headers=as_role("analyst"))
    assert denied.status_code == 403
    with session_scope() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "find_person_by_document")
        ).all()
    assert len(events) == 3
    # The audit trail says a lookup happened, never which number was looked up.
    assert all(number not in str(e.detail) for e in events)
