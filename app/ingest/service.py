"""Ingest rules: parse each row once, version what changed, quarantine what failed."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import multiprocessing
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO, NamedTuple

import orjson
from pydantic_core import to_json
from sqlalchemy.orm import Session

from app.adapters import SourceFileError, parse_row, read_rows
from app.db import JsonText
from app.ingest import repository
from app.models import Batch, QuarantineRow, SourceRecord, SourceRecordVersion
from app.models._types import utcnow
from app.privacy import get_sealer, seal_raw, seal_record_json
from app.schema import CommonRecord, RowError, RowIssue, System

__all__ = [
    "BatchOutcome",
    "Rejection",
    "get_batch",
    "get_record_history",
    "ingest_file",
    "ingest_rows",
    "list_batches",
    "list_rejections",
    "parse_pool",
    "quarantined_rows",
    "record_failed_batch",
]

log = logging.getLogger(__name__)

_CHUNK = 2000


@dataclass(frozen=True)
class Rejection:
    """One reason a row was rejected."""

    row: int
    row_id: str | None
    column: str
    reason: str


@dataclass
class BatchOutcome:
    """A finished batch and its rejections."""

    batch: Batch
    rejections: list[Rejection] = field(default_factory=list)


_PLAIN = (str, int, float, bool)


def _jsonable(value: Any) -> Any:
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# The source_records columns a row's parsed record sets, in the order of _Parsed.state.
_STATE_KEYS = (
    "role",
    "case_key_norm",
    "registration_date",
    "facts_date",
    "offence",
    "offence_family",
    "sex",
    "unidentified",
    "document_hash",
)


# Every column _Writer._flush_copy gives, with its type for binary COPY, in its tuples' order
# (the version's id comes from its sequence; encoded JSON goes as text).
_RECORD_COLUMNS = (
    ("id", "int4"),
    ("system", "varchar"),
    ("row_id", "varchar"),
    ("version", "int4"),
    ("content_hash", "varchar"),
    ("role", "varchar"),
    ("case_key_norm", "varchar"),
    ("registration_date", "date"),
    ("facts_date", "date"),
    ("offence", "varchar"),
    ("offence_family", "varchar"),
    ("sex", "varchar"),
    ("unidentified", "bool"),
    ("document_hash", "varchar"),
    ("first_batch_id", "varchar"),
    ("last_batch_id", "varchar"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)
assert tuple(name for name, _ in _RECORD_COLUMNS[5:14]) == _STATE_KEYS
_VERSION_COLUMNS = (
    ("source_record_id", "int4"),
    ("version", "int4"),
    ("content_hash", "varchar"),
    ("record", "text"),
    ("raw", "text"),
    ("row_number", "int4"),
    ("batch_id", "varchar"),
    ("pushed_by", "varchar"),
    ("created_at", "timestamptz"),
)


class _Parsed(NamedTuple):
    row_id: str
    content_hash: str
    doc: str  # the stored record, JSON already encoded
    row_number: int
    raw: str | dict[str, Any]  # the stored source row: encoded JSON, or a dict to encode
    state: tuple[Any, ...]  # values of _STATE_KEYS


Item = tuple[int, Mapping[str, Any]] | RowError


def _state_columns(rec: CommonRecord, document_hash: str | None) -> tuple[Any, ...]:
    return (
        rec.role.value,
        rec.case_key_norm,
        rec.registration_date,
        rec.facts_date,
        rec.offence,
        rec.offence_family.value,
        rec.sex.value if rec.sex else None,
        rec.unidentified,
        document_hash,
    )


def _next_version_row(
    item: _Parsed, record_id: int, version: int, batch_id: str, now: datetime
) -> dict[str, Any]:
    """Return the update that makes a stored record carry item's content as its version."""
    row = dict(zip(_STATE_KEYS, item.state, strict=True))
    row.update(
        id=record_id,
        version=version,
        content_hash=item.content_hash,
        last_batch_id=batch_id,
        updated_at=now,
    )
    return row


