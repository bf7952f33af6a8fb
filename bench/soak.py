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
import csv
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Expected statuses per kind. A judgement or person read may find its target gone when a
# linkage run rebuilt the review queue or merged the person between the read and the call:
# that 404 is the API being right, so it is counted apart ("gone"), not as an error.
EXPECTED = {
    "push": {201},
    "stats_counts": {200},
    "stats_victims": {200},
    "review_queue": {200},
    "judgement": {201},
    "person": {200},
}
GONE_OK = {"judgement", "person"}
WEIGHTS = {
    "push": 4,
    "stats_counts": 3,
    "stats_victims": 2,
    "review_queue": 2,
    "judgement": 1,
    "person": 2,
}
GROUPINGS = [
    [],
    ["sex"],
    ["department_facts"],
    ["age_minor", "sex"],
    ["nationality"],
    ["purpose", "offence_family"],
    ["overlap"],
    ["identification", "age_ctdc"],
]
ID_COLUMN = {"RETA": "ID_REGISTRO", "SISTRA": "ID_SUJETO"}
# A free-text column (the reporting unit) that changes the stored record and no rule.
EDIT_COLUMN = {"RETA": "DEPENDENCIA", "SISTRA": "FISCALIA"}


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


def server_env(database_url: str) -> dict[str, str]:
    """Return the environment the CLI and the server run with."""
    env = dict(os.environ)
    env.update(
        INTERTRATA_DATABASE_URL=database_url,
        INTERTRATA_SECRET_KEY=env.get("INTERTRATA_SECRET_KEY") or secrets.token_urlsafe(32),
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
            env=server_env(database_url),
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


@dataclass
class Row:
    """One row the soak owns: its current content and how many versions it should have."""

    system: str
    data: dict[str, str]
    versions: int = 1
    edits: int = 0


@dataclass
class Stats:
    """Latencies and errors per kind."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    gone: dict[str, int] = field(default_factory=dict)
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)

    def add(self, kind: str, seconds: float) -> None:
        """Record one request's latency."""
        self.latencies.setdefault(kind, []).append(seconds)


class User:
    """A virtual user: owns the rows it pushes, so no two users race on one row."""

    def __init__(self, n: int, setup: Setup, client: httpx.AsyncClient, stats: Stats) -> None:
        self.n = n
        self.setup = setup
        self.client = client
        self.stats = stats
        self.rng = random.Random(n)
        self.own: dict[str, list[Row]] = {"RETA": [], "SISTRA": []}
        self.pushes = 0
        self.review_ids: list[int] = []
        self.person_ids: list[int] = []

    def _auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.setup.keys[who]}"}

    async def _call(
        self, kind: str, method: str, path: str, who: str, **kw: Any
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            r = await self.client.request(method, path, headers=self._auth(who), **kw)
        except httpx.HTTPError as exc:
            self.stats.add(kind, time.perf_counter() - start)
            self.stats.errors.append(f"{kind}: transport {type(exc).__name__}")
            return None
        self.stats.add(kind, time.perf_counter() - start)
        if r.status_code == 404 and kind in GONE_OK:
            self.stats.gone[kind] = self.stats.gone.get(kind, 0) + 1
            return None
        if r.status_code not in EXPECTED[kind]:
            self.stats.errors.append(f"{kind}: {method} {path} -> {r.status_code} {r.text[:200]}")
            return None
        return r

    async def push(self) -> None:
        system = self.rng.choice(("RETA", "SISTRA"))
        own = self.own[system]
        self.pushes += 1
        new = [self._new_row(system, i) for i in range(self.rng.randint(1, 8))]
        picked = self.rng.sample(own, min(len(own), self.rng.randint(0, 8)))
        half = len(picked) // 2
        replays, edits = picked[:half], picked[half:]
        body = [r.data for r in new] + [r.data for r in replays]
        for r in edits:
            r.edits += 1
            column = EDIT_COLUMN[system]
            base = str(r.data.get(column) or "").split(" / SOAK ", 1)[0]
            r.data = dict(r.data, **{column: f"{base} / SOAK {r.edits}"})
            body.append(r.data)
        self.rng.shuffle(body)
        resp = await self._call("push", "POST", f"/v1/sources/{system}/batches", system, json=body)
        if resp is None:
            # Unknown whether it was stored: stop tracking the rows it carried.
            for r in [*replays, *edits]:
                own.remove(r)
                self.stats.rows.pop((system, r.data[ID_COLUMN[system]]), None)
            return
        got = resp.json()
        want = {"new": len(new), "unchanged": len(replays), "updated": len(edits), "rejected": 0}
        if any(got.get(k) != v for k, v in want.items()):
            seen = {k: got.get(k) for k in want}
            self.stats.errors.append(f"push {system}: counts {seen}, expected {want}")
        for r in edits:
            r.versions += 1
        for r in new:
            own.append(r)
            self.stats.rows[(system, r.data[ID_COLUMN[system]])] = r

    def _new_row(self, system: str, i: int) -> Row:
        template = self.rng.choice(self.setup.templates[system])
        row_id = f"SOAK-{self.n}-{self.pushes}-{i}"
        return Row(system, dict(template, **{ID_COLUMN[system]: row_id}))

    def _stats_params(self) -> list[tuple[str, str]]:
        params = [("group_by", "year")] + [("group_by", d) for d in self.rng.choice(GROUPINGS)]
        if self.rng.random() < 0.3:
            params.append(("date_basis", "facts"))
        if self.rng.random() < 0.3:
            params += [("year_from", "2017"), ("year_to", "2022")]
        return params

    async def stats_counts(self) -> None:
        await self._call(
            "stats_counts", "GET", "/v1/statistics/counts", "analyst", params=self._stats_params()
        )

    async def stats_victims(self) -> None:
        await self._call(
            "stats_victims", "GET", "/v1/statistics/victims", "analyst", params=self._stats_params()
        )

    async def review_queue(self) -> None:
        r = await self._call(
            "review_queue", "GET", "/v1/review/queue", "reviewer", params={"limit": 10}
        )
        if r is None:
            return
        items = r.json()
        self.review_ids = [i["id"] for i in items]
        self.person_ids = [
            side["person_id"] for i in items for side in (i["a"], i["b"]) if side["person_id"]
        ] or self.person_ids

    async def judgement(self) -> None:
        if not self.review_ids:
            await self.review_queue()
            return
        item = self.rng.choice(self.review_ids)
        decision = self.rng.choice(("match", "no_match", "unsure"))
        await self._call(
            "judgement",
            "POST",
            f"/v1/review/{item}/judgement",
            "reviewer",
            json={"decision": decision, "note": "soak"},
        )

    async def person(self) -> None:
        if not self.person_ids:
            await self.review_queue()
            return
        await self._call(
            "person", "GET", f"/v1/persons/{self.rng.choice(self.person_ids)}", "reviewer"
        )

    async def run(self, until: float) -> None:
        """Call kinds drawn by weight until the deadline."""
        kinds = list(WEIGHTS)
        weights = [WEIGHTS[k] for k in kinds]
        while time.monotonic() < until:
            await getattr(self, self.rng.choices(kinds, weights)[0])()


async def drive(setup: Setup, *, seconds: float, users: int) -> Stats:
    """Run `users` virtual users against the server for `seconds`."""
    stats = Stats()
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=setup.url, timeout=120, limits=limits) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(*(User(n, setup, client, stats).run(until) for n in range(users)))
    return stats


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
    cpu0, client0 = server_cpu_seconds(setup.server_pid), time.process_time()
    start = time.monotonic()
    stats = asyncio.run(drive(setup, seconds=seconds, users=users))
    elapsed = time.monotonic() - start
    cpu = server_cpu_seconds(setup.server_pid) - cpu0
    client = time.process_time() - client0
    errors = list(stats.errors)
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
    )


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its figures; 1 on any error."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", required=True, help="An empty or migrated database.")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--users", type=int, default=8, help="Concurrent virtual users.")
    ap.add_argument("--scale", type=float, default=0.02, help="Scale of the demo world.")
    ap.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="intertrata-soak-") as tmp:
        print(f"Preparando: demo a escala {args.scale}, uvicorn con {args.workers} workers...")
        t0 = time.monotonic()
        work = Path(tmp)
        keys, rows = prepare(args.database_url, scale=args.scale, work=work)
        with serve(
            args.database_url, workers=args.workers, keys=keys, templates=rows, work=work
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
