"""Measure linkage quality, speed and memory on demo worlds (or the sample files).

Usage:
    .venv/bin/python bench/linkage_quality.py --seeds 1 2 3 --scale 1.0 [--hard] [--samples]

Prints, per world: blocking pairs per rule and blocking recall over true victim pairs,
pairwise precision/recall/F1 over victim rows, B-cubed F1, unique-victim count per year
versus truth, wall time and peak memory of the link step.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.matching import Linker, LinkResult
from app.schema.record import CommonRecord
from app.schema.vocab import System

Key = tuple[str, str]


def parse_rows(rows: Iterable[tuple[System, dict[str, Any]]]) -> list[CommonRecord]:
    """Parse raw source rows with the adapters, keeping only valid records."""
    from app.adapters.registry import parse_row

    out: list[CommonRecord] = []
    for n, (system, raw) in enumerate(rows, start=2):
        rec = parse_row(system, n, raw)
        if isinstance(rec, CommonRecord):
            out.append(rec)
    return out


def load_samples(folder: Path) -> tuple[list[CommonRecord], dict[Key, str]]:
    """Read the sample RETA/SISTRA CSVs and truth.csv."""
    rows: list[tuple[System, dict[str, Any]]] = []
    with open(folder / "reta.csv", encoding="cp1252", newline="") as fh:
        rows += [(System.RETA, r) for r in csv.DictReader(fh, delimiter=";")]
    with open(folder / "sistra.csv", encoding="utf-8", newline="") as fh:
        rows += [(System.SISTRA, r) for r in csv.DictReader(fh)]
    with open(folder / "truth.csv", encoding="utf-8", newline="") as fh:
        truth = {(r["system"], r["row_id"]): r["person_id"] for r in csv.DictReader(fh)}
    return parse_rows(rows), truth


def world_records(seed: int, scale: float, hard: bool) -> tuple[list[CommonRecord], dict[Key, str]]:
    """Generate a demo world and return parsed records and the true person of each row."""
    from app.demo.generator import WorldConfig, generate_world  # type: ignore[import-not-found]

    kwargs: dict[str, Any] = {"seed": seed, "scale": scale}
    if hard:
        kwargs["noise"] = "hard"
    world = generate_world(WorldConfig(**kwargs))
    rows: list[tuple[System, dict[str, Any]]] = [(System.RETA, r) for r in world.reta_rows]
    rows += [(System.SISTRA, r) for r in world.sistra_rows]
    truth = {(t["system"], t["row_id"]): t["person_id"] for t in world.truth}
    return parse_rows(rows), truth


def _pairs(groups: dict[Any, list[Key]]) -> set[tuple[Key, Key]]:
    out: set[tuple[Key, Key]] = set()
    for members in groups.values():
        for x, y in combinations(sorted(members), 2):
            out.add((x, y))
    return out


def evaluate(
    records: Sequence[CommonRecord], truth: dict[Key, str], result: LinkResult
) -> dict[str, Any]:
    """Compute blocking recall, pairwise P/R/F1, B-cubed F1 and per-year count errors."""
    victims = [r for r in records if r.role.value == "victim"]
    keys = [(r.system.value, r.row_id) for r in victims]
    clusters = result.clusters
    true_groups: dict[str, list[Key]] = defaultdict(list)
    pred_groups: dict[int, list[Key]] = defaultdict(list)
    for k in keys:
        true_groups[truth[k]].append(k)
        pred_groups[clusters[k]].append(k)
    tp_set, pp_set = _pairs(true_groups), _pairs(pred_groups)
    tp = len(tp_set & pp_set)
    precision = tp / len(pp_set) if pp_set else 1.0
    recall = tp / len(tp_set) if tp_set else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # Blocking recall: true victim pairs that blocking put in the candidate set.
    index = {k: i for i, k in enumerate(result.keys)}
    cand = set(zip(result.pair_a.tolist(), result.pair_b.tolist(), strict=True))
    unidentified = {(r.system.value, r.row_id) for r in victims if r.unidentified}
    named = [(x, y) for x, y in tp_set if x not in unidentified and y not in unidentified]
    blocked = sum((min(index[x], index[y]), max(index[x], index[y])) in cand for x, y in named)
    # B-cubed over victim rows.
    tsize = {k: len(true_groups[truth[k]]) for k in keys}
    bp = br = 0.0
    for k in keys:
        pred = pred_groups[clusters[k]]
        inter = sum(truth[x] == truth[k] for x in pred)
        bp += inter / len(pred)
        br += inter / tsize[k]
    bp, br = bp / len(keys), br / len(keys)
    b3 = 2 * bp * br / (bp + br)
    years_true: dict[int, set[str]] = defaultdict(set)
    years_pred: dict[int, set[int]] = defaultdict(set)
    for r in victims:
        k = (r.system.value, r.row_id)
        years_true[r.registration_date.year].add(truth[k])
        years_pred[r.registration_date.year].add(clusters[k])
    per_year = {
        y: (
            len(years_true[y]),
            len(years_pred[y]),
            100.0 * (len(years_pred[y]) - len(years_true[y])) / len(years_true[y]),
        )
        for y in sorted(years_true)
    }
    return {
        "victim_rows": len(keys),
        "true_pairs": len(tp_set),
        "predicted_pairs": len(pp_set),
        "blocking_recall": blocked / len(named) if named else 1.0,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "bcubed_f1": b3,
        "per_year": per_year,
        "inferred": len(result.inferred),
    }


def run(
    records: list[CommonRecord], truth: dict[Key, str], label: str, trace: bool
) -> dict[str, Any]:
    """Link and evaluate one world, printing a report."""
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    linker = Linker()
    result = linker.link(records)
    wall = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else float("nan")
    if trace:
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ev = evaluate(records, truth, result)
    print(f"== {label}: {len(records)} rows, {ev['victim_rows']} victim rows")
    for st in result.blocking:
        print(
            f"   blocking {st.rule:<32} pairs {st.pairs:>9} new {st.new_pairs:>9}"
            f" skipped blocks {st.skipped_blocks}"
        )
    print(
        f"   candidate pairs {len(result.pair_a)}; blocking recall (identified victim pairs)"
        f" {ev['blocking_recall']:.4f}"
    )
    print(
        f"   pairwise P {ev['precision']:.4f} R {ev['recall']:.4f} F1 {ev['f1']:.4f};"
        f" B-cubed F1 {ev['bcubed_f1']:.4f}"
    )
    print(
        f"   inferred links {ev['inferred']}; EM iterations {result.parameters.iterations},"
        f" prior {result.parameters.prior:.4f}"
    )
    for y, (t, p, e) in ev["per_year"].items():
        print(f"   {y}: true unique victims {t:>6} linked {p:>6} error {e:+.2f}%")
    print(f"   link wall {wall:.2f}s; peak traced {peak:.0f} MiB; max RSS {rss:.0f} MiB")
    # Incremental scoring: existing rows presented again as if new, against the full index.
    sample = records[:: max(1, len(records) // 300)]
    times = []
    for rec in sample:
        t1 = time.perf_counter()
        linker.score_one(rec)
        times.append(time.perf_counter() - t1)
    times.sort()
    p95 = 1000 * times[int(0.95 * (len(times) - 1))]
    print(
        f"   score_one over {len(times)} records: p50 {1000 * times[len(times) // 2]:.1f} ms,"
        f" p95 {p95:.1f} ms, max {1000 * times[-1]:.1f} ms"
    )
    ev.update(wall=wall, peak_mib=peak, rss_mib=rss, label=label, score_one_p95_ms=p95)
    return ev


def main() -> None:
    """Parse arguments and run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--hard", action="store_true", help="also run noise='hard'")
    ap.add_argument("--samples", action="store_true", help="use tests/data instead of worlds")
    ap.add_argument("--trace", action="store_true", help="measure peak memory with tracemalloc")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results = []
    if args.samples:
        recs, truth = load_samples(Path(__file__).resolve().parents[1] / "tests" / "data")
        results.append(run(recs, truth, "samples", args.trace))
    else:
        for noise in ["default", "hard"] if args.hard else ["default"]:
            for seed in args.seeds:
                recs, truth = world_records(seed, args.scale, noise == "hard")
                results.append(
                    run(recs, truth, f"seed {seed} noise {noise} scale {args.scale}", args.trace)
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
