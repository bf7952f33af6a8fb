"""Browser UI routes: sign-in, home, and the pages of each role under /ui/."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse

from app.auth.service import authenticate
from app.deps import SessionDep
from app.web import panorama, persons, reports, review, uploads
from app.web._pages import PAGES, WebRoute, render
from app.web.session import (
    LOGIN_CSRF_COOKIE,
    WebPrincipal,
    check_csrf,
    end_session,
    login_token,
    set_login_cookie,
    set_session_cookie,
    start_session,
    unsign,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=WebRoute)


def _safe_next(target: str | None) -> str:
    # Only paths of the UI itself: never an open redirect to another site.
    if target and target.startswith("/ui/") and "//" not in target and "\\" not in target:
        return target
    return "/ui/"


@router.get("/")
def root() -> RedirectResponse:
    """Send visitors to the UI."""
    return RedirectResponse("/ui/", status_code=status.HTTP_307_TEMPORARY_REDIRECT)


@router.get("/ui/ingresar")
def login_form(request: Request, siguiente: str | None = None) -> Response:
    """Show the sign-in form."""
    return _login_page(request, siguiente)


def _login_page(
    request: Request, siguiente: str | None, error: str | None = None, code: int = 200
) -> Response:
    token = login_token(request)
    response = render(
        request,
        "login.html",
        {"siguiente": _safe_next(siguiente), "login_csrf": token, "error": error},
        status_code=code,
    )
    set_login_cookie(request, response, token)
    return response


@router.post("/ui/ingresar")
def login(
    request: Request,
    session: SessionDep,
    clave: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    siguiente: Annotated[str, Form(max_length=500)] = "/ui/",
) -> Response:
    """Check the key and open a session (cookie: HttpOnly, SameSite=Strict)."""
    expected = unsign(request.cookies.get(LOGIN_CSRF_COOKIE))
    if expected is None or not check_csrf(expected, csrf):
        return _login_page(request, siguiente, "El formulario caducó. Vuelva a intentarlo.", 400)
    principal = authenticate(session, token=clave)
    if principal is None:
        return _login_page(request, siguiente, "Clave inválida, revocada o vencida.", 401)
    sid = start_session(session, principal=principal)
    response = RedirectResponse(_safe_next(siguiente), status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(request, response, sid)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui/", httponly=True, samesite="strict")
    return response


@router.post("/ui/salir")
def logout(
    request: Request,
    session: SessionDep,
    web: WebPrincipal,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Close the session and return to the sign-in form."""
    if not check_csrf(web[0].csrf, csrf):
        return render(
            request,
            "error.html",
            {"code": 400, "title": "Solicitud no válida", "message": "Formulario caducado."},
            web=web,
            status_code=400,
        )
    response = RedirectResponse("/ui/ingresar", status_code=status.HTTP_303_SEE_OTHER)
    end_session(request, response, session)
    return response


@router.get("/ui/")
def home(request: Request, web: WebPrincipal) -> Response:
    """Show the pages this role may open."""
    pages = [p for p in PAGES.values() if web[1].role in p.roles]
    return render(request, "home.html", {"pages": pages}, web=web)


for _module in (panorama, review, persons, uploads, reports):
    router.include_router(_module.router)
