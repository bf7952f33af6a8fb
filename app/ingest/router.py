"""HTTP routes for pushing batches and reading their summaries."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.datastructures import UploadFile

from app.adapters import SourceFileError, validate_columns
from app.audit import record as audit
from app.auth.roles import Role
from app.auth.service import Principal
from app.config import get_settings
from app.csvsafe import safe_cell
from app.deps import SessionDep, require_role
from app.errors import NOT_FOUND, BatchRejectedRead, error
from app.ingest import service
from app.ingest.schemas import (
    BatchRead,
    BatchSummaryRead,
    RecordHistoryRead,
    RecordVersionRead,
    RejectionRead,
)
from app.linkage.service import link_in_background
from app.models import Batch
from app.privacy import open_raw, open_record
from app.schema import RowError, RowIssue, System

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["ingest"])

_REJECTIONS_INLINE = 1000

Pusher = Annotated[Principal, Depends(require_role(Role.AGENCY, Role.ADMIN))]
BatchReader = Annotated[Principal, Depends(require_role(Role.AGENCY, Role.ADMIN))]
RecordReader = Annotated[Principal, Depends(require_role(Role.REVIEWER, Role.ADMIN))]


def _check_system(principal: Principal, system: System) -> None:
    if principal.role is Role.AGENCY and principal.system is not system:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"Esta clave pertenece a {principal.system}; no puede operar sobre {system}.",
        )


def _system_pusher(system: System, principal: Pusher) -> Principal:
    # A dependency, so a key of another system is refused before its body is read.
    _check_system(principal, system)
    return principal


SystemPusher = Annotated[Principal, Depends(_system_pusher)]


def _batch_read(batch: Batch) -> dict[str, Any]:
    return {
        "batch_id": batch.id,
        "system": batch.system,
        "channel": batch.channel,
        "filename": batch.filename,
        "status": batch.status,
        "error": batch.error,
        "received": batch.received,
        "new": batch.new,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
    }


def _summary(outcome: service.BatchOutcome) -> BatchSummaryRead:
    rejections = outcome.rejections
    return BatchSummaryRead(
        **_batch_read(outcome.batch),
        rejections=[RejectionRead(**r.__dict__) for r in rejections[:_REJECTIONS_INLINE]],
        rejections_truncated=len(rejections) > _REJECTIONS_INLINE,
    )


@dataclass
class _Payload:
    """What a push carried: an uploaded file or a JSON array of rows."""

    upload: UploadFile | None = None
    rows: list[Any] | None = None


async def _read_payload(request: Request) -> _Payload:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                detail="Falta el archivo: envíe el export en el campo 'file' "
                "(multipart/form-data).",
            )
        return _Payload(upload=upload)
    if content_type.startswith("application/json"):
        body = await request.body()
        try:
            rows = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, detail=f"El cuerpo no es JSON válido: {exc}"
            ) from exc
        if not isinstance(rows, list):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail="Se espera un arreglo JSON de filas (objetos con las columnas del sistema).",
            )
        if not rows:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, detail="El arreglo de filas está vacío."
            )
        if len(rows) > get_settings().max_json_rows:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                detail=f"Demasiadas filas en un envío (máximo {get_settings().max_json_rows}).",
            )
        return _Payload(rows=rows)
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail="Envíe multipart/form-data con un archivo o application/json "
        "con un arreglo de filas.",
    )


def _json_rows(system: System, rows: list[Any]) -> Iterator[tuple[int, dict[str, Any]] | RowError]:
    for position, row in enumerate(rows, start=1):
        if isinstance(row, dict):
            yield position, row
        else:
            yield RowError(
                system=system,
                row_number=position,
                issues=(RowIssue(column="(fila)", reason="la fila no es un objeto JSON"),),
                raw={"valor": json.dumps(row, ensure_ascii=False)[:2000]},
            )


_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object"}},
            },
        },
    }
}


@router.post(
    "/sources/{system}/batches",
    response_model=BatchSummaryRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_BODY_DOC,
    responses={
        400: error("Malformed body (not JSON, no file)"),
        413: error("Upload too large, or too many rows"),
        415: error("Neither multipart/form-data nor application/json"),
        422: error(
            "Input refused, or the file rejected whole (header, encoding)", BatchRejectedRead
        ),
    },
)
def push_batch(
    system: System,
    principal: SystemPusher,
    session: SessionDep,
    payload: Annotated[_Payload, Depends(_read_payload)],
    background: BackgroundTasks,
) -> Any:
    """Push an export file or a JSON array of source-native rows as one batch."""
    try:
        if payload.upload is not None:
            filename = payload.upload.filename or "upload"
            outcome = service.ingest_file(
                session,
                system=system,
                stream=payload.upload.file,
                filename=filename,
                pushed_by=principal.label,
                channel="api-file",
            )
        else:
            rows = payload.rows or []
            filename = None
            first = next((r for r in rows if isinstance(r, dict)), None)
            if first is not None:
                validate_columns(system, first.keys())
            outcome = service.ingest_rows(
                session,
                system=system,
                rows=_json_rows(system, rows),
                pushed_by=principal.label,
                channel="api-json",
            )
    except SourceFileError as exc:
        # The whole batch is rejected: undo any rows written, then keep a trace of the attempt.
        session.rollback()
        failed = service.record_failed_batch(
            session,
            system=system,
            pushed_by=principal.label,
            channel="api-file" if payload.upload is not None else "api-json",
            filename=filename,
            error=exc.message,
        )
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": exc.message, "batch_id": failed.id},
        )
    if get_settings().link_after_ingest and (outcome.batch.new or outcome.batch.updated):
        # After the response, in its own transaction, so the push is committed first.
        background.add_task(link_in_background, principal.label)
    return _summary(outcome)


@router.get("/sources/{system}/batches", response_model=list[BatchRead])
def list_batches(
    system: System,
    principal: BatchReader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Any:
    """List the batches pushed to a system, newest first."""
    _check_system(principal, system)
    return [
        _batch_read(b)
        for b in service.list_batches(session, system=system, limit=limit, offset=offset)
    ]


def _load_batch(session: SessionDep, batch_id: str, principal: Principal) -> Batch:
    batch = service.get_batch(session, batch_id=batch_id)
    if batch is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No existe ese lote.")
    _check_system(principal, System(batch.system))
    return batch


@router.get("/batches/{batch_id}", response_model=BatchSummaryRead, responses=NOT_FOUND)
def get_batch(batch_id: str, principal: BatchReader, session: SessionDep) -> Any:
    """Return a batch summary with its rejections."""
    batch = _load_batch(session, batch_id, principal)
    return _summary(
        service.BatchOutcome(batch, service.list_rejections(session, batch_id=batch.id))
    )


@router.get(
    "/batches/{batch_id}/rejected.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **NOT_FOUND},
)
def download_rejected(batch_id: str, principal: BatchReader, session: SessionDep) -> Any:
    """Download the rejected rows of a batch, with their reasons, for correction."""
    batch = _load_batch(session, batch_id, principal)
    rows = service.quarantined_rows(session, batch_id=batch.id)
    columns: list[str] = []
    # The agency's own rows, to correct and resend: documents in clear.
    raws = [open_raw(q.raw) for q in rows]
    for raw in raws:
        columns.extend(k for k in raw if k not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["FILA", "MOTIVOS", *columns])
    for q, raw in zip(rows, raws, strict=True):
        reasons = "; ".join(f"{i['column']}: {i['reason']}" for i in q.issues)
        writer.writerow(
            [q.row_number, safe_cell(reasons), *(safe_cell(raw.get(c)) for c in columns)]
        )
    audit(
        session,
        principal=principal.label,
        action="download_rejected",
        resource_type="batch",
        resource_id=batch.id,
        detail={"rows": len(rows)},
    )
    return StreamingResponse(
        iter([out.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rechazados-{batch.id}.csv"'},
    )


@router.get(
    "/sources/{system}/records/{row_id}", response_model=RecordHistoryRead, responses=NOT_FOUND
)
def get_record(system: System, row_id: str, principal: RecordReader, session: SessionDep) -> Any:
    """Return a source record with all its versions (personal data: audited)."""
    found = service.get_record_history(session, system=system, row_id=row_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No existe ese registro.")
    rec, versions = found
    audit(
        session,
        principal=principal.label,
        action="read_source_record",
        resource_type="source_record",
        resource_id=f"{system.value}:{row_id}",
    )
    return RecordHistoryRead(
        system=rec.system,
        row_id=rec.row_id,
        current_version=rec.version,
        record=open_record(next(v.record for v in versions if v.version == rec.version)),
        versions=[
            RecordVersionRead(
                version=v.version,
                batch_id=v.batch_id,
                pushed_by=v.pushed_by,
                created_at=v.created_at,
                row_number=v.row_number,
                record=open_record(v.record),
                raw=open_raw(v.raw),
            )
            for v in versions
        ],
    )
