"""Linkage rules around the pure core: stable IDs, links, review queue and judgements."""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from app.linkage import repository
from app.linkage.identity import Assignment, assign_ids
from app.matching import Explanation, Linker, LinkInput, LinkResult, RecordKey, from_common
from app.matching.incremental import (
    LinkCache,
    ModelState,
    fallback_reason,
    link_incremental,
    model_state,
)
from app.matching.linker import STATUSES
from app.models import Case, CaseMember, Judgement, LinkRun, Person, PersonMember, ReviewItem
from app.models._types import utcnow
from app.privacy import open_record
from app.schema import CommonRecord

__all__ = [
    "DECISIONS",
    "LINK_STAGES",
    "explanation_json",
    "key_str",
    "link_in_background",
    "pair_key",
    "parse_key",
    "record_judgement",
    "run_linkage",
]

log = logging.getLogger(__name__)

DECISIONS = ("match", "no_match", "unsure")

Progress = Callable[[str], None]
# Stages run_linkage reports through `progress`, once each: load, link, store, statistics.
LINK_STAGES = 4


def key_str(key: RecordKey) -> str:
    """Return a record key as 'SYSTEM:row_id'."""
    return f"{key[0]}:{key[1]}"


def parse_key(text: str) -> RecordKey:
    """Return the record key written as 'SYSTEM:row_id'."""
    system, _, row_id = text.partition(":")
    return system, row_id


def pair_key(a: str, b: str) -> tuple[str, str]:
    """Return a pair of keys in canonical order."""
    return (a, b) if a <= b else (b, a)


def explanation_json(expl: Explanation) -> dict[str, Any]:
    """Return an explanation as JSON: prior, per-field weights, total and rule."""
    return {
        "prior_log2_odds": round(expl.prior_log2_odds, 4),
        "fields": [
            {
                "field": f.field,
                "level": f.level,
                "weight": round(f.weight, 4),
                "tf_adjustment": round(f.tf_adjustment, 4),
            }
            for f in expl.fields
        ],
        "log2_odds": round(expl.log2_odds, 4),
        "probability": round(expl.probability, 6),
        "rule": expl.rule,
    }


class _Components:
    """Union-find over record keys joined by 'match' judgements."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class _JudgedState:
    """What the reviewers have said, as the review queue needs it."""

    def __init__(self, judgements: Iterable[Judgement]) -> None:
        latest: dict[tuple[str, str], str] = {}
        for j in judgements:
            latest[pair_key(j.key_a, j.key_b)] = j.decision
        self.latest = latest
        self.components = _Components()
        for (a, b), decision in latest.items():
            if decision == "match":
                self.components.union(a, b)
        self.apart = {
            pair_key(self.components.find(a), self.components.find(b))
            for (a, b), d in latest.items()
            if d == "no_match"
        }

    def for_linker(self) -> dict[tuple[RecordKey, RecordKey], bool]:
        return {
            (parse_key(a), parse_key(b)): d == "match"
            for (a, b), d in self.latest.items()
            if d != "unsure"
        }

    def settled(self, a: str, b: str) -> bool:
        """Return True when the pair, or a pair it implies through judged clusters, was asked."""
        if pair_key(a, b) in self.latest:
            return True
        ca, cb = self.components.find(a), self.components.find(b)
        return ca == cb or pair_key(ca, cb) in self.apart


class _InputCache:
    """The linker's inputs of the stored rows, kept by this process between runs.

    A background run after each push then reads, decrypts and converts only the rows whose
    version or content changed, not every row. Entries are checked against the row's
    current version and keyed content hash, so a stale entry is never used. `link` keeps
    the table, blocking index and case files of those rows for incremental runs (it
    compares the inputs by identity, so unchanged rows must stay the same objects).
    Switched off by INTERTRATA_LINK_CACHE=false: then every run reads and builds anew.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.url = ""
        self.entries: dict[int, tuple[int, str, LinkInput]] = {}
        self.link = LinkCache()


def _caching() -> bool:
    from app.config import get_settings

    return get_settings().link_cache


_inputs = _InputCache()


