"""Engine, sessions and the declarative base; the only place that commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic_core import to_json
from sqlalchemy import JSON, MetaData, Table, create_engine, event, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from app.config import get_settings

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "Base",
    "JsonText",
    "executemany",
    "get_engine",
    "get_session",
    "get_sessionmaker",
    "reset_engine",
    "session_scope",
]

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JsonText(str):
    """A JSON document already encoded; the engine's serializer stores it as is."""

    __slots__ = ()


def _json_serializer(value: Any) -> str:
    # Ingest encodes each common record once (for its hash) and hands over the text.
    if isinstance(value, JsonText):
        return str(value)
    # pydantic-core's encoder is several times faster than json.dumps on ingest's hot path.
    return to_json(value).decode("utf-8")


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations are stable."""

    metadata = MetaData(naming_convention=_NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while an ingest writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    """Return the engine for the configured database (created once per URL)."""
    url = url or get_settings().resolved_database_url()
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, json_serializer=_json_serializer
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        json_serializer=_json_serializer,
        # psycopg prepares a statement after 5 runs, and PostgreSQL then switches to a generic
        # plan made when the table was small: the row-id lookup of a long-lived API worker went
        # to a sequential scan (seconds per 2,000-row chunk). Plan with the real parameters.
        connect_args={"options": "-c plan_cache_mode=force_custom_plan"},
    )


@lru_cache
def get_sessionmaker(url: str | None = None) -> sessionmaker[Session]:
    """Return the session factory bound to the engine."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


def reset_engine() -> None:
    """Forget cached engines (tests switch databases through the environment)."""
    for engine_factory in (get_sessionmaker, get_engine):
        engine_factory.cache_clear()
    get_settings.cache_clear()


def executemany(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert rows with one executemany (COPY on PostgreSQL) in the session's transaction."""
    # Not the ORM bulk path: the ORM asks for generated keys and falls back to one
    # statement per few rows, ten times slower on SQLite.
    if not rows:
        return
    conn = session.connection()
    table = model.__table__
    rows = _with_defaults(table, rows)
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    elif conn.dialect.name == "sqlite":
        _sqlite_executemany(conn, table, rows)
    else:
        conn.execute(insert(table), rows)


def _with_defaults(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # COPY and the plain DBAPI executemany bypass SQLAlchemy, so Python-side column defaults
    # (timestamps, flags) are filled in here, once per call.
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name not in rows[0] and isinstance(default, ScalarElementColumnDefault):
            defaults[column.name] = default.arg
        elif column.name not in rows[0] and isinstance(default, CallableColumnDefault):
            defaults[column.name] = default.arg(cast(Any, None))  # no context needed
    return [{**row, **defaults} for row in rows] if defaults else rows


def _sqlite_executemany(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    # SQLAlchemy's executemany compiles parameters row by row through several layers; the
    # column types' own bind processors applied here store exactly the same values, in the
    # same connection and transaction, in a third of the time.
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    dialect = conn.dialect
    processors = []
    for i, c in enumerate(columns):
        column_type = table.c[c].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            # Timestamps, dates and flags repeat within a call: process each distinct one once.
            memo: dict[Any, Any] | None = None if isinstance(column_type, JSON) else {}
            processors.append((i, process, memo))
    params = []
    for row in rows:
        values = [row[c] for c in columns]
        for i, process, memo in processors:
            value = values[i]
            if memo is None:
                # Encoded JSON goes as plain text (a str subclass would go through adapters).
                values[i] = str(value) if type(value) is JsonText else process(value)
            elif value in memo:
                values[i] = memo[value]
            else:
                values[i] = memo[value] = process(value)
        params.append(tuple(values))
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', params)


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    # psycopg sends executemany as one pipelined INSERT per row; COPY is several times faster
    # and runs in the same transaction.
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    json_columns = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    dbapi = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    with dbapi.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = [row[c] for c in columns]
            for i in json_columns:  # already encoded text (JsonText) goes as it is
                if isinstance(values[i], dict | list):
                    values[i] = _json_serializer(values[i])
            copy.write_row(values)


@contextmanager
def session_scope() -> Iterator[Session]:
    """Open a session that commits on success and rolls back on error."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session() -> Iterator[Session]:
    """Yield one session per request; commit at the edge, roll back on error."""
    with session_scope() as session:
        yield session
