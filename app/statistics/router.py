"""HTTP routes for distinct-victim statistics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status

from app.auth.roles import Role
from app.auth.service import Principal
from app.deps import SessionDep, require_role
from app.statistics import service
from app.statistics.schemas import VictimQuery, VictimStatsRead

__all__ = ["router"]

router = APIRouter(prefix="/v1/statistics", tags=["statistics"])

Reader = Annotated[
    Principal,
    Depends(require_role(Role.ANALYST, Role.SECRETARIAT, Role.REVIEWER, Role.ADMIN)),
]
_UNSUPPRESSED = frozenset({Role.REVIEWER, Role.ADMIN})

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


def _query(
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
) -> Any:
    """Count distinct victims per year with own figures, gaps, estimates and rates."""
    try:
        return service.victim_statistics(
            session, query=query, suppress_small=principal.role not in _UNSUPPRESSED
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
