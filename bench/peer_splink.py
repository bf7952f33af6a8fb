"""Intertrata against Splink (DuckDB) on the same demo-world rows, side by side.

Needs the benchmark-only extra: `.venv/bin/pip install -e ".[bench]"` (Splink 4, DuckDB).

Usage:
    .venv/bin/python bench/peer_splink.py --seed 7 --scale 1 [--noise hard] [--roles all]
        [--splink-blocking recommended comparable]

Both linkers get the very same parsed records, already normalised: Intertrata the LinkInputs
its linker derives from each CommonRecord (app.matching.from_common), Splink a pandas table
of the same values plus derived phonetic blocking keys. Each runs in its own spawned
child process, timed with perf_counter, its peak RSS read from ru_maxrss. Scores are over
victim rows (and all rows with --score-all): pairwise P/R/F1, B-cubed F1 and the largest
relative error of unique victims counted per registration year.

Splink runs with one or both sets of prediction blocking rules (--splink-blocking):
"recommended" as its documentation advises, and "comparable", refined by the attributes
Intertrata splits oversized blocks by, to score a comparable number of pairs. Each linker's
blocking recall is the share of true victim pairs (both rows named) among its scored pairs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._peer.metrics import Scores, score
from bench._peer.runner import Run, run_child
from bench._peer.world import REFINEMENTS, Bench, load_cached, load_world, splink_table


def _scores(bench: Bench, run: Run, clusters: dict[Any, Any], keys: list) -> Scores:
    return score(keys, bench.truth, clusters, bench.year)


def _splink_keys(bench: Bench, clusters: dict[int, Any]) -> dict[Any, Any]:
    """Map Splink's unique_id (record position) back to (system, row_id)."""
    keys = bench.keys
    return {keys[int(i)]: c for i, c in clusters.items()}


def _true_pairs(bench: Bench) -> tuple[np.ndarray, np.ndarray]:
    """Positions (left < right) of the true pairs of victim rows, both named."""
    named = {r.key: i for i, r in enumerate(bench.inputs) if not r.unidentified}
    people: dict[Any, list[int]] = defaultdict(list)
    for k in bench.victims:
        if k in named:
            people[bench.truth[k]].append(named[k])
    left: list[int] = []
    right: list[int] = []
    for rows in people.values():
        rows.sort()
        for i, x in enumerate(rows):
            left.extend([x] * (len(rows) - i - 1))
            right.extend(rows[i + 1 :])
    return np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)


def _table(title: str, cols: dict[str, list[str]]) -> None:
    names = list(cols)
    labels = [
        "rows linked",
        "wall time (s)",
        "CPU time (s)",
        "peak RSS (MiB)",
        "RSS growth (MiB)",
        "pairs scored",
        "blocking recall",
        "scored rows",
        "pairwise precision",
        "pairwise recall",
        "pairwise F1",
        "B-cubed F1",
        "max per-year error %",
    ]
    print(f"\n{title}")
    print(f"  {'':<22}" + "".join(f"{n:>16}" for n in names))
    for i, label in enumerate(labels):
        print(f"  {label:<22}" + "".join(f"{cols[n][i]:>16}" for n in names))


def _column(bench: Bench, run: Run, s: Scores) -> list[str]:
    return [
        f"{len(bench.inputs):,}",
        f"{run.wall:.2f}",
        f"{run.cpu:.2f}",
        f"{run.peak_rss_mib:.0f}",
        f"{run.peak_rss_mib - run.base_rss_mib:.0f}",
        f"{run.pairs_scored:,}",
        "-" if run.blocking_recall is None else f"{run.blocking_recall:.4f}",
        f"{s.rows:,}",
        f"{s.precision:.4f}",
        f"{s.recall:.4f}",
        f"{s.f1:.4f}",
        f"{s.bcubed_f1:.4f}",
        f"{s.max_year_error:.2f}",
    ]


def _per_year(names: list[str], scores: list[Scores]) -> None:
    print("\n  unique victims per registration year (true / linked, error %)")
    for y in sorted(scores[0].per_year):
        cells = "".join(
            f"  {n}: {s.per_year[y][1]:>6} ({s.per_year[y][2]:+6.2f}%)"
            for n, s in zip(names, scores, strict=True)
        )
        print(f"  {y}: true {scores[0].per_year[y][0]:>6}{cells}")