_MAX_CELL = 2000
# The database keys these columns with bounded lengths (see app/models/ingest.py).
_KEY_LIMITS = {
    System.RETA: (("ID_REGISTRO", "row_id", 64), ("NRO_DENUNCIA", "case_key_norm", 128)),
    System.SISTRA: (("ID_SUJETO", "row_id", 64), ("NRO_CARPETA", "case_key_norm", 128)),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _cell_issues(raw: Mapping[str, Any]) -> list[RowIssue]:
    issues = []
    for column, value in raw.items():
        if not isinstance(value, str):
            continue
        if len(value) > _MAX_CELL:
            issues.append(
                RowIssue(
                    column=str(column),
                    reason=f"texto demasiado largo ({len(value)} caracteres; máximo {_MAX_CELL})",
                )
            )
        elif _CONTROL.search(value):
            issues.append(
                RowIssue(column=str(column), reason="contiene caracteres de control no permitidos")
            )
    return issues


def _storable(value: Any) -> Any:
    if value is None or type(value) in _PLAIN:
        # PostgreSQL cannot store NUL in text or JSON; everything else is kept as sent.
        return value.replace("\x00", "\ufffd") if type(value) is str else value
    return _jsonable(value)


def _checked_raw(raw: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[RowIssue]]:
    """Return the raw row as stored (JSON-ready) and the problems of its cells."""
    values = raw.values()
    try:
        # Every CSV cell and most JSON values are text: one join and one search check them
        # all, instead of a call per cell (a TypeError means a non-text value: go cell by cell).
        joined = "".join(values)
    except TypeError:
        joined = None
    if (
        joined is not None
        and _CONTROL.search(joined) is None  # NUL included
        and (len(joined) <= _MAX_CELL or max(map(len, values)) <= _MAX_CELL)
    ):
        return raw, []
    return {str(k): _storable(v) for k, v in raw.items()}, _cell_issues(raw)


def _prepare(system: System, item: Item) -> _Parsed | RowError:
    """Parse and encode one row (pure); the one place each stored row is prepared."""
    if isinstance(item, RowError):
        # A row the reader could not split: its cells are kept too, document sealed.
        return item.model_copy(update={"raw": seal_raw(dict(item.raw))}) if item.raw else item
    row_number, raw = item
    raw_json, issues = _checked_raw(raw)
    # Stored as sent, but with the document column sealed (app/privacy); sealed in a copy, as
    # the parser below reads the row in clear.
    raw_json = seal_raw(dict(raw_json))
    parsed = parse_row(system, row_number, raw) if not issues else None
    if isinstance(parsed, CommonRecord):
        issues = [
            RowIssue(column=column, reason=f"valor demasiado largo (máximo {limit} caracteres)")
            for column, field_name, limit in _KEY_LIMITS[system]
            if len(getattr(parsed, field_name)) > limit
        ]
    if parsed is None or issues:
        row_id = raw.get(_KEY_LIMITS[system][0][0])
        return RowError(
            system=system,
            row_number=row_number,
            row_id=row_id[:64] if isinstance(row_id, str) else None,
            issues=tuple(issues),
            raw=raw_json,
        )
    if isinstance(parsed, RowError):
        return parsed.model_copy(update={"raw": raw_json})
    doc = parsed.json_bytes()
    # Versioning compares the plain record, so a replay stays idempotent however the nonces
    # fall. Keyed: every other field is stored in clear, so an unkeyed SHA-256 of the record
    # would let anyone with the database try all 10^8 DNIs against it. (json_bytes is
    # byte-identical to model_dump_json, so this equals Sealer.content_hash of the text.)
    digest = get_sealer().rekey_content_hash(hashlib.sha256(doc).hexdigest())
    sealed, document_hash = seal_record_json(parsed, doc.decode("utf-8"))
    return _Parsed(
        parsed.row_id,
        digest,
        sealed,
        row_number,
        _raw_text(raw_json),
        _state_columns(parsed, document_hash),
    )


def _raw_text(raw: Mapping[str, Any]) -> str | dict[str, Any]:
    """Encode a raw row for storage; what orjson cannot encode as before goes to the engine."""
    # Only text and null values: orjson writes the same bytes as the engine's serializer
    # (pydantic-core) would, several times faster. Numbers (NaN) and the rest keep that path.
    if all(type(v) is str or v is None for v in raw.values()):
        # A lone surrogate makes orjson refuse: the engine's serializer decides, as before.
        with contextlib.suppress(TypeError):
            return orjson.dumps(raw).decode("utf-8")
    return dict(raw)


def _prepare_chunk(system: System, items: list[Item]) -> list[_Parsed | RowError]:
    return [_prepare(system, item) for item in items]


def _prepare_chunk_plain(system: System, items: list[Item]) -> list[tuple[Any, ...] | RowError]:
    # In a worker: plain tuples pickle several times faster than named tuples (a Python call
    # each), about a fifth of a row's parsing cost saved across the two processes.
    return [p if isinstance(p, RowError) else tuple(p) for p in _prepare_chunk(system, items)]


def _from_plain(chunk: list[tuple[Any, ...] | RowError]) -> list[_Parsed | RowError]:
    return [p if isinstance(p, RowError) else _Parsed._make(p) for p in chunk]


@dataclass
class _Pending:
    """Rows of the current chunk waiting to be written."""

    new: list[_Parsed] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    row_ids: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.new) + len(self.rejected)


