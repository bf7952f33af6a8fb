"""Browser sessions: sign in with an API key, a signed HttpOnly cookie, CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from app.auth.service import Principal, authenticate
from app.deps import SessionDep

__all__ = [
    "COOKIE",
    "LOGIN_CSRF_COOKIE",
    "LoginRequired",
    "WebPrincipal",
    "WebSession",
    "check_csrf",
    "current_web_session",
    "end_session",
    "login_token",
    "set_login_cookie",
    "set_session_cookie",
    "sign",
    "start_session",
    "unsign",
]

log = logging.getLogger(__name__)

COOKIE = "intertrata_sesion"
LOGIN_CSRF_COOKIE = "intertrata_ingreso"
CSRF_FIELD = "csrf"
_TTL_SECONDS = 8 * 3600  # a working day; the key's own expiry and revocation still apply


class LoginRequired(Exception):
    """No valid browser session: the page redirects to the sign-in form."""


def _load_secret() -> bytes:
    value = os.environ.get("INTERTRATA_SECRET_KEY", "")
    if value:
        return value.encode("utf-8")
    # Sessions live in this process anyway; a random secret only costs a new sign-in on restart.
    log.warning("INTERTRATA_SECRET_KEY no está definida: se usa una clave aleatoria de proceso.")
    return secrets.token_bytes(32)


_SECRET = _load_secret()


def _mac(value: str) -> str:
    digest = hmac.new(_SECRET, value.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign(value: str) -> str:
    """Return the value with its HMAC, as the cookie carries it."""
    return f"{value}.{_mac(value)}"


def unsign(signed: str | None) -> str | None:
    """Return the value of a signed string, or None when the signature does not match."""
    if not signed or "." not in signed:
        return None
    value, _, mac = signed.rpartition(".")
    return value if hmac.compare_digest(mac, _mac(value)) else None


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: its key stays on the server, the browser holds only the id."""

    sid: str
    token: str
    csrf: str
    expires: float


class _Store:
    """Sessions of this process (one uvicorn worker); a restart asks users to sign in again."""

    def __init__(self) -> None:
        self._items: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def create(self, token: str) -> WebSession:
        now = time.time()
        item = WebSession(
            sid=secrets.token_urlsafe(32),
            token=token,
            csrf=secrets.token_urlsafe(32),
            expires=now + _TTL_SECONDS,
        )
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if v.expires > now}
            self._items[item.sid] = item
        return item

    def get(self, sid: str) -> WebSession | None:
        with self._lock:
            item = self._items.get(sid)
        return item if item is not None and item.expires > time.time() else None

    def drop(self, sid: str) -> None:
        with self._lock:
            self._items.pop(sid, None)


_store = _Store()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, item: WebSession) -> None:
    """Attach the session cookie: HttpOnly, SameSite=Strict, Secure over https."""
    response.set_cookie(
        COOKIE,
        sign(item.sid),
        max_age=_TTL_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def start_session(token: str) -> WebSession:
    """Open a browser session for a key already verified."""
    return _store.create(token)


def end_session(request: Request, response: Response) -> None:
    """Forget the browser's session on the server and clear its cookie."""
    sid = unsign(request.cookies.get(COOKIE))
    if sid:
        _store.drop(sid)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def login_token(request: Request) -> str:
    """Return the sign-in form's CSRF token: the browser's own, or a new one."""
    return unsign(request.cookies.get(LOGIN_CSRF_COOKIE)) or secrets.token_urlsafe(32)


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    """Set the cookie the sign-in form must echo (double-submit CSRF before a session)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        sign(token),
        max_age=3600,
        path="/ui/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def current_web_session(request: Request, session: SessionDep) -> tuple[WebSession, Principal]:
    """Return the browser session and its principal, re-checking the key on every request."""
    sid = unsign(request.cookies.get(COOKIE))
    item = _store.get(sid) if sid else None
    if item is None:
        raise LoginRequired
    # The same check as the API: a key revoked or expired since sign-in ends the session.
    principal = authenticate(session, token=item.token)
    if principal is None:
        _store.drop(item.sid)
        raise LoginRequired
    request.state.web = (item, principal)  # error pages show the navigation of this role
    return item, principal


WebPrincipal = Annotated[tuple[WebSession, Principal], Depends(current_web_session)]


def check_csrf(expected: str, given: object) -> bool:
    """Return True when a form's CSRF token matches the session's."""
    return isinstance(given, str) and bool(given) and hmac.compare_digest(expected, given)
