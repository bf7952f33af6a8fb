"""Victim facts, the answer cache, the SQL fast path and as-of answers on a linked world."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select, update

from app.db import session_scope
from app.models import SourceRecord, SourceRecordVersion
from app.models.statistics import VictimFact
from app.statistics import repository, service
from app.statistics.schemas import VictimQuery
from app.statistics.service import compute
from app.statistics.store import refresh_facts


def _live(session, query):
    rows = list(repository.victim_rows(session))
    identified = repository.identified_persons(session)
    identified |= {r.person_id for r in rows if r.person_id < 0 and not r.unidentified}
    return compute(
        rows,
        repository.raw_victim_rows(session),
        query=query,
        identified=identified,
        last_linkage=repository.last_run_finished(session),
    )


def test_facts_give_the_same_answer_as_the_live_rows(linked_world):
    query = VictimQuery(group_by=["department_residence", "sex"])
    with session_scope() as s:
        run_id = repository.last_run_id(s)
        n = refresh_facts(s, run_id=run_id)
        victims = s.scalar(
            select(func.count()).select_from(SourceRecord).where(SourceRecord.role == "victim")
        )
        assert n == victims == s.scalar(select(func.count()).select_from(VictimFact))
        live = _live(s, query)
    with session_scope() as s:
        fast = service.victim_statistics(s, query=query, suppress_small=False)
        again = service.victim_statistics(s, query=query, suppress_small=False)
    assert fast.model_dump() == live.model_dump() == again.model_dump()
    assert all(y.estimate_bounds is not None for y in fast.years)


def test_sql_counts_match_the_reconciled_figure_per_year(linked_world):
    with session_scope() as s:
        stats = service.victim_statistics(s, query=VictimQuery(), suppress_small=False)
        cells = service.count_victims(s)
        by_sex = service.count_victims(s, group_by=["sex"], where={"year": ["2017"]})
    assert {c.year: c.persons for c in cells} == {y.year: y.reconciled for y in stats.years}
    assert {c.year for c in by_sex} == {2017} and {c.key[0] for c in by_sex} <= {
        "F",
        "M",
        "desconocido",
    }


def test_as_of_uses_only_what_was_known_then(linked_world):
    with session_scope() as s:
        now = service.victim_statistics(s, query=VictimQuery(), suppress_small=False)
        later = service.victim_statistics(
            s, query=VictimQuery(), suppress_small=False, as_of=date(2100, 1, 1)
        )
        assert [y.reta_rows for y in later.years] == [y.reta_rows for y in now.years]
        assert later.as_of == date(2100, 1, 1)
        # Pretend the SISTRA rows were first pushed in 2099: before that only RETA was known.
        ids = select(SourceRecord.id).where(SourceRecord.system == "SISTRA")
        s.execute(
            update(SourceRecordVersion)
            .where(SourceRecordVersion.source_record_id.in_(ids))
            .values(created_at=datetime(2099, 1, 1, tzinfo=UTC))
        )
        s.flush()
        before = service.victim_statistics(
            s, query=VictimQuery(), suppress_small=False, as_of=date(2098, 12, 31)
        )
        nothing = service.victim_statistics(
            s, query=VictimQuery(), suppress_small=False, as_of=date(2000, 1, 1)
        )
    assert all(y.sistra_rows == 0 and y.both == 0 for y in before.years)
    assert [y.reta_rows for y in before.years] == [y.reta_rows for y in now.years]
    assert nothing.years == []


def test_the_index_counts_the_cells_of_the_full_answer(linked_world):
    for basis in ("registration", "facts"):
        for group_by in (["sex"], ["department_residence", "age_ctdc"], ["overlap"]):
            query = VictimQuery(date_basis=basis, group_by=group_by, where={"sex": ["F"]})
            with session_scope() as s:
                full = service.victim_statistics(s, query=query, suppress_small=False)
                fast = service.count_victims(
                    s, date_basis=basis, group_by=group_by, where={"sex": ["F"]}
                )
            cells = {
                (c.key["year"], *(c.key[d] for d in group_by)): c.persons
                for c in full.cells
                if "total" not in c.key.values()
            }
            assert {(str(c.year), *c.key): c.persons for c in fast} == cells


def test_fast_counts_hide_small_cells_when_asked(linked_world):
    with session_scope() as s:
        cells = service.count_victims(s, group_by=["department_facts"], suppress_small=True)
    shown = [c.persons for c in cells if c.persons is not None]
    assert all(v >= 5 for v in shown) and any(c.persons is None for c in cells)
