"""Victim statistics rules: distinct persons per year, own figures, gaps, estimates, suppression.

Answers come from a person-year frame (`frame.py`, `answers.py`): the run's stored frame now,
one built in memory for an as-of date or a list of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any, cast

from sqlalchemy.orm import Session

from app.config import get_settings
from app.statistics import repository
from app.statistics.answers import MAX_GROUP_DIMS, answer, answer_together, check
from app.statistics.asof import end_of_day, rows_as_of
from app.statistics.counting import DIMENSIONS, VictimRow
from app.statistics.fast import count_victims
from app.statistics.frame import Frame, build_frame
from app.statistics.rules import RULES
from app.statistics.schemas import VictimQuery, VictimStatsRead
from app.statistics.store import (
    StaleFrame,
    cached,
    current_rows,
    refresh_facts,
    run_frame,
)

__all__ = [
    "DIMENSIONS",
    "MAX_GROUP_DIMS",
    "RULES",
    "answer",
    "answer_together",
    "compute",
    "count_victims",
    "default_threshold",
    "refresh_facts",
    "victim_statistics",
    "victim_statistics_json",
]


def default_threshold() -> int:
    """Return the small-cell threshold (INTERTRATA_STATS_THRESHOLD, default 5)."""
    return get_settings().stats_threshold


def compute(
    rows: Sequence[VictimRow],
    raw: Sequence[tuple[str, date, str]],
    *,
    query: VictimQuery,
    identified: Collection[int] | None = None,
    suppress_small: bool = False,
    threshold: int = 5,
    last_linkage: datetime | None = None,
) -> VictimStatsRead:
    """Count distinct victims per year for a query, with gaps, estimates and suppression."""
    return answer(
        build_frame(rows, raw, identified=identified),
        query=query,
        suppress_small=suppress_small,
        threshold=threshold,
        last_linkage=last_linkage,
    )


def victim_statistics(
    session: Session,
    *,
    query: VictimQuery,
    suppress_small: bool,
    threshold: int | None = None,
    as_of: date | None = None,
) -> VictimStatsRead:
    """Count distinct victims for a query, now (cached per linkage run) or as known on a date.

    The answer may be shared with other callers: do not modify it.
    """
    return cast(
        VictimStatsRead, _victims(session, query, suppress_small, threshold, as_of, json=False)
    )


def victim_statistics_json(
    session: Session,
    *,
    query: VictimQuery,
    suppress_small: bool,
    threshold: int | None = None,
    as_of: date | None = None,
) -> bytes:
    """Return `victim_statistics` serialised as JSON (cached with the answer: the route's body)."""
    return cast(bytes, _victims(session, query, suppress_small, threshold, as_of, json=True))


def _victims(
    session: Session,
    query: VictimQuery,
    suppress_small: bool,
    threshold: int | None,
    as_of: date | None,
    *,
    json: bool,
) -> VictimStatsRead | bytes:
    limit = default_threshold() if threshold is None else threshold
    check(query)  # refuse bad dimensions before any (re)linking or cache work

    def run(frame: Frame, last_linkage: datetime | None) -> VictimStatsRead:
        return answer(
            frame,
            query=query,
            suppress_small=suppress_small,
            threshold=limit,
            last_linkage=last_linkage,
        )

    def serialised(key: tuple[Any, ...], make: Callable[[], VictimStatsRead]) -> Any:
        if not json:
            return cached(key, make)
        # The body of the HTTP answer, next to the answer: a repeat costs a dictionary look-up.
        return cached(("json", *key), lambda: cached(key, make).model_dump_json().encode())

    params = (query.model_dump_json(), suppress_small, limit)
    if as_of is not None:
        known = repository.known_by(session, at=end_of_day(as_of))

        def as_of_frame() -> Frame:
            loaded = rows_as_of(session, day=as_of)
            return build_frame(loaded.rows, loaded.raw, identified=loaded.identified)

        def past() -> VictimStatsRead:
            # One frame per date and what was known then, shared by every query of that date.
            frame = cached(("as_of_frame", as_of, known), as_of_frame, heavy=True)
            return run(frame, None).model_copy(update={"as_of": as_of})

        return serialised(("as_of", as_of, known, *params), past)  # type: ignore[no-any-return]

    def now(key: tuple[int, datetime]) -> VictimStatsRead:
        return run(run_frame(session, key), key[1])

    for _ in range(3):
        key = repository.last_run_key(session)
        if key is None:
            loaded = current_rows(session)
            frame = build_frame(loaded.rows, loaded.raw, identified=loaded.identified)
            fresh = run(frame, None)
            return fresh.model_dump_json().encode() if json else fresh
        try:
            # Shared with every caller of the same run and parameters: answers are read-only
            # (a deep copy cost more than computing the answer from the frame).
            return serialised(("now", key, *params), partial(now, key))  # type: ignore[no-any-return]
        except StaleFrame:
            continue  # a run finished meanwhile: answer from the newer one
    raise StaleFrame("el marco de estadísticas cambió durante la consulta")
