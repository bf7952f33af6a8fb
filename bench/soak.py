"""Load soak: mixed traffic against uvicorn with several workers for a bounded time.

Sets up a throwaway world itself (migrate, `intertrata demo`, keys from the CLI), starts
`uvicorn --workers N` on a free loopback port, then for `--seconds` runs virtual users that mix
agency pushes of small JSON batches (new rows, replays and corrections, to both systems with
each system's own key), analyst statistics, reviewer queue reads, judgements and person reads.
Prints throughput and p50/p95/p99 latency per kind, and counts every error: a transport error,
a 5xx, any status other than the expected one, a push whose counts are not what it carried, or
an ERROR line in the server log. Afterwards checks in the database that every row the soak
pushed is stored exactly once with exactly the versions its corrections made (nothing lost,
nothing doubled). Exits 1 on any error.

    python bench/soak.py --database-url postgresql+psycopg://... --workers 4 --seconds 60
    bash bench/run_soak.sh --workers 2 --seconds 60     (throwaway PostgreSQL server)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._soak.server import Setup, accepted_rows, prepare, serve, server_cpu_seconds  # noqa: E402
from bench._soak.traffic import Row, drive  # noqa: E402

__all__ = ["Report", "accepted_rows", "main", "prepare", "serve", "soak", "verify"]


def verify(database_url: str, rows: dict[tuple[str, str], Row]) -> list[str]:
    """Return problems: a pushed row missing, stored twice, or with the wrong versions."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    problems: list[str] = []
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT r.system, r.row_id, r.version, COUNT(v.id), MIN(v.version), MAX(v.version)"
                " FROM source_records r LEFT JOIN source_record_versions v"
                " ON v.source_record_id = r.id WHERE r.row_id LIKE 'SOAK-%'"
                " GROUP BY r.id, r.system, r.row_id, r.version"
            )
        ).all()
    engine.dispose()
    seen: dict[tuple[str, str], int] = {}
    for system, row_id, version, n, low, high in stored:
        key = (system, row_id)
        seen[key] = seen.get(key, 0) + 1
        row = rows.get(key)
        if row is None:
            continue  # a push whose answer was lost: not tracked (and already an error)
        if (version, n, low, high) != (row.versions, row.versions, 1, row.versions):
            problems.append(
                f"{system}:{row_id} version {version}, {n} versions {low}..{high}; "
                f"expected {row.versions}"
            )
    problems += [f"{k[0]}:{k[1]} stored {n} times" for k, n in seen.items() if n != 1]
    problems += [f"{k[0]}:{k[1]} lost" for k in rows if k not in seen]
    return problems


