"""agent presence: when each signed-in agent's console last reported

A terminal killed outright cannot set its agent offline, so the agent stayed 'available' for
supervisors to give callers to. Consoles now report every few seconds; the monitor shows an agent
whose console has gone quiet and refuses to give them a caller.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

import callcenter.store.types


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('agent', sa.Column('seen_at', callcenter.store.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_column('seen_at')
