"""HTTP routes for persons, links, the review queue, judgements and linkage runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from app.audit import record as audit
from app.auth.roles import Role
from app.auth.service import Principal
from app.deps import DbId, SessionDep, require_role
from app.errors import NOT_FOUND
from app.linkage import repository, service, views
from app.linkage.schemas import (
    JudgementCreate,
    JudgementRead,
    LinkRead,
    PairJudgementCreate,
    PersonMatchesRead,
    PersonRead,
    ReviewItemRead,
    RunCreate,
    RunRead,
)
from app.privacy import document_lookup_hashes

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["linkage"])

Reviewer = Annotated[Principal, Depends(require_role(Role.REVIEWER, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]
RunReader = Annotated[
    Principal,
    Depends(require_role(Role.ANALYST, Role.REVIEWER, Role.SECRETARIAT, Role.ADMIN)),
]


@router.get("/persons", response_model=PersonMatchesRead)
def find_persons_by_document(
    principal: Reviewer,
    session: SessionDep,
    document: Annotated[str, Query(min_length=1, max_length=32)],
) -> Any:
    """Find the persons whose records carry a document number (audited)."""
    # Documents are stored sealed: the lookup goes through their keyed hashes (an index),
    # never by decrypting rows. The number itself stays out of the audit trail.
    persons = repository.persons_by_document(session, hashes=document_lookup_hashes(document))
    audit(
        session,
        principal=principal.label,
        action="find_person_by_document",
        resource_type="person",
        detail={"found": len(persons)},
    )
    return PersonMatchesRead(persons=persons)


@router.get("/persons/{person_id}", response_model=PersonRead, responses=NOT_FOUND)
def get_person(person_id: DbId, principal: Reviewer, session: SessionDep) -> Any:
    """Return one linked person with every source record, case, judgement and merge (audited)."""
    view = views.person_view(session, person_id=person_id)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No existe esa persona.")
    audit(
        session,
        principal=principal.label,
        action="read_person",
        resource_type="person",
        resource_id=str(person_id),
    )
    return view


@router.get("/persons/{person_id}/links", response_model=list[LinkRead])
def person_links(person_id: DbId, principal: Reviewer, session: SessionDep) -> Any:
    """Return the links among a person's records, with their explanations."""
    return views.link_views(session, status=None, limit=0, offset=0, person_id=person_id)


@router.get("/links", response_model=list[LinkRead])
def list_links(
    principal: Reviewer,
    session: SessionDep,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(link|review|judgement|inferred)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Any:
    """List links of the last run with their per-field match weights."""
    return views.link_views(session, status=status_, limit=limit, offset=offset)


@router.get("/review/queue", response_model=list[ReviewItemRead])
def review_queue(
    principal: Reviewer,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """List doubtful pairs with both records side by side (audited)."""
    items = views.review_views(session, limit=limit)
    audit(
        session,
        principal=principal.label,
        action="read_review_queue",
        resource_type="review",
        detail={"items": [i["id"] for i in items]},
    )
    return items


@router.post(
    "/review/{item_id}/judgement",
    response_model=JudgementRead,
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
def judge_item(
    item_id: DbId, body: JudgementCreate, principal: Reviewer, session: SessionDep
) -> Any:
    """Record match / no match / unsure on a review item; it wins from the next run on."""
    item = repository.get_review_item(session, item_id=item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No existe ese par.")
    return service.record_judgement(
        session,
        key_a=item.key_a,
        key_b=item.key_b,
        decision=body.decision,
        reviewer=principal.label,
        note=body.note,
    )


@router.post(
    "/judgements",
    response_model=JudgementRead,
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
def judge_pair(body: PairJudgementCreate, principal: Reviewer, session: SessionDep) -> Any:
    """Record a decision on any pair of source rows (e.g. an inferred link)."""
    for key in (body.key_a, body.key_b):
        system, row_id = service.parse_key(key)
        if repository.current_record(session, system=system, row_id=row_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No existe el registro {key}.")
    if body.key_a == body.key_b:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="El par debe tener dos registros distintos.",
        )
    return service.record_judgement(
        session,
        key_a=body.key_a,
        key_b=body.key_b,
        decision=body.decision,
        reviewer=principal.label,
        note=body.note,
    )


@router.get("/linkage/runs", response_model=list[RunRead])
def list_runs(
    principal: RunReader, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> Any:
    """List linkage runs, newest first, with the model they estimated."""
    return [views.run_view(r) for r in repository.list_runs(session, limit=limit)]


@router.post("/linkage/runs", response_model=RunRead | None)
def start_run(body: RunCreate, principal: Admin, session: SessionDep) -> Any:
    """Run linkage now (incremental unless full); null when nothing changed."""
    run = service.run_linkage(session, full=body.full, trigger=principal.label)
    return views.run_view(run) if run is not None else None
