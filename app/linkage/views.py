"""Read models of linkage for the API: persons, links, review items, runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.linkage import repository
from app.linkage.service import parse_key
from app.models import LinkRun, ReviewItem
from app.privacy import open_record

__all__ = ["link_views", "person_view", "review_view", "review_views", "run_view"]


def person_view(session: Session, *, person_id: int) -> dict[str, Any] | None:
    """Return a person with every record, case, judgement and merge, in time order."""
    person = repository.get_person(session, person_id=person_id)
    if person is None:
        return None
    rows = repository.person_records(session, person_id=person_id)
    case_of = repository.cases_of(session, record_ids=[rec.id for rec, _ in rows])
    keys = [f"{rec.system}:{rec.row_id}" for rec, _ in rows]
    return {
        "person_id": person.id,
        "active": person.active,
        "merged_into": person.merged_into_id,
        "created_at": person.created_at,
        "records": [
            {
                "key": key,
                "system": rec.system,
                "row_id": rec.row_id,
                "role": rec.role,
                "registration_date": rec.registration_date.isoformat(),
                "case_id": case_of.get(rec.id),
                "version": rec.version,
                "record": open_record(doc),
            }
            for key, (rec, doc) in zip(keys, rows, strict=True)
        ],
        "cases": sorted(set(case_of.values())),
        "judgements": [
            {
                "key_a": j.key_a,
                "key_b": j.key_b,
                "decision": j.decision,
                "reviewer": j.reviewer,
                "note": j.note,
                "at": j.at,
            }
            for j in repository.judgements_for(session, keys=keys)
        ],
        "history": [
            {
                "kind": e.kind,
                "person_id": e.person_id,
                "other_person_id": e.other_person_id,
                "at": e.at,
                "run_id": e.run_id,
                "records": int(e.detail.get("records", 0)),
            }
            for e in repository.person_events(session, person_id=person_id)
        ],
    }


def link_views(
    session: Session, *, status: str | None, limit: int, offset: int, person_id: int | None = None
) -> list[dict[str, Any]]:
    """Return links with their record keys and explanations."""
    if person_id is not None:
        ids = [rec.id for rec, _ in repository.person_records(session, person_id=person_id)]
        links = list(repository.links_among(session, record_ids=ids))
    else:
        links = list(repository.list_links(session, status=status, limit=limit, offset=offset))
    keys = repository.keys_of(
        session, record_ids=[x for lk in links for x in (lk.record_a_id, lk.record_b_id)]
    )
    return [
        {
            "key_a": keys[lk.record_a_id],
            "key_b": keys[lk.record_b_id],
            "probability": lk.probability,
            "status": lk.status,
            "explanation": lk.explanation,
            "reasoning": lk.reasoning,
        }
        for lk in links
    ]


def _side(session: Session, key: str) -> dict[str, Any]:
    system, row_id = parse_key(key)
    record = repository.current_record(session, system=system, row_id=row_id)
    return {
        "key": key,
        "person_id": repository.person_of(session, system=system, row_id=row_id),
        "record": open_record(record) if record is not None else None,
    }


def review_view(session: Session, item: ReviewItem) -> dict[str, Any]:
    """Return a review item with both records side by side and the fields that agree."""
    fields = item.explanation.get("fields", [])
    return {
        "id": item.id,
        "probability": item.probability,
        "explanation": item.explanation,
        "a": _side(session, item.key_a),
        "b": _side(session, item.key_b),
        "agree": [f["field"] for f in fields if f["weight"] + f.get("tf_adjustment", 0) > 0],
        "disagree": [f["field"] for f in fields if f["weight"] + f.get("tf_adjustment", 0) < 0],
    }


def review_views(session: Session, *, limit: int) -> list[dict[str, Any]]:
    """Return pending review items, most doubtful first."""
    return [review_view(session, i) for i in repository.pending_reviews(session, limit=limit)]


def run_view(run: LinkRun) -> dict[str, Any]:
    """Return a run as the API shows it."""
    return {
        c: getattr(run, c)
        for c in (
            "id",
            "mode",
            "trigger",
            "status",
            "started_at",
            "finished_at",
            "records",
            "pairs",
            "links",
            "review",
            "inferred",
            "persons",
            "cases",
            "merges",
            "splits",
            "seconds",
            "details",
        )
    }