class _Writer:
    """Accumulate parsed rows and write them in chunks within the caller's transaction."""

    def __init__(self, session: Session, batch: Batch) -> None:
        self.session = session
        self.batch = batch
        self._batch_id, self._pushed_by = batch.id, batch.pushed_by
        self.pending = _Pending()
        # PostgreSQL: new rows go by COPY as plain tuples (see _flush_copy).
        self._copy = session.get_bind().dialect.name == "postgresql"
        # Plain counters: bumping ORM attributes row by row costs instrumentation time.
        self.counts = dict.fromkeys(("received", "new", "updated", "unchanged", "rejected"), 0)

    def finish(self) -> None:
        self.flush()
        for name, value in self.counts.items():
            setattr(self.batch, name, value)

    def add(self, prepared: _Parsed | RowError) -> None:
        if isinstance(prepared, RowError):
            self.pending.rejected.append(prepared)
        else:
            # A row id twice in one chunk: write the first before judging the second.
            if prepared.row_id in self.pending.row_ids:
                self.flush()
            self.pending.row_ids.add(prepared.row_id)
            self.pending.new.append(prepared)
        self.counts["received"] += 1
        if len(self.pending) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, _Pending()
        if not len(pending):
            return
        session, counts = self.session, self.counts
        # Plain values: each ORM attribute read is instrumented, and these are read per row.
        system, batch_id = self.batch.system, self.batch.id
        state = repository.current_state(
            session, system=system, row_ids=[p.row_id for p in pending.new]
        )
        now = utcnow()
        if self._copy:
            self._flush_copy(pending, state, now)
            self._quarantine(pending.rejected, now)
            return
        new_rows: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        new_versions: list[_Parsed] = []
        for item in pending.new:
            content_hash = item.content_hash
            current = state.get(item.row_id)
            if current is None:
                row = dict(zip(_STATE_KEYS, item.state, strict=True))
                row.update(
                    system=system,
                    row_id=item.row_id,
                    version=1,
                    first_batch_id=batch_id,
                    created_at=now,
                    content_hash=content_hash,
                    last_batch_id=batch_id,
                    updated_at=now,
                )
                new_rows.append(row)
                new_versions.append(item)
                counts["new"] += 1
            elif current[2] == content_hash:
                counts["unchanged"] += 1
            else:
                record_id, version = current[0], current[1] + 1
                updates.append(_next_version_row(item, record_id, version, batch_id, now))
                versions.append(self._version(record_id, version, item, now))
                counts["updated"] += 1
        ids = repository.insert_records(session, system=system, rows=new_rows)
        versions.extend(self._version(ids[p.row_id], 1, p, now) for p in new_versions)
        repository.update_records(session, rows=updates)
        repository.insert_versions(session, rows=versions)
        self._quarantine(pending.rejected, now)

    def _quarantine(self, rejected: list[RowError], now: datetime) -> None:
        system, batch_id = self.batch.system, self._batch_id
        repository.insert_quarantine(
            self.session,
            rows=[
                {
                    "batch_id": batch_id,
                    "system": system,
                    "row_number": err.row_number,
                    "row_id": err.row_id[:64] if err.row_id else None,
                    "raw": err.raw,
                    "issues": [i.model_dump() for i in err.issues],
                    "created_at": now,
                }
                for err in rejected
            ],
        )
        self.counts["rejected"] += len(rejected)

    def _flush_copy(
        self, pending: _Pending, state: dict[str, tuple[int, int, str]], now: datetime
    ) -> None:
        # The same rows as flush's, built as tuples in _RECORD_COLUMNS / _VERSION_COLUMNS
        # order and written by COPY: dicts, JsonText copies and the defaults pass were a
        # third of the PostgreSQL writer's CPU per row.
        session, counts = self.session, self.counts
        system, batch_id = self.batch.system, self._batch_id
        fresh: list[_Parsed] = []
        updates: list[dict[str, Any]] = []
        versions: list[tuple[Any, ...]] = []
        for item in pending.new:
            current = state.get(item.row_id)
            if current is None:
                fresh.append(item)
            elif current[2] == item.content_hash:
                counts["unchanged"] += 1
            else:
                record_id, version = current[0], current[1] + 1
                updates.append(_next_version_row(item, record_id, version, batch_id, now))
                versions.append(self._version_row(record_id, version, item, now))
                counts["updated"] += 1
        counts["new"] += len(fresh)
        ids = (repository.new_record_ids(session, len(fresh)) if fresh else None) or []
        repository.copy_rows(
            session,
            table="source_records",
            columns=_RECORD_COLUMNS,
            rows=[
                (pk, system, p.row_id, 1, p.content_hash, *p.state, batch_id, batch_id, now, now)
                for pk, p in zip(ids, fresh, strict=True)
            ],
        )
        repository.update_records(session, rows=updates)
        versions.extend(self._version_row(pk, 1, p, now) for pk, p in zip(ids, fresh, strict=True))
        repository.copy_rows(
            session, table="source_record_versions", columns=_VERSION_COLUMNS, rows=versions
        )

    def _version_row(
        self, record_id: int, version: int, item: _Parsed, now: datetime
    ) -> tuple[Any, ...]:
        raw = item.raw
        return (
            record_id,
            version,
            item.content_hash,
            item.doc,
            # What orjson left to the engine: its serializer's encoding (app/db.py).
            raw if type(raw) is str else to_json(raw).decode("utf-8"),
            item.row_number,
            self._batch_id,
            self._pushed_by,
            now,
        )

    def _version(
        self, record_id: int, version: int, item: _Parsed, now: datetime
    ) -> dict[str, Any]:
        return {
            "source_record_id": record_id,
            "version": version,
            "content_hash": item.content_hash,
            # Already encoded: marked so that the engine stores the text as it is.
            "record": JsonText(item.doc),
            "raw": JsonText(item.raw) if type(item.raw) is str else item.raw,
            "row_number": item.row_number,
            "batch_id": self._batch_id,
            "pushed_by": self._pushed_by,
            "created_at": now,
        }


