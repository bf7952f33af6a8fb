"""auth failures: failed authentications per client, shared by every worker

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('auth_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_failures'))
    )
    op.create_index(op.f('ix_auth_failures_client'), 'auth_failures', ['client'], unique=False)
    op.create_index(op.f('ix_auth_failures_at'), 'auth_failures', ['at'], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f('ix_auth_failures_at'), table_name='auth_failures')
    op.drop_index(op.f('ix_auth_failures_client'), table_name='auth_failures')
    op.drop_table('auth_failures')
