"""The load soak in short form: uvicorn workers under mixed traffic for a few seconds, zero
errors and every pushed row stored once with its versions (bench/soak.py has the long form).

On PostgreSQL the server runs two workers, as in production. On SQLite it runs one: SQLite is
the single-process embedded default, and several processes writing one file queue on its lock
for up to the busy timeout, which on a loaded machine turns a correctness check into a timing
one. The test asserts errors and losses, never speed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.soak import accepted_rows, serve, soak

SECONDS = 12


def test_short_soak_has_no_errors_and_loses_nothing(db, make_key, tmp_path):
    from app.db import session_scope
    from app.demo.generator import WorldConfig, generate_world
    from app.ingest.service import ingest_rows
    from app.linkage.service import run_linkage
    from app.schema import System

    world = generate_world(WorldConfig(seed=7, scale=0.01, year_from=2017, year_to=2019))
    with session_scope() as s:
        for system, rows in ((System.RETA, world.reta_rows), (System.SISTRA, world.sistra_rows)):
            ingest_rows(s, system=system, rows=enumerate(rows, 2), pushed_by="t", channel="cli")
        run_linkage(s, full=True)
    keys = {
        "RETA": make_key("agency", "RETA"),
        "SISTRA": make_key("agency", "SISTRA"),
        "analyst": make_key("analyst"),
        "reviewer": make_key("reviewer"),
    }
    templates = {
        "RETA": accepted_rows("RETA", world.reta_rows),
        "SISTRA": accepted_rows("SISTRA", world.sistra_rows),
    }
    workers = 2 if db.startswith("postgresql") else 1
    with serve(db, workers=workers, keys=keys, templates=templates, work=tmp_path) as setup:
        report = soak(setup, seconds=SECONDS, users=6)
    assert not report.errors, "\n".join(report.errors[:20])
    assert report.rows > 0
    assert {"push", "stats_counts", "stats_victims", "review_queue"} <= set(report.per_kind)
