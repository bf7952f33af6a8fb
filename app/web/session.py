"""Browser sessions: sign in with an API key, a session row shared by every worker, CSRF tokens.

Sessions live in the database (`browser_sessions`), not in process memory, so any uvicorn
worker, host or restarted process honours them. The browser holds a random session id, signed
with the service's secret key; the table keeps only its SHA-256 with the key's id, the CSRF
token and the expiry. Every request re-reads the key with the session (one query), so a key
revoked or expired since sign-in ends the session at once; signing out deletes the row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from app.auth.service import Principal, principal_of_key
from app.config import get_settings
from app.deps import SessionDep
from app.models import BrowserSession
from app.models._types import utcnow
from app.secretfile import read_or_create
from app.web import repository

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "LOGIN_CSRF_COOKIE",
    "LoginRequired",
    "WebPrincipal",
    "WebSession",
    "check_csrf",
    "current_web_session",
    "end_session",
    "login_token",
    "secret_key",
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

_file_secrets: dict[Path, bytes] = {}


class LoginRequired(Exception):
    """No valid browser session: the page redirects to the sign-in form."""


def _read_or_create(path: Path) -> bytes:
    value, created = read_or_create(path, lambda: secrets.token_urlsafe(32))
    if created:
        log.info("Clave secreta nueva guardada en %s.", path)
    return value.encode("ascii")


def secret_key() -> bytes:
    """Return the key that signs the UI's cookies (setting, else the shared secret file)."""
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    path = settings.resolved_secret_key_file()
    if path not in _file_secrets:
        try:
            _file_secrets[path] = _read_or_create(path)
        except (OSError, ValueError):
            # Still serves, but each worker then signs with its own key: sign-in may fail.
            log.warning("No se pudo leer ni crear la clave secreta: se usa una clave de proceso.")
            _file_secrets[path] = secrets.token_bytes(32)
    return _file_secrets[path]


def _mac(value: str) -> str:
    digest = hmac.new(secret_key(), value.encode("utf-8"), hashlib.sha256).digest()
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


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser as a request sees it: its key's id and its CSRF token."""

    id_hash: str
    key_id: str
    csrf: str


def _ttl() -> timedelta:
    return timedelta(hours=get_settings().ui_session_hours)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(session: Session, *, principal: Principal) -> str:
    """Open a browser session for a key already verified; return the id for the cookie."""
    now = utcnow()
    repository.delete_expired(session, now=now)  # keeps the table to the live sessions
    sid = secrets.token_urlsafe(32)
    repository.add_session(
        session,
        item=BrowserSession(
            id_hash=_hash(sid),
            key_id=principal.key_id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + _ttl(),
        ),
    )
    return sid


def set_session_cookie(request: Request, response: Response, sid: str) -> None:
    """Attach the session cookie: HttpOnly, SameSite=Strict, Secure over https."""
    response.set_cookie(
        COOKIE,
        sign(sid),
        max_age=int(_ttl().total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def end_session(request: Request, response: Response, session: Session) -> None:
    """Delete the browser's session on the server and clear its cookie."""
    sid = unsign(request.cookies.get(COOKIE))
    if sid:
        repository.delete_session(session, id_hash=_hash(sid))
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
    found = repository.get_session_with_key(session, id_hash=_hash(sid)) if sid else None
    if found is None:
        raise LoginRequired
    row, key = found
    # The same rules as the API: a key revoked or expired since sign-in ends the session.
    principal = principal_of_key(session, key=key) if row.expires_at > utcnow() else None
    if principal is None:
        raise LoginRequired
    item = WebSession(id_hash=row.id_hash, key_id=row.key_id, csrf=row.csrf)
    request.state.web = (item, principal)  # error pages show the navigation of this role
    return item, principal


WebPrincipal = Annotated[tuple[WebSession, Principal], Depends(current_web_session)]


def check_csrf(expected: str, given: object) -> bool:
    """Return True when a form's CSRF token matches the session's."""
    return isinstance(given, str) and bool(given) and hmac.compare_digest(expected, given)
