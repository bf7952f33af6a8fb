"""HTTP routes for the secretariat's reports and the exports for international exchange."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from app.auth.roles import Role
from app.auth.service import Principal
from app.deps import PathYear, SessionDep, require_role
from app.errors import NOT_FOUND
from app.reports import ctdc, service
from app.reports.csvout import render_ctdc_csv
from app.reports.render import Format, render

__all__ = ["router"]

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Secretariat = Annotated[Principal, Depends(require_role(Role.SECRETARIAT, Role.ADMIN))]
# The same rule as the statistics API: below reviewer, small cells are hidden.
_UNSUPPRESSED = frozenset({Role.REVIEWER, Role.ADMIN})
_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report file",
        "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            "text/csv": {},
            "application/pdf": {},
            "text/html": {},
        },
    }
}
Year = Annotated[int, Query(ge=1990, le=2100)]


def _download(content: bytes, media_type: str, filename: str, **headers: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **headers},
    )


@router.get("/annual/{year}", response_class=Response, responses={**_FILES, **NOT_FOUND})
def annual(
    year: PathYear,
    principal: Secretariat,
    session: SessionDep,
    fmt: Annotated[Format, Query(alias="format")] = "pdf",
    offence_family: Literal["trafficking", "related"] | None = None,
) -> Response:
    """Download the annual report of a year (xlsx, csv, pdf or html), in Spanish."""
    try:
        report = service.annual_report(
            session,
            year=year,
            suppress_small=principal.role not in _UNSUPPRESSED,
            offence_family=offence_family,
        )
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return _download(*render(report, fmt))


@router.get("/glotip/{year}", response_class=Response, responses=_FILES)
def glotip(
    year: PathYear,
    principal: Secretariat,
    session: SessionDep,
    fmt: Annotated[Format, Query(alias="format")] = "xlsx",
) -> Response:
    """Download the GLOTIP-style tables of a year: women, men, girls and boys."""
    report = service.glotip_report(
        session, year=year, suppress_small=principal.role not in _UNSUPPRESSED
    )
    return _download(*render(report, fmt))


@router.get(
    "/ctdc",
    response_class=Response,
    responses={200: {"description": "Victims, k-anonymised", "content": {"text/csv": {}}}},
)
def ctdc_victims(
    principal: Secretariat,
    session: SessionDep,
    k: Annotated[int, Query(ge=5, le=1000, description="Minimum class size")] = ctdc.DEFAULT_K,
) -> Response:
    """Download victims in the CTDC / HTCDS layout, k-anonymised (CSV)."""
    export = service.ctdc_export(session, k=k)
    return _download(
        render_ctdc_csv(export),
        "text/csv; charset=utf-8",
        f"victimas-ctdc-k{k}.csv",
        **{
            "X-Registros-Suprimidos": str(export.suppressed),
            "X-Registros-Total": str(export.total),
        },
    )
