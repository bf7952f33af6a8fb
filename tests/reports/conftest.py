"""A small demo world ingested and linked, shared by the database tests of reports."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable
from typing import Any

import pytest

WORLD_SEED = 5
YEAR = 2017


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
            ingest_rows(s, system=system, rows=enumerate(rows, start=2), pushed_by="test",
                        channel="cli")  # fmt: skip
        run_linkage(s, full=True)
    return small_world


def pdf_text(content: bytes) -> str:
    """Return the decompressed content streams of a PDF, for searching its text."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        data = raw.strip()
        if data.endswith(b"~>"):  # reportlab: ASCII85 around Flate
            data = base64.a85decode(data[:-2].replace(b"\n", b""))
        try:
            out.append(zlib.decompress(data).decode("latin-1"))
        except zlib.error:
            out.append(data.decode("latin-1"))
    return "\n".join(out)
