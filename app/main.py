"""Application factory: routers, middleware and error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError as DBAPIDataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.config import get_settings
from app.db import session_scope
from app.errors import API_ERRORS
from app.ingest.router import router as ingest_router
from app.linkage.router import router as linkage_router
from app.privacy.service import verify_data_key
from app.reports.router import router as reports_router
from app.statistics.router import router as statistics_router
from app.web import install as install_web

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_DESCRIPTION = """
Intertrata links the police register of trafficking (RETA, PNP) and the prosecutors' register
(SISTRA, Ministerio Público) into one historical register of victims.

Every endpoint except `/health` requires an API key sent as `Authorization: Bearer <key>`;
each key carries one role (`agency` bound to one system, `analyst`, `reviewer`, `secretariat`,
`admin`). Victims' personal data is protected under Ley 29733: reading it is audited.
Messages meant for people are in Spanish.
"""


class _NoTracebacks(logging.Filter):
    """Reduce logged exceptions to their type: database errors quote personal row values."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            record.msg = f"{record.getMessage()} [{record.exc_info[0].__name__}]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def _quiet_server_errors() -> None:
    for name in ("uvicorn.error", "uvicorn", "starlette", "fastapi"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoTracebacks) for f in logger.filters):
            logger.addFilter(_NoTracebacks())


class PayloadTooLarge(Exception):
    """The request body is over the configured limit."""


class BodySizeLimit:
    """Refuse request bodies over the limit, whether or not Content-Length is declared."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _too_large(self.max_bytes)(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge
            return message

        await self.app(scope, limited, send)


def _too_large(max_bytes: int) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        content={"detail": f"El envío supera el límite de {max_bytes // (1024 * 1024)} MiB."},
    )


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # Refuse to serve without the data key (PostgreSQL), or with one that does not open the
    # stored documents, rather than fail on the first read or write under a second key.
    with session_scope() as session:
        verify_data_key(session)
    yield


def create_app() -> FastAPI:
    """Build the FastAPI application."""
    settings = get_settings()
    _quiet_server_errors()
    app = FastAPI(
        title="Intertrata",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=_lifespan,
        openapi_tags=[
            {"name": "ingest", "description": "Agencies push exports; batches and history."},
            {"name": "linkage", "description": "Persons, links, review queue and judgements."},
            {"name": "statistics", "description": "Reconciled victim counts and estimates."},
            {"name": "reports", "description": "Reports and exports for the secretariat."},
            {"name": "auth", "description": "Caller identity and API keys."},
            {"name": "audit", "description": "Audit trail of access to personal data."},
            {"name": "health", "description": "Liveness."},
        ],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes)

    @app.exception_handler(PayloadTooLarge)
    async def _payload_too_large(_request: Request, _exc: PayloadTooLarge) -> JSONResponse:
        return _too_large(settings.max_upload_bytes)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Echoing the input back could put personal data in client logs: report locations only.
        errors: list[dict[str, Any]] = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": errors})

    @app.exception_handler(DBAPIDataError)
    async def _bad_value(request: Request, exc: DBAPIDataError) -> JSONResponse:
        # The database refused a value the request carried (a NUL character, a number out of
        # range): the client's input, not a server fault. The transaction was rolled back.
        log.warning("database refused a value on %s %s", request.method, request.url.path)
        return JSONResponse(
            status_code=422,
            content={"detail": "Un valor enviado no es admisible (p. ej. un carácter nulo)."},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Tracebacks of database errors quote row values (names, documents): log the type only.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(
            status_code=500,
            content={
                "detail": "Error interno. El incidente quedó registrado sin datos personales."
            },
        )

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Report that the service is up."""
        return {"status": "ok", "version": __version__}

    # Every API route needs a key with a role: each documents the refusals that follow.
    for router in (
        ingest_router,
        linkage_router,
        statistics_router,
        reports_router,
        auth_router,
        audit_router,
    ):
        app.include_router(router, responses=API_ERRORS)
    install_web(app)
    return app