def link_runs(database_url: str) -> dict[str, int]:
    """Return how many linkage runs the database holds, per status."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, COUNT(*) FROM link_runs GROUP BY status")).all()
    engine.dispose()
    return {status: int(n) for status, n in rows}


_RUN_OK = ("completed", "running")
_LOG_ERROR = re.compile(r"\b(ERROR|CRITICAL|Traceback)\b")


def log_errors(path: Path) -> list[str]:
    """Return the ERROR lines the server logged (their text has no personal data)."""
    return [
        line for line in path.read_text("utf-8", "replace").splitlines() if _LOG_ERROR.search(line)
    ]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


@dataclass
class Report:
    """What a soak measured."""

    seconds: float
    workers: int
    users: int
    per_kind: dict[str, dict[str, float]]
    total: int
    errors: list[str]
    gone: dict[str, int]
    rows: int
    versions: int
    server_cpu: float
    client_cpu: float
    load: str
    link_runs: dict[str, int]

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.errors

    def table(self) -> str:
        """Return the figures as a Markdown table."""
        lines = [
            "| kind | requests | req/s | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, f in self.per_kind.items():
            lines.append(
                f"| {kind} | {f['n']:.0f} | {f['rps']:.1f} | {f['p50']:.0f} | {f['p95']:.0f} "
                f"| {f['p99']:.0f} | {f['max']:.0f} |"
            )
        lines.append(f"| **total** | {self.total} | {self.total / self.seconds:.1f} | | | | |")
        return "\n".join(lines)


def soak(setup: Setup, *, seconds: float, users: int) -> Report:
    """Drive the server, then check the database and the server log."""
    runs0 = link_runs(setup.database_url)
    cpu0, client0 = server_cpu_seconds(setup.server_pid), time.process_time()
    start = time.monotonic()
    stats = asyncio.run(drive(setup, seconds=seconds, users=users))
    elapsed = time.monotonic() - start
    cpu = server_cpu_seconds(setup.server_pid) - cpu0
    client = time.process_time() - client0
    runs = link_runs(setup.database_url)
    runs = {k: n - runs0.get(k, 0) for k, n in runs.items() if n - runs0.get(k, 0)}
    errors = list(stats.errors)
    errors += [f"linkage: {n} run(s) {k}" for k, n in runs.items() if k not in _RUN_OK]
    errors += [f"db: {p}" for p in verify(setup.database_url, stats.rows)]
    errors += [f"server log: {line}" for line in log_errors(setup.server_log)]
    per_kind = {
        kind: {
            "n": len(v),
            "rps": len(v) / elapsed,
            "p50": _pct(v, 0.50),
            "p95": _pct(v, 0.95),
            "p99": _pct(v, 0.99),
            "max": max(v) * 1000,
        }
        for kind, v in sorted(stats.latencies.items())
    }
    return Report(
        seconds=elapsed,
        workers=setup.workers,
        users=users,
        per_kind=per_kind,
        total=sum(len(v) for v in stats.latencies.values()),
        errors=errors,
        gone=stats.gone,
        rows=len(stats.rows),
        versions=sum(r.versions for r in stats.rows.values()),
        server_cpu=cpu,
        client_cpu=client,
        load=" ".join(f"{x:.2f}" for x in os.getloadavg()),
        link_runs=runs,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its figures; 1 on any error."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", required=True, help="An empty or migrated database.")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--users", type=int, default=8, help="Concurrent virtual users.")
    ap.add_argument("--scale", type=float, default=0.02, help="Scale of the demo world.")
    ap.add_argument(
        "--no-link-after-ingest",
        action="store_true",
        help="Serve with INTERTRATA_LINK_AFTER_INGEST=false (pushes do not start a linkage run).",
    )
    ap.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="intertrata-soak-") as tmp:
        print(f"Preparando: demo a escala {args.scale}, uvicorn con {args.workers} workers...")
        t0 = time.monotonic()
        work = Path(tmp)
        keys, rows = prepare(args.database_url, scale=args.scale, work=work)
        with serve(
            args.database_url,
            workers=args.workers,
            keys=keys,
            templates=rows,
            work=work,
            link_after_ingest=not args.no_link_after_ingest,
        ) as s:
            print(
                f"Listo en {time.monotonic() - t0:.0f} s; {args.seconds:.0f} s de carga mixta "
                f"con {args.users} usuarios (carga antes: {os.getloadavg()[0]:.2f})..."
            )
            report = soak(s, seconds=args.seconds, users=args.users)
    print(report.table())
    print(
        f"\nworkers {report.workers}, users {report.users}, {report.seconds:.1f} s; "
        f"server CPU {report.server_cpu:.1f} s, client CPU {report.client_cpu:.1f} s; "
        f"load average {report.load}"
    )
    print(
        f"rows pushed {report.rows} (versions {report.versions}), all present once with "
        f"their versions: {'yes' if not any(e.startswith('db:') for e in report.errors) else 'NO'}"
    )
    print(f"linkage runs during the soak: {report.link_runs or 'none'}")
    if report.gone:
        print(f"targets gone between read and call (404, expected): {report.gone}")
    print(f"errors: {len(report.errors)}")
    for e in report.errors[:30]:
        print(f"  {e}")
    if args.json:
        args.json.write_text(json.dumps(report.__dict__, indent=2, default=str), "utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
