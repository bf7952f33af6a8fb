"""drop unused ingest indexes: three secondary indexes no query reads, kept up on every write

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23

No query in app/ filters or sorts source_records by case_key_norm, nor by role or
registration_date behind a leading system (the statistics read `role = 'victim'` alone, which a
(system, role, registration_date) index does not serve), nor source_record_versions by
batch_id (batches are never deleted, so no foreign-key check needs it either). Each one was
maintained for every ingested row: a quarter of the database's work per row goes to index
inserts on a bulk ingest.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.drop_index('ix_source_records_case_key_norm', table_name='source_records')
    op.drop_index('ix_source_records_system_role_regdate', table_name='source_records')
    op.drop_index('ix_source_record_versions_batch_id', table_name='source_record_versions')


def downgrade() -> None:
    """Revert this revision."""
    op.create_index(
        'ix_source_record_versions_batch_id', 'source_record_versions', ['batch_id'], unique=False
    )
    op.create_index(
        'ix_source_records_system_role_regdate',
        'source_records',
        ['system', 'role', 'registration_date'],
        unique=False,
    )
    op.create_index(
        'ix_source_records_case_key_norm', 'source_records', ['case_key_norm'], unique=False
    )
