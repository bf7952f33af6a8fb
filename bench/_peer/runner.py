"""Run one linker in a fresh (spawned) child process, timing it and reading its peak RSS.

The parent pickles the linker's input to a file; the child loads it, notes its RSS,
runs the linker under time.perf_counter and reports ru_maxrss (DuckDB allocates
outside Python, so tracemalloc would miss it). Spawn, not fork, so the child does not
start with the parent's memory. After the clock stops the child loads the true pairs (a
second file) and reports the share of them among the pairs its linker scored.
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

import numpy as np
import numpy.typing as npt

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
    blocking_recall: float | None = None


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _cpu() -> float:
    """User plus system CPU seconds of this process, all threads (DuckDB runs several)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


I64 = npt.NDArray[np.int64]
Linked = tuple[dict[Any, Any], int, dict[str, Any], Any]


def _intertrata(records: list[Any], _opt: Any) -> Linked:
    from app.matching import Linker

    result = Linker().link(records)
    stats = {"em_iterations": result.parameters.iterations, "prior": result.parameters.prior}
    return result.clusters, len(result.pair_a), stats, (result.pair_a, result.pair_b)


def _splink(df: Any, opt: Any) -> Linked:
    from bench._peer.splink_model import link_with_splink

    clusters, stats = link_with_splink(df, opt)
    return clusters, -1, stats, None


def _share_scored(n: int, scored: tuple[I64, I64], left: I64, right: I64) -> float:
    """Share of the true pairs (left < right) among Intertrata's scored pairs."""
    if not len(left):
        return 1.0
    a, b = (x.astype(np.int64) for x in scored)
    codes = np.sort(np.minimum(a, b) * n + np.maximum(a, b))
    want = left * n + right
    pos = np.minimum(np.searchsorted(codes, want), max(len(codes) - 1, 0))
    return float(np.mean(codes[pos] == want)) if len(codes) else 0.0


def _child(system: str, in_path: str, out_path: str, pairs_path: str | None) -> None:
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
    clusters, pairs, stats, scored = (_splink if system == "splink" else _intertrata)(data, opt)
    wall = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Counted after the clock stops: Splink's blocking analysis, not part of its run.
    recall = None
    true_pairs = np.load(pairs_path) if pairs_path else None
    if system == "splink":
        from bench._peer.splink_model import blocking_recall, pairs_scored

        pairs = pairs_scored(data, opt.blocking)
        if true_pairs is not None:
            recall = blocking_recall(data, opt.blocking, true_pairs[0], true_pairs[1])
    elif true_pairs is not None:
        recall = _share_scored(len(data), scored, true_pairs[0], true_pairs[1])
    with open(out_path, "wb") as fh:
        pickle.dump(Run(system, wall, cpu, peak, base, pairs, clusters, stats, recall), fh)


def run_child(
    system: str, data: Any, opt: Any = None, true_pairs: tuple[I64, I64] | None = None
) -> Run:
    """Run `system` ('intertrata' or 'splink') on data in a spawned child; return its Run.

    true_pairs: (left, right) record positions, left < right, of true matches; the Run then
    carries the share of them among the pairs the linker scored (its blocking recall).
    """
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="peer-") as tmp:
        in_path, out_path = Path(tmp) / "in.pkl", Path(tmp) / "out.pkl"
        with open(in_path, "wb") as fh:
            pickle.dump((data, opt), fh, protocol=pickle.HIGHEST_PROTOCOL)
        pairs_path = None
        if true_pairs is not None:
            pairs_path = str(Path(tmp) / "pairs.npy")
            np.save(pairs_path, np.vstack(true_pairs).astype(np.int64))
        args = (system, str(in_path), str(out_path), pairs_path)
        proc = ctx.Process(target=_child, args=args)
        proc.start()
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"{system} child failed with exit code {proc.exitcode}")
        with open(out_path, "rb") as fh:
            run: Run = pickle.load(fh)
    return run
