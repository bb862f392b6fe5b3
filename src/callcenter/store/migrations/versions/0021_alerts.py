"""alerts: what the supervisors were alerted to, from raised to cleared, and who acknowledged it

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from callcenter.store.types import UTCDateTime


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('what', sa.String(length=300), nullable=False),
        sa.Column('line_code', sa.String(length=10), nullable=True),
        sa.Column('raised_at', UTCDateTime(), nullable=False),
        sa.Column('cleared_at', UTCDateTime(), nullable=True),
        sa.Column('acknowledged_by', sa.Integer(), nullable=True),
        sa.Column('acknowledged_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['acknowledged_by'], ['agent.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_alert_raised_at', 'alert', ['raised_at'])
    op.create_index(
        'ux_alert_open_key',
        'alert',
        ['key'],
        unique=True,
        sqlite_where=sa.text('cleared_at IS NULL'),
        postgresql_where=sa.text('cleared_at IS NULL'),
    )


def downgrade() -> None:
    op.drop_index('ux_alert_open_key', table_name='alert')
    op.drop_index('ix_alert_raised_at', table_name='alert')
    op.drop_table('alert')
