"""Linkage gives the same result with one process or several forked workers."""

from __future__ import annotations

import os

import numpy as np
import pytest

from app.matching import Linker, LinkResult, clustering
from app.matching.blocking import BlockingIndex
from app.matching.parallel import can_fork, default_workers, fork_map
from app.matching.records import RecordTable, from_common
from app.matching.settings import LinkageSettings

from .conftest import population

pytestmark = pytest.mark.skipif(not can_fork(), reason="worker processes are forked (Linux)")


def _pid(_state: None, _task: int) -> int:
    return os.getpid()


def test_fork_map_runs_tasks_in_workers_and_keeps_their_order() -> None:
    squares = list(fork_map(lambda base, x: base + x * x, 10, list(range(20)), 2))
    assert squares == [10 + x * x for x in range(20)]
    pids = set(fork_map(_pid, None, list(range(8)), 2))
    assert os.getpid() not in pids
    assert list(fork_map(_pid, None, [0, 1], 1)) == [os.getpid()] * 2


def test_default_workers_is_at_least_one_and_at_most_two() -> None:
    assert 1 <= default_workers() <= 2
    assert LinkageSettings().workers == default_workers()


@pytest.fixture(scope="module")
def runs() -> tuple[LinkResult, LinkResult]:
    records = population(1500, seed=5)
    serial = Linker(LinkageSettings(workers=1)).link(records)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clustering, "_PARALLEL_EDGES", 0)  # cluster in workers too
        parallel = Linker(LinkageSettings(workers=2, parallel_min_pairs=0)).link(records)
    return serial, parallel


def test_serial_and_parallel_links_are_identical(runs: tuple[LinkResult, LinkResult]) -> None:
    serial, parallel = runs
    assert len(serial.pair_a) > 4 * 4096  # enough pairs for several chunks per worker
    np.testing.assert_array_equal(serial.pair_a, parallel.pair_a)
    np.testing.assert_array_equal(serial.pair_b, parallel.pair_b)
    np.testing.assert_array_equal(serial.levels, parallel.levels)
    np.testing.assert_array_equal(serial.probability, parallel.probability)
    np.testing.assert_array_equal(serial.status_code, parallel.status_code)
    np.testing.assert_array_equal(serial.labels, parallel.labels)
    assert serial.case_labels == parallel.case_labels
    assert [(s.rule, s.pairs, s.new_pairs) for s in serial.blocking] == [
        (s.rule, s.pairs, s.new_pairs) for s in parallel.blocking
    ]


def test_parallel_stages_count_the_workers_cpu(runs: tuple[LinkResult, LinkResult]) -> None:
    _, parallel = runs
    stages = {t.stage: t for t in parallel.stages}
    assert stages["compare"].cpu > 0 and stages["blocking"].cpu > 0


def test_blocking_built_by_workers_is_the_one_built_here() -> None:
    table = RecordTable([from_common(r) for r in population(600, seed=9)])
    s = LinkageSettings()
    here = BlockingIndex(table, s.blocking, s.max_block_size, s.split_block_size)
    there = BlockingIndex(
        table, s.blocking, s.max_block_size, s.split_block_size, workers=2, pair_codes=True
    )
    mine, theirs = here.sorted_keys + here.sorted_rows, there.sorted_keys + there.sorted_rows
    for x, y in zip(mine, theirs, strict=True):
        np.testing.assert_array_equal(x, y)
    a1, b1, st1 = here.pairs(len(table))
    a2, b2, st2 = there.pairs(len(table))
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    assert st1 == st2
    new = from_common(population(1, seed=11)[0])
    np.testing.assert_array_equal(here.candidates(new), there.candidates(new))


def test_judgements_are_applied_alike_in_workers(runs: tuple[LinkResult, LinkResult]) -> None:
    serial, _ = runs
    records = population(1500, seed=5)
    keys, labels = serial.keys, serial.labels
    linked = np.flatnonzero(labels[serial.pair_a] == labels[serial.pair_b])[:3]
    apart = np.flatnonzero(labels[serial.pair_a] != labels[serial.pair_b])[:3]
    judgements = {
        (keys[int(serial.pair_a[k])], keys[int(serial.pair_b[k])]): bool(k in apart)
        for k in np.concatenate([linked, apart]).tolist()
    }
    one = Linker(LinkageSettings(workers=1)).link(records, judgements=judgements)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clustering, "_PARALLEL_EDGES", 0)
        two = Linker(LinkageSettings(workers=2, parallel_min_pairs=0)).link(
            records, judgements=judgements
        )
    assert not np.array_equal(one.labels, serial.labels)  # the judgements changed something
    np.testing.assert_array_equal(one.labels, two.labels)
    np.testing.assert_array_equal(one.status_code, two.status_code)
    np.testing.assert_array_equal(one.rule_code, two.rule_code)
