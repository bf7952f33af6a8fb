"""Measure ingest speed (rows/s) through the CLI and through the API.

Usage: python bench/ingest_speed.py [--scale S] [--pg URL]
Generates a demo world, then for each database (a fresh SQLite file, and PostgreSQL when a URL
is given) ingests RETA and SISTRA exports once by `intertrata ingest` in a subprocess and once
by HTTP upload to a real uvicorn server. Wall time includes process start-up and migrations.
"""

from __future__ import annotations

import argparse
import os
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
_ROW = "{:<11} {:<6} {:<7} {:>8} {:>8} {:>8}"


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


def _cli(url: str, system: str, path: Path) -> tuple[int, float]:
    start = time.perf_counter()
    out = subprocess.run(
        [str(BIN), "ingest", system, str(path), "--json"],
        env=_env(url),
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])["received"], elapsed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(url: str, files: list[tuple[str, Path]]) -> list[tuple[str, int, float]]:
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
                start = time.perf_counter()
                r = client.post(
                    f"/v1/sources/{system}/batches",
                    headers={"Authorization": f"Bearer {keys[system]}"},
                    files={"file": (path.name, path.read_bytes())},
                )
                elapsed = time.perf_counter() - start
                r.raise_for_status()
                results.append((system, r.json()["received"], elapsed))
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = generate_world(WorldConfig(seed=args.seed, scale=args.scale))
        paths = write_world(world, Path(tmp) / "world")
        files = [("reta", paths["reta.csv"]), ("sistra", paths["sistra.csv"])]
        dbs = [("SQLite", f"sqlite:///{tmp}/bench.db")]
        if args.pg:
            dbs.append(("PostgreSQL", args.pg))
        print(f"world: scale={args.scale} seed={args.seed}")
        print(_ROW.format("database", "via", "system", "rows", "seconds", "rows/s"))
        for name, url in dbs:
            _reset(url)
            for system, path in files:
                rows, secs = _cli(url, system, path)
                rate = f"{rows / secs:.0f}"
                print(_ROW.format(name, "CLI", system.upper(), rows, f"{secs:.2f}", rate))
            _reset(url)
            for system, rows, secs in _api(url, [(s.upper(), p) for s, p in files]):
                print(_ROW.format(name, "API", system, rows, f"{secs:.2f}", f"{rows / secs:.0f}"))


if __name__ == "__main__":
    main()
