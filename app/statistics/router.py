"""HTTP routes for distinct-victim statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from sqlalchemy.orm import Session

from app.auth.roles import Role
from app.auth.service import Principal
from app.deps import DbId, SessionDep, require_role
from app.errors import NOT_FOUND
from app.statistics import service, snapshots
from app.statistics.schemas import (
    CountRead,
    SnapshotCompareRead,
    SnapshotCreate,
    SnapshotRead,
    SnapshotSummaryRead,
    VictimQuery,
    VictimStatsRead,
)

__all__ = ["router", "victims_read"]

router = APIRouter(prefix="/v1/statistics", tags=["statistics"])

Reader = Annotated[
    Principal,
    Depends(require_role(Role.ANALYST, Role.SECRETARIAT, Role.REVIEWER, Role.ADMIN)),
]
Freezer = Annotated[Principal, Depends(require_role(Role.SECRETARIAT, Role.ADMIN))]
_UNSUPPRESSED = frozenset({Role.REVIEWER, Role.ADMIN})
T = TypeVar("T")
_AS_OF = Query(
    description="Answer as known at the end of this day (UTC): the row versions and "
    "judgements in force then, re-linked in memory (slow: one full linkage)."
)

_DESCRIPTION = "\n".join(
    [
        "Count distinct victims (linked persons) per year, next to each system's own figure, "
        "with the gap decomposed, a Chapman capture-recapture estimate and rates per 100,000.",
        "",
        "Group by `year` and up to two of: "
        + ", ".join(f"`{d}`" for d in service.DIMENSIONS)
        + ". Filter by any of them with `where=dimension:value` (repeat; values of one "
        "dimension are OR-ed).",
        "",
        "Counting rules (returned with every answer in `rules`):",
        *(f"- **{r.key}**: {r.text}" for r in service.RULES),
    ]
)


async def _query(  # async: no I/O, so no thread hop per request
    year_from: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    date_basis: Literal["registration", "facts"] = "registration",
    offence_family: Literal["trafficking", "related"] | None = None,
    group_by: Annotated[list[str] | None, Query(description="Dimensions to group by")] = None,
    where: Annotated[list[str] | None, Query(description="Filters as dimension:value")] = None,
) -> VictimQuery:
    filters: dict[str, list[str]] = {}
    for item in where or []:
        dim, sep, value = item.partition(":")
        if not sep or not value:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"Filtro inválido '{item}': use dimension:valor.",
            )
        filters.setdefault(dim, []).append(value)
    return VictimQuery(
        year_from=year_from,
        year_to=year_to,
        date_basis=date_basis,
        offence_family=offence_family,
        where=filters,
        group_by=group_by or [],
    )


@router.get("/victims", response_model=VictimStatsRead, description=_DESCRIPTION)
def victims(
    principal: Reader,
    session: SessionDep,
    query: Annotated[VictimQuery, Depends(_query)],
    as_of: Annotated[date | None, _AS_OF] = None,
) -> Any:
    """Count distinct victims per year with own figures, gaps, estimates and rates."""
    body = _victims(service.victim_statistics_json, principal, session, query, as_of)
    # The answer's own JSON, cached with it: validating and re-encoding thousands of cells
    # through `response_model` cost more than computing them.
    return Response(content=body, media_type="application/json")


def victims_read(
    principal: Principal, session: Session, query: VictimQuery, as_of: date | None = None
) -> VictimStatsRead:
    """Return the answer of `victims` as an object (the web pages): same rule for this role."""
    return _victims(service.victim_statistics, principal, session, query, as_of)


def _victims(
    answer: Callable[..., T],
    principal: Principal,
    session: Session,
    query: VictimQuery,
    as_of: date | None,
) -> T:
    # Suppression follows the caller's role; a query the service cannot answer is a 422.
    try:
        return answer(
            session,
            query=query,
            suppress_small=principal.role not in _UNSUPPRESSED,
            as_of=as_of,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc


@router.get("/counts", response_model=list[CountRead])
def counts(
    principal: Reader,
    session: SessionDep,
    query: Annotated[VictimQuery, Depends(_query)],
) -> Any:
    """Count distinct victims per year and dimensions, fast (no gaps or estimates)."""
    if query.offence_family is not None:
        query.where.setdefault("offence_family", [query.offence_family])
    try:
        cells = service.count_victims(
            session,
            date_basis=query.date_basis,
            group_by=query.group_by,
            where=query.where,
            year_from=query.year_from,
            year_to=query.year_to,
            suppress_small=principal.role not in _UNSUPPRESSED,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    dims = [d for d in query.group_by if d != "year"]
    return [
        CountRead(year=c.year, key=dict(zip(dims, c.key, strict=True)), persons=c.persons)
        for c in cells
    ]


@router.post("/snapshots", response_model=SnapshotSummaryRead, status_code=status.HTTP_201_CREATED)
def create_snapshot(principal: Freezer, session: SessionDep, body: SnapshotCreate) -> Any:
    """Freeze a victims answer (parameters, full result, link run and time) under an ID."""
    try:
        return snapshots.create_snapshot(session, body=body, created_by=principal.label)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc


@router.get("/snapshots", response_model=list[SnapshotSummaryRead])
def list_snapshots(
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Any:
    """List frozen answers, newest first."""
    return snapshots.list_snapshots(session, limit=limit, offset=offset)


def _missing() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="Instantánea no encontrada.")


@router.get("/snapshots/{snapshot_id}", response_model=SnapshotRead, responses=NOT_FOUND)
def get_snapshot(principal: Reader, session: SessionDep, snapshot_id: DbId) -> Any:
    """Return a frozen answer; small cells are hidden for roles below reviewer."""
    found = snapshots.get_snapshot(
        session, snapshot_id=snapshot_id, suppress_small=principal.role not in _UNSUPPRESSED
    )
    if found is None:
        raise _missing()
    return found


@router.get("/snapshots/{a}/compare/{b}", response_model=SnapshotCompareRead, responses=NOT_FOUND)
def compare_snapshots(principal: Reader, session: SessionDep, a: DbId, b: DbId) -> Any:
    """Compare two frozen answers year by year: reconciled, raw rows and estimates (b - a)."""
    found = snapshots.compare_snapshots(
        session, a_id=a, b_id=b, suppress_small=principal.role not in _UNSUPPRESSED
    )
    if found is None:
        raise _missing()
    return found