def _new_batch(
    system: System, *, channel: str, filename: str | None, sha: str | None, pushed_by: str
) -> Batch:
    return Batch(
        id=str(uuid.uuid4()),
        system=system.value,
        channel=channel,
        filename=filename,
        content_sha256=sha,
        pushed_by=pushed_by,
        status="running",
        received=0,
        new=0,
        updated=0,
        unchanged=0,
        rejected=0,
        created_at=utcnow(),
    )


def ingest_rows(
    session: Session,
    *,
    system: System,
    rows: Iterable[Item],
    pushed_by: str,
    channel: str,
    filename: str | None = None,
    content_sha256: str | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    pool: ParsePool | None = None,
) -> BatchOutcome:
    """Parse, version and quarantine a stream of source-native rows as one batch.

    Rows are parsed in `pool`'s processes when given, else in `workers` processes started
    for this batch (one: in this process).
    """
    if pool is None and workers > 1:
        with parse_pool(workers) as own:
            return ingest_rows(
                session,
                system=system,
                rows=rows,
                pushed_by=pushed_by,
                channel=channel,
                filename=filename,
                content_sha256=content_sha256,
                progress=progress,
                pool=own,
            )
    repository.lock_system(session, system=system.value)
    batch = repository.add_batch(
        session,
        batch=_new_batch(
            system, channel=channel, filename=filename, sha=content_sha256, pushed_by=pushed_by
        ),
    )
    writer = _Writer(session, batch)
    with repository.bulk_writes(session):
        for chunk in _prepared_chunks(system, rows, pool):
            for prepared in chunk:
                writer.add(prepared)
            if progress is not None:
                progress(len(chunk))
        writer.finish()
    batch.status = "completed"
    batch.finished_at = utcnow()
    session.flush()
    # Counts only: names and document numbers never reach the logs.
    log.info(
        "batch %s %s: received=%d new=%d updated=%d unchanged=%d rejected=%d",
        batch.id,
        batch.system,
        batch.received,
        batch.new,
        batch.updated,
        batch.unchanged,
        batch.rejected,
    )
    return BatchOutcome(batch=batch, rejections=list_rejections(session, batch_id=batch.id))


_PARSE_CHUNK = 1000


def _chunks(rows: Iterable[Item]) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= _PARSE_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class ParsePool:
    """Worker processes that parse and seal rows for ingest (see `parse_pool`)."""

    executor: Executor
    workers: int


