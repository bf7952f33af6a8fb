"""Cargas: upload an export, read the batch summary and download the rejected rows."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    Form,
    HTTPException,
    Request,
    Response,
    UploadFile,
    status,
)
from fastapi.responses import JSONResponse, RedirectResponse

from app.auth.roles import Role
from app.deps import SessionDep
from app.ingest import router as ingest_api
from app.ingest.schemas import BatchSummaryRead
from app.schema import System
from app.web._pages import WebRoute, WebUser, page_access, render
from app.web.session import check_csrf

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

Access = Annotated[WebUser, Depends(page_access("cargas"))]

_STATUS = {"completed": "Completado", "failed": "Rechazado entero", "running": "En curso"}


def _systems(web: WebUser) -> list[System]:
    principal = web[1]
    if principal.role is Role.AGENCY and principal.system is not None:
        return [principal.system]
    return list(System)


def _page(
    request: Request, web: WebUser, session: SessionDep, error: str | None, code: int = 200
) -> Response:
    batches: list[dict[str, Any]] = []
    for system in _systems(web):
        batches.extend(ingest_api.list_batches(system, web[1], session, limit=20, offset=0))
    batches.sort(key=lambda b: b["created_at"], reverse=True)
    return render(
        request,
        "uploads.html",
        {"systems": _systems(web), "batches": batches[:20], "error": error, "status": _STATUS},
        web=web,
        status_code=code,
    )


@router.get("/ui/cargas")
def uploads_page(request: Request, web: Access, session: SessionDep) -> Response:
    """Show the upload form and the latest batches of the systems this key may push."""
    return _page(request, web, session, None)


@router.post("/ui/cargas")
def upload(
    request: Request,
    web: Access,
    session: SessionDep,
    background: BackgroundTasks,
    archivo: Annotated[UploadFile, File()],
    sistema: Annotated[System, Form()],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Push the file as one batch through the API's own route and show its summary."""
    if not check_csrf(web[0].csrf, csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Formulario caducado o ajeno.")
    if not archivo.filename:
        return _page(request, web, session, "Elija un archivo para subir.", 400)
    payload = ingest_api._Payload(upload=archivo)
    result = ingest_api.push_batch(sistema, web[1], session, payload, background)
    if isinstance(result, JSONResponse):
        body = json.loads(bytes(result.body))
        batch_id = body.get("batch_id")
        if batch_id is None:
            return _page(request, web, session, str(body.get("detail")), result.status_code)
    else:
        batch_id = BatchSummaryRead.model_validate(result).batch_id
    return RedirectResponse(f"/ui/cargas/{batch_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/ui/cargas/{batch_id}")
def batch_page(batch_id: str, request: Request, web: Access, session: SessionDep) -> Response:
    """Show a batch summary with each rejected row and its reasons."""
    summary = BatchSummaryRead.model_validate(ingest_api.get_batch(batch_id, web[1], session))
    return render(request, "batch.html", {"batch": summary, "status": _STATUS}, web=web)


@router.get("/ui/cargas/{batch_id}/rechazados.csv")
def rejected_csv(batch_id: str, web: Access, session: SessionDep) -> Response:
    """Download the rejected rows with their reasons, for correction."""
    response: Response = ingest_api.download_rejected(batch_id, web[1], session)
    return response
