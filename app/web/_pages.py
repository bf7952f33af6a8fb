"""What every page shares: templates, who may open which page, and Spanish error pages."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from app.auth.roles import Role
from app.auth.service import Principal
from app.deps import require_role
from app.web.charts import fmt_number
from app.web.session import CSRF_FIELD, LoginRequired, WebPrincipal, WebSession

__all__ = [
    "PAGES",
    "STATIC_DIR",
    "Page",
    "WebRoute",
    "WebUser",
    "page_access",
    "render",
    "templates",
]

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE / "static"
templates = Jinja2Templates(directory=str(_HERE / "templates"))
templates.env.filters["num"] = fmt_number


WebUser = tuple[WebSession, Principal]


class Page:
    """A page of the UI: where it lives, its title, and the roles that may open it."""

    def __init__(self, key: str, path: str, title: str, blurb: str, *roles: Role) -> None:
        self.key, self.path, self.title, self.blurb = key, path, title, blurb
        self.roles = frozenset(roles)


# The same role sets as the API routes each page calls (admin may open every page).
PAGES: dict[str, Page] = {
    p.key: p
    for p in (
        Page(
            "panorama",
            "/ui/panorama",
            "Panorama",
            "Víctimas conciliadas, brechas, estimación y desgloses.",
            Role.ANALYST,
            Role.SECRETARIAT,
            Role.ADMIN,
        ),
        Page(
            "revision",
            "/ui/revision",
            "Revisión",
            "Pares dudosos: decida si son la misma persona.",
            Role.REVIEWER,
            Role.ADMIN,
        ),
        Page(
            "persona",
            "/ui/personas",
            "Persona",
            "Una persona vinculada con todos sus registros (consulta auditada).",
            Role.REVIEWER,
            Role.ADMIN,
        ),
        Page(
            "cargas",
            "/ui/cargas",
            "Cargas",
            "Suba un archivo exportado y revise las filas rechazadas.",
            Role.AGENCY,
            Role.ADMIN,
        ),
        Page(
            "informes",
            "/ui/informes",
            "Informes",
            "Informe anual en cada formato e instantáneas congeladas.",
            Role.SECRETARIAT,
            Role.ADMIN,
        ),
    )
}

ROLE_LABELS = {
    Role.AGENCY: "Entidad",
    Role.ANALYST: "Analista",
    Role.REVIEWER: "Revisor",
    Role.SECRETARIAT: "Secretaría técnica",
    Role.ADMIN: "Administración",
}

_STATUS_TEXT = {
    400: "Solicitud no válida",
    403: "Acceso denegado",
    404: "No encontrado",
    413: "Archivo demasiado grande",
    415: "Tipo de envío no admitido",
    422: "Datos no válidos",
}


def page_access(key: str) -> Callable[[WebPrincipal], WebUser]:
    """Return a dependency that admits a signed-in browser whose role may open the page."""
    page = PAGES[key]
    check = require_role(*page.roles)

    def _dep(web: WebPrincipal) -> WebUser:
        try:
            check(web[1])  # the API's own role check
        except HTTPException as exc:
            role = ROLE_LABELS.get(web[1].role, web[1].role.value)
            raise HTTPException(
                exc.status_code, detail=f"Su rol ({role}) no puede abrir la página {page.title}."
            ) from exc
        return web

    return _dep


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    web: WebUser | None = None,
    status_code: int = 200,
) -> Response:
    """Render a template with the navigation of the signed-in role."""
    ctx: dict[str, Any] = dict(context or {})
    web = web or getattr(request.state, "web", None)
    if web is not None:
        item, principal = web
        ctx.update(
            principal=principal,
            role_label=ROLE_LABELS.get(principal.role, principal.role.value),
            csrf=item.csrf,
            nav=[p for p in PAGES.values() if principal.role in p.roles],
        )
    ctx.setdefault("nav", [])
    ctx.setdefault("csrf_field", CSRF_FIELD)
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def _error(request: Request, code: int, detail: object) -> Response:
    message = detail if isinstance(detail, str) else "Revise los datos enviados."
    return render(
        request,
        "error.html",
        {"code": code, "title": _STATUS_TEXT.get(code, "Error"), "message": message},
        status_code=code,
    )


_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages can show personal data: never keep them in a cache
}


class WebRoute(APIRoute):
    """Route that answers in HTML: sign-in redirects and Spanish error pages, never JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler to turn auth and HTTP errors into pages."""
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except LoginRequired:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                response = RedirectResponse(
                    f"/ui/ingresar?siguiente={quote(target, safe='')}",
                    status_code=status.HTTP_303_SEE_OTHER,
                )
            except HTTPException as exc:
                response = _error(request, exc.status_code, exc.detail)
            except RequestValidationError:
                response = _error(request, 422, "Los parámetros de la página no son válidos.")
            for name, value in _SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return handler