@contextlib.contextmanager
def parse_pool(workers: int) -> Iterator[ParsePool | None]:
    """Start `workers` parser processes now (None for fewer than two); stop them on exit.

    Start it before any other thread of the process (the CLI's progress bar runs one).
    """
    if workers <= 1:
        yield None
        return
    # Parsing and sealing are pure and cost about two thirds of a row: worker processes do
    # them while this process reads the file and writes. Forked, so that they start with
    # this process's modules imported (a fresh interpreter spends about a second of CPU
    # importing the parser, each). A fork copies any lock another thread holds at that
    # moment: hence all workers start here, before the caller starts threads; the executor's
    # own threads start after the fork. Objects that exist at the fork are frozen out of the
    # garbage collector so that a worker never finalises the parent's database connections
    # (nor copies their pages by touching their reference counts in a collection).
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as executor:
        gc.collect()
        gc.freeze()
        try:
            executor.submit(int).result()  # with fork, the first task launches every worker
        finally:
            gc.unfreeze()
        yield ParsePool(executor, workers)


def _prepared_chunks(
    system: System, rows: Iterable[Item], pool: ParsePool | None
) -> Iterator[list[_Parsed | RowError]]:
    if pool is None:
        for chunk in _chunks(rows):
            yield _prepare_chunk(system, chunk)
        return
    # Chunks are kept in file order.
    window: deque[Future[list[tuple[Any, ...] | RowError]]] = deque()
    for chunk in _chunks(rows):
        window.append(pool.executor.submit(_prepare_chunk_plain, system, chunk))
        # A bounded window: memory stays flat however large the file. Four chunks a worker:
        # while the writer waits for the database (a 2,000-row COPY and its key checks), the
        # workers keep parsing ahead instead of idling a core (two chunks each ran dry).
        if len(window) > 4 * pool.workers:
            yield _from_plain(window.popleft().result())
    while window:
        yield _from_plain(window.popleft().result())


def ingest_file(
    session: Session,
    *,
    system: System,
    stream: BinaryIO,
    filename: str,
    pushed_by: str,
    channel: str,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    pool: ParsePool | None = None,
) -> BatchOutcome:
    """Ingest one export file; a file-level defect raises SourceFileError."""
    sha = _sha256(stream)
    outcome = ingest_rows(
        session,
        system=system,
        rows=read_rows(system, stream, filename),
        pushed_by=pushed_by,
        channel=channel,
        filename=filename,
        content_sha256=sha,
        progress=progress,
        workers=workers,
        pool=pool,
    )
    if outcome.batch.received == 0:
        raise SourceFileError("El archivo no contiene filas de datos (solo el encabezado o nada).")
    return outcome


def _sha256(stream: BinaryIO) -> str | None:
    if not stream.seekable():
        return None
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def record_failed_batch(
    session: Session,
    *,
    system: System,
    pushed_by: str,
    channel: str,
    filename: str | None,
    error: str,
) -> Batch:
    """Record a batch that was rejected whole, so the attempt is not lost."""
    batch = _new_batch(system, channel=channel, filename=filename, sha=None, pushed_by=pushed_by)
    batch.status = "failed"
    batch.error = error
    batch.finished_at = utcnow()
    return repository.add_batch(session, batch=batch)


def list_rejections(session: Session, *, batch_id: str) -> list[Rejection]:
    """Return one line per (row, column) rejected in a batch."""
    return [
        Rejection(row=q.row_number, row_id=q.row_id, column=i["column"], reason=i["reason"])
        for q in repository.list_quarantine(session, batch_id=batch_id)
        for i in q.issues
    ]


def quarantined_rows(session: Session, *, batch_id: str) -> list[QuarantineRow]:
    """Return the quarantined rows of a batch with their raw content."""
    return list(repository.list_quarantine(session, batch_id=batch_id))


def get_batch(session: Session, *, batch_id: str) -> Batch | None:
    """Return one batch."""
    return repository.get_batch(session, batch_id=batch_id)


def list_batches(
    session: Session, *, system: System | None, limit: int = 50, offset: int = 0
) -> list[Batch]:
    """Return batches, newest first."""
    return list(
        repository.list_batches(
            session, system=system.value if system else None, limit=limit, offset=offset
        )
    )


def get_record_history(
    session: Session, *, system: System, row_id: str
) -> tuple[SourceRecord, list[SourceRecordVersion]] | None:
    """Return a source record with every version it has had."""
    rec = repository.get_record(session, system=system.value, row_id=row_id)
    if rec is None:
        return None
    return rec, list(repository.list_versions(session, record_id=rec.id))
