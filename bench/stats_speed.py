"""Latency of statistics queries over 1,000,000 synthetic victim facts.

Usage:
    .venv/bin/python bench/stats_speed.py [--rows 1000000] [--queries 200] [--shapes 40]
        [--url postgresql+psycopg://...] [--methods index sql victims] [--suppress]

Builds the `victim_facts` table directly (synthetic rows, bulk insert; no ingest, no linkage)
in a throw-away SQLite file, or in the given database (its `victim_facts`, `link_runs` and
`statistics_snapshots` tables are dropped and recreated), with one completed link run so the
service's caches are keyed as in production. Then runs `--queries` grouped distinct-person
counts through `service.count_victims`, drawn at random from `--shapes` distinct query shapes,
for each method:

- `index` (the default of the service): the first query of a run builds the person-year index
  (load facts, pick attributes, numpy codes: timed and printed apart), then every query is a
  mask and a bincount; results are also cached per (run, parameters).
- `sql`: `COUNT(DISTINCT person_id) ... GROUP BY` over `victim_facts`, cached per (run,
  parameters) in process.

- `victims`: the full `/v1/statistics/victims` answer (`service.victim_statistics`: counts with
  groupings, own figures, gaps, Chapman estimate and bounds, rates) from the run's person-year
  frame. The frame is built from the facts and stored first (what the end of a linkage run
  does; timed and printed apart), then every cache is cleared, so the first query pays what
  the first request after a run pays in a server process: loading the stored frame.

For each it prints p50/p95/p99 of all queries, of the first time each shape is seen (cold) and
of the repeats (warm: the answer cache), with CPU time and the machine load. Small-cell
suppression is off (reviewer view); `--suppress` turns it on, `--suppress-both` runs the victims
mix without then with it. `--http` also sends the victims mix through
`GET /v1/statistics/victims` on the ASGI app (httpx's ASGI transport), caches cleared first.
`--db FILE --reuse` (or `--url ... --reuse`) keeps the facts of an earlier run of the bench with
the same `--rows` instead of inserting them again (the frame is always built and stored).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from app.db import Base, executemany
from app.models import LinkRun
from app.models.statistics import StatisticsFrame, StatisticsSnapshot, VictimFact
from app.statistics import service
from app.statistics.counting import age_ctdc, age_fiscal, age_minor
from app.statistics.schemas import VictimQuery
from app.statistics.store import clear_caches, current_rows, store_frame

_DEPTS = ["15", "07", "13", "14", "20", "04", "16", "25", "17", "21", "08", "12"]
_DIMS = [
    "sex", "department_facts", "department_residence", "age_ctdc", "age_minor",
    "nationality", "purpose", "offence_family", "identification",
]  # fmt: skip
_PURPOSES = ["explotacion_sexual", "explotacion_laboral", "mendicidad", "otra", None]


def _fact(i: int, rng: random.Random) -> dict[str, Any]:
    person = i - int(rng.random() * 0.25 * i) if i else 0  # ~1.3 rows per person
    reg = date(2015, 1, 1) + timedelta(days=int(rng.random() * 3650))
    facts = reg - timedelta(days=int(rng.random() * 60)) if rng.random() < 0.55 else None
    age = int(8 + rng.random() * 40) if rng.random() < 0.85 else None
    minor = age < 18 if age is not None else None
    return {
        "run_id": 1, "source_record_id": i + 1, "person_id": person + 1,
        "case_id": person // 2 + 1, "system": "RETA" if rng.random() < 0.45 else "SISTRA",
        "registration_date": reg, "facts_date": facts, "year_registration": reg.year,
        "year_facts": facts.year if facts else None, "year_case": reg.year,
        "dept_facts": rng.choice(_DEPTS), "dept_residence": rng.choice(_DEPTS),
        "dept_birth": rng.choice(_DEPTS) if rng.random() < 0.7 else None,
        "sex": "F" if rng.random() < 0.8 else "M", "age": age, "minor": minor,
        "age_minor": age_minor(age, minor), "age_ctdc": age_ctdc(age, minor),
        "age_fiscal": age_fiscal(age, minor),
        "nationality": "PER" if rng.random() < 0.85 else "VEN",
        "purpose": rng.choice(_PURPOSES),
        "offence_family": "trafficking" if rng.random() < 0.85 else "related",
        "origin": None, "unidentified": rng.random() < 0.05, "person_identified": True,
    }  # fmt: skip


def build(url: str, rows: int, *, reuse: bool = False) -> Any:
    """Create the tables and bulk-insert `rows` synthetic facts; return the engine."""
    engine = create_engine(url)
    if reuse and _present(engine) == rows:
        print(f"reusing {rows:,} facts on {engine.dialect.name}")
        return engine
    tables = [
        VictimFact.__table__, StatisticsSnapshot.__table__, LinkRun.__table__,
        StatisticsFrame.__table__,
    ]  # fmt: skip
    Base.metadata.drop_all(engine, tables=tables)  # type: ignore[arg-type]
    Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
    rng = random.Random(1)
    t0 = time.perf_counter()
    with Session(engine) as session:
        now = datetime.now(UTC)
        session.execute(
            insert(LinkRun.__table__),
            [{"id": 1, "mode": "full", "trigger": "bench", "status": "completed",
              "started_at": now, "finished_at": now, "records": 0, "pairs": 0, "links": 0,
              "review": 0, "inferred": 0, "persons": 0, "cases": 0, "merges": 0, "splits": 0,
              "seconds": 0.0, "details": {}}],
        )  # fmt: skip
        for start in range(0, rows, 100_000):
            # COPY on PostgreSQL, one executemany on SQLite (app.db.executemany).
            executemany(
                session,
                VictimFact,
                [_fact(i, rng) for i in range(start, min(rows, start + 100_000))],
            )
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE victim_facts")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"built {rows:,} facts in {time.perf_counter() - t0:.1f}s on {engine.dialect.name}")
    return engine


def _present(engine: Any) -> int:
    """Return the facts already stored with the bench's link run (-1: none)."""
    try:
        with engine.connect() as conn:
            runs = conn.exec_driver_sql("SELECT count(*) FROM link_runs").scalar_one()
            facts = conn.exec_driver_sql("SELECT count(*) FROM victim_facts").scalar_one()
    except Exception:
        return -1
    return int(facts) if runs == 1 else -1


