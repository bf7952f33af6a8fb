"""document hash: the keyed hash of each row's document as an indexed column, for lookups

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000


def upgrade() -> None:
    """Apply this revision."""
    op.add_column('source_records', sa.Column('document_hash', sa.String(length=64), nullable=True))
    op.create_index(
        op.f('ix_source_records_document_hash'), 'source_records', ['document_hash'], unique=False
    )
    # Copy the hash that 0004 (or ingest) already stored inside each current record: no key is
    # needed and nothing is decrypted.
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT r.id, v.record FROM source_records r JOIN source_record_versions v "
            "ON v.source_record_id = r.id AND v.version = r.version"
        )
    )
    update = sa.text("UPDATE source_records SET document_hash = :h WHERE id = :id")
    pending: list[dict[str, object]] = []
    for record_id, record in rows.fetchall():
        data = json.loads(record) if isinstance(record, str) else record
        digest = (data or {}).get('document_hash')
        if digest:
            pending.append({"h": digest, "id": record_id})
        if len(pending) >= _BATCH:
            conn.execute(update, pending)
            pending = []
    if pending:
        conn.execute(update, pending)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f('ix_source_records_document_hash'), table_name='source_records')
    # Not batch mode: on SQLite it would copy and drop source_records, which the versions
    # reference (foreign keys are on). SQLite drops a plain column in place since 3.35.
    op.execute("ALTER TABLE source_records DROP COLUMN document_hash")
