"""SQL for batches, source records, versions and quarantine."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

import orjson
from sqlalchemy import Result, bindparam, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from app.db import executemany
from app.models import Batch, QuarantineRow, SourceRecord, SourceRecordVersion

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "add_batch",
    "bulk_writes",
    "copy_rows",
    "current_state",
    "get_batch",
    "get_record",
    "insert_quarantine",
    "insert_records",
    "insert_versions",
    "list_batches",
    "list_quarantine",
    "list_versions",
    "lock_system",
    "new_record_ids",
    "update_records",
]


_LOCKS = {"RETA": 7_154_101, "SISTRA": 7_154_102}


def lock_system(session: Session, *, system: str) -> None:
    """Serialise batches of one system on PostgreSQL (SQLite has a single writer anyway).

    Two batches carrying the same new row would otherwise both try to insert it.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = _LOCKS.get(system, 7_154_199)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


@contextlib.contextmanager
def bulk_writes(session: Session) -> Iterator[None]:
    """Let PostgreSQL reuse the plans of its foreign-key checks while a batch writes."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    # The engine plans every statement with its parameters (app/db.py), and that includes
    # the query each foreign-key check runs per inserted row and key: planned four times a
    # row, it was half the server's CPU on a bulk ingest (COPY of 119,730 records and
    # versions: 21.9 CPU s with custom plans, 11.9 s with the checks' cached plans). Only for
    # this transaction, and given back at the end; the row-id lookup below stays custom-planned.
    conn = session.connection()
    previous = conn.exec_driver_sql("SELECT current_setting('plan_cache_mode')").scalar()
    conn.exec_driver_sql("SELECT set_config('plan_cache_mode', 'auto', true)")
    yield
    # Not after an error: the caller rolls back, which reverts the setting anyway.
    conn.exec_driver_sql("SELECT set_config('plan_cache_mode', %(v)s, true)", {"v": previous})


def add_batch(session: Session, *, batch: Batch) -> Batch:
    """Insert a batch row."""
    session.add(batch)
    session.flush()
    return batch


def get_batch(session: Session, *, batch_id: str) -> Batch | None:
    """Return one batch."""
    return session.get(Batch, batch_id)


def list_batches(
    session: Session, *, system: str | None, limit: int, offset: int
) -> Sequence[Batch]:
    """Return batches, newest first, optionally of one system."""
    stmt = select(Batch).order_by(Batch.created_at.desc(), Batch.id)
    if system is not None:
        stmt = stmt.where(Batch.system == system)
    return session.scalars(stmt.limit(limit).offset(offset)).all()


# One expanding parameter: a literal list would be coerced element by element (2,000 a chunk).
_IDS: BindParameter[str] = bindparam("ids", expanding=True)


def current_state(
    session: Session, *, system: str, row_ids: Iterable[str]
) -> dict[str, tuple[int, int, str]]:
    """Return row_id -> (record id, version, content hash) for rows already stored."""
    ids = list(row_ids)
    if not ids:
        return {}
    conn = session.connection()
    # One parameter for the whole list, sent to the driver as it is: SQLAlchemy would render
    # and bind one placeholder per row id (2,000 a chunk), a fifth of the writer's time.
    columns = "row_id, id, version, content_hash FROM source_records WHERE system ="
    found: Result[Any, Any, Any, Any]
    if conn.dialect.name == "sqlite":
        found = conn.exec_driver_sql(
            f"SELECT {columns} ? AND row_id IN (SELECT value FROM json_each(?))",
            (system, orjson.dumps(ids).decode("utf-8")),
        )
    elif conn.dialect.name == "postgresql":
        # Never prepared, so always planned with this list, whatever plan_cache_mode says
        # (see bulk_writes): a generic plan made while the table was small scanned it whole.
        dbapi = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
        with dbapi.cursor() as cur:
            cur.execute(
                f"SELECT {columns} %(system)s AND row_id = ANY(%(ids)s)",
                {"system": system, "ids": ids},
                prepare=False,
            )
            return {row_id: (rid, ver, h) for row_id, rid, ver, h in cur}
    else:
        stmt = select(
            SourceRecord.row_id, SourceRecord.id, SourceRecord.version, SourceRecord.content_hash
        ).where(SourceRecord.system == system, SourceRecord.row_id.in_(_IDS))
        found = session.execute(stmt, {"ids": ids})
    return {row_id: (rid, ver, h) for row_id, rid, ver, h in found}


def new_record_ids(session: Session, count: int) -> list[int] | None:
    """Return `count` unused primary keys for source_records (None: let the database pick)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # From the table's own sequence, so concurrent inserts never collide. The sequence is
        # named once (a subquery kept apart by OFFSET 0), not once a row: that was 5 µs a row.
        found = conn.exec_driver_sql(
            "SELECT nextval(s) FROM (SELECT pg_get_serial_sequence('source_records', 'id')"
            "::regclass AS s OFFSET 0) q, generate_series(1, %(n)s)",
            {"n": count},
        )
        return [pk for (pk,) in found.all()]
    if conn.dialect.name == "sqlite":
        # The batch row is already written, so this transaction holds SQLite's only write
        # lock until it commits: nobody else can take these keys. SQLite itself would pick
        # max + 1 (no AUTOINCREMENT).
        top = conn.exec_driver_sql("SELECT max(id) FROM source_records").scalar() or 0
        return list(range(top + 1, top + 1 + count))
    return None


