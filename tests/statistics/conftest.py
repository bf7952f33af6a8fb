"""A small demo world ingested and linked, shared by the database tests of statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

WORLD_SEED = 5


@pytest.fixture(scope="session")
def small_world() -> Any:
    from app.demo.generator import WorldConfig, generate_world

    return generate_world(WorldConfig(seed=WORLD_SEED, scale=0.04, year_from=2016, year_to=2018))


@pytest.fixture
def linked_world(db: str, small_world: Any) -> Callable[[], Any]:
    """Ingest the demo world (rows, then corrections), link it, and return the world."""
    from app.db import session_scope
    from app.ingest.service import ingest_rows
    from app.linkage.service import run_linkage
    from app.schema import System

    with session_scope() as s:
        for system, rows in (
            (System.RETA, small_world.reta_rows),
            (System.SISTRA, small_world.sistra_rows),
            (System.RETA, small_world.reta_corrections),
            (System.SISTRA, small_world.sistra_corrections),
        ):
            ingest_rows(
                s,
                system=system,
                rows=enumerate(rows, start=2),
                pushed_by="test",
                channel="cli",
            )
        run_linkage(s, full=True)
    return small_world
