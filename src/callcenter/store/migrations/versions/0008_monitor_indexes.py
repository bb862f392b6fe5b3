"""monitor: calls by arrival time and by end time

The supervisor's monitor reads today's calls (by arrived_at) and the calls that ended in the last
hour (by ended_at, for the handle time behind the staffing advice) every few seconds; without these
indexes both are full scans of a year's history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_call_arrived_at', 'call', ['arrived_at'], unique=False)
    op.create_index('ix_call_ended_at', 'call', ['ended_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_call_ended_at', table_name='call')
    op.drop_index('ix_call_arrived_at', table_name='call')