def insert_records(session: Session, *, system: str, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new source records and return row_id -> primary key."""
    if not rows:
        return {}
    ids = new_record_ids(session, len(rows))
    if ids is not None:
        # Keys chosen first: no second pass over the index to read them back.
        for row, pk in zip(rows, ids, strict=True):
            row["id"] = pk
        executemany(session, SourceRecord, rows)
        return {row["row_id"]: row["id"] for row in rows}
    # A plain executemany and one SELECT beat INSERT ... RETURNING, which SQLAlchemy
    # splits into many small statements to keep the returned rows in order.
    executemany(session, SourceRecord, rows)
    stmt = select(SourceRecord.row_id, SourceRecord.id).where(
        SourceRecord.system == system, SourceRecord.row_id.in_(_IDS)
    )
    return {
        row_id: pk for row_id, pk in session.execute(stmt, {"ids": [r["row_id"] for r in rows]})
    }


def copy_rows(
    session: Session,
    *,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Write plain value tuples into a table with one binary COPY (PostgreSQL only).

    `columns` are (name, type) pairs; JSON goes as encoded text, typed `text`.
    """
    if not rows:
        return
    # The values go to psycopg as they are: no per-row dicts, defaults or type processing
    # (the caller gives every column, JSON already encoded), a third of the writer's time.
    # Binary: the server reads integers, dates and timestamps as they are instead of parsing
    # their text (COPY of 43,490 records and versions, three runs each at load 11: 3.2 server
    # CPU s binary, 3.8 s text).
    conn = session.connection()
    names = ", ".join(f'"{name}"' for name, _ in columns)
    dbapi = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    sql = f'COPY "{table}" ({names}) FROM STDIN (FORMAT BINARY)'
    with dbapi.cursor() as cur, cur.copy(sql) as copy:
        copy.set_types([kind for _, kind in columns])
        write = copy.write_row
        for row in rows:
            write(row)


def update_records(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Update the current state of existing source records (rows carry their `id`)."""
    if rows:
        session.execute(update(SourceRecord), rows)


def insert_versions(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Insert source record versions."""
    executemany(session, SourceRecordVersion, rows)


def insert_quarantine(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Insert quarantined rows."""
    executemany(session, QuarantineRow, rows)


def list_quarantine(session: Session, *, batch_id: str) -> Sequence[QuarantineRow]:
    """Return the quarantined rows of a batch in file order."""
    stmt = (
        select(QuarantineRow)
        .where(QuarantineRow.batch_id == batch_id)
        .order_by(QuarantineRow.row_number, QuarantineRow.id)
    )
    return session.scalars(stmt).all()


def get_record(session: Session, *, system: str, row_id: str) -> SourceRecord | None:
    """Return the current state of one source row."""
    stmt = select(SourceRecord).where(SourceRecord.system == system, SourceRecord.row_id == row_id)
    return session.scalars(stmt).one_or_none()


def list_versions(session: Session, *, record_id: int) -> Sequence[SourceRecordVersion]:
    """Return every version of a source record, oldest first."""
    stmt = (
        select(SourceRecordVersion)
        .where(SourceRecordVersion.source_record_id == record_id)
        .order_by(SourceRecordVersion.version)
    )
    return session.scalars(stmt).all()
