"""Run the NumPy-heavy chunks of a linkage run on threads.

NumPy and rapidfuzz release the GIL inside their kernels (sorting, gathering, bincount,
string scorers), so threads share out blocking, comparisons, EM and scoring across the
cores with no copy of the table and no pickling. (Forked worker processes were tried and
cost 2-3 times the CPU per pair: see README.) The pure-Python stages stay serial.

A pool is active only inside ``threads(n)`` and only in the thread that opened it: a task
that calls ``tmap`` from a pool thread runs its items in place, so nested calls can never
wait on a pool that is busy running their caller. Without a pool everything runs in place,
with the same results: chunks are combined in their original order.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

__all__ = ["available_cores", "beside", "imap", "submit", "threads", "tmap"]

T = TypeVar("T")
R = TypeVar("R")

_POOL: ContextVar[ThreadPoolExecutor | None] = ContextVar("linkage_pool", default=None)
_SIZE: ContextVar[int] = ContextVar("linkage_pool_size", default=1)
_SIDE: ContextVar[ThreadPoolExecutor | None] = ContextVar("linkage_side", default=None)


def available_cores() -> int:
    """Return the number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@functools.cache
def _one_malloc_arena() -> None:
    """Make glibc's threads allocate from the main arena, as a single thread does.

    By default each pool thread gets an arena of its own, which keeps the memory of the
    large temporaries freed in it: at a million rows the peak grew by half a GiB.
    """
    # Not glibc: its own allocator decides.
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(ctypes.util.find_library("c")).mallopt(_M_ARENA_MAX, 1)


_M_ARENA_MAX = -8  # glibc's malloc.h


@contextmanager
def threads(count: int) -> Iterator[None]:
    """Open a pool of count threads for tmap/submit calls made from this thread."""
    if count <= 1 or _POOL.get() is not None:
        yield
        return
    _one_malloc_arena()
    with (
        ThreadPoolExecutor(count, thread_name_prefix="linkage") as pool,
        ThreadPoolExecutor(1, thread_name_prefix="linkage-side") as side,
    ):
        token, size, side_token = _POOL.set(pool), _SIZE.set(count), _SIDE.set(side)
        try:
            yield
        finally:
            _POOL.reset(token)
            _SIZE.reset(size)
            _SIDE.reset(side_token)


def tmap(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """Return [fn(x) for x in items], run on the active pool when there is one."""
    pool = _POOL.get()
    if pool is None or len(items) < 2:
        return [fn(x) for x in items]
    return list(pool.map(fn, items))


def imap(fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
    """Yield fn(x) for x in items in order, with at most one task per thread in flight.

    For large results consumed one by one: unlike tmap, no more of them are alive at once
    than there are threads (plus the one being consumed).
    """
    pool = _POOL.get()
    if pool is None or len(items) < 2:
        yield from (fn(x) for x in items)
        return
    window = _SIZE.get()
    running: list[Future[R]] = [pool.submit(fn, x) for x in items[:window]]
    for k in range(len(items)):
        result = running.pop(0).result()
        if k + window < len(items):
            running.append(pool.submit(fn, items[k + window]))
        yield result


def submit(fn: Callable[[], R]) -> Future[R]:
    """Start fn on the active pool (or run it now) and return its future."""
    return _start(_POOL.get(), fn)


def beside(fn: Callable[[], R]) -> Future[R]:
    """Start pure-Python work on the side thread (or run it now) and return its future.

    Side work runs one task at a time, in the order given, on a thread of its own: it
    holds the GIL most of the time, and on a pool thread it would keep the NumPy chunks
    waiting for that thread.
    """
    return _start(_SIDE.get(), fn)


def _start(executor: ThreadPoolExecutor | None, fn: Callable[[], R]) -> Future[R]:
    if executor is not None:
        return executor.submit(fn)
    done: Future[R] = Future()
    try:
        done.set_result(fn())
    except BaseException as exc:  # re-raised by result(), as a pool's future would
        done.set_exception(exc)
    return done