def _load(
    session: Session, progress: Progress | None
) -> tuple[list[LinkInput], list[int], dict[int, int]]:
    if progress:
        progress("cargando registros")
    url = str(session.get_bind().engine.url)
    states = repository.record_states(session)
    with _inputs.lock:
        if _inputs.url != url or not _caching():
            _inputs.url, _inputs.entries = url, {}
            _inputs.link.clear()
        entries = _inputs.entries if _caching() else {}
        stale = [
            rid
            for rid, (version, digest) in states.items()
            if (e := entries.get(rid)) is None or e[0] != version or e[1] != digest
        ]
        rows = (
            repository.iter_current_records(session)
            if len(stale) > len(states) // 2
            else repository.iter_records_of(session, record_ids=stale)
        )
        for rid, version, doc in rows:
            if rid not in states:
                continue  # pushed after the states were read: the next run takes it
            # In memory only: the linker compares documents digit by digit (typos count).
            record = from_common(CommonRecord.model_validate(open_record(doc)))
            # The version read may be newer than the state read just before: keep the
            # state's digest only when the versions agree, else the next run reads it again.
            digest = states[rid][1] if states[rid][0] == version else ""
            entries[rid] = (version, digest, record)
        for rid in set(entries) - states.keys():
            del entries[rid]
        ids = sorted(states)
        records = [entries[rid][2] for rid in ids]
        versions = {rid: entries[rid][0] for rid in ids}
    return records, ids, versions


def _assign(
    session: Session,
    *,
    model: type[Person] | type[Case],
    previous: dict[int, int],
    labels: dict[int, int],
    run_id: int,
) -> Assignment:
    counter = iter(range(-1, -(len(labels) + 2), -1))
    assignment = assign_ids(previous, labels, new_id=lambda: next(counter))
    # Placeholders (negative) become real ids in one insert: runs are serialised.
    first = repository.next_id(session, model=model)
    real = {ph: first + n for n, ph in enumerate(assignment.created)}
    assignment.ids = {lab: real.get(i, i) for lab, i in assignment.ids.items()}
    assignment.retired = {o: real.get(n, n) for o, n in assignment.retired.items()}
    assignment.events = [
        type(e)(e.kind, real.get(e.survivor, e.survivor), real.get(e.other, e.other), e.records)
        for e in assignment.events
    ]
    assignment.created = list(real.values())
    repository.create_entities(session, model=model, run_id=run_id, ids=assignment.created)
    repository.retire(session, model=model, retired=assignment.retired)
    return assignment


def _with_status(result: LinkResult, *names: str) -> list[int]:
    codes = [STATUSES.index(n) for n in names]
    return [int(k) for k in np.flatnonzero(np.isin(result.status_code, codes))]


