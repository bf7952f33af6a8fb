"""Statistics as known on a past date: the row versions and judgements in force then, re-linked.

Person and case ids of an as-of answer are the in-memory labels of that re-link, not the
stored ids. Cost: one full run of the pure Linker over every row that existed on the date
(seconds for a demo world, minutes nationally); the linked rows are cached per date and run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from app.linkage.service import pair_key, parse_key
from app.matching import Linker, RecordKey
from app.privacy import open_record
from app.schema import CommonRecord
from app.statistics import repository
from app.statistics.counting import VictimRow
from app.statistics.store import LoadedRows, cached

__all__ = ["end_of_day", "rows_as_of"]


def end_of_day(day: date) -> datetime:
    """Return the last instant of `day` in UTC: 'as known on D' includes all of D."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def _judgements(rows: list[tuple[str, str, str]]) -> dict[tuple[RecordKey, RecordKey], bool]:
    latest: dict[tuple[str, str], str] = {}
    for a, b, decision in rows:
        latest[pair_key(a, b)] = decision
    return {
        (parse_key(a), parse_key(b)): d == "match" for (a, b), d in latest.items() if d != "unsure"
    }


def _victim_row(rid: int, r: CommonRecord, person: int, case: int | None) -> VictimRow:
    return VictimRow(
        source_record_id=rid,
        person_id=person,
        system=r.system.value,
        registration_date=r.registration_date,
        facts_date=r.facts_date,
        offence_family=r.offence_family.value,
        sex=r.sex.value if r.sex else None,
        unidentified=r.unidentified,
        age=r.age,
        minor=r.minor,
        nationality=r.nationality,
        purpose=r.purpose.value,
        ubigeo_facts=r.ubigeo_facts,
        ubigeo_residence=r.ubigeo_residence,
        ubigeo_birth=r.ubigeo_birth,
        case_id=case,
        origin=r.origin,
    )


def _link(session: Session, day: date) -> LoadedRows:
    at = end_of_day(day)
    ids: list[int] = []
    records: list[CommonRecord] = []
    for rid, doc in repository.records_as_of(session, at=at):
        ids.append(rid)
        records.append(CommonRecord.model_validate(open_record(doc)))
    judged = _judgements(repository.judgements_as_of(session, at=at))
    result = Linker().link(records, judgements=judged) if records else None
    persons = result.clusters if result else {}
    cases = result.case_clusters if result else {}
    rows: list[VictimRow] = []
    identified: set[int] = set()
    for rid, r in zip(ids, records, strict=True):
        key = (r.system.value, r.row_id)
        person = persons.get(key, -rid)
        if not r.unidentified:
            identified.add(person)
        if r.role.value == "victim":
            rows.append(_victim_row(rid, r, person, cases.get(key)))
    raw = [(r.system, r.registration_date, r.offence_family) for r in rows]
    return LoadedRows(rows, raw, identified, None)


def rows_as_of(session: Session, *, day: date) -> LoadedRows:
    """Return the victim rows as known at the end of `day`, linked as a run then would have."""
    # Keyed by what was known then, so a backdated import or a restore is never served stale.
    known = repository.known_by(session, at=end_of_day(day))
    return cached(("as_of_rows", day, known), lambda: _link(session, day), heavy=True)
