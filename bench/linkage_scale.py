"""Link a large demo world end to end: ~100k and ~1M rows, wall, CPU, peak RSS and quality.

Usage:
    .venv/bin/python bench/linkage_scale.py [--scales 2.7 27] [--seed 1] [--dir DIR]

Each scale runs in a child process (so peak RSS is its own ru_maxrss): the world is
streamed to files with generate_to (kept under --dir when given, else a temp dir), parsed
in chunks with the adapters and converted to LinkInputs straight away so memory stays
flat, then linked; with --dir the parsed inputs are kept as inputs.pkl and reused. Prints
parse/convert (or reload) and link wall and CPU, per-stage wall/CPU/peak RSS, candidate pairs
and, when --quality (default up to 300k rows), blocking recall and pairwise P/R/F1 over
victim rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

Key = tuple[str, str]


def _load(folder: Path) -> tuple[list[Any], dict[Key, str], set[Key], float, float]:
    """Parse the world's CSVs in chunks into LinkInputs; return them, truth and victims."""
    from app.adapters.registry import parse_row
    from app.matching import from_common
    from app.schema.record import CommonRecord
    from app.schema.vocab import System

    inputs: list[Any] = []
    victims: set[Key] = set()
    unidentified: set[Key] = set()
    t0, c0 = time.perf_counter(), time.process_time()
    for name, system, enc, delim in (
        ("reta.csv", System.RETA, "cp1252", ";"),
        ("sistra.csv", System.SISTRA, "utf-8", ","),
    ):
        with open(folder / name, encoding=enc, newline="") as fh:
            for n, raw in enumerate(csv.DictReader(fh, delimiter=delim), start=2):
                rec = parse_row(system, n, raw)
                if isinstance(rec, CommonRecord):
                    li = from_common(rec)
                    inputs.append(li)
                    if li.role == "victim":
                        victims.add(li.key)
                        if li.unidentified:
                            unidentified.add(li.key)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    truth: dict[Key, str] = {}
    with open(folder / "truth.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            k = (r["system"], r["row_id"])
            if k in victims:
                truth[k] = r["person_id"]
    return inputs, truth, unidentified, wall, cpu


def _quality(
    result: Any, truth: dict[Key, str], unidentified: set[Key], inputs: list[Any]
) -> dict[str, Any]:
    """Pairwise P/R/F1 and B-cubed F1 over victim rows, blocking recall over named true pairs,
    and the error of the unique-victim count per registration year."""
    clusters = result.clusters
    index = {k: i for i, k in enumerate(result.keys)}
    true_groups: dict[str, list[int]] = defaultdict(list)
    pred_groups: dict[int, list[int]] = defaultdict(list)
    for k, person in truth.items():
        true_groups[person].append(index[k])
        pred_groups[clusters[k]].append(index[k])

    def pairs(groups: dict[Any, list[int]]) -> set[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        for m in groups.values():
            m.sort()
            out.update((x, y) for i, x in enumerate(m) for y in m[i + 1 :])
        return out

    tp_set, pp_set = pairs(true_groups), pairs(pred_groups)
    tp = len(tp_set & pp_set)
    p = tp / len(pp_set) if pp_set else 1.0
    r = tp / len(tp_set) if tp_set else 1.0
    n = len(result.keys)
    cand = set((result.pair_a.astype("int64") * n + result.pair_b).tolist())
    unident = {index[k] for k in unidentified}
    named = [(x, y) for x, y in tp_set if x not in unident and y not in unident]
    blocked = sum(x * n + y in cand for x, y in named)
    bp = br = 0.0
    for members in pred_groups.values():
        size = len(members)
        inside = Counter(truth[result.keys[i]] for i in members)
        for person, k in inside.items():
            bp += k * k / size
            br += k * k / len(true_groups[person])
    bp, br = bp / max(len(truth), 1), br / max(len(truth), 1)
    years_true: dict[int, set[str]] = defaultdict(set)
    years_pred: dict[int, set[int]] = defaultdict(set)
    for k, person in truth.items():
        year = inputs[index[k]].reference_date.year
        years_true[year].add(person)
        years_pred[year].add(clusters[k])
    per_year = {
        y: (len(t), len(years_pred[y]), 100.0 * (len(years_pred[y]) - len(t)) / len(t))
        for y, t in sorted(years_true.items())
    }
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "bcubed_f1": 2 * bp * br / (bp + br) if bp + br else 0.0,
        "blocking_recall": blocked / len(named) if named else 1.0,
        "per_year": per_year,
    }


def _steal() -> float:
    """Return the CPU seconds the hypervisor has taken from this machine (/proc/stat)."""
    try:
        with open("/proc/stat") as fh:
            fields = fh.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def child(folder: Path, quality: bool, keep: bool, threads: int) -> None:
    """Parse and link one world; print a JSON line of measurements."""
    from dataclasses import replace

    from app.matching import LinkageSettings, Linker

    cache = folder / "inputs.pkl"
    if cache.exists():
        # Parsed inputs of an earlier run on the same world: parsing 1M rows takes minutes.
        t0, c0 = time.perf_counter(), time.process_time()
        with open(cache, "rb") as fh:
            inputs, truth, unidentified = pickle.load(fh)
        pwall, pcpu = time.perf_counter() - t0, time.process_time() - c0
    else:
        inputs, truth, unidentified, pwall, pcpu = _load(folder)
        if keep:
            with open(cache, "wb") as fh:
                pickle.dump((inputs, truth, unidentified), fh, protocol=5)
    rss_parse = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    linker = Linker(replace(LinkageSettings(), threads=threads))
    steal0 = _steal()
    t0, c0 = time.perf_counter(), time.process_time()
    result = linker.link(inputs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    steal = _steal() - steal0
    out: dict[str, Any] = {
        "rows": len(inputs),
        "threads": linker.settings.thread_count(),
        "steal": steal,
        "load": os.getloadavg()[0],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "parse_wall": pwall,
        "parse_cpu": pcpu,
        "rss_after_parse_mib": rss_parse,
        "link_wall": wall,
        "link_cpu": cpu,
        "pairs": len(result.pair_a),
        "blocking": [(s.rule, s.pairs, s.new_pairs, s.skipped_blocks) for s in result.blocking],
        "stages": [(t.stage, t.wall, t.cpu, t.peak_rss_mib) for t in result.stages],
    }
    if quality:
        t1 = time.perf_counter()
        out.update(_quality(result, truth, unidentified, inputs))
        out["quality_wall"] = time.perf_counter() - t1
    print("RESULT " + json.dumps(out), flush=True)


def main() -> None:
    """Run each scale in a child process and report."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=float, nargs="*", default=[2.7, 27.0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, help="keep/reuse generated worlds here")
    ap.add_argument("--quality-max-rows", type=int, default=300_000)
    ap.add_argument(
        "--threads",
        type=int,
        nargs="*",
        default=[0],
        help="link once per count, one after the other on the same rows (0: every core)",
    )
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--quality", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.quality, args.keep, args.threads[0])
        return
    from app.demo import WorldConfig, generate_to

    with tempfile.TemporaryDirectory() as tmp:
        base = args.dir or Path(tmp)
        for scale in args.scales:
            folder = base / f"w{scale:g}-s{args.seed}"
            if not (folder / "truth.csv").exists():
                folder.mkdir(parents=True, exist_ok=True)
                t = time.perf_counter()
                generate_to(WorldConfig(scale=scale, seed=args.seed), folder)
                print(f"scale {scale:g}: generated in {time.perf_counter() - t:.1f}s", flush=True)
            with open(folder / "reta.csv", "rb") as f1, open(folder / "sistra.csv", "rb") as f2:
                rows = sum(1 for _ in f1) + sum(1 for _ in f2) - 2
            for threads in args.threads:
                _run_child(args, scale, folder, rows, threads)


def _run_child(
    args: argparse.Namespace, scale: float, folder: Path, rows: int, threads: int
) -> None:
    """Link one world in a child process with a given number of threads and print its report."""
    cmd = [sys.executable, __file__, "--child", str(folder), "--threads", str(threads)]
    if rows <= args.quality_max_rows:
        cmd.append("--quality")
    if args.dir:
        cmd.append("--keep")
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    total = time.perf_counter() - t
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        print(proc.stdout, proc.stderr)
        return
    r = json.loads(line[7:])
    print(f"== scale {scale:g} seed {args.seed}: {r['rows']:,} rows, {r['threads']} thread(s)")
    print(f"   parse+convert wall {r['parse_wall']:.1f}s cpu {r['parse_cpu']:.1f}s")
    print(
        f"   link wall {r['link_wall']:.1f}s cpu {r['link_cpu']:.1f}s;"
        f" pairs {r['pairs']:,} ({r['pairs'] / max(r['rows'], 1):.1f}/row);"
        f" load {r['load']:.2f}, CPU stolen by the host {r['steal']:.1f}s"
    )
    for rule, pairs, new, skipped in r["blocking"]:
        print(f"     {rule:<34} pairs {pairs:>10,} new {new:>10,} skipped {skipped}")
    for stage, swall, scpu, peak in r["stages"]:
        print(f"     {stage:<14} wall {swall:7.1f}s cpu {scpu:7.1f}s peak {peak:6.0f} MiB")
    print(
        f"   child total wall {total:.1f}s; peak RSS {r['peak_rss_mib']:.0f} MiB;"
        f" RSS after parse {r['rss_after_parse_mib']:.0f}"
    )
    if "f1" in r:
        print(
            f"   victims: P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f};"
            f" B-cubed F1 {r['bcubed_f1']:.4f}; blocking recall {r['blocking_recall']:.4f}"
        )
        for y, (t_, n, e) in r["per_year"].items():
            print(f"   {y}: true unique victims {t_:>7} linked {n:>7} error {e:+.2f}%")


if __name__ == "__main__":
    main()
