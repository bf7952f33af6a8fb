"""Browser sessions kept in the database: shared by app instances and processes, ended by
sign-out, revocation and expiry, refused when tampered with; CSRF rules across instances."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.config import get_settings
from app.db import session_scope
from app.main import create_app
from app.models import BrowserSession
from app.models._types import utcnow
from app.web.session import COOKIE, secret_key, sign, unsign

from .conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]


def _cookie(client: TestClient) -> str:
    value = client.cookies.get(COOKIE)
    assert value, "no session cookie"
    return value


def _fresh(cookie: str | None = None) -> TestClient:
    """Return a client of a new application instance carrying only this session cookie."""
    client = TestClient(create_app())
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    return client


def _status(client: TestClient, path: str = "/ui/") -> int:
    return client.get(path, follow_redirects=False).status_code


def _rows() -> list[BrowserSession]:
    with session_scope() as s:
        return list(s.scalars(select(BrowserSession)).all())


def test_a_session_opened_by_one_instance_is_accepted_by_another(browser):
    cookie = _cookie(browser("analyst"))
    with _fresh(cookie) as other:
        r = other.get("/ui/panorama", follow_redirects=False)
    assert r.status_code == 200 and "Panorama" in r.text


def test_a_session_survives_into_another_process(browser, web_app):
    # A new interpreter has nothing of this one in memory: as after a restart or in
    # another uvicorn worker, only the database and the secret are shared.
    cookie = _cookie(browser("reviewer"))
    script = textwrap.dedent(
        """
        import sys
        from fastapi.testclient import TestClient
        from app.main import create_app

        with TestClient(create_app()) as client:
            client.cookies.set("intertrata_sesion", sys.argv[1])
            r = client.get("/ui/revision", follow_redirects=False)
            print(r.status_code, "Revisión" in r.text)
        """
    )
    env = {**os.environ, "INTERTRATA_SECRET_KEY": SECRET}
    out = subprocess.run(
        [sys.executable, "-c", script, cookie],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split()[-2:] == ["200", "True"], out.stderr[-2000:]
    env["INTERTRATA_SECRET_KEY"] = "otra-clave"
    out = subprocess.run(
        [sys.executable, "-c", script, cookie],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split()[-2:] == ["303", "False"], out.stderr[-2000:]


def test_only_a_hash_of_the_session_id_is_stored(browser):
    cookie = _cookie(browser("analyst"))
    sid = unsign(cookie)
    assert sid
    [row] = _rows()
    assert row.id_hash != sid and sid not in row.id_hash and len(row.id_hash) == 64
    assert row.expires_at - row.created_at == timedelta(hours=get_settings().ui_session_hours)


def test_sign_out_ends_the_session_in_every_instance(browser, csrf_of):
    client = browser("analyst")
    cookie = _cookie(client)
    with _fresh(cookie) as other:
        # The CSRF token of the session is the same whichever instance renders the page.
        token = csrf_of(other.get("/ui/").text)
        assert token == csrf_of(client.get("/ui/").text)
        r = other.post("/ui/salir", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/ingresar"
    assert _rows() == []
    # The old cookie, replayed anywhere, is no session any more.
    client.cookies.set(COOKIE, cookie)
    assert _status(client) == 303
    with _fresh(cookie) as third:
        assert _status(third) == 303


def test_sign_out_ends_only_that_browser(browser, make_key, sign_in, csrf_of):
    key = make_key("analyst")
    first, second = browser(), browser()
    sign_in(first, key)
    sign_in(second, key)
    first.post("/ui/salir", data={"csrf": csrf_of(first.get("/ui/").text)})
    assert _status(first) == 303 and _status(second) == 200


def test_a_key_revoked_in_one_instance_ends_the_session_in_another(browser, make_key, sign_in):
    from app.auth.service import revoke_key

    client = browser()
    key = make_key("reviewer")
    sign_in(client, key)
    admin = {"Authorization": f"Bearer {make_key('admin')}"}
    with _fresh() as api:
        r = api.post(f"/v1/keys/{key.split('_')[1]}/revoke", headers=admin)
        assert r.status_code == 200, r.text
    assert _status(client) == 303
    with session_scope() as s:  # revoking again changes nothing and opens nothing
        revoke_key(s, key_id=key.split("_")[1])
    assert _status(client) == 303


def test_an_expired_key_ends_the_session(browser, make_key, sign_in):
    from app.models import ApiKey

    client = browser()
    key = make_key("analyst", expires_at=utcnow() + timedelta(hours=1))
    sign_in(client, key)
    assert _status(client) == 200
    with session_scope() as s:
        s.execute(
            update(ApiKey)
            .where(ApiKey.id == key.split("_")[1])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert _status(client) == 303


def test_an_expired_session_is_refused_and_purged_at_the_next_sign_in(browser, make_key, sign_in):
    client = browser("analyst")
    with session_scope() as s:
        s.execute(update(BrowserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert _status(client) == 303
    assert len(_rows()) == 1
    sign_in(browser(), make_key("analyst"))
    [row] = _rows()
    assert row.expires_at > utcnow()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # signature changed
        lambda c: ("A" if c[0] != "A" else "B") + c[1:],  # session id changed
        lambda c: c.rpartition(".")[0],  # signature removed
        lambda c: c.rpartition(".")[0] + ".",  # empty signature
        lambda c: sign("x" * 43),  # well signed, but no such session
        lambda c: "",
    ],
)
def test_a_tampered_cookie_is_refused(browser, tamper):
    cookie = _cookie(browser("admin"))
    with _fresh(tamper(cookie)) as other:
        assert _status(other) == 303
        assert (
            other.post("/ui/salir", data={"csrf": "x"}, follow_redirects=False)
            .headers["location"]
            .startswith("/ui/ingresar?siguiente=")
        )
    with _fresh(cookie) as other:  # the genuine cookie still works
        assert _status(other) == 200


def test_a_csrf_token_of_another_session_is_refused(browser, csrf_of, linked_world):
    mine, theirs = browser("reviewer"), browser("reviewer")
    html = mine.get("/ui/revision").text
    item = html.split('action="/ui/revision/')[1].split('"')[0]
    r = mine.post(
        f"/ui/revision/{item}",
        data={"decision": "match", "csrf": csrf_of(theirs.get("/ui/").text)},
    )
    assert r.status_code == 403
    r = mine.post("/ui/salir", data={"csrf": csrf_of(theirs.get("/ui/").text)})
    assert r.status_code == 400
    assert _status(mine) == 200 and _status(theirs) == 200


def test_the_secret_file_is_created_once_and_shared(tmp_path, monkeypatch):
    path = tmp_path / "var" / "secret-key"
    monkeypatch.setenv("INTERTRATA_SECRET_KEY", "")
    monkeypatch.setenv("INTERTRATA_SECRET_KEY_FILE", str(path))
    get_settings.cache_clear()
    try:
        first = secret_key()
        assert path.read_text().strip().encode() == first and len(first) >= 43
        assert path.stat().st_mode & 0o777 == 0o600
        assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
        # Another process reads the file that is there, it never replaces it.
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "from app.web.session import secret_key as k; print(k().decode())",
            ],
            cwd=ROOT,
            env={**os.environ},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert out.stdout.strip().encode() == first
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
