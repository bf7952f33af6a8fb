"""statistics frames: the person-year frame of each linkage run

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('statistics_frames',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=32), nullable=False),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_frames'))
    )
    with op.batch_alter_table('statistics_frames', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statistics_frames_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('statistics_frames', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statistics_frames_run_id'))

    op.drop_table('statistics_frames')
