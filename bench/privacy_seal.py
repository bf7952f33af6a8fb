"""Measure what sealing document numbers costs ingest per row, and what opening costs the linker.

Usage: python bench/privacy_seal.py [--scale S] [--seed N] [--repeat R]
Generates a demo world, reads its RETA and SISTRA exports, and times (CPU, best of R) per row:
ingest's whole `_prepare` (parse, validate, encode, hash, seal), the sealing work alone (sealing
the source row and the record, keyed content hash) against the plain SHA-256 it replaced, and
`open_record` on the stored records (what the linker adds when it loads them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.adapters import parse_row, read_rows
from app.demo.generator import WorldConfig, generate_world, write_world
from app.ingest.service import _prepare
from app.privacy import (
    generate_data_key,
    get_sealer,
    open_record,
    seal_raw,
    seal_record_json,
)
from app.schema import CommonRecord, System


def _best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def _measure(system: System, path: Path, repeat: int) -> None:
    sealer = get_sealer()
    with path.open("rb") as fh:
        items = list(read_rows(system, fh, path.name))
    rows = [i for i in items if isinstance(i, tuple)]
    parsed = [(raw, parse_row(system, n, raw)) for n, raw in rows]
    good = [(dict(raw), r, r.model_dump_json()) for raw, r in parsed if isinstance(r, CommonRecord)]
    stored = [json.loads(seal_record_json(r, doc)) for _, r, doc in good]

    def prepare() -> None:
        for item in items:
            _prepare(system, item)

    def sealing() -> None:
        for raw, rec, doc in good:
            seal_raw(dict(raw))
            sealer.content_hash(doc)
            seal_record_json(rec, doc)

    def plain_hash() -> None:
        for _, _, doc in good:
            hashlib.sha256(doc.encode("utf-8")).hexdigest()

    def opening() -> None:
        for rec in stored:
            open_record(rec)

    n, g = len(items), len(good)
    us = [
        _best(prepare, repeat) / n * 1e6,
        _best(sealing, repeat) / g * 1e6,
        _best(plain_hash, repeat) / g * 1e6,
        _best(opening, repeat) / g * 1e6,
    ]
    print(f"{system.value:<7} {n:>7} " + " ".join(f"{u:>8.1f}µ" for u in us))


def main() -> None:
    """Print microseconds per row of ingest's preparation, of sealing, and of opening."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("INTERTRATA_DATA_KEY", generate_data_key())
    print(f"world: scale={args.scale} seed={args.seed}; CPU time per row, best of {args.repeat}")
    print(f"{'system':<7} {'rows':>7} {'prepare':>9} {'sealing':>9} {'sha256':>9} {'open':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        world = generate_world(WorldConfig(seed=args.seed, scale=args.scale))
        paths = write_world(world, Path(tmp))
        for system, name in ((System.RETA, "reta.csv"), (System.SISTRA, "sistra.csv")):
            _measure(system, paths[name], args.repeat)


if __name__ == "__main__":
    main()