def _links(result: LinkResult, ids: dict[RecordKey, int], run_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for k in _with_status(result, "link", "judgement", "review"):
        status = result.status(k)
        a, b = result.keys[int(result.pair_a[k])], result.keys[int(result.pair_b[k])]
        expl = result.explanation(k)
        rows.append(
            {
                "run_id": run_id,
                "record_a_id": ids[a],
                "record_b_id": ids[b],
                "probability": float(result.probability[k]),
                "status": status,
                "explanation": explanation_json(expl),
                "reasoning": expl.rule,
            }
        )
    for inf in result.inferred:
        rows.append(
            {
                "run_id": run_id,
                "record_a_id": ids[inf.a],
                "record_b_id": ids[inf.b],
                "probability": 1.0,
                "status": "inferred",
                "explanation": {
                    "rule": "inferido por eliminación",
                    "case_files": list(inf.case_files),
                },
                "reasoning": inf.reasoning,
            }
        )
    return rows


def _review_queue(
    session: Session,
    result: LinkResult,
    judged: _JudgedState,
    run_id: int,
    scope: set[str] | None = None,
) -> int:
    """Update the queue from the run's doubtful pairs; with scope (keys re-linked by an
    incremental run), only items touching those keys can go obsolete."""
    labels = result.labels
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for k in _with_status(result, "review"):
        i, j = int(result.pair_a[k]), int(result.pair_b[k])
        a, b = result.keys[i], result.keys[j]
        if judged.settled(key_str(a), key_str(b)):
            continue
        # One question per pair of clusters: its answer settles the others.
        ca, cb = int(labels[i]), int(labels[j])
        group = (min(ca, cb), max(ca, cb))
        p = float(result.probability[k])
        if group not in best or p > best[group][0]:
            best[group] = (p, k)
    existing = repository.review_items(session)
    wanted: set[tuple[str, str]] = set()
    now = utcnow()
    for p, k in best.values():
        a, b = result.keys[int(result.pair_a[k])], result.keys[int(result.pair_b[k])]
        pk = pair_key(key_str(a), key_str(b))
        wanted.add(pk)
        item = existing.get(pk)
        expl = explanation_json(result.explanation(k))
        if item is None:
            session.add(
                ReviewItem(
                    key_a=pk[0],
                    key_b=pk[1],
                    probability=p,
                    explanation=expl,
                    status="pending",
                    created_run_id=run_id,
                    updated_at=now,
                )
            )
        elif item.status != "judged":
            item.probability, item.explanation, item.status, item.updated_at = (
                p,
                expl,
                "pending",
                now,
            )
    for pk, item in existing.items():
        if item.status != "pending" or pk in wanted:
            continue
        if scope is None or pk[0] in scope or pk[1] in scope:
            item.status, item.updated_at = "obsolete", now
    session.flush()
    return len(wanted)


def _finite(value: Any) -> Any:
    """Return JSON-safe data: NaN and infinities (tiny worlds) become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# A judgement stamped just before a run started may commit after the run read them: look back
# this far (re-linking a pair twice is harmless; missing one is not). Records are compared by
# version instead (person_members.linked_version).
_LOOKBACK = dt.timedelta(minutes=2)


def _model_state(run: LinkRun | None) -> ModelState | None:
    return ModelState.from_json((run.details or {}).get("model")) if run is not None else None


def run_linkage(
    session: Session, *, full: bool = False, trigger: str = "cli", progress: Progress | None = None
) -> LinkRun | None:
    """Link persons and cases; return None when nothing changed since the last run.

    Incremental unless `full`, the first run, no stored model, or a large share changed: then
    everything is re-linked and the model re-estimated (LinkRun.mode says which ran, and
    details.reason why).
    """
    started = time.perf_counter()
    repository.lock_runs(session)
    last = repository.last_run(session)
    if (
        not full
        and last is not None
        and not repository.changed_since(session, since=last.started_at)
    ):
        return None
    run = repository.add_run(
        session,
        run=LinkRun(
            mode="full" if full or last is None else "incremental",
            trigger=trigger,
            status="running",
            started_at=utcnow(),
        ),
    )
    records, rids, versions = _load(session, progress)
    ids = {r.key: rid for r, rid in zip(records, rids, strict=True)}
    judged = _JudgedState(repository.judgements(session))
    state = _model_state(last)
    reason: str | None
    changed: set[RecordKey] = set()
    if full:
        reason = "reconstrucción pedida (--full)"
    elif last is None:
        reason = "primera ejecución"
    else:
        keys = {rid: key for key, rid in ids.items()}
        changed = {keys[r] for r in repository.changed_records(session) if r in keys}
        for a, b in repository.judgements_since(session, since=last.started_at - _LOOKBACK):
            changed.update(k for k in (parse_key(a), parse_key(b)) if k in ids)
        reason = fallback_reason(records=len(records), changed=len(changed), state=state)
    if reason is None and state is not None:
        run.mode = "incremental"
        model_run = (last.details or {}).get("model_run_id") if last is not None else None
        _incremental(
            session, run, records, ids, versions, judged, state, changed, progress, model_run
        )
    else:
        run.mode = "full"
        _full(session, run, records, ids, versions, judged, progress)
    run.details = {**run.details, "reason": reason or "cambios desde la última ejecución"}
    run.status = "completed"
    run.finished_at = utcnow()
    if progress:
        progress("actualizando estadísticas")
    # Statistics read a denormalised copy of the victims; refresh it in the same transaction.
    from app.statistics.store import refresh_facts  # late: statistics imports linkage

    refresh_facts(session, run_id=run.id)
    run.seconds = round(time.perf_counter() - started, 3)
    session.flush()
    log.info(
        "link run %d (%s): records=%d pairs=%d persons=%d cases=%d review=%d in %.1fs",
        run.id,
        run.mode,
        run.records,
        run.pairs,
        run.persons,
        run.cases,
        run.review,
        run.seconds,
    )
    return run


def _full(
    session: Session,
    run: LinkRun,
    records: list[LinkInput],
    ids: dict[RecordKey, int],
    versions: dict[int, int],
    judged: _JudgedState,
    progress: Progress | None,
) -> None:
    """Re-link every record and re-estimate the model."""
    if progress:
        progress("enlazando todo (reconstrucción)")
    linker = Linker()
    result = linker.link(records, judgements=judged.for_linker())
    if _caching():
        # What the incremental runs after this one start from, in this process.
        with _inputs.link.lock:
            _inputs.link.seed(linker, records)
    if progress:
        progress("guardando personas y casos")
    persons = _assign(
        session,
        model=Person,
        previous=repository.person_members(session),
        labels={ids[k]: lab for k, lab in result.clusters.items()},
        run_id=run.id,
    )
    cases = _assign(
        session,
        model=Case,
        previous=repository.case_members(session),
        labels={ids[k]: lab for k, lab in result.case_clusters.items()},
        run_id=run.id,
    )
    repository.replace_members(
        session,
        model=PersonMember,
        rows=[
            {
                "source_record_id": ids[k],
                "person_id": persons.ids[lab],
                "linked_version": versions[ids[k]],
            }
            for k, lab in result.clusters.items()
        ],
    )
    repository.replace_members(
        session,
        model=CaseMember,
        rows=[
            {"source_record_id": ids[k], "case_id": cases.ids[lab]}
            for k, lab in result.case_clusters.items()
        ],
    )
    _add_events(session, run, persons)
    repository.replace_links(session, rows=_links(result, ids, run.id))
    run.review = _review_queue(session, result, judged, run.id)
    run.records = len(records)
    run.pairs = len(result.pair_a)
    run.links = len(_with_status(result, "link", "judgement"))
    run.inferred = len(result.inferred)
    run.persons = len(set(persons.ids.values()))
    run.cases = len(set(cases.ids.values()))
    _count_events(run, persons)
    run.details = _finite(
        {
            "blocking": [asdict(b) for b in result.blocking],
            "parameters": _parameters(result.parameters),
            # What the incremental runs after this one score with.
            "model": model_state(result).to_json(),
            "model_run_id": run.id,
            "new_persons": len(persons.created),
            "new_cases": len(cases.created),
            "stages": _stages(result),
        }
    )


def _incremental(
    session: Session,
    run: LinkRun,
    records: list[LinkInput],
    ids: dict[RecordKey, int],
    versions: dict[int, int],
    judged: _JudgedState,
    state: ModelState,
    changed: set[RecordKey],
    progress: Progress | None,
    model_run_id: int | None,
) -> None:
    """Re-link the changed records and the persons and cases around them."""
    if progress:
        progress(f"enlazando {len(changed):,} registros cambiados".replace(",", "."))
    previous_p = repository.person_members(session)
    previous_c = repository.case_members(session)
    cache = _inputs.link if _caching() else LinkCache()
    with cache.lock:
        inc = link_incremental(
            records,
            persons={k: previous_p[r] for k, r in ids.items() if r in previous_p},
            cases={k: previous_c[r] for k, r in ids.items() if r in previous_c},
            changed=changed,
            state=state,
            judgements=judged.for_linker(),
            cache=cache,
        )
    result = inc.result
    if progress:
        progress("guardando personas y casos")
    # The affected records hold their previous persons (and the touched files their previous
    # cases) whole, so mapping them alone onto stable IDs is exact.
    person_keys = sorted(inc.affected)
    # Labels of the rewritten rows only: a dict of every row costs seconds at a million.
    where, labels = result.table.key_index, result.labels
    clusters = {k: int(labels[where[k]]) for k in person_keys}
    persons = _assign(
        session,
        model=Person,
        previous={ids[k]: previous_p[ids[k]] for k in person_keys if ids[k] in previous_p},
        labels={ids[k]: clusters[k] for k in person_keys},
        run_id=run.id,
    )
    file_of, case_labels = result.file_of, result.case_labels
    case_keys = inc.case_keys
    case_of = {k: case_labels[file_of[k]] for k in case_keys}
    cases = _assign(
        session,
        model=Case,
        previous={ids[k]: previous_c[ids[k]] for k in case_keys if ids[k] in previous_c},
        labels={ids[k]: case_of[k] for k in case_keys},
        run_id=run.id,
    )
    repository.replace_members_of(
        session,
        model=PersonMember,
        record_ids=[ids[k] for k in person_keys],
        rows=[
            {
                "source_record_id": ids[k],
                "person_id": persons.ids[clusters[k]],
                "linked_version": versions[ids[k]],
            }
            for k in person_keys
        ],
    )
    repository.replace_members_of(
        session,
        model=CaseMember,
        record_ids=[ids[k] for k in case_keys],
        rows=[{"source_record_id": ids[k], "case_id": cases.ids[case_of[k]]} for k in case_keys],
    )
    _add_events(session, run, persons)
    repository.replace_links_of(
        session, record_ids=[ids[k] for k in person_keys], rows=_links(result, ids, run.id)
    )
    scope = {key_str(k) for k in person_keys}
    _review_queue(session, result, judged, run.id, scope)
    run.review = repository.count_pending_reviews(session)
    run.records = len(records)
    run.pairs = len(result.pair_a)
    run.links = repository.count_links(session, statuses=("link", "judgement"))
    run.inferred = repository.count_links(session, statuses=("inferred",))
    run.persons = repository.count_entities(session, model=PersonMember)
    run.cases = repository.count_entities(session, model=CaseMember)
    _count_events(run, persons)
    run.details = _finite(
        {
            "parameters": _parameters(state.parameters),
            "model": state.to_json(),
            "model_run_id": model_run_id,
            "incremental": inc.stats,
            "new_persons": len(persons.created),
            "new_cases": len(cases.created),
            "stages": _stages(result),
        }
    )


def _parameters(params: Any) -> dict[str, Any]:
    return {
        "prior": params.prior,
        "iterations": params.iterations,
        "converged": params.converged,
        "fields": [asdict(f) for f in params.fields],
    }


def _stages(result: LinkResult) -> list[dict[str, Any]]:
    return [
        {"stage": t.stage, "wall": round(t.wall, 3), "cpu": round(t.cpu, 3)} for t in result.stages
    ]


def _add_events(session: Session, run: LinkRun, persons: Assignment) -> None:
    repository.add_events(
        session,
        rows=[
            {
                "run_id": run.id,
                "kind": e.kind,
                "person_id": e.survivor,
                "other_person_id": e.other,
                "at": utcnow(),
                "detail": {"records": e.records},
            }
            for e in persons.events
        ],
    )


def _count_events(run: LinkRun, persons: Assignment) -> None:
    run.merges = sum(1 for e in persons.events if e.kind == "merge")
    run.splits = sum(1 for e in persons.events if e.kind == "split")


class _Coalescer:
    """Run at most one background linkage at a time per process, and at most one more after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = False
        self._pending = False

    def submit(self, job: Callable[[], None]) -> bool:
        """Run `job` now, or fold it into the run in progress; return True when it ran here."""
        with self._lock:
            if self._running:
                # A run already in progress may have read the data before this push committed:
                # ask for one more pass instead of queueing one thread per push on the run lock.
                self._pending = True
                return False
            self._running = True
        try:
            while True:
                with self._lock:
                    self._pending = False
                job()
                with self._lock:
                    # Decide and release under one lock, so a push arriving now is not lost.
                    if not self._pending:
                        self._running = False
                        return True
        except BaseException:
            with self._lock:
                self._running = False
            raise


_background = _Coalescer()


def link_in_background(trigger: str) -> None:
    """Run an incremental linkage in its own transaction (after an API push)."""
    from app.db import session_scope

    def job() -> None:
        try:
            with session_scope() as session:
                run_linkage(session, trigger=trigger)
        except Exception as exc:
            # The push is already stored; the next run (or `intertrata link`) catches up. Only
            # the type is logged: database errors quote the row values they choked on.
            log.error("linkage after ingest failed: %s", type(exc).__name__)

    _background.submit(job)


def record_judgement(
    session: Session, *, key_a: str, key_b: str, decision: str, reviewer: str, note: str | None
) -> Judgement:
    """Record a reviewer's decision on a pair; it wins over the model from the next run on."""
    if decision not in DECISIONS:
        raise ValueError(f"decisión no válida: {decision}")
    a, b = pair_key(key_a, key_b)
    judgement = Judgement(
        key_a=a, key_b=b, decision=decision, reviewer=reviewer, note=note, at=utcnow()
    )
    session.add(judgement)
    item = repository.review_items(session).get((a, b))
    if item is not None:
        item.status, item.updated_at = "judged", utcnow()
    session.flush()
    return judgement
