"""versions json: a version's record and source row stored as plain json on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

JSONB parses and re-encodes every document on write, a sixth of the server's work per row
on a bulk ingest, and these two columns are only ever read whole (never queried by key).
SQLite keeps its JSON (text) columns: nothing to change there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'ALTER TABLE source_record_versions '
            'ALTER COLUMN record TYPE json USING record::json, '
            'ALTER COLUMN raw TYPE json USING raw::json'
        )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'ALTER TABLE source_record_versions '
            'ALTER COLUMN record TYPE jsonb USING record::jsonb, '
            'ALTER COLUMN raw TYPE jsonb USING raw::jsonb'
        )
