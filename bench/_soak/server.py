"""The soak's server side: a seeded database, keys from the CLI, uvicorn with N workers."""

from __future__ import annotations

import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.privacy import generate_data_key

ROOT = Path(__file__).resolve().parents[2]


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("intertrata")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "app.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Setup:
    """A running server and the keys to call it with."""

    url: str
    database_url: str
    keys: dict[str, str]
    templates: dict[str, list[dict[str, str]]]
    server_log: Path
    server_pid: int
    workers: int


def _run(cmd: list[str], env: dict[str, str], log: Path) -> str:
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(cmd[:3])} ...\n")
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        fh.write(done.stderr)
        if done.returncode != 0:
            fh.write(done.stdout)
            raise RuntimeError(f"{' '.join(cmd[:4])} failed ({done.returncode}); see {log}")
    return done.stdout


def accepted_rows(system: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return the rows the system's adapter accepts: the models of the soak's new rows."""
    from app.adapters import parse_row
    from app.schema import CommonRecord, System

    return [
        row
        for i, row in enumerate(rows, start=1)
        if isinstance(parse_row(System(system), i, row), CommonRecord)
    ]


def _export_rows(demo: Path) -> dict[str, list[dict[str, str]]]:
    out = {}
    for system, name, encoding, delimiter in (
        ("RETA", "reta.csv", "cp1252", ";"),
        ("SISTRA", "sistra.csv", "utf-8", ","),
    ):
        with (demo / name).open(encoding=encoding, newline="") as fh:
            out[system] = accepted_rows(system, list(csv.DictReader(fh, delimiter=delimiter)))
    return out


_DATA_KEY = generate_data_key()  # one per soak: the CLI and every worker must share it


def server_env(database_url: str, *, link_after_ingest: bool = True) -> dict[str, str]:
    """Return the environment the CLI and the server run with."""
    env = dict(os.environ)
    env.update(
        INTERTRATA_DATABASE_URL=database_url,
        INTERTRATA_LINK_AFTER_INGEST=str(link_after_ingest).lower(),
        INTERTRATA_SECRET_KEY=env.get("INTERTRATA_SECRET_KEY") or secrets.token_urlsafe(32),
        # Documents are sealed on write; PostgreSQL refuses to start without a data key.
        INTERTRATA_DATA_KEY=env.get("INTERTRATA_DATA_KEY") or _DATA_KEY,
        PYTHONUNBUFFERED="1",
    )
    # The soak sends only valid keys: keep the production default of the failure limiter.
    env.pop("INTERTRATA_AUTH_FAILURES_PER_MINUTE", None)
    return env


def prepare(
    database_url: str, *, scale: float, work: Path
) -> tuple[dict[str, str], dict[str, list[dict[str, str]]]]:
    """Migrate, seed a demo world and create the keys, all with the CLI; return keys, rows."""
    env, log, cli = server_env(database_url), work / "setup.log", _cli()
    _run([*cli, "db", "upgrade"], env, log)
    demo = work / "demo"
    _run([*cli, "demo", "--scale", str(scale), "--out", str(demo)], env, log)

    def key(role: str, system: str | None = None) -> str:
        cmd = [*cli, "keys", "create", "--role", role, "--name", f"soak-{role}"]
        if system:
            cmd += ["--system", system]
        return _run(cmd, env, log).strip().splitlines()[-1]  # the key, alone on the last line

    keys = {
        "RETA": key("agency", "RETA"),
        "SISTRA": key("agency", "SISTRA"),
        "analyst": key("analyst"),
        "reviewer": key("reviewer"),
    }
    return keys, _export_rows(demo)


@contextmanager
def serve(
    database_url: str,
    *,
    workers: int,
    keys: dict[str, str],
    templates: dict[str, list[dict[str, str]]],
    work: Path,
    link_after_ingest: bool = True,
) -> Iterator[Setup]:
    """Run `uvicorn --workers N` on a free loopback port over a seeded database; stop it after."""
    port = _free_port()
    server_log = work / "server.log"
    with server_log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=server_env(database_url, link_after_ingest=link_after_ingest),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        yield Setup(
            url=url,
            database_url=database_url,
            keys=keys,
            templates=templates,
            server_log=server_log,
            server_pid=proc.pid,
            workers=workers,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    # Workers share the listening socket and accept only once booted: one answer suffices.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("uvicorn exited during start-up")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("uvicorn did not answer /health within 120 s")


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def server_cpu_seconds(pid: int) -> float:
    """Return user+system CPU seconds of the server process and its live workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total
