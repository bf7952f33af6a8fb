"""Linkage on a migrated database: stable IDs, judgements, review queue, exports."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from app.db import session_scope
from app.ingest import service as ingest
from app.linkage import repository, service
from app.models import Judgement, Person, PersonMember, ReviewItem, SourceRecord
from app.schema import System

DATA = Path(__file__).resolve().parent.parent / "data"


def _ingest(system: System, name: str) -> None:
    with session_scope() as s, (DATA / name).open("rb") as fh:
        ingest.ingest_file(s, system=system, stream=fh, filename=name, pushed_by="t", channel="cli")


def _link(full: bool = False):
    with session_scope() as s:
        return service.run_linkage(s, full=full, trigger="test")


def _persons() -> dict[tuple[str, str], int]:
    with session_scope() as s:
        rows = s.execute(
            select(SourceRecord.system, SourceRecord.row_id, PersonMember.person_id).join(
                PersonMember, PersonMember.source_record_id == SourceRecord.id
            )
        )
        return {(a, b): p for a, b, p in rows}


def _truth() -> dict[tuple[str, str], dict[str, str]]:
    with (DATA / "truth.csv").open(encoding="utf-8") as fh:
        return {(r["system"], r["row_id"]): r for r in csv.DictReader(fh)}


def _load_samples() -> None:
    _ingest(System.RETA, "reta.csv")
    _ingest(System.SISTRA, "sistra.csv")


def test_every_stored_row_gets_a_person_and_a_case(db):
    _load_samples()
    run = _link()
    assert run is not None and run.mode == "full"
    persons = _persons()
    assert set(persons) == set(_truth())
    assert run.persons == len(set(persons.values())) < len(persons)
    # The same DNI in both systems (a documented victim) ends in one person.
    truth = _truth()
    by_true: dict[str, set[int]] = {}
    for key, pid in persons.items():
        by_true.setdefault(truth[key]["person_id"], set()).add(pid)
    assert sum(len(v) == 1 for v in by_true.values()) >= 0.9 * len(by_true)


def test_nothing_changed_means_no_run_and_ids_survive_replays_and_rebuilds(db):
    _load_samples()
    _link()
    before = _persons()
    assert _link() is None
    _ingest(System.RETA, "reta.csv")  # replayed batch: nothing new
    assert _link() is None
    rebuilt = _link(full=True)
    assert rebuilt is not None and rebuilt.merges == rebuilt.splits == 0
    assert _persons() == before


def test_new_batch_keeps_existing_ids_and_records_merges(db):
    _ingest(System.RETA, "reta.csv")
    _link()
    reta_only = _persons()
    _ingest(System.SISTRA, "sistra.csv")
    run = _link()
    # More than a fifth of the rows are new: the model is re-estimated on everything.
    assert run is not None and run.mode == "full" and "%" in run.details["reason"]
    after = _persons()
    kept = sum(after[k] == v for k, v in reta_only.items())
    assert kept >= 0.95 * len(reta_only)
    with session_scope() as s:
        retired = s.scalars(select(Person).where(Person.active.is_(False))).all()
        assert len(retired) == run.merges
        assert all(p.merged_into_id is not None and p.merged_into_id < p.id for p in retired)


def test_judgements_win_survive_full_rebuilds_and_are_never_asked_again(db):
    _load_samples()
    _link()
    persons = _persons()
    # Pick two rows the model put together and say they are different people.
    groups: dict[int, list[tuple[str, str]]] = {}
    for key, pid in persons.items():
        groups.setdefault(pid, []).append(key)
    a, b = next(sorted(m)[:2] for m in groups.values() if len(m) >= 2)
    ka, kb = service.key_str(a), service.key_str(b)
    with session_scope() as s:
        service.record_judgement(
            s, key_a=ka, key_b=kb, decision="no_match", reviewer="t", note=None
        )
    _link()
    assert _persons()[a] != _persons()[b]
    _link(full=True)
    assert _persons()[a] != _persons()[b]
    with session_scope() as s:
        assert s.scalars(select(Judgement)).one().decision == "no_match"
        queued = {
            (i.key_a, i.key_b) for i in s.scalars(select(ReviewItem)) if i.status == "pending"
        }
    assert service.pair_key(ka, kb) not in queued
    # And a 'match' on two rows of different persons joins them.
    c = next(k for k, p in _persons().items() if p not in (_persons()[a],))
    with session_scope() as s:
        service.record_judgement(
            s, key_a=ka, key_b=service.key_str(c), decision="match", reviewer="t", note=None
        )
    _link(full=True)
    assert _persons()[a] == _persons()[c]


def test_review_queue_does_not_ask_implied_pairs():
    state = service._JudgedState(
        [
            Judgement(key_a="RETA:1", key_b="SISTRA:2", decision="match", reviewer="t"),
            Judgement(key_a="SISTRA:2", key_b="SISTRA:3", decision="match", reviewer="t"),
            Judgement(key_a="RETA:9", key_b="SISTRA:3", decision="no_match", reviewer="t"),
        ]
    )
    assert state.settled("RETA:1", "SISTRA:3")  # implied match through SISTRA:2
    assert state.settled("RETA:9", "RETA:1")  # implied no-match with the judged cluster
    assert not state.settled("RETA:1", "RETA:5")


def test_export_members_cover_every_stored_row(db):
    _load_samples()
    _link()
    with session_scope() as s:
        rows = list(repository.export_members(s, model=PersonMember))
        assert len(rows) == len(_truth())
        assert all(system in ("RETA", "SISTRA") for system, _, _ in rows)


def test_background_links_coalesce_pushes_that_arrive_during_a_run():
    import threading

    from app.linkage.service import _Coalescer

    coalescer = _Coalescer()
    started, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow() -> None:
        runs.append(1)
        if len(runs) == 1:
            started.set()
            release.wait(5)

    first = threading.Thread(target=coalescer.submit, args=(slow,))
    first.start()
    assert started.wait(5)
    # Three pushes while the first run is in progress fold into one more pass, run by the
    # thread already running; none of them blocks.
    assert [coalescer.submit(slow) for _ in range(3)] == [False, False, False]
    release.set()
    first.join(5)
    assert len(runs) == 2
    # Idle again: the next push runs at once in its own thread.
    assert coalescer.submit(slow) is True
    assert len(runs) == 3


# -- incremental runs -----------------------------------------------------------------------


def _judge(a: tuple[str, str], b: tuple[str, str], decision: str) -> None:
    with session_scope() as s:
        service.record_judgement(
            s,
            key_a=service.key_str(a),
            key_b=service.key_str(b),
            decision=decision,
            reviewer="t",
            note=None,
        )


def _groups(persons: dict[tuple[str, str], int]) -> dict[int, list[tuple[str, str]]]:
    groups: dict[int, list[tuple[str, str]]] = {}
    for key, pid in persons.items():
        groups.setdefault(pid, []).append(key)
    return groups


def test_judgements_link_incrementally_and_record_merges_and_splits(db):
    _load_samples()
    _link()
    before = _persons()
    groups = _groups(before)
    # A 'match' between two persons: an incremental run merges them, the older ID survives.
    singles = sorted(pid for pid, m in groups.items() if len(m) == 1)
    old, young = singles[0], singles[-1]
    a, c = groups[old][0], groups[young][0]
    _judge(a, c, "match")
    run = _link()
    assert run is not None and run.mode == "incremental", run.details.get("reason")
    assert run.details["incremental"]["affected"] < len(before) / 2
    after = _persons()
    assert after[a] == after[c] == old
    assert run.merges == 1
    with session_scope() as s:
        assert s.get(Person, young).merged_into_id == old
        events = repository.person_events(s, person_id=old)
        assert [(e.kind, e.other_person_id) for e in events] == [("merge", young)]
    # Persons not touched keep their IDs and members.
    touched = {old, young}
    assert all(after[k] == pid for k, pid in before.items() if pid not in touched)
    # A 'no match' inside a multi-row person splits it, and the split is recorded.
    # (two rows the model linked by score: an inferred link is not a clustering decision)
    with session_scope() as s:
        pid, members = next(
            (p, sorted(m))
            for p, m in _groups(after).items()
            if len(m) == 2
            and p not in touched
            and [lk.status for lk in repository.links_among(s, record_ids=[*_ids(m).values()])]
            == ["link"]
        )
    _judge(members[0], members[1], "no_match")
    run = _link()
    assert run is not None and run.mode == "incremental", run.details["reason"]
    assert run.splits == 1, (run.details["incremental"], members)
    final = _persons()
    assert final[members[0]] != final[members[1]] and pid in (final[members[0]], final[members[1]])
    # A full rebuild finds the same persons: no ID moves.
    rebuilt = _link(full=True)
    assert rebuilt is not None and rebuilt.mode == "full"
    assert _persons() == final


def _ids(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    with session_scope() as s:
        rows = s.execute(select(SourceRecord.system, SourceRecord.row_id, SourceRecord.id))
        return {(a, b): i for a, b, i in rows if (a, b) in keys}


def test_without_a_stored_model_the_run_is_full(db):
    _load_samples()
    first = _link()
    assert first is not None and "model" in first.details
    with session_scope() as s:
        run = s.get(type(first), first.id)
        run.details = {k: v for k, v in run.details.items() if k != "model"}
    a, b = sorted(_persons())[:2]
    _judge(a, b, "unsure")
    run = _link()
    assert run is not None and run.mode == "full" and "modelo" in run.details["reason"]


def _pair_f1(a: dict, b: dict) -> float:
    def pairs(labels: dict) -> set:
        out = set()
        for m in _groups(labels).values():
            m.sort()
            out.update((x, y) for i, x in enumerate(m) for y in m[i + 1 :])
        return out

    pa, pb = pairs(a), pairs(b)
    return 2 * len(pa & pb) / (len(pa) + len(pb)) if pa or pb else 1.0


def test_demo_world_pushed_in_batches_links_incrementally_like_a_rebuild(db):
    from app.demo.generator import WorldConfig, generate_world
    from app.ingest.service import ingest_rows

    world = generate_world(WorldConfig(seed=7, scale=0.05, year_from=2017, year_to=2019))
    id_col = {System.RETA: "ID_REGISTRO", System.SISTRA: "ID_SUJETO"}
    both = ((System.RETA, world.reta_rows), (System.SISTRA, world.sistra_rows))
    late = {sys_: {r[id_col[sys_]] for r in rows[-len(rows) // 12 :]} for sys_, rows in both}

    def push(system: System, rows: list) -> None:
        with session_scope() as s:
            ingest_rows(
                s, system=system, rows=enumerate(rows, start=2), pushed_by="t", channel="api"
            )

    for system, rows in both:
        push(system, [r for r in rows if r[id_col[system]] not in late[system]])
    assert _link().mode == "full"
    first = _persons()
    # Batch: the late rows of both systems and the corrections of earlier rows.
    for system, rows in both:
        push(system, [r for r in rows if r[id_col[system]] in late[system]])
    corrections = (
        (System.RETA, world.reta_corrections),
        (System.SISTRA, world.sistra_corrections),
    )
    for system, rows in corrections:
        push(system, [r for r in rows if r[id_col[system]] not in late[system]])
    run = _link()
    assert run is not None and run.mode == "incremental", run.details["reason"]
    incremental = _persons()
    assert set(incremental) == set(_truth_keys(world))
    stats = run.details["incremental"]
    assert 0 < stats["changed"] <= stats["affected"] < len(incremental)
    # Rows outside the re-linked persons keep their person IDs.
    moved = [k for k, pid in first.items() if incremental[k] != pid]
    assert len(moved) <= stats["affected"]
    # The same batch pushed again changes nothing.
    for system, rows in both:
        push(system, [r for r in rows if r[id_col[system]] in late[system]])
    assert _link() is None
    # A rebuild agrees (pairwise over victims), and judgements, links and queue are intact.
    with session_scope() as s:
        victims = {
            (a, b)
            for a, b in s.execute(
                select(SourceRecord.system, SourceRecord.row_id).where(
                    SourceRecord.role == "victim"
                )
            )
        }
    rebuilt = _link(full=True)
    assert rebuilt is not None and rebuilt.mode == "full"
    full = _persons()
    f1 = _pair_f1(
        {k: v for k, v in incremental.items() if k in victims},
        {k: v for k, v in full.items() if k in victims},
    )
    assert f1 >= 0.99


def _truth_keys(world) -> set[tuple[str, str]]:
    return {(t["system"], t["row_id"]) for t in world.truth}


def test_progress_reports_each_stage_once_in_both_modes(db):
    _load_samples()
    for judge in (False, True):
        if judge:
            a, b = sorted(_persons())[:2]
            _judge(a, b, "unsure")
        stages: list[str] = []
        with session_scope() as s:
            run = service.run_linkage(s, trigger="test", progress=stages.append)
        assert run is not None and run.mode == ("incremental" if judge else "full")
        assert len(stages) == service.LINK_STAGES
        assert stages[0] == "cargando registros" and stages[-1] == "actualizando estadísticas"


def test_inputs_kept_between_runs_follow_corrections(db):
    import csv as _csv

    from app.ingest.service import ingest_rows

    with (DATA / "reta.csv").open(encoding="cp1252", newline="") as fh:
        rows = list(_csv.DictReader(fh, delimiter=";"))
    with session_scope() as s:
        ingest_rows(
            s, system=System.RETA, rows=enumerate(rows, start=2), pushed_by="t", channel="cli"
        )
    with session_scope() as s:
        records, ids, versions = service._load(s, None)
    first = {r.key: r for r in records}
    row = dict(rows[0], APELLIDOS_NOMBRES="ZEVALLOS ZEGARRA ZOILA")
    key = ("RETA", row["ID_REGISTRO"])
    with session_scope() as s:
        ingest_rows(s, system=System.RETA, rows=[(2, row)], pushed_by="t", channel="cli")
    with session_scope() as s:
        records, ids, versions = service._load(s, None)
    now = {r.key: r for r in records}
    assert now[key].paternal == "ZEVALLOS" and first[key].paternal != "ZEVALLOS"
    assert versions[ids[[r.key for r in records].index(key)]] == 2
    assert all(now[k] == first[k] for k in first if k != key)
