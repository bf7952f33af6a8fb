"""Fork-based worker pools for the embarrassingly parallel stages of link().

Workers are forked after the record table is built, so they read it (and the comparator's
derived strings) from pages shared copy-on-write; only the small task descriptions go to
them and only their results come back, in task order: the outcome does not depend on the
number of workers. Fork is the service's platform (Linux); elsewhere, or with one worker,
the tasks run in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["children_cpu", "default_workers", "fork_map"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

# What the forked workers run: set just before the fork, inherited, never pickled.
_JOB: tuple[Callable[[Any, Any], Any], Any] | None = None


def default_workers() -> int:
    """Return the default number of linkage workers: the CPUs this process may use, up to 2."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 2))


def can_fork() -> bool:
    """Return whether worker processes can be forked here."""
    return sys.platform.startswith("linux")


def _init() -> None:
    # One worker per core already: rapidfuzz's own threads would only contend with them.
    from app.matching import comparisons

    comparisons.set_string_threads(1)


def _run(task: Any) -> Any:
    assert _JOB is not None
    fn, state = _JOB
    return fn(state, task)


def fork_map(fn: Callable[[S, T], R], state: S, tasks: Sequence[T], workers: int) -> Iterator[R]:
    """Return an iterator of fn(state, task) for each task, in order, from forked workers.

    The workers start at once: the caller may do other work before reading the results.
    state is inherited by the workers (not pickled); tasks and results are. With one worker
    or one task, or where fork is unavailable, the tasks run here as the results are read.
    """
    global _JOB
    workers = min(workers, len(tasks))
    if workers <= 1 or not can_fork():
        return (fn(state, task) for task in tasks)
    _JOB = (fn, state)
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init)
    finally:
        # Forked already: the workers hold their copy.
        _JOB = None
    results = pool.imap(_run, tasks, chunksize=1)
    return _drain(pool, results)


def _drain(pool: Any, results: Iterator[R]) -> Iterator[R]:
    try:
        yield from results
        pool.close()
        pool.join()
    finally:
        pool.terminate()


def children_cpu() -> float:
    """Return the CPU seconds of this process's finished child processes (workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
