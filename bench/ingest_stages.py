"""Split ingest CPU time per row into reading, parsing, preparing and writing.

Usage: python bench/ingest_stages.py FILE SYSTEM [--db URL]
Runs in one process on an existing export file (e.g. a demo world written by
`bench/ingest_speed.py`'s generator) and prints CPU microseconds per row for each stage, so a
change to one stage can be judged without the noise of process start and other jobs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from app.adapters import parse_row, read_rows
from app.db import get_sessionmaker, reset_engine, session_scope
from app.ingest import service
from app.migrate import upgrade
from app.schema import System


def _cpu(fn: object) -> tuple[float, object]:
    start = time.process_time()
    result = fn()  # type: ignore[operator]
    return time.process_time() - start, result


def main() -> None:
    """Print CPU µs per row for each ingest stage."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("system", choices=["reta", "sistra"])
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    system = System(args.system.upper())
    with args.file.open("rb") as fh:
        t_read, rows = _cpu(lambda: list(read_rows(system, fh, args.file.name)))
    n = len(rows)  # type: ignore[arg-type]
    t_parse, _ = _cpu(lambda: [parse_row(system, i, raw) for i, raw in rows])  # type: ignore[attr-defined]
    t_prep, _ = _cpu(lambda: [service._prepare(system, item) for item in rows])  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        import os

        url = args.db or f"sqlite:///{tmp}/stages.db"
        os.environ["INTERTRATA_DATABASE_URL"] = url
        reset_engine()
        upgrade()
        get_sessionmaker()
        with session_scope() as session:
            t_all, _ = _cpu(
                lambda: service.ingest_rows(
                    session,
                    system=system,
                    rows=iter(rows),
                    pushed_by="bench",
                    channel="cli",  # type: ignore[arg-type]
                )
            )
            t_commit = time.process_time()
        t_commit = time.process_time() - t_commit
    print(f"{system.value} {n} rows, CPU µs/row:")
    for label, secs in (
        ("read", t_read),
        ("parse_row", t_parse),
        ("prepare (parse+encode)", t_prep),
        ("ingest_rows (prepare+write)", t_all),
        ("write (difference)", t_all - t_prep),
    ):
        print(f"  {label:<28} {secs / n * 1e6:8.1f}")


if __name__ == "__main__":
    main()
