"""linkage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('judgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_a', sa.String(length=96), nullable=False),
    sa.Column('key_b', sa.String(length=96), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reviewer', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judgements'))
    )
    with op.batch_alter_table('judgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judgements_key_a'), ['key_a'], unique=False)
        batch_op.create_index(batch_op.f('ix_judgements_key_b'), ['key_b'], unique=False)

    op.create_table('link_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('links', sa.Integer(), nullable=False),
    sa.Column('review', sa.Integer(), nullable=False),
    sa.Column('inferred', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('merges', sa.Integer(), nullable=False),
    sa.Column('splits', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_runs'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_run_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_run_id'], ['link_runs.id'], name=op.f('fk_cases_created_run_id_link_runs')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['cases.id'], name=op.f('fk_cases_merged_into_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_run_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_run_id'], ['link_runs.id'], name=op.f('fk_persons_created_run_id_link_runs')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['persons.id'], name=op.f('fk_persons_merged_into_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons'))
    )
    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_a', sa.String(length=96), nullable=False),
    sa.Column('key_b', sa.String(length=96), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('explanation', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_run_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_run_id'], ['link_runs.id'], name=op.f('fk_review_items_created_run_id_link_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
    sa.UniqueConstraint('key_a', 'key_b', name=op.f('uq_review_items_key_a'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_status'), ['status'], unique=False)

    op.create_table('case_members',
    sa.Column('source_record_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_members_case_id_cases')),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'], name=op.f('fk_case_members_source_record_id_source_records')),
    sa.PrimaryKeyConstraint('source_record_id', name=op.f('pk_case_members'))
    )
    with op.batch_alter_table('case_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_members_case_id'), ['case_id'], unique=False)

    op.create_table('links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('record_a_id', sa.Integer(), nullable=False),
    sa.Column('record_b_id', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('explanation', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('reasoning', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['record_a_id'], ['source_records.id'], name=op.f('fk_links_record_a_id_source_records')),
    sa.ForeignKeyConstraint(['record_b_id'], ['source_records.id'], name=op.f('fk_links_record_b_id_source_records')),
    sa.ForeignKeyConstraint(['run_id'], ['link_runs.id'], name=op.f('fk_links_run_id_link_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_links'))
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_links_record_a_id'), ['record_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_links_record_b_id'), ['record_b_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_links_run_id'), ['run_id'], unique=False)

    op.create_table('person_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('other_person_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['other_person_id'], ['persons.id'], name=op.f('fk_person_events_other_person_id_persons')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_events_person_id_persons')),
    sa.ForeignKeyConstraint(['run_id'], ['link_runs.id'], name=op.f('fk_person_events_run_id_link_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_events'))
    )
    with op.batch_alter_table('person_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_events_other_person_id'), ['other_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_events_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_events_run_id'), ['run_id'], unique=False)

    op.create_table('person_members',
    sa.Column('source_record_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_members_person_id_persons')),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'], name=op.f('fk_person_members_source_record_id_source_records')),
    sa.PrimaryKeyConstraint('source_record_id', name=op.f('pk_person_members'))
    )
    with op.batch_alter_table('person_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_members_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('person_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_members_person_id'))

    op.drop_table('person_members')
    with op.batch_alter_table('person_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_events_run_id'))
        batch_op.drop_index(batch_op.f('ix_person_events_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_events_other_person_id'))

    op.drop_table('person_events')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_links_run_id'))
        batch_op.drop_index(batch_op.f('ix_links_record_b_id'))
        batch_op.drop_index(batch_op.f('ix_links_record_a_id'))

    op.drop_table('links')
    with op.batch_alter_table('case_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_members_case_id'))

    op.drop_table('case_members')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_items_status'))

    op.drop_table('review_items')
    op.drop_table('persons')
    op.drop_table('cases')
    op.drop_table('link_runs')
    with op.batch_alter_table('judgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judgements_key_b'))
        batch_op.drop_index(batch_op.f('ix_judgements_key_a'))

    op.drop_table('judgements')
