"""Test set-up: one migrated database per run (SQLite by default, PostgreSQL when
INTERTRATA_TEST_DATABASE_URL says so), emptied after every test that uses it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

DATA = Path(__file__).parent / "data"
TEST_DATA_KEY = "dGVzdC1rZXktaW50ZXJ0cmF0YS0zMi1ieXRlcy1vayE="  # base64 of 32 bytes, tests only
# A fixed data key for every test (and the servers they start), never a key file in the tree.
os.environ.setdefault("INTERTRATA_DATA_KEY", TEST_DATA_KEY)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = os.environ.get("INTERTRATA_TEST_DATABASE_URL") or ""
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory(prefix="intertrata-test-")
        url = f"sqlite:///{tmp.name}/test.db"
    os.environ["INTERTRATA_DATABASE_URL"] = url
    # The matrix tests send hundreds of bad keys on purpose; one test checks the limiter.
    os.environ.setdefault("INTERTRATA_AUTH_FAILURES_PER_MINUTE", "100000")
    from app.db import get_engine, reset_engine

    reset_engine()
    if url.startswith("postgresql"):
        with get_engine().begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    from app.migrate import upgrade

    upgrade()
    yield url
    get_engine().dispose()
    reset_engine()
    if tmp is not None:
        tmp.cleanup()


@pytest.fixture
def db(database_url: str) -> Iterator[str]:
    """Give a test the migrated database and empty it afterwards."""
    yield database_url
    from app.db import Base, get_engine

    with get_engine().begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def session(db: str) -> Iterator[object]:
    from app.db import session_scope

    with session_scope() as s:
        yield s


@pytest.fixture
def client(db: str) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def make_key(db: str) -> Callable[..., str]:
    """Return a factory of bearer tokens for a role (and system)."""
    from app.auth.roles import Role
    from app.auth.service import create_key
    from app.db import session_scope
    from app.schema import System

    def _make(role: str, system: str | None = None, **kwargs: object) -> str:
        with session_scope() as s:
            _, token = create_key(
                s, role=Role(role), system=System(system) if system else None, **kwargs
            )
        return token

    return _make


@pytest.fixture
def as_role(make_key: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """Return a factory of Authorization headers for a role (and system)."""

    def _headers(role: str, system: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_key(role, system)}"}

    return _headers


def _personal_values() -> set[str]:
    """Surnames and document numbers of the sample files, to look for in logs."""
    import csv as _csv

    values: set[str] = set()
    with (DATA / "sistra.csv").open(encoding="utf-8", newline="") as fh:
        for row in _csv.DictReader(fh):
            for col in ("APELLIDO_PATERNO", "APELLIDO_MATERNO", "NUMERO_DOCUMENTO"):
                v = (row.get(col) or "").strip().upper()
                if len(v) >= 5 and v not in {"FLORES", "GARCIA", "QUISPE", "MAMANI", "TORRES"}:
                    values.add(v)
    return values


_PERSONAL = _personal_values()


@pytest.fixture(autouse=True)
def _no_personal_data_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test whose log lines, at any level, carry a sample surname or document."""
    import logging

    caplog.set_level(logging.DEBUG)
    yield
    text = "\n".join(
        r.getMessage() + (f" {r.exc_text}" if r.exc_text else "") for r in caplog.records
    ).upper()
    leaked = sorted(v for v in _PERSONAL if v in text)
    assert not leaked, f"personal data in logs: {len(leaked)} value(s)"


def _ingest_and_link(world: Any, *, corrections: bool = True) -> Any:
    """Ingest a demo world (rows, then its corrections), link it in full, and return it."""
    from app.db import session_scope
    from app.ingest.service import ingest_rows
    from app.linkage.service import run_linkage
    from app.schema import System

    batches = [(System.RETA, world.reta_rows), (System.SISTRA, world.sistra_rows)]
    if corrections:
        batches += [
            (System.RETA, world.reta_corrections),
            (System.SISTRA, world.sistra_corrections),
        ]
    with session_scope() as s:
        for system, rows in batches:
            ingest_rows(
                s, system=system, rows=enumerate(rows, start=2), pushed_by="test", channel="cli"
            )
        run_linkage(s, full=True)
    return world


@pytest.fixture(scope="session")
def small_world() -> Any:
    """Generate the small demo world shared by the statistics and report tests."""
    from app.demo.generator import WorldConfig, generate_world

    return generate_world(WorldConfig(seed=5, scale=0.04, year_from=2016, year_to=2018))


@pytest.fixture
def linked_world(db: str, small_world: Any) -> Any:
    """Ingest the small demo world with its corrections, link it, and return the world."""
    return _ingest_and_link(small_world)


@pytest.fixture
def ingest_world(db: str) -> Callable[..., Any]:
    """Return a function that ingests and links a demo world (for worlds of other sizes)."""
    return _ingest_and_link
