"""Coverage of the 95% intervals of total victims over demo worlds: Chapman and the
dependence interval (`estimate_bounds`: persons in the year of their case's first
registration, bounded between independence and the referral model).

Usage:
    .venv/bin/python bench/stats_coverage.py [--seeds 1 .. 10] [--scale 0.3] [--year 2017]
        [--links linker|truth]

For each seed: generate a world, parse its rows (corrections replace the rows they correct),
link them with the pure Linker (or take the true persons with --links truth), count with the
statistics service's pure `compute`, and compare the estimate of every year with the
generator's `world_victims`. Prints per-seed estimates versus truth for `--year`, the coverage
of that year over the seeds, and the coverage over every (seed, year).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.adapters.registry import parse_row
from app.demo.generator import WorldConfig, generate_world
from app.schema import CommonRecord, System
from app.statistics.counting import VictimRow
from app.statistics.schemas import VictimQuery
from app.statistics.service import compute


def _records(world: Any) -> list[CommonRecord]:
    current: dict[tuple[str, str], CommonRecord] = {}
    for system, rows in (
        (System.RETA, world.reta_rows),
        (System.SISTRA, world.sistra_rows),
        (System.RETA, world.reta_corrections),
        (System.SISTRA, world.sistra_corrections),
    ):
        for n, raw in enumerate(rows, start=2):
            rec = parse_row(system, n, raw)
            if isinstance(rec, CommonRecord):
                current[(rec.system.value, rec.row_id)] = rec
    return list(current.values())


Keys = dict[tuple[str, str], int]


def _persons(records: list[CommonRecord], world: Any, links: str) -> tuple[Keys, Keys]:
    if links == "truth":
        return (
            {(t["system"], t["row_id"]): int(t["person_id"][1:]) for t in world.truth},
            {(t["system"], t["row_id"]): int(t["case_id"][1:]) for t in world.truth},
        )
    from app.matching import Linker

    result = Linker().link(records)
    return dict(result.clusters), dict(result.case_clusters)


def run_seed(seed: int, scale: float, links: str) -> dict[int, dict[str, Any]]:
    """Return, per year, the estimate and the truth of one world."""
    world = generate_world(WorldConfig(seed=seed, scale=scale))
    records = _records(world)
    person, case = _persons(records, world, links)
    rows = [
        VictimRow(
            i,
            person[(r.system.value, r.row_id)],
            r.system.value,
            r.registration_date,
            r.facts_date,
            r.offence_family.value,
            r.sex.value if r.sex else None,
            r.unidentified,
            r.age,
            r.minor,
            r.nationality,
            r.purpose.value,
            r.ubigeo_facts,
            r.ubigeo_residence,
            r.ubigeo_birth,
            case[(r.system.value, r.row_id)],
            r.origin,
        )
        for i, r in enumerate(records)
        if r.role.value == "victim"
    ]
    raw = [(r.system, r.registration_date, r.offence_family) for r in rows]
    stats = compute(rows, raw, query=VictimQuery())
    out: dict[int, dict[str, Any]] = {}
    for y in stats.years:
        truth = world.summary["per_year"][str(y.year)]
        e, b = y.estimate, y.estimate_bounds
        assert e is not None and b is not None
        out[y.year] = {
            "reconciled": y.reconciled,
            "detected": truth["detected_victims"],
            "truth": truth["world_victims"],
            "total": e.total,
            "low": e.ci_low,
            "high": e.ci_high,
            "covered": e.ci_low <= truth["world_victims"] <= e.ci_high,
            "by_sex": y.estimate_by_sex.total.total if y.estimate_by_sex else None,
            "b_low": b.ci_low,
            "b_high": b.ci_high,
            "b_lower": b.lower_total,
            "b_upper": b.upper_total,
            "b_covered": b.ci_low <= truth["world_victims"] <= b.ci_high,
            "rows_ok": (y.reta_rows, y.sistra_rows)
            == (truth["reta_victim_rows"], truth["sistra_victim_rows"]),
        }
    return out


def main() -> None:
    """Parse arguments, run every seed and print coverage."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="*", default=list(range(1, 11)))
    ap.add_argument("--scale", type=float, default=0.3)
    ap.add_argument("--year", type=int, default=2017)
    ap.add_argument("--links", choices=["linker", "truth"], default="linker")
    args = ap.parse_args()
    covered_year = b_year = 0
    cells = covered = b_cov = 0
    width = 0.0
    for seed in args.seeds:
        t0 = time.perf_counter()
        result = run_seed(seed, args.scale, args.links)
        r = result[args.year]
        covered_year += r["covered"]
        cells += len(result)
        covered += sum(v["covered"] for v in result.values())
        b_year += r["b_covered"]
        b_cov += sum(v["b_covered"] for v in result.values())
        width += sum((v["b_high"] - v["b_low"]) / v["truth"] for v in result.values())
        print(
            f"seed {seed:>2} {args.year}: truth {r['truth']:>6}  estimate {r['total']:>8.1f}"
            f"  95% [{r['low']:.1f}, {r['high']:.1f}]  {'cubre' if r['covered'] else 'NO cubre'}"
            f"  (by sex {r['by_sex']:.1f}; reconciled {r['reconciled']} vs detected"
            f" {r['detected']}; own rows exact: {r['rows_ok']})  {time.perf_counter() - t0:.1f}s"
        )
        print(
            f"        dependence interval: [{r['b_low']:.1f}, {r['b_high']:.1f}]"
            f" (models {r['b_lower']:.1f} .. {r['b_upper']:.1f})"
            f"  {'cubre' if r['b_covered'] else 'NO cubre'}"
        )
    n = len(args.seeds)
    print(f"coverage {args.year}: {covered_year}/{n} seeds")
    print(f"coverage all years: {covered}/{cells} (seed, year) = {covered / cells:.2f}")
    print(f"dependence interval coverage {args.year}: {b_year}/{n} seeds")
    print(
        f"dependence interval coverage all years: {b_cov}/{cells} = {b_cov / cells:.2f};"
        f" mean width / truth {width / cells:.2f}"
    )


if __name__ == "__main__":
    main()
