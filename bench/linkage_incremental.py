"""Incremental linkage against a full rebuild: time after a push, and agreement of the results.

Usage:
    .venv/bin/python bench/linkage_incremental.py core --world DIR [--pushes 100 1000]
    .venv/bin/python bench/linkage_incremental.py service --world DIR [--pushes 100 1000]

DIR is a world written by bench/linkage_scale.py --dir (reta.csv, sistra.csv, their
*_corrections.csv, truth.csv, and for `core` its parsed inputs.pkl).

A push of K rows is K/2 corrections (the world's own later versions of existing rows) and
K/2 new rows (the newest rows by registration date, held back from the initial load).

core: the pure linker. The initial rows are linked in full; then the current rows (corrections
applied, new rows added) are linked incrementally (app.matching.incremental) and, as the
peer, in full. Prints wall and CPU of both, and pairwise precision/recall/F1 over victims
against the generator's truth for both, and the pairwise F1 of the incremental partition
against the full one.

service: the same push through the database on SQLite: ingest the initial rows, run_linkage
(full), ingest the push as one batch per system, then time run_linkage (incremental; its
statistics refresh included) and run_linkage(full=True) on a copy of the same database.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import pickle
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._peer.metrics import pairwise

Key = tuple[str, str]


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t[0], time.process_time() - t[1]


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak() -> float:
    """Return the peak RSS since the last _reset_peak, in MiB (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return _rss()


def _corrections(world: Path) -> dict[Key, Any]:
    """Return the world's corrected rows as LinkInputs, by key (the last version wins)."""
    from app.adapters.registry import parse_row
    from app.matching import from_common
    from app.schema.record import CommonRecord
    from app.schema.vocab import System

    out: dict[Key, Any] = {}
    for name, system, enc, delim in (
        ("reta_corrections.csv", System.RETA, "cp1252", ";"),
        ("sistra_corrections.csv", System.SISTRA, "utf-8", ","),
    ):
        with open(world / name, encoding=enc, newline="") as fh:
            for n, raw in enumerate(csv.DictReader(fh, delimiter=delim), start=2):
                rec = parse_row(system, n, raw)
                if isinstance(rec, CommonRecord):
                    li = from_common(rec)
                    out[li.key] = li
    return out


def _victim_scores(
    keys: list[Key], truth: dict[Key, str], labels: dict[Key, int], peer: dict[Key, int]
) -> tuple[tuple[float, float, float], tuple[float, float, float], float]:
    victims = [k for k in keys if k in truth]
    t = {k: truth[k] for k in victims}
    mine = pairwise(victims, t, {k: labels[k] for k in victims})
    full = pairwise(victims, t, {k: peer[k] for k in victims})
    agree = pairwise(victims, {k: peer[k] for k in victims}, {k: labels[k] for k in victims})
    return mine[:3], full[:3], agree[2]


def _age(r: Any) -> tuple[date, Key]:
    return r.reference_date or r.facts_date or date.min, r.key


def _plan(inputs: list[Any], fixes: dict[Key, Any], k: int) -> tuple[set[Key], list[Key]]:
    """Return the keys held back as new rows and the keys corrected by a push of k rows."""
    present = {r.key for r in inputs}
    corrected = sorted(key for key in fixes if key in present)[: k // 2]
    skip = set(corrected)
    newest = sorted(
        (r for r in inputs if r.key not in skip),
        key=_age,
    )
    new = {r.key for r in newest[-(k - len(corrected)) :]}
    return new, corrected


def core(world: Path, pushes: list[int], peer: bool = True) -> None:
    """Time incremental against full in the pure core."""
    from app.matching import Linker
    from app.matching.incremental import LinkCache, link_incremental, model_state

    with open(world / "inputs.pkl", "rb") as fh:
        inputs, truth, _unidentified = pickle.load(fh)
    fixes = _corrections(world)
    print(f"world {world.name}: {len(inputs):,} rows, {len(fixes):,} corrected rows available")
    # One initial load for every push size: the largest push's new rows are held back, and a
    # push of k brings the newest k/2 of them and the first k/2 corrections.
    held, all_fixed = _plan(inputs, fixes, max(pushes))
    initial = [r for r in inputs if r.key not in held]
    t = _clock()
    linker = Linker()
    first = linker.link(initial)
    w0, c0 = _since(t)
    state = model_state(first)
    persons, cases = first.clusters, first.case_clusters
    del first
    print(f"initial full link of {len(initial):,} rows: wall {w0:.2f}s cpu {c0:.2f}s", flush=True)
    # What a server keeps after that full run: its table and blocking index, and the case
    # files (computed once here, not by the full run).
    cache = LinkCache()
    t = _clock()
    cache.seed(linker, initial)
    cache.case_files()
    ws, cs = _since(t)
    del linker
    print(f"cache seeded from the full run: wall {ws:.2f}s cpu {cs:.2f}s", flush=True)
    newest = [r for r in inputs if r.key in held]
    # Newest first: a smaller push's new rows come first in a larger one (rows are appended
    # in the order they arrive, as ids grow in the store).
    newest.sort(key=_age, reverse=True)
    for k in pushes:
        corrected = all_fixed[: k // 2]
        new_rows = newest[: k - len(corrected)]
        new = {r.key for r in new_rows}
        fixed = set(corrected)
        current = [fixes[r.key] if r.key in fixed else r for r in initial] + new_rows
        load = _load()
        _reset_peak()
        t = _clock()
        inc = link_incremental(
            current, persons=persons, cases=cases, changed=new | fixed, state=state, cache=cache
        )
        wi, ci = _since(t)
        peak_i = _peak()
        load_i = _load()
        labels = inc.result.clusters
        # A replayed push: nothing changed, so nothing may move.
        t = _clock()
        again = link_incremental(
            current,
            persons=labels,
            cases=inc.result.case_clusters,
            changed=new | fixed,
            state=state,
            cache=cache,
        )
        wr, cr = _since(t)
        _, _, replay = _victim_scores(inc.result.keys, truth, again.result.clusters, labels)
        keys, stats, stages = inc.result.keys, inc.stats, inc.result.stages
        del inc, again  # their results hold the cached table
        if peer:
            # The cache is dropped during the peer (memory at 1M rows) and seeded again from
            # it, as a server does after a full run.
            cache.clear()
            t = _clock()
            linker = Linker()
            full = linker.link(current)
            wf, cf = _since(t)
            load_f = _load()
            full_labels = full.clusters
            del full
            cache.seed(linker, current)
            del linker
        else:
            # No second full link (memory at 1M rows): the initial link stands in for its time.
            wf, cf, load_f, full_labels = w0, c0, "-", labels
        mine, other, agree = _victim_scores(keys, truth, labels, full_labels)
        print(
            f"push {k:>5} ({len(new)} new, {len(corrected)} corrected) on {len(current):,} rows:"
            f"\n  incremental         wall {wi:7.2f}s cpu {ci:7.2f}s (load {load_i})"
            f"  affected {stats['affected']:,} rows, {stats['pairs']:,} pairs,"
            f" {stats['case_files']:,} case files ({stats.get('case_rows', 0):,} rows),"
            f" peak RSS {peak_i:.0f} MiB; widening {stats.get('widening')}"
            f"\n  full rebuild (peer) wall {wf:7.2f}s cpu {cf:7.2f}s (load {load_f})"
            f"  -> incremental/full CPU {ci / max(cf, 1e-9):.3f}, wall {wi / max(wf, 1e-9):.3f}"
            f"\n  replayed push       wall {wr:7.2f}s cpu {cr:7.2f}s;"
            f" pairwise F1 replay vs first {replay:.5f}"
            f"\n  victims vs truth: incremental P {mine[0]:.4f} R {mine[1]:.4f} F1 {mine[2]:.4f};"
            f" full P {other[0]:.4f} R {other[1]:.4f} F1 {other[2]:.4f}"
            f"\n  pairwise F1 incremental vs full partition (victims): {agree:.5f}"
            f"\n  stages: "
            + ", ".join(f"{s.stage} {s.cpu:.2f}" for s in stages)
            + f"\n  peak RSS {_rss():.0f} MiB (load at start {load})",
            flush=True,
        )


def _split_csv(
    path: Path, delim: str, enc: str, keep: Callable[[str], bool]
) -> tuple[bytes, bytes]:
    """Return the rows of a CSV kept and the others, each with the header, encoded."""
    with open(path, encoding=enc, newline="") as fh:
        lines = list(csv.reader(fh, delimiter=delim))
    outs = []
    for want in (True, False):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delim, lineterminator="\n")
        w.writerow(lines[0])
        w.writerows(r for r in lines[1:] if keep(r[0]) == want)
        outs.append(buf.getvalue().encode(enc, errors="replace"))
    return outs[0], outs[1]


def service(world: Path, pushes: list[int]) -> None:
    """Time run_linkage after a push on SQLite: incremental against full."""
    with open(world / "inputs.pkl", "rb") as fh:
        inputs, _truth, _ = pickle.load(fh)
    fixes = _corrections(world)
    tmp = Path(tempfile.mkdtemp(prefix="incr-bench-"))
    try:
        for k in pushes:
            new, corrected = _plan(inputs, fixes, k)
            new_ids = {key[1] for key in new}
            fixed_ids = {key[1] for key in corrected}
            db = tmp / f"k{k}.db"
            env = {
                "INTERTRATA_DATABASE_URL": f"sqlite:///{db}",
                "INTERTRATA_LINK_AFTER_INGEST": "false",
            }
            os.environ.update(env)
            _service_push(world, tmp, db, new_ids, fixed_ids, k)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _service_push(
    world: Path, tmp: Path, db: Path, new_ids: set[str], fixed_ids: set[str], k: int
) -> None:
    from app.config import get_settings

    get_settings.cache_clear()  # type: ignore[attr-defined]
    from app import db as dbmod
    from app.db import session_scope
    from app.ingest import service as ingest
    from app.linkage.service import run_linkage
    from app.migrate import upgrade
    from app.schema import System

    dbmod.reset_engine()
    upgrade()
    files = (
        ("reta.csv", "reta_corrections.csv", System.RETA, ";", "cp1252"),
        ("sistra.csv", "sistra_corrections.csv", System.SISTRA, ",", "utf-8"),
    )
    pushes: list[tuple[System, str, bytes]] = []
    t = _clock()
    for name, corr, system, delim, enc in files:
        initial, held = _split_csv(world / name, delim, enc, lambda rid: rid not in new_ids)
        fixed, _ = _split_csv(world / corr, delim, enc, lambda rid: rid in fixed_ids)
        with session_scope() as s:
            ingest.ingest_file(
                s,
                system=system,
                stream=io.BytesIO(initial),
                filename=name,
                pushed_by="bench",
                channel="cli",
            )
        pushes.append((system, name, held))
        pushes.append((system, corr, fixed))
    with session_scope() as s:
        run = run_linkage(s, trigger="bench")
    w0, c0 = _since(t)
    assert run is not None
    for system, name, data in pushes:
        if data.count(b"\n") < 2:
            continue  # header only: nothing of this system in the push
        with session_scope() as s:
            ingest.ingest_file(
                s,
                system=system,
                stream=io.BytesIO(data),
                filename=name,
                pushed_by="bench",
                channel="api",
            )
    copy = tmp / f"k{k}-full.db"
    cold = tmp / f"k{k}-cold.db"
    for target in (copy, cold):
        # The backup API, not a file copy: the last commits may still be in the WAL file.
        with sqlite3.connect(db) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
    load = _load()
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    t = _clock()
    with session_scope() as s:
        inc = run_linkage(s, trigger="bench")
        assert inc is not None
        mode, details, seconds = inc.mode, dict(inc.details), inc.seconds
    wi, ci = _since(t)
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    load_i = _load()
    # The same run in a fresh process (the CLI): nothing of the rows kept in memory.
    os.environ["INTERTRATA_DATABASE_URL"] = f"sqlite:///{cold}"
    get_settings.cache_clear()  # type: ignore[attr-defined]
    dbmod.reset_engine()
    t = _clock()
    with session_scope() as s:
        again = run_linkage(s, trigger="bench")
        assert again is not None
        cold_mode = again.mode
    wc, cc = _since(t)
    load_c = _load()
    os.environ["INTERTRATA_DATABASE_URL"] = f"sqlite:///{copy}"
    get_settings.cache_clear()  # type: ignore[attr-defined]
    dbmod.reset_engine()
    t = _clock()
    with session_scope() as s:
        full = run_linkage(s, full=True, trigger="bench")
        assert full is not None
        fseconds = full.seconds
    wf, cf = _since(t)
    load_f = _load()
    print(
        f"service (SQLite) push {k}: initial ingest + full link wall {w0:.1f}s cpu {c0:.1f}s"
        f"\n  run_linkage {mode:<11} wall {wi:7.2f}s cpu {ci:7.2f}s (load {load_i});"
        f" stats {details.get('incremental')}"
        f"\n  run_linkage {cold_mode} (cold: a new process) wall {wc:7.2f}s cpu {cc:7.2f}s"
        f" (load {load_c})"
        f"\n  run_linkage full        wall {wf:7.2f}s cpu {cf:7.2f}s (load {load_f})"
        f"  -> incremental/full CPU {ci / max(cf, 1e-9):.3f}, wall {wi / max(wf, 1e-9):.3f}"
        f"\n  (run.seconds {seconds:.2f} / {fseconds:.2f}; load before {load})",
        flush=True,
    )


def main() -> None:
    """Parse arguments and run one benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["core", "service"])
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--pushes", type=int, nargs="*", default=[100, 1000])
    ap.add_argument(
        "--no-peer",
        action="store_true",
        help="core: skip the full rebuild after each push (its time: the initial link's)",
    )
    args = ap.parse_args()
    print(f"load average {Path('/proc/loadavg').read_text().strip()}", flush=True)
    if args.what == "core":
        core(args.world, args.pushes, peer=not args.no_peer)
    else:
        service(args.world, args.pushes)


if __name__ == "__main__":
    main()
