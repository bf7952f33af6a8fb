"""seal document numbers stored before encryption at rest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Converts rows written in clear: the common record's `document_number` is sealed and its
`document_hash` added, the document column of every stored source row is sealed, and the
content hashes become keyed (a MAC over the plain SHA-256 ingest stored, so a replay of an old
batch still finds its rows unchanged). Batch-wise and idempotent: a record that already has
`document_hash`, and a value that already starts with `enc:v1:`, are left alone. Needs the data
key only when there are rows to convert.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000
_JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
_meta = sa.MetaData()
_versions = sa.Table(
    'source_record_versions',
    _meta,
    sa.Column('id', sa.Integer, primary_key=True),
    sa.Column('content_hash', sa.String(64)),
    sa.Column('record', _JSON),
    sa.Column('raw', _JSON),
)
_quarantine = sa.Table(
    'quarantine_rows',
    _meta,
    sa.Column('id', sa.Integer, primary_key=True),
    sa.Column('raw', _JSON),
)


def _batches(conn: sa.Connection, table: sa.Table) -> Iterator[list[sa.Row[Any]]]:
    last = 0
    while True:
        rows = list(
            conn.execute(
                sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(_BATCH)
            )
        )
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _update(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        # Bind names must differ from the column names in an UPDATE's SET clause.
        columns = {k: sa.bindparam(f'new_{k}') for k in rows[0] if k != 'rid'}
        params = [{('rid' if k == 'rid' else f'new_{k}'): v for k, v in r.items()} for r in rows]
        conn.execute(table.update().where(table.c.id == sa.bindparam('rid')).values(columns), params)


def _seal_record(record: dict[str, Any]) -> dict[str, Any]:
    # The app's sealer: the `enc:v1:` format is versioned, so later code still writes v1 here.
    from app.matching.normalize import normalize_document
    from app.privacy import HASH_FIELD, get_sealer

    sealer = get_sealer()
    out = dict(record)
    number, kind = out.get('document_number'), out.get('document_type')
    digest = None
    if number:
        out['document_number'] = sealer.seal(number)
        normalised = normalize_document(number, kind)
        digest = sealer.document_hash(kind, normalised) if normalised else None
    out[HASH_FIELD] = digest
    return out


def _sealed_raw(raw: Any) -> Any:
    from app.privacy import DOCUMENT_COLUMNS, is_sealed, seal_raw

    if not isinstance(raw, dict):
        return None
    if not any(raw.get(c) not in (None, '') and not is_sealed(raw.get(c))
               for c in DOCUMENT_COLUMNS):
        return None
    return seal_raw(dict(raw))


def upgrade() -> None:
    """Seal every document number still stored in clear."""
    from app.privacy import HASH_FIELD, get_sealer

    conn = op.get_bind()
    for rows in _batches(conn, _versions):
        changes = []
        for row in rows:
            change: dict[str, Any] = {}
            if isinstance(row.record, dict) and HASH_FIELD not in row.record:
                change['record'] = _seal_record(row.record)
                change['content_hash'] = get_sealer().rekey_content_hash(row.content_hash)
            raw = _sealed_raw(row.raw)
            if raw is not None:
                change['raw'] = raw
            if change:
                # One statement shape per executemany: fill the untouched columns as they are.
                changes.append(
                    {
                        'rid': row.id,
                        'record': change.get('record', row.record),
                        'content_hash': change.get('content_hash', row.content_hash),
                        'raw': change.get('raw', row.raw),
                    }
                )
        _update(conn, _versions, changes)
    # The current hash of each row is its current version's.
    op.execute(
        'UPDATE source_records SET content_hash = (SELECT v.content_hash FROM '
        'source_record_versions v WHERE v.source_record_id = source_records.id '
        'AND v.version = source_records.version)'
    )
    for rows in _batches(conn, _quarantine):
        _update(
            conn,
            _quarantine,
            [
                {'rid': row.id, 'raw': raw}
                for row in rows
                if (raw := _sealed_raw(row.raw)) is not None
            ],
        )


def _open_raw(raw: Any) -> Any:
    from app.privacy import DOCUMENT_COLUMNS, is_sealed, open_raw

    if isinstance(raw, dict) and any(is_sealed(raw.get(c)) for c in DOCUMENT_COLUMNS):
        return open_raw(raw)
    return None


def downgrade() -> None:
    """Store document numbers in clear again, with the plain content hashes of before."""
    import hashlib

    from app.privacy import HASH_FIELD, open_record
    from app.schema import CommonRecord

    conn = op.get_bind()
    for rows in _batches(conn, _versions):
        changes = []
        for row in rows:
            record, raw = row.record, _open_raw(row.raw)
            content_hash = row.content_hash
            if isinstance(record, dict) and HASH_FIELD in record:
                record = open_record(record)
                # The plain hash is ingest's of old: SHA-256 of the record's compact JSON.
                text = CommonRecord.model_validate(record).model_dump_json()
                content_hash = hashlib.sha256(text.encode('utf-8')).hexdigest()
            elif raw is None:
                continue
            changes.append(
                {
                    'rid': row.id,
                    'record': record,
                    'content_hash': content_hash,
                    'raw': row.raw if raw is None else raw,
                }
            )
        _update(conn, _versions, changes)
    op.execute(
        'UPDATE source_records SET content_hash = (SELECT v.content_hash FROM '
        'source_record_versions v WHERE v.source_record_id = source_records.id '
        'AND v.version = source_records.version)'
    )
    for rows in _batches(conn, _quarantine):
        _update(
            conn,
            _quarantine,
            [{'rid': row.id, 'raw': raw}
             for row in rows if (raw := _open_raw(row.raw)) is not None],
        )
