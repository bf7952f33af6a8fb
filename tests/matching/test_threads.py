"""Thread pool of the linkage run: order, nesting, errors, and identical results."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from app.adapters.registry import parse_row
from app.demo.generator import WorldConfig, generate_world
from app.matching import LinkageSettings, Linker
from app.matching import linker as linker_module
from app.matching import model as model_module
from app.matching.threads import imap, submit, threads, tmap
from app.schema import System
from app.schema.record import CommonRecord


def test_tmap_and_imap_keep_order_and_use_the_pool() -> None:
    names: set[str] = set()

    def work(x: int) -> int:
        names.add(threading.current_thread().name)
        return x * x

    with threads(2):
        assert tmap(work, list(range(50))) == [x * x for x in range(50)]
        assert list(imap(work, list(range(50)))) == [x * x for x in range(50)]
    assert any(n.startswith("linkage") for n in names)


def test_without_a_pool_everything_runs_in_place() -> None:
    here = threading.current_thread().name
    seen = tmap(lambda _: threading.current_thread().name, [1, 2, 3])
    assert seen == [here] * 3
    assert submit(lambda: 7).result() == 7


def test_nested_calls_from_pool_threads_run_in_place() -> None:
    # A task that maps again must not wait on the pool that runs it (deadlock with 2 threads).
    def outer(x: int) -> list[int]:
        return tmap(lambda y: x + y, [1, 2, 3])

    with threads(2):
        assert tmap(outer, [10, 20, 30, 40]) == [[x + 1, x + 2, x + 3] for x in (10, 20, 30, 40)]


def test_a_failing_task_raises_in_the_caller() -> None:
    def boom(x: int) -> int:
        raise ValueError(x)

    with threads(2), pytest.raises(ValueError):
        tmap(boom, [1, 2])
    with pytest.raises(ValueError):
        submit(lambda: boom(3)).result()


def test_threads_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serial and threaded runs give the same pairs, levels, scores, persons and cases."""
    world = generate_world(WorldConfig(seed=3, scale=0.05, year_from=2016, year_to=2018))
    records = [
        rec
        for system, rows in ((System.RETA, world.reta_rows), (System.SISTRA, world.sistra_rows))
        for n, raw in enumerate(rows, start=2)
        if isinstance(rec := parse_row(system, n, raw), CommonRecord)
    ]
    # Small chunks so that this small world is compared, scored and collapsed in many
    # chunks on both threads.
    monkeypatch.setattr(linker_module, "_CHUNK", 53)
    monkeypatch.setattr(linker_module, "_MIN_CHUNK", 53)
    monkeypatch.setattr(model_module, "_SLICE", 53)
    serial = Linker(replace(LinkageSettings(), threads=1)).link(records)
    threaded = Linker(replace(LinkageSettings(), threads=2)).link(records)
    assert len(serial.pair_a) > 10 * 53
    for name in ("labels", "pair_a", "pair_b", "probability", "status_code", "levels"):
        assert np.array_equal(getattr(serial, name), getattr(threaded, name)), name
    assert serial.parameters == threaded.parameters
    assert serial.case_labels == threaded.case_labels
    assert serial.blocking == threaded.blocking
    assert serial.inferred == threaded.inferred
