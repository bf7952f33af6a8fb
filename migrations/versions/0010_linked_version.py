"""linked version: the version of each source record its person membership was linked from

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Nullable: memberships written before this revision count as stale, so the first
    # incremental run after it re-links them (the changed share then makes it a full run).
    op.add_column('person_members', sa.Column('linked_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    # Not batch mode (see 0007): SQLite drops a plain column in place since 3.35.
    op.execute("ALTER TABLE person_members DROP COLUMN linked_version")
