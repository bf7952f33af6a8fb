"""Row-level SQL of ingest: keys chosen before insert, one-parameter row-id lookups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.db import session_scope
from app.ingest import repository, service
from app.models import SourceRecord
from app.schema import System


def _rows(batch_id: str, system: str, row_ids: list[str]) -> list[dict[str, object]]:
    return [
        {
            "system": system,
            "row_id": row_id,
            "version": 1,
            "content_hash": f"h-{row_id}",
            "role": "victim",
            "case_key_norm": "C1",
            "registration_date": date(2024, 1, 1),
            "facts_date": None,
            "offence": "trata",
            "offence_family": "trafficking",
            "sex": None,
            "unidentified": False,
            "document_hash": None,
            "first_batch_id": batch_id,
            "last_batch_id": batch_id,
        }
        for row_id in row_ids
    ]


def test_inserted_keys_are_the_stored_ones_and_lookups_find_them(db):
    with session_scope() as s:
        keys = {}
        for system, ids in (("RETA", ["a", "b", "c"]), ("SISTRA", ["a", "d"]), ("RETA", ["e"])):
            batch = repository.add_batch(
                s,
                batch=service._new_batch(
                    System(system), channel="cli", filename=None, sha=None, pushed_by="test"
                ),
            )
            got = repository.insert_records(s, system=system, rows=_rows(batch.id, system, ids))
            assert set(got) == set(ids)
            keys.update({(system, row_id): pk for row_id, pk in got.items()})
        stored = {
            (system, row_id): pk
            for system, row_id, pk in s.execute(
                select(SourceRecord.system, SourceRecord.row_id, SourceRecord.id)
            )
        }
        assert keys == stored
        assert len(set(stored.values())) == 6
        state = repository.current_state(s, system="RETA", row_ids=["a", "e", "d", "zz"])
        assert state == {
            "a": (stored[("RETA", "a")], 1, "h-a"),
            "e": (stored[("RETA", "e")], 1, "h-e"),
        }
        assert repository.current_state(s, system="RETA", row_ids=[]) == {}