def shapes(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """Return `n` distinct query shapes: groupings, filters, year ranges and date bases."""
    out: dict[str, dict[str, Any]] = {}
    while len(out) < n:
        k = rng.choice([0, 1, 1, 2])
        group = rng.sample(_DIMS, k)
        where: dict[str, list[str]] = {}
        if rng.random() < 0.5:
            where["year"] = [str(rng.randint(2015, 2024))]
        if rng.random() < 0.3:
            where["sex"] = ["F"]
        if rng.random() < 0.2:
            where["offence_family"] = ["trafficking"]
        q = {
            "date_basis": "facts" if rng.random() < 0.2 else "registration",
            "group_by": group,
            "where": where,
            "year_from": 2018 if rng.random() < 0.2 else None,
        }
        out[repr(q)] = q
    return list(out.values())


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _line(label: str, ms: list[float]) -> str:
    if not ms:
        return f"{label:<6} n=0"
    return (
        f"{label:<6} n={len(ms):>3}  p50 {_pct(ms, 50):7.1f} ms  p95 {_pct(ms, 95):7.1f} ms"
        f"  p99 {_pct(ms, 99):7.1f} ms  mean {statistics.fmean(ms):7.1f} ms"
    )


def _victim_query(q: dict[str, Any], rng: random.Random) -> VictimQuery:
    """The /victims form of a count shape: at most two groupings, maybe an offence family."""
    return VictimQuery(
        date_basis=q["date_basis"],
        group_by=q["group_by"],
        where=q["where"],
        year_from=q["year_from"],
        offence_family=rng.choice([None, None, "trafficking"]),
    )


def store_victims_frame(engine: Any) -> None:
    """Build the run's person-year frame from the facts and store it (end of a linkage run)."""
    clear_caches()
    with Session(engine) as session:
        t0, c0 = time.perf_counter(), time.process_time()
        loaded = current_rows(session)
        t1, c1 = time.perf_counter(), time.process_time()
        store_frame(
            session, run_id=1, rows=loaded.rows, raw=loaded.raw, identified=loaded.identified
        )
        session.commit()
        t2, c2 = time.perf_counter(), time.process_time()
        print(
            f"victims frame: facts read {t1 - t0:.1f}s (CPU {c1 - c0:.1f}s), frame built and"
            f" stored {t2 - t1:.1f}s (CPU {c2 - c1:.1f}s): once per linkage run"
        )


def _load() -> str:
    return "load " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


class _Timings:
    """Wall and CPU milliseconds per query, split by whether its shape was seen before."""

    def __init__(self) -> None:
        self.cold: list[float] = []
        self.warm: list[float] = []
        self.cpu_cold: list[float] = []
        self.cpu_warm: list[float] = []
        self.first = (0.0, 0.0)
        self._seen: set[int] = set()

    def add(self, shape: int, t0: float, c0: float) -> None:
        """Record one query of the given shape that started at wall t0 and CPU c0."""
        ms = (time.perf_counter() - t0) * 1000
        cpu = (time.process_time() - c0) * 1000
        if not self.cold and not self.warm:
            self.first = (ms, cpu)
        warm = shape in self._seen
        (self.warm if warm else self.cold).append(ms)
        (self.cpu_warm if warm else self.cpu_cold).append(cpu)
        self._seen.add(shape)

    def report(self, title: str) -> None:
        """Print the first call and the percentiles of all, cold and warm queries."""
        print(title)
        print(
            f"first call after the run (stored frame loaded): {self.first[0]:.0f} ms"
            f" (CPU {self.first[1]:.0f} ms)"
        )
        print(_line("all", self.cold + self.warm))
        print(_line("cold", self.cold))
        print(_line("warm", self.warm))
        print(_line("CPU", self.cpu_cold + self.cpu_warm))
        print(_line("CPUcld", self.cpu_cold))


def run_victims(engine: Any, queries: int, n_shapes: int, suppress: bool) -> None:
    """Clear the caches, then time the /victims query mix through the service."""
    clear_caches()
    rng = random.Random(2)
    pool = [_victim_query(q, rng) for q in shapes(n_shapes, rng)]
    timings = _Timings()
    print(_load())
    with Session(engine) as session:
        for _ in range(queries):
            i = rng.randrange(len(pool))
            t0, c0 = time.perf_counter(), time.process_time()
            service.victim_statistics(session, query=pool[i], suppress_small=suppress)
            timings.add(i, t0, c0)
    timings.report(
        f"method victims ({queries} queries, {n_shapes} shapes, suppression {suppress}), {_load()}"
    )


def _params(q: VictimQuery) -> dict[str, Any]:
    params: dict[str, Any] = {"date_basis": q.date_basis, "group_by": q.group_by}
    params["where"] = [f"{d}:{v}" for d, values in q.where.items() for v in values]
    if q.year_from is not None:
        params["year_from"] = q.year_from
    if q.offence_family is not None:
        params["offence_family"] = q.offence_family
    return params


def run_http(engine: Any, queries: int, n_shapes: int, suppress: bool) -> None:
    """Time the same mix through `GET /v1/statistics/victims` on the ASGI app (routing,
    parameters, role check, serialisation; the API-key look-up is replaced by a fixed caller)."""
    import asyncio

    import httpx
    from fastapi import FastAPI

    from app import deps
    from app.auth.roles import Role
    from app.auth.service import Principal
    from app.db import reset_engine
    from app.statistics.router import router

    app = FastAPI()
    app.include_router(router)
    role = Role.ANALYST if suppress else Role.REVIEWER
    caller = Principal("bench", "bench", role, None)
    # The production dependencies (a session per request from the configured database, the
    # role check); only the API-key look-up is replaced by a fixed caller. (FastAPI's
    # dependency_overrides re-analyse the overridden callables on every request.)
    os.environ["INTERTRATA_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    reset_engine()
    deps.authenticate = lambda session, token: caller  # type: ignore[assignment]
    clear_caches()
    rng = random.Random(2)
    pool = [_victim_query(q, rng) for q in shapes(n_shapes, rng)]
    timings = _Timings()
    print(_load())

    async def send_all() -> None:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": "Bearer bench"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as client:
            for _ in range(queries):
                i = rng.randrange(len(pool))
                t0, c0 = time.perf_counter(), time.process_time()
                response = await client.get("/v1/statistics/victims", params=_params(pool[i]))
                body = response.content
                timings.add(i, t0, c0)
                if (
                    response.status_code != 200
                    or b'"suppressed":%s' % (b"true" if suppress else b"false") not in body
                ):
                    raise SystemExit(f"unexpected answer {response.status_code}: {body[:200]!r}")

    asyncio.run(send_all())
    timings.report(
        f"HTTP GET /v1/statistics/victims ({queries} requests, {n_shapes} shapes, role"
        f" {role.value}, suppression {suppress}), {_load()}"
    )


def run(engine: Any, queries: int, n_shapes: int, method: str, suppress: bool) -> None:
    """Run the query mix with one method and print the percentiles."""
    clear_caches()
    rng = random.Random(2)
    pool = shapes(n_shapes, rng)
    seen: set[int] = set()
    cold: list[float] = []
    warm: list[float] = []
    with Session(engine) as session:
        if method == "index":
            for basis in ("registration", "facts"):
                t0 = time.perf_counter()
                service.count_victims(session, date_basis=basis, where={"year": ["1900"]})
                print(
                    f"index  build, {basis} basis (once per run and process):"
                    f" {time.perf_counter() - t0:.1f}s"
                )
        for _ in range(queries):
            i = rng.randrange(len(pool))
            q = pool[i]
            t0 = time.perf_counter()
            service.count_victims(session, **q, method=method, suppress_small=suppress)
            ms = (time.perf_counter() - t0) * 1000
            (warm if i in seen else cold).append(ms)
            seen.add(i)
    print(f"method {method} ({queries} queries, {n_shapes} shapes)")
    print(_line("all", cold + warm))
    print(_line("cold", cold))
    print(_line("warm", warm))


def main() -> None:
    """Parse arguments, build the facts and time the queries."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--shapes", type=int, default=40)
    ap.add_argument("--url", default="")
    ap.add_argument("--methods", nargs="*", default=["index", "sql", "victims"])
    ap.add_argument("--suppress", action="store_true")
    ap.add_argument("--db", default="", help="SQLite file to keep (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="keep the facts of an earlier run")
    ap.add_argument("--suppress-both", action="store_true", help="victims: without, then with")
    ap.add_argument("--http", action="store_true", help="victims: also through the HTTP route")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="stats-speed-") as tmp:
        url = args.url or (f"sqlite:///{args.db}" if args.db else f"sqlite:///{tmp}/facts.db")
        engine = build(url, args.rows, reuse=args.reuse)
        modes = [False, True] if args.suppress_both else [args.suppress]
        for method in args.methods:
            if method == "victims":
                store_victims_frame(engine)
                for suppress in modes:
                    run_victims(engine, args.queries, args.shapes, suppress)
                    if args.http:
                        run_http(engine, args.queries, args.shapes, suppress)
            else:
                run(engine, args.queries, args.shapes, method, args.suppress)
        engine.dispose()


if __name__ == "__main__":
    main()
