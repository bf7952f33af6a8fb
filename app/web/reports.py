"""Informes: the annual report in each format, frozen snapshots and their comparison."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from app.deps import SessionDep
from app.reports import router as reports_api
from app.statistics import router as statistics_api
from app.statistics.schemas import SnapshotCompareRead, SnapshotCreate, VictimQuery
from app.web._pages import WebRoute, WebUser, page_access, render
from app.web.session import check_csrf

__all__ = ["FORMATS", "router"]

router = APIRouter(route_class=WebRoute)

Access = Annotated[WebUser, Depends(page_access("informes"))]
Year = Annotated[int, Query(ge=1990, le=2100)]

FORMATS: dict[str, str] = {
    "pdf": "PDF",
    "xlsx": "Excel (xlsx)",
    "csv": "CSV",
    "html": "Página web (html)",
}

COMPARED: dict[str, str] = {
    "reconciled": "Víctimas conciliadas",
    "reta_rows": "Filas RETA",
    "sistra_rows": "Filas SISTRA",
    "estimate_total": "Total estimado",
}


def _snapshots(web: WebUser, session: SessionDep) -> list[Any]:
    items: list[Any] = statistics_api.list_snapshots(web[1], session, limit=100, offset=0)
    return items


@router.get("/ui/informes")
def reports_page(
    request: Request,
    web: Access,
    session: SessionDep,
    a: Annotated[int | None, Query(ge=1)] = None,
    b: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Offer the annual report in each format and list and compare frozen snapshots."""
    compare: SnapshotCompareRead | None = None
    if a is not None and b is not None:
        compare = SnapshotCompareRead.model_validate(
            statistics_api.compare_snapshots(web[1], session, a, b)
        )
    return render(
        request,
        "reports.html",
        {
            "formats": FORMATS,
            "default_year": date.today().year - 1,
            "snapshots": _snapshots(web, session),
            "compare": compare,
            "compared": COMPARED,
            "a": a,
            "b": b,
        },
        web=web,
    )


@router.get("/ui/informes/anual")
def annual_report(
    web: Access,
    session: SessionDep,
    anio: Year,
    formato: Literal["pdf", "xlsx", "csv", "html"] = "pdf",
) -> Response:
    """Download the annual report of a year in a format (the API's own route)."""
    response: Response = reports_api.annual(
        year=anio, principal=web[1], session=session, fmt=formato, offence_family=None
    )
    return response


@router.post("/ui/informes/instantaneas")
def freeze(
    web: Access,
    session: SessionDep,
    csrf: Annotated[str, Form(max_length=200)] = "",
    nota: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Freeze the current statistics under a new snapshot."""
    if not check_csrf(web[0].csrf, csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Formulario caducado o ajeno.")
    statistics_api.create_snapshot(
        web[1], session, SnapshotCreate(query=VictimQuery(), note=nota or None)
    )
    return RedirectResponse("/ui/informes", status_code=status.HTTP_303_SEE_OTHER)
