"""Slow down guessing: too many failed authentications from one client get 429 for a while."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

__all__ = ["FailureLimiter", "limiter"]


class FailureLimiter:
    """Count failures per client in a sliding window (per process; bounded memory)."""

    def __init__(self, window_seconds: float = 60.0, max_clients: int = 10_000) -> None:
        self.window = window_seconds
        self.max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        self._failures.move_to_end(client)
        while times and now - times[0] > self.window:
            times.popleft()
        while len(self._failures) > self.max_clients:
            self._failures.popitem(last=False)
        return times

    def blocked(self, client: str, limit: int) -> bool:
        """Return True when the client has failed `limit` times within the window."""
        with self._lock:
            return len(self._recent(client, time.monotonic())) >= limit

    def fail(self, client: str) -> None:
        """Record one failed authentication."""
        with self._lock:
            self._recent(client, time.monotonic()).append(time.monotonic())

    def reset(self) -> None:
        """Forget every client (tests)."""
        with self._lock:
            self._failures.clear()


limiter = FailureLimiter()