def main() -> None:
    """Parse arguments, run both linkers on one world and print the comparison."""
    from bench._peer.splink_model import BLOCKINGS, SplinkOptions  # imports splink

    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--noise", choices=["default", "hard"], default="default")
    ap.add_argument("--roles", choices=["victim", "all"], default="all")
    ap.add_argument("--score-all", action="store_true", help="also score over all rows")
    ap.add_argument("--splink-threshold", type=float, default=0.5)
    ap.add_argument(
        "--splink-extra", type=float, nargs="*", default=[0.9, 0.99], help="more thresholds"
    )
    ap.add_argument("--u-pairs", type=float, default=1e6, help="Splink's random pairs for u")
    ap.add_argument("--only", choices=["intertrata", "splink"])
    ap.add_argument(
        "--splink-blocking",
        choices=BLOCKINGS,
        nargs="+",
        default=["recommended"],
        help="Splink's prediction blocking rules: as its documentation recommends, and/or"
        " refined like Intertrata's split blocks (comparable pair count); one run each",
    )
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--dir",
        type=Path,
        help="reuse a world parsed by bench/linkage_scale.py --dir (its inputs.pkl);"
        " --seed/--scale/--noise/--roles are then those of that world",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    if args.dir:
        bench = load_cached(args.dir)
        what = f"world {args.dir}"
    else:
        bench = load_world(args.seed, args.scale, args.noise, args.roles)
        what = f"world seed {args.seed} scale {args.scale} noise {args.noise} roles {args.roles}"
    df = splink_table(bench.inputs, refinements="comparable" in args.splink_blocking)
    true_pairs = _true_pairs(bench)
    print(
        f"{what}:"
        f" {len(bench.inputs):,} rows ({len(bench.victims):,} victim rows),"
        f" prepared in {time.perf_counter() - t0:.1f}s;"
        f" {len(true_pairs[0]):,} true pairs of named victim rows"
    )
    runs: dict[str, tuple[Run, dict[Any, Any]]] = {}
    if args.only != "splink":
        run = run_child("intertrata", bench.inputs, true_pairs=true_pairs)
        runs["Intertrata"] = (run, run.clusters)
        print(f"  Intertrata done in {run.wall:.1f}s", flush=True)
    if args.only != "intertrata":
        for blocking in args.splink_blocking:
            opt = SplinkOptions(
                cluster_threshold=args.splink_threshold,
                extra_thresholds=tuple(args.splink_extra),
                u_max_pairs=args.u_pairs,
                blocking=blocking,
            )
            # "Splink" keeps its name for the recommended rules; "SplinkC" is comparable.
            name = "Splink" if blocking == "recommended" else "SplinkC"
            # The recommended set-up gets the very table it always got.
            data = (
                df
                if blocking == "comparable"
                else df.drop(columns=list(REFINEMENTS), errors="ignore")
            )
            run = run_child("splink", data, opt, true_pairs=true_pairs)
            del data
            runs[f"{name}@{args.splink_threshold:g}"] = (run, _splink_keys(bench, run.clusters))
            for t, c in run.stats.get("extra", {}).items():
                runs[f"{name}@{t}"] = (run, _splink_keys(bench, c))
            print(
                f"  {name} ({blocking} blocking) done in {run.wall:.1f}s"
                f" (prior {run.stats['prior']:.2e})",
                flush=True,
            )

    report: dict[str, Any] = {"args": vars(args) | {"json": str(args.json)}, "results": {}}
    scopes = [("victim rows", bench.victims)]
    if args.score_all:
        scopes.append(("all rows", bench.keys))
    for scope, keys in scopes:
        scores = {n: _scores(bench, r, c, keys) for n, (r, c) in runs.items()}
        cols = {n: _column(bench, runs[n][0], s) for n, s in scores.items()}
        _table(f"== scored over {scope}", cols)
        if scope == "victim rows":
            _per_year(list(scores), list(scores.values()))
        for n, s in scores.items():
            r = runs[n][0]
            report["results"].setdefault(n, {})[scope] = {
                "wall": r.wall,
                "cpu": r.cpu,
                "peak_rss_mib": r.peak_rss_mib,
                "base_rss_mib": r.base_rss_mib,
                "pairs_scored": r.pairs_scored,
                "blocking_recall": r.blocking_recall,
                "precision": s.precision,
                "recall": s.recall,
                "f1": s.f1,
                "bcubed_f1": s.bcubed_f1,
                "max_year_error": s.max_year_error,
                "per_year": s.per_year,
            }
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
