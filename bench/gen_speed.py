"""Print generation time of the synthetic world at scale 1 and at ~1,000,000 rows.

Usage: .venv/bin/python bench/gen_speed.py [large_scale]   (default 27 ≈ 1M exported rows)
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from app.demo import WorldConfig, generate_to, generate_world, write_world


def _rows(out: Path) -> int:
    # Lines of the main files minus headers: RETA + SISTRA exported rows.
    total = 0
    for name in ("reta.csv", "sistra.csv"):
        with (out / name).open("rb") as f:
            total += sum(1 for _ in f) - 1
    return total


def main() -> None:
    """Time scale 1 in memory and a large scale streamed to disk."""
    large = float(sys.argv[1]) if len(sys.argv) > 1 else 27.0
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        world = generate_world(WorldConfig())
        gen = time.perf_counter() - t
        write_world(world, Path(tmp) / "s1")
        total = time.perf_counter() - t
        rows = len(world.reta_rows) + len(world.sistra_rows)
        print(f"scale 1: {rows:,} rows, generate {gen:.2f}s, generate+write {total:.2f}s")

        t = time.perf_counter()
        generate_to(WorldConfig(scale=large), Path(tmp) / "large")
        total = time.perf_counter() - t
        rows = _rows(Path(tmp) / "large")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"scale {large:g} (streamed): {rows:,} rows in {total:.1f}s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
