"""providers attached to a referral, with outcome

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import callcenter.store.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'referral_provider',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('intake_id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('appointment_at', callcenter.store.types.UTCDateTime(), nullable=True),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', callcenter.store.types.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id']),
        sa.ForeignKeyConstraint(['intake_id'], ['intake.id']),
        sa.ForeignKeyConstraint(['provider_id'], ['provider.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('intake_id', 'provider_id', name='uq_referral_provider'),
    )
    with op.batch_alter_table('referral_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_provider_intake_id'), ['intake_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral_provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_provider_intake_id'))
    op.drop_table('referral_provider')
