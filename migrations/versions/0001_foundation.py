"""foundation: batches, source records, versions, quarantine, keys, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('api_keys',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('system', sa.String(length=16), nullable=True),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('principal', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('resource_type', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.String(length=128), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_principal'), ['principal'], unique=False)

    op.create_table('batches',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('system', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=True),
    sa.Column('pushed_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches'))
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batches_content_sha256'), ['content_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_system'), ['system'], unique=False)

    op.create_table('quarantine_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('system', sa.String(length=16), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=True),
    sa.Column('raw', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('issues', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_quarantine_rows_batch_id_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_rows'))
    )
    with op.batch_alter_table('quarantine_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantine_rows_batch_id'), ['batch_id'], unique=False)

    op.create_table('source_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system', sa.String(length=16), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('case_key_norm', sa.String(length=128), nullable=False),
    sa.Column('registration_date', sa.Date(), nullable=False),
    sa.Column('facts_date', sa.Date(), nullable=True),
    sa.Column('offence', sa.String(length=64), nullable=False),
    sa.Column('offence_family', sa.String(length=16), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('unidentified', sa.Boolean(), nullable=False),
    sa.Column('first_batch_id', sa.String(length=36), nullable=False),
    sa.Column('last_batch_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['first_batch_id'], ['batches.id'], name=op.f('fk_source_records_first_batch_id_batches')),
    sa.ForeignKeyConstraint(['last_batch_id'], ['batches.id'], name=op.f('fk_source_records_last_batch_id_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_records')),
    sa.UniqueConstraint('system', 'row_id', name=op.f('uq_source_records_system'))
    )
    with op.batch_alter_table('source_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_records_case_key_norm'), ['case_key_norm'], unique=False)
        batch_op.create_index('ix_source_records_system_role_regdate', ['system', 'role', 'registration_date'], unique=False)

    op.create_table('source_record_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('raw', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('pushed_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_source_record_versions_batch_id_batches')),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_records.id'], name=op.f('fk_source_record_versions_source_record_id_source_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_record_versions')),
    sa.UniqueConstraint('source_record_id', 'version', name=op.f('uq_source_record_versions_source_record_id'))
    )
    with op.batch_alter_table('source_record_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_record_versions_batch_id'), ['batch_id'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('source_record_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_record_versions_batch_id'))

    op.drop_table('source_record_versions')
    with op.batch_alter_table('source_records', schema=None) as batch_op:
        batch_op.drop_index('ix_source_records_system_role_regdate')
        batch_op.drop_index(batch_op.f('ix_source_records_case_key_norm'))

    op.drop_table('source_records')
    with op.batch_alter_table('quarantine_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_rows_batch_id'))

    op.drop_table('quarantine_rows')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batches_system'))
        batch_op.drop_index(batch_op.f('ix_batches_content_sha256'))

    op.drop_table('batches')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_principal'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))

    op.drop_table('audit_events')
    op.drop_table('api_keys')
