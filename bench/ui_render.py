"""Time each UI page on the demo world (cold: first request; warm: median of five).

Cold is the first request of a fresh process: for the panorama it includes loading the
person-year frame the last linkage run stored (as the first panorama after a run does in a
running server), plus the one-time imports and tables of the process. CPU is the process's
CPU time during the request (server threads included: the client is in-process).

    INTERTRATA_DATABASE_URL=sqlite:///var/demo.db .venv/bin/python bench/ui_render.py

The database must hold a linked demo world (`intertrata demo --scale 0.05`); keys are created.
Prints figures; asserts nothing (the target is under 300 ms per page).

`--link` then runs a full linkage in the same process (as a server's background link after a
push does; its statistics refresh is timed apart) and times the first panorama of the new run:
the process is warm, every statistics cache misses, the frame the run stored is loaded.
"""

from __future__ import annotations

import re
import statistics
import sys
import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.auth.roles import Role
from app.auth.service import create_key
from app.db import session_scope
from app.linkage.service import run_linkage
from app.main import create_app
from app.models import PersonMember
from app.schema import System
from app.statistics import store

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
    print(f"{'página':58} {'frío ms':>8} {'CPU ms':>7} {'tibio ms':>9} {'CPU ms':>7}")
    for role, system, path in PAGES:
        client = clients.setdefault((role, system), _client(app, role, system))
        url = path.format(person=person)
        t, c = time.perf_counter(), time.process_time()
        r = client.get(url)
        cold = (time.perf_counter() - t) * 1000
        cold_cpu = (time.process_time() - c) * 1000
        assert r.status_code == 200, (url, r.status_code)
        warm, warm_cpu = [], []
        for _ in range(5):
            t, c = time.perf_counter(), time.process_time()
            client.get(url)
            warm.append((time.perf_counter() - t) * 1000)
            warm_cpu.append((time.process_time() - c) * 1000)
        print(
            f"{role + ' ' + url:58} {cold:8.0f} {cold_cpu:7.0f}"
            f" {statistics.median(warm):9.0f} {statistics.median(warm_cpu):7.0f}"
        )
    if "--link" in sys.argv:
        _after_link(clients[("analyst", None)])


def _after_link(client: TestClient) -> None:
    refresh = store.refresh_facts
    spent: list[float] = []

    def timed(*args: object, **kw: object) -> int:
        t = time.perf_counter()
        n = refresh(*args, **kw)  # type: ignore[arg-type]
        spent.append(time.perf_counter() - t)
        return n

    store.refresh_facts = timed  # type: ignore[assignment]
    t = time.perf_counter()
    with session_scope() as s:
        run_linkage(s, full=True, trigger="bench")
    print(
        f"vinculación completa: {time.perf_counter() - t:.1f} s, de ellos estadísticas"
        f" (hechos y marco): {sum(spent):.2f} s"
    )
    for url in ("/ui/panorama", "/ui/panorama?desde=2020&hasta=2023&desglose=sex"):
        t, c = time.perf_counter(), time.process_time()
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        print(
            f"primera tras la vinculación {url:44} {(time.perf_counter() - t) * 1000:6.0f} ms"
            f"  CPU {(time.process_time() - c) * 1000:5.0f} ms"
        )


if __name__ == "__main__":
    main()
