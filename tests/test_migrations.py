"""The Alembic migrations produce exactly the schema the models declare."""

from __future__ import annotations

import hashlib
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from app.db import Base, get_engine, session_scope
from app.ingest import service
from app.migrate import _config, current_revision, head_revision
from app.models import Batch, SourceRecordVersion
from app.privacy import open_raw, open_record
from app.schema import CommonRecord, System

DATA = Path(__file__).resolve().parent / "data"


def test_database_is_at_head_and_matches_the_models(db):
    assert current_revision() == head_revision()
    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _migrate(action: str, revision: str) -> None:
    cfg = _config()
    with get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


_QUERIES = {
    "versions": "SELECT id, content_hash, CAST(record AS TEXT), CAST(raw AS TEXT) "
    "FROM source_record_versions ORDER BY id",
    "records": "SELECT id, content_hash FROM source_records ORDER BY id",
    "quarantine": "SELECT id, CAST(raw AS TEXT) FROM quarantine_rows ORDER BY id",
}


def _stored() -> dict[str, list[tuple[object, ...]]]:
    with get_engine().connect() as conn:
        # Plain tuples: a Row's repr shortens long values.
        return {k: [tuple(r) for r in conn.execute(text(q))] for k, q in _QUERIES.items()}


def _ingest(path: Path) -> Batch:
    with session_scope() as s, path.open("rb") as fh:
        return service.ingest_file(
            s, system=System.RETA, stream=fh, filename=path.name, pushed_by="t", channel="cli"
        ).batch


def test_migration_0004_seals_plaintext_rows_and_keeps_replays_idempotent(db, tmp_path):
    lines = (DATA / "reta.csv").read_text("cp1252").splitlines()
    header = lines[0].split(";")
    cells = next(line.split(";") for line in lines[1:] if line.split(";")[header.index("NRO_DOC")])
    document = cells[header.index("NRO_DOC")]
    cells[header.index("FECHA_DENUNCIA")] = "no es una fecha"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{lines[0]}\n{';'.join(cells)}\n", "cp1252")
    first = _ingest(DATA / "reta.csv")
    _ingest(bad)
    try:
        # Back to before sealing: documents in clear, content hashes as ingest used to make them.
        _migrate("downgrade", "0003")
        plain = _stored()
        version = next(v for v in plain["versions"] if document in v[2])
        assert document in version[3]
        assert (
            version[1]
            == hashlib.sha256(
                CommonRecord.model_validate_json(version[2]).model_dump_json().encode()
            ).hexdigest()
        )
        assert document in plain["quarantine"][0][1]
        assert "enc:v1:" not in str(plain)

        _migrate("upgrade", "head")
        sealed = _stored()
        assert document not in str(sealed)
        assert str(sealed).count("enc:v1:") > first.new
        assert len(sealed["versions"]) == len(plain["versions"])
        # A second pass finds nothing left to convert.
        _migrate("stamp", "0003")
        _migrate("upgrade", "0004")
        _migrate("stamp", "head")
        assert _stored() == sealed
    finally:
        if current_revision() != head_revision():
            _migrate("upgrade", "head")
    # The same file again: every row unchanged, so the keyed hashes match the write path's.
    again = _ingest(DATA / "reta.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, first.new)
    with session_scope() as s:
        record, raw = s.execute(
            select(SourceRecordVersion.record, SourceRecordVersion.raw).where(
                SourceRecordVersion.id == version[0]
            )
        ).one()
        assert open_record(record)["document_number"] == document
        assert open_raw(raw)["NRO_DOC"] == document


def test_migration_0007_copies_the_document_hash_into_an_indexed_column(db):
    from app.models import SourceRecord

    _ingest(DATA / "reta.csv")

    def hashes() -> dict[int, str | None]:
        with session_scope() as s:
            return dict(s.execute(select(SourceRecord.id, SourceRecord.document_hash)).all())

    written = hashes()
    assert any(written.values())
    try:
        _migrate("downgrade", "0006")
        _migrate("upgrade", "head")
    finally:
        if current_revision() != head_revision():
            _migrate("upgrade", "head")
    # Copied from the hash stored inside each current record: the same values ingest wrote.
    assert hashes() == written


def test_migration_0009_keeps_every_version_document_through_the_type_change(db):
    _ingest(DATA / "reta.csv")

    def documents() -> list[tuple[object, ...]]:
        # Parsed on read, as the application sees them (jsonb and json differ only in text).
        with session_scope() as s:
            return [
                tuple(r)
                for r in s.execute(
                    select(
                        SourceRecordVersion.id, SourceRecordVersion.record, SourceRecordVersion.raw
                    ).order_by(SourceRecordVersion.id)
                )
            ]

    written = documents()
    assert written
    try:
        _migrate("downgrade", "0008")
        assert documents() == written
        _migrate("upgrade", "head")
    finally:
        if current_revision() != head_revision():
            _migrate("upgrade", "head")
    assert documents() == written
    with get_engine().connect() as conn:
        if conn.dialect.name == "postgresql":
            types = conn.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'source_record_versions' AND column_name IN "
                    "('record', 'raw') ORDER BY column_name"
                )
            ).all()
            assert [tuple(t) for t in types] == [("raw", "json"), ("record", "json")]
