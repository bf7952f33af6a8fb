"""Time each UI page on the demo world (cold: first request; warm: median of five).

    INTERTRATA_DATABASE_URL=sqlite:///var/demo.db .venv/bin/python bench/ui_render.py

The database must hold a linked demo world (`intertrata demo --scale 0.05`); keys are created.
Prints figures; asserts nothing (the target is under 300 ms per warm page).
"""

from __future__ import annotations

import re
import statistics
import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.auth.roles import Role
from app.auth.service import create_key
from app.db import session_scope
from app.main import create_app
from app.models import PersonMember
from app.schema import System

PAGES = [
    ("analyst", None, "/ui/"),
    ("analyst", None, "/ui/panorama"),
    ("analyst", None, "/ui/panorama?desde=2020&hasta=2023&desglose=sex"),
    ("reviewer", None, "/ui/revision"),
    ("reviewer", None, "/ui/personas/{person}"),
    ("agency", "RETA", "/ui/cargas"),
    ("secretariat", None, "/ui/informes"),
]


def _client(app: object, role: str, system: str | None) -> TestClient:
    with session_scope() as s:
        _, token = create_key(
            s, role=Role(role), system=System(system) if system else None, name="bench-ui"
        )
    client = TestClient(app)  # type: ignore[arg-type]
    html = client.get("/ui/ingresar").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    client.post("/ui/ingresar", data={"clave": token, "csrf": csrf})
    return client


def main() -> None:
    app = create_app()
    with session_scope() as s:
        person = s.scalars(select(PersonMember.person_id)).first()
    clients: dict[tuple[str, str | None], TestClient] = {}
    print(f"{'página':58} {'frío ms':>8} {'tibio ms':>9}")
    for role, system, path in PAGES:
        client = clients.setdefault((role, system), _client(app, role, system))
        url = path.format(person=person)
        t = time.perf_counter()
        r = client.get(url)
        cold = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, (url, r.status_code)
        warm = []
        for _ in range(5):
            t = time.perf_counter()
            client.get(url)
            warm.append((time.perf_counter() - t) * 1000)
        print(f"{role + ' ' + url:58} {cold:8.0f} {statistics.median(warm):9.0f}")


if __name__ == "__main__":
    main()
