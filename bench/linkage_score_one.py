"""Latency of Linker.score_one: one new record against a large linked index.

Usage:
    .venv/bin/python bench/linkage_score_one.py [--scale 27] [--seed 1] [--new 1000] [--dir DIR]

Streams a demo world to files (generate_to; kept under --dir when given), parses it into
LinkInputs, holds out --new records chosen at random (they are truly new to the index),
links the rest, then scores each held-out record with score_one and prints p50/p95/p99,
the mean number of candidates, and how often the true match (same person in truth.csv)
is the best-scoring candidate when one exists.
"""

from __future__ import annotations

import argparse
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage_scale import _load


def main() -> None:
    """Link a world minus held-out records, then time score_one on them."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=27.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    from app.demo import WorldConfig, generate_to
    from app.matching import Linker

    with tempfile.TemporaryDirectory() as tmp:
        folder = (args.dir or Path(tmp)) / f"w{args.scale:g}-s{args.seed}"
        if not (folder / "truth.csv").exists():
            folder.mkdir(parents=True, exist_ok=True)
            generate_to(WorldConfig(scale=args.scale, seed=args.seed), folder)
        cache = folder / "inputs.pkl"
        if cache.exists():
            # Parsed by an earlier linkage_scale.py --dir run on the same world.
            with open(cache, "rb") as fh:
                inputs, truth, _ = pickle.load(fh)
        else:
            inputs, truth, _, _, _ = _load(folder)
    rng = np.random.default_rng(args.seed)
    held = set(rng.choice(len(inputs), size=min(args.new, len(inputs) // 2), replace=False))
    stored = [r for i, r in enumerate(inputs) if i not in held]
    new = [inputs[i] for i in sorted(held)]
    del inputs
    t0, c0 = time.perf_counter(), time.process_time()
    linker = Linker()
    result = linker.link(stored)
    print(
        f"linked {len(stored):,} stored rows: wall {time.perf_counter() - t0:.1f}s"
        f" cpu {time.process_time() - c0:.1f}s; pairs {len(result.pair_a):,};"
        f" peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    for st in result.stages:
        print(f"  {st.stage:<14} wall {st.wall:7.1f}s cpu {st.cpu:7.1f}s", end="")
        print(f" peak {st.peak_rss_mib:.0f} MiB")
    del result
    times: list[float] = []
    counts: list[int] = []
    hits = possible = 0
    person_rows: dict[str, set[tuple[str, str]]] = {}
    for k, p in truth.items():
        person_rows.setdefault(p, set()).add(k)
    stored_keys = {r.key for r in stored}
    c0 = time.process_time()
    for rec in new:
        t = time.perf_counter()
        out = linker.score_one(rec)
        times.append(time.perf_counter() - t)
        counts.append(len(out))
        person = truth.get(rec.key)
        if person is not None:
            mates = (person_rows[person] - {rec.key}) & stored_keys
            if mates:
                possible += 1
                hits += bool(out) and out[0].b in mates
    cpu = time.process_time() - c0
    ms = np.sort(np.asarray(times)) * 1000
    print(
        f"score_one over {len(ms)} new records: p50 {np.percentile(ms, 50):.1f} ms,"
        f" p95 {np.percentile(ms, 95):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms,"
        f" max {ms[-1]:.1f} ms; cpu {1000 * cpu / len(ms):.1f} ms/record;"
        f" candidates mean {np.mean(counts):.0f}"
    )
    if possible:
        print(f"true match ranked first for {hits}/{possible} victims with a stored match")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
