"""Killing the server (SIGKILL) in the middle of a large batch, or the linker in the middle of
a run, leaves the database consistent: all or nothing, and a retry completes it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.demo.generator import WorldConfig, generate_world, write_world
from app.models import Batch, LinkRun, PersonMember, SourceRecord, SourceRecordVersion

BIN = Path(sys.executable).parent / "intertrata"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            httpx.get(f"{base}/health", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _counts() -> tuple[int, int, int]:
    with session_scope() as s:
        return (
            int(s.scalar(select(func.count()).select_from(SourceRecord)) or 0),
            int(s.scalar(select(func.count()).select_from(SourceRecordVersion)) or 0),
            int(s.scalar(select(func.count()).select_from(Batch)) or 0),
        )


@pytest.fixture(scope="module")
def big_export(tmp_path_factory):
    world = generate_world(WorldConfig(seed=5, scale=0.6, year_from=2015, year_to=2024))
    return write_world(world, tmp_path_factory.mktemp("world"))["sistra.csv"]


def test_sigkill_during_a_batch_leaves_nothing_half_written(db, make_key, big_export):
    env = {**os.environ, "INTERTRATA_LINK_AFTER_INGEST": "false"}
    token = make_key("agency", "SISTRA")
    payload = big_export.read_bytes()
    proc, base = _serve(env)

    def push() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server dies under it
            httpx.post(
                f"{base}/v1/sources/SISTRA/batches",
                headers={"Authorization": f"Bearer {token}"},
                files={"file": ("sistra.csv", payload)},
                timeout=120,
            )

    pusher = threading.Thread(target=push)
    pusher.start()
    time.sleep(1.5)  # well inside a batch of ~15,000 rows
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    pusher.join(30)
    assert _counts() == (0, 0, 0)  # the batch is wholly out

    proc, base = _serve(env)
    try:
        r = httpx.post(
            f"{base}/v1/sources/SISTRA/batches",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": ("sistra.csv", payload)},
            timeout=300,
        )
        assert r.status_code == 201
        body = r.json()
        assert body["new"] + body["rejected"] == body["received"] > 10_000
        assert _counts() == (body["new"], body["new"], 1)
    finally:
        proc.terminate()
        proc.wait(10)


def test_sigkill_during_a_linkage_run_keeps_the_previous_result(db, big_export):
    env = {**os.environ, "INTERTRATA_LINK_AFTER_INGEST": "false"}
    subprocess.run(
        [str(BIN), "ingest", "sistra", str(big_export), "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(LinkRun)) == 0
    proc = subprocess.Popen(
        [str(BIN), "link", "--full", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.0)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be killed")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(LinkRun)) == 0
        assert s.scalar(select(func.count()).select_from(PersonMember)) == 0
    done = subprocess.run([str(BIN), "link", "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(PersonMember)) == s.scalar(
            select(func.count()).select_from(SourceRecord)
        )
