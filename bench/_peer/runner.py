"""Run one linker in a fresh (spawned) child process, timing it and reading its peak RSS.

The parent pickles the linker's input to a file; the child loads it, notes its RSS,
runs the linker under time.perf_counter and reports ru_maxrss (DuckDB allocates
outside Python, so tracemalloc would miss it). Spawn, not fork, so the child does not
start with the parent's memory.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["Run", "run_child"]


@dataclass
class Run:
    """What one linker run reports back to the parent."""

    system: str
    wall: float
    cpu: float
    peak_rss_mib: float
    base_rss_mib: float
    pairs_scored: int
    clusters: dict[Any, Any]
    stats: dict[str, Any] = field(default_factory=dict)


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _cpu() -> float:
    """User plus system CPU seconds of this process, all threads (DuckDB runs several)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _intertrata(records: list[Any], _opt: Any) -> tuple[dict[Any, Any], int, dict[str, Any]]:
    from app.matching import Linker

    result = Linker().link(records)
    stats = {"em_iterations": result.parameters.iterations, "prior": result.parameters.prior}
    return result.clusters, len(result.pair_a), stats


def _splink(df: Any, opt: Any) -> tuple[dict[Any, Any], int, dict[str, Any]]:
    from bench._peer.splink_model import link_with_splink

    clusters, stats = link_with_splink(df, opt)
    return clusters, -1, stats


def _child(system: str, in_path: str, out_path: str) -> None:
    sys.path.insert(0, str(ROOT))
    # Import the linker's modules before timing, as a long-running service would have.
    if system == "splink":
        import bench._peer.splink_model  # noqa: F401
    else:
        import app.matching  # noqa: F401
    with open(in_path, "rb") as fh:
        data, opt = pickle.load(fh)
    base = _rss_mib()
    cpu0 = _cpu()
    t0 = time.perf_counter()
    clusters, pairs, stats = (_splink if system == "splink" else _intertrata)(data, opt)
    wall = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if system == "splink":
        # Counted after the clock stops: Splink's blocking analysis, not part of its run.
        from bench._peer.splink_model import pairs_scored

        pairs = pairs_scored(data)
    with open(out_path, "wb") as fh:
        pickle.dump(Run(system, wall, cpu, peak, base, pairs, clusters, stats), fh)


def run_child(system: str, data: Any, opt: Any = None) -> Run:
    """Run `system` ('intertrata' or 'splink') on data in a spawned child; return its Run."""
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="peer-") as tmp:
        in_path, out_path = Path(tmp) / "in.pkl", Path(tmp) / "out.pkl"
        with open(in_path, "wb") as fh:
            pickle.dump((data, opt), fh, protocol=pickle.HIGHEST_PROTOCOL)
        proc = ctx.Process(target=_child, args=(system, str(in_path), str(out_path)))
        proc.start()
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"{system} child failed with exit code {proc.exitcode}")
        with open(out_path, "rb") as fh:
            run: Run = pickle.load(fh)
    return run
