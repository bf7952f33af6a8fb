"""statistics

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('victim_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('system', sa.String(length=16), nullable=False),
    sa.Column('registration_date', sa.Date(), nullable=False),
    sa.Column('facts_date', sa.Date(), nullable=True),
    sa.Column('year_registration', sa.Integer(), nullable=False),
    sa.Column('year_facts', sa.Integer(), nullable=True),
    sa.Column('year_case', sa.Integer(), nullable=True),
    sa.Column('dept_facts', sa.String(length=2), nullable=True),
    sa.Column('dept_residence', sa.String(length=2), nullable=True),
    sa.Column('dept_birth', sa.String(length=2), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('minor', sa.Boolean(), nullable=True),
    sa.Column('age_minor', sa.String(length=16), nullable=False),
    sa.Column('age_ctdc', sa.String(length=16), nullable=False),
    sa.Column('age_fiscal', sa.String(length=16), nullable=False),
    sa.Column('nationality', sa.String(length=3), nullable=True),
    sa.Column('purpose', sa.String(length=32), nullable=True),
    sa.Column('offence_family', sa.String(length=16), nullable=False),
    sa.Column('origin', sa.String(length=32), nullable=True),
    sa.Column('unidentified', sa.Boolean(), nullable=False),
    sa.Column('person_identified', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_victim_facts'))
    )
    with op.batch_alter_table('victim_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_victim_facts_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_victim_facts_year_registration_person', ['year_registration', 'person_id'], unique=False)
        batch_op.create_index('ix_victim_facts_year_facts_person', ['year_facts', 'person_id'], unique=False)

    op.create_table('statistics_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('result_suppressed', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('link_run_id', sa.Integer(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_snapshots'))
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table('statistics_snapshots')
    with op.batch_alter_table('victim_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_victim_facts_year_facts_person')
        batch_op.drop_index('ix_victim_facts_year_registration_person')
        batch_op.drop_index(batch_op.f('ix_victim_facts_run_id'))

    op.drop_table('victim_facts')
