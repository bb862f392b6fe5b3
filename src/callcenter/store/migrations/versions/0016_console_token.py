"""console token: which console an agent is signed in on

The same agent signed in on a second console: the first kept working, and quitting it set the agent
offline while the second worked on. A sign-in now takes the agent over; the console it took over
from is told at its next presence report and signs out without touching the agent's state.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('agent', sa.Column('console_token', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_column('console_token')
