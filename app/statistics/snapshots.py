"""Frozen statistics answers: freeze, list, read (suppressed below reviewer) and compare."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models.statistics import StatisticsSnapshot
from app.statistics import repository
from app.statistics.schemas import (
    SnapshotCompareRead,
    SnapshotCreate,
    SnapshotRead,
    SnapshotSummaryRead,
    VictimQuery,
    VictimStatsRead,
    YearDiffRead,
)
from app.statistics.service import default_threshold, victim_statistics

__all__ = ["COMPARED", "compare_snapshots", "create_snapshot", "get_snapshot", "list_snapshots"]

# Figures compared year by year: reconciled, each system's raw rows, and the estimates.
COMPARED: tuple[str, ...] = (
    "reconciled",
    "reta_rows",
    "sistra_rows",
    "estimate_total",
    "estimate_ci_low",
    "estimate_ci_high",
    "bounds_ci_low",
    "bounds_ci_high",
)


def create_snapshot(
    session: Session, *, body: SnapshotCreate, created_by: str, threshold: int | None = None
) -> SnapshotSummaryRead:
    """Compute a victims answer (full and suppressed) and freeze it with its run and time."""
    limit = default_threshold() if threshold is None else threshold
    full = victim_statistics(
        session, query=body.query, suppress_small=False, threshold=limit, as_of=body.as_of
    )
    hidden = victim_statistics(
        session, query=body.query, suppress_small=True, threshold=limit, as_of=body.as_of
    )
    snap = repository.add_snapshot(
        session,
        snapshot=StatisticsSnapshot(
            kind="victims",
            params={**body.query.model_dump(mode="json"), "threshold": limit},
            result=full.model_dump(mode="json"),
            result_suppressed=hidden.model_dump(mode="json"),
            link_run_id=repository.last_run_id(session),
            as_of=body.as_of,
            note=body.note,
            created_by=created_by,
        ),
    )
    return _summary(snap)


def _summary(snap: StatisticsSnapshot) -> SnapshotSummaryRead:
    params = {k: v for k, v in snap.params.items() if k != "threshold"}
    return SnapshotSummaryRead(
        id=snap.id,
        kind=snap.kind,
        query=VictimQuery.model_validate(params),
        as_of=snap.as_of,
        note=snap.note,
        link_run_id=snap.link_run_id,
        created_by=snap.created_by,
        created_at=snap.created_at,
    )


def _result(snap: StatisticsSnapshot, suppress_small: bool) -> VictimStatsRead:
    return VictimStatsRead.model_validate(snap.result_suppressed if suppress_small else snap.result)


def list_snapshots(
    session: Session, *, limit: int = 100, offset: int = 0
) -> list[SnapshotSummaryRead]:
    """Return frozen answers, newest first, without their results."""
    return [_summary(s) for s in repository.list_snapshots(session, limit=limit, offset=offset)]


def get_snapshot(
    session: Session, *, snapshot_id: int, suppress_small: bool
) -> SnapshotRead | None:
    """Return one frozen answer, with small cells hidden when `suppress_small`."""
    snap = repository.get_snapshot(session, snapshot_id=snapshot_id)
    if snap is None:
        return None
    return SnapshotRead(**_summary(snap).model_dump(), result=_result(snap, suppress_small))


def _figures(result: VictimStatsRead) -> dict[int, dict[str, float | None]]:
    out: dict[int, dict[str, float | None]] = {}
    for y in result.years:
        e, b = y.estimate, y.estimate_bounds
        out[y.year] = {
            "reconciled": y.reconciled,
            "reta_rows": y.reta_rows,
            "sistra_rows": y.sistra_rows,
            "estimate_total": e.total if e else None,
            "estimate_ci_low": e.ci_low if e else None,
            "estimate_ci_high": e.ci_high if e else None,
            "bounds_ci_low": b.ci_low if b else None,
            "bounds_ci_high": b.ci_high if b else None,
        }
    return out


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 1)


def compare_snapshots(
    session: Session, *, a_id: int, b_id: int, suppress_small: bool
) -> SnapshotCompareRead | None:
    """Return the per-year differences (b minus a) of two frozen answers."""
    a = repository.get_snapshot(session, snapshot_id=a_id)
    b = repository.get_snapshot(session, snapshot_id=b_id)
    if a is None or b is None:
        return None
    fa, fb = _figures(_result(a, suppress_small)), _figures(_result(b, suppress_small))
    empty: dict[str, Any] = dict.fromkeys(COMPARED)
    years = [
        YearDiffRead(
            year=y,
            a=fa.get(y, empty),
            b=fb.get(y, empty),
            diff={k: _diff(fa.get(y, empty)[k], fb.get(y, empty)[k]) for k in COMPARED},
        )
        for y in sorted(set(fa) | set(fb))
    ]
    return SnapshotCompareRead(a=_summary(a), b=_summary(b), suppressed=suppress_small, years=years)
