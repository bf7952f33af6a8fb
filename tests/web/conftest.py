"""The API application with the UI installed, signed-in browsers per role, a linked world."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

SECRET = "clave-de-prueba-para-firmar-cookies"


@pytest.fixture
def web_app(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Return the application (the UI is installed by create_app) with a known secret key."""
    from app.config import get_settings
    from app.main import create_app

    monkeypatch.setenv("INTERTRATA_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    yield create_app()
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def browser(web_app: Any, make_key: Callable[..., str]) -> Iterator[Callable[..., Any]]:
    """Return a factory of TestClients signed in with a new key of a role (and system)."""
    from fastapi.testclient import TestClient

    clients: list[TestClient] = []

    def _open(role: str | None = None, system: str | None = None, **kwargs: Any) -> TestClient:
        client = TestClient(web_app, **kwargs)
        client.__enter__()
        clients.append(client)
        if role is not None:
            r = _sign_in(client, make_key(role, system))
            assert r.status_code == 303, r.text
        return client

    yield _open
    for c in clients:
        c.__exit__(None, None, None)


def _csrf_of(html: str) -> str:
    """Return the first CSRF token of a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _sign_in(client: Any, key: str, siguiente: str = "/ui/") -> Any:
    """Sign a client in through the form and return the response (a 303 when it works)."""
    token = _csrf_of(client.get("/ui/ingresar").text)
    return client.post(
        "/ui/ingresar",
        data={"clave": key, "csrf": token, "siguiente": siguiente},
        follow_redirects=False,
    )


@pytest.fixture
def linked_world(ingest_world: Callable[..., Any]) -> Any:
    """Ingest and link a small demo world with three doubtful pairs."""
    from app.demo.generator import WorldConfig, generate_world

    world = generate_world(WorldConfig(seed=7, scale=0.05, year_from=2017, year_to=2019))
    return ingest_world(world, corrections=False)


@pytest.fixture
def csrf_of() -> Callable[[str], str]:
    return _csrf_of


@pytest.fixture
def sign_in() -> Callable[..., Any]:
    return _sign_in
