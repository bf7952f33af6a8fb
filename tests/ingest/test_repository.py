"""Row-level SQL of ingest: keys chosen before insert, one-parameter row-id lookups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import session_scope
from app.ingest import repository, service
from app.models import SourceRecord
from app.privacy import open_raw, open_record
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


def _plan_cache_mode(s: Session) -> str | None:
    if s.get_bind().dialect.name != "postgresql":
        return None
    return str(s.connection().exec_driver_sql("SHOW plan_cache_mode").scalar())


def test_bulk_writes_reuses_check_plans_only_inside_and_gives_the_setting_back(db):
    with session_scope() as s:
        before = _plan_cache_mode(s)
        with repository.bulk_writes(s):
            inside = _plan_cache_mode(s)
        assert _plan_cache_mode(s) == before
    if before is not None:  # PostgreSQL: the engine's setting, and the checks' cached plans
        assert (before, inside) == ("force_custom_plan", "auto")


def test_a_batch_written_by_copy_reads_back_as_written(db):
    # PostgreSQL writes new rows by COPY of tuples, SQLite by executemany: the same rows.
    lines = [
        "ID_REGISTRO;NRO_DENUNCIA;FECHA_DENUNCIA;DELITO;CONDICION;APELLIDOS_NOMBRES;TIPO_DOC;"
        "NRO_DOC;SEXO",
        "R1;0001-2024;05/01/2024;TRATA DE PERSONAS;VICTIMA;PEREZ ANA;DNI;12345678;F",
        "R2;0001-2024;06/01/2024;TRATA DE PERSONAS;PRESUNTO AUTOR;NN;;;M",
    ]
    rows = [
        (i, dict(zip(lines[0].split(";"), line.split(";"), strict=True)))
        for i, line in enumerate(lines[1:], start=2)
    ]
    with session_scope() as s:
        out = service.ingest_rows(s, system=System.RETA, rows=rows, pushed_by="test", channel="cli")
        batch_id = out.batch.id
    assert (out.batch.new, out.batch.rejected) == (2, 0)
    with session_scope() as s:
        recs = {r.row_id: r for r in s.scalars(select(SourceRecord))}
        assert recs["R1"].registration_date == date(2024, 1, 5)
        assert (recs["R1"].role, recs["R2"].role, recs["R2"].sex) == ("victim", "suspect", "M")
        assert recs["R1"].first_batch_id == recs["R1"].last_batch_id == batch_id
        assert recs["R1"].document_hash and recs["R2"].document_hash is None
        history = service.get_record_history(s, system=System.RETA, row_id="R1")
        assert history is not None
        (version,) = history[1]
        assert (version.version, version.row_number, version.batch_id) == (1, 2, batch_id)
        assert version.content_hash == recs["R1"].content_hash
        assert open_raw(version.raw)["NRO_DOC"] == "12345678"
        assert open_record(version.record)["document_number"] == "12345678"
