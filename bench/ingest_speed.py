"""Measure ingest speed (rows/s) through the CLI and through the API.

Usage: python bench/ingest_speed.py [--scale S] [--pg URL] [--pg-data DIR]
Generates a demo world, then for each database (a fresh SQLite file, and PostgreSQL when a URL
is given) ingests RETA and SISTRA exports once by `intertrata ingest` in a subprocess and once
by HTTP upload to a real uvicorn server. Wall time includes process start-up and migrations.

CPU seconds are printed next to wall time, because on a shared machine wall time mostly
measures the other jobs: the CLI's CPU (user + system, start-up included) with its parser
processes' (forked children it waits for, so the OS adds them to the CLI's reaped-children
usage, which reaches this process when it reaps the CLI), or the uvicorn server's CPU during
the upload; with --pg-data (the server's data directory, set by bench/run_ingest.sh) the
PostgreSQL server's CPU during the same interval is added to it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from app.demo.generator import WorldConfig, generate_world, write_world
from app.privacy import generate_data_key

BIN = Path(sys.executable).parent / "intertrata"
_ROW = "{:<11} {:<6} {:<7} {:>8} {:>8} {:>8} {:>8} {:>10}"
_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int, *, reaped_children: bool = False) -> float:
    """Return a live process's CPU seconds (optionally with its exited children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICK


def _server_cpu(pg_data: str | None) -> float:
    """Return the PostgreSQL server's CPU seconds so far (postmaster, backends, workers)."""
    if not pg_data:
        return 0.0
    postmaster = int(Path(pg_data, "postmaster.pid").read_text().split()[0])
    total = _proc_cpu(postmaster, reaped_children=True)
    for child in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):  # exited meanwhile: counted once reaped
            total += _proc_cpu(int(child))
    return total


def _children_cpu() -> float:
    # Exited children and everything they waited for: the CLI and its parser processes.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_DATA_KEY = os.environ.get("INTERTRATA_DATA_KEY") or generate_data_key()


def _env(url: str) -> dict[str, str]:
    # Linking after ingest is measured by the linkage benchmarks, not here. PostgreSQL needs a
    # data key (documents are sealed on write); one per run is enough.
    return {
        **os.environ,
        "INTERTRATA_DATABASE_URL": url,
        "INTERTRATA_LINK_AFTER_INGEST": "false",
        "INTERTRATA_DATA_KEY": _DATA_KEY,
    }


def _reset(url: str) -> None:
    if url.startswith("sqlite:///"):
        # Start from an empty file, or the second run would only see unchanged rows.
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    subprocess.run([str(BIN), "db", "upgrade"], env=_env(url), check=True, capture_output=True)


def _cli(url: str, system: str, path: Path, pg_data: str | None) -> tuple[int, float, float]:
    cpu = _children_cpu() + _server_cpu(pg_data)
    start = time.perf_counter()
    out = subprocess.run(
        [str(BIN), "ingest", system, str(path), "--json"],
        env=_env(url),
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() + _server_cpu(pg_data) - cpu
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])["received"], elapsed, cpu


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(
    url: str, files: list[tuple[str, Path]], pg_data: str | None
) -> list[tuple[str, int, float, float]]:
    env = _env(url) | {"INTERTRATA_MAX_UPLOAD_BYTES": str(1 << 30)}
    port = _free_port()
    keys = {}
    for system in ("RETA", "SISTRA"):
        out = subprocess.run(
            [str(BIN), "keys", "create", "--role", "agency", "--system", system],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        keys[system] = out.stdout.strip().splitlines()[-1]
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=600) as client:
            for system, path in files:
                content = path.read_bytes()
                cpu = _proc_cpu(server.pid) + _server_cpu(pg_data)
                start = time.perf_counter()
                r = client.post(
                    f"/v1/sources/{system}/batches",
                    headers={"Authorization": f"Bearer {keys[system]}"},
                    files={"file": (path.name, content)},
                )
                elapsed = time.perf_counter() - start
                cpu = _proc_cpu(server.pid) + _server_cpu(pg_data) - cpu
                r.raise_for_status()
                results.append((system, r.json()["received"], elapsed, cpu))
    finally:
        server.terminate()
        server.wait(10)
    return results


def main() -> None:
    """Run the benchmark and print a table of rows per second."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--pg", default=os.environ.get("INTERTRATA_BENCH_PG_URL", ""))
    parser.add_argument("--pg-data", default="", help="PostgreSQL data directory (server CPU)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = generate_world(WorldConfig(seed=args.seed, scale=args.scale))
        paths = write_world(world, Path(tmp) / "world")
        files = [("reta", paths["reta.csv"]), ("sistra", paths["sistra.csv"])]
        dbs = [("SQLite", f"sqlite:///{tmp}/bench.db")]
        if args.pg:
            dbs.append(("PostgreSQL", args.pg))
        print(f"world: scale={args.scale} seed={args.seed}; load {os.getloadavg()}")
        print(
            _ROW.format(
                "database", "via", "system", "rows", "seconds", "rows/s", "CPU s", "rows/CPU-s"
            )
        )
        for name, url in dbs:
            pg_data = args.pg_data if url.startswith("postgresql") else None
            _reset(url)
            for system, path in files:
                rows, secs, cpu = _cli(url, system, path, pg_data)
                print(_line(name, "CLI", system.upper(), rows, secs, cpu))
            _reset(url)
            for system, rows, secs, cpu in _api(url, [(s.upper(), p) for s, p in files], pg_data):
                print(_line(name, "API", system, rows, secs, cpu))
        print(f"load {os.getloadavg()}")


def _line(db: str, via: str, system: str, rows: int, secs: float, cpu: float) -> str:
    return _ROW.format(
        db,
        via,
        system,
        rows,
        f"{secs:.2f}",
        f"{rows / secs:.0f}",
        f"{cpu:.2f}",
        f"{rows / cpu:.0f}",
    )


if __name__ == "__main__":
    main()
