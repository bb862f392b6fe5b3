"""case notes, plan items and booking references

A case manager's or peer specialist's notes on a case are saved as they type (with their own
version); a case's plan holds dated steps; a ride's or an interpreter's promise keeps the booking
reference it was confirmed with.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from callcenter.store.types import UTCDateTime


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('handoff', sa.Column('notes', sa.Text(), nullable=True))
    op.add_column('handoff', sa.Column('notes_version', sa.Integer(), nullable=False, server_default='1'))
    op.create_table(
        'handoffplanitem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('handoff_id', sa.Integer(), nullable=False),
        sa.Column('due_at', UTCDateTime(), nullable=False),
        sa.Column('what', sa.String(length=200), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('done_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['handoff_id'], ['handoff.id']),
        sa.ForeignKeyConstraint(['created_by'], ['agent.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoffplanitem_handoff_id', 'handoffplanitem', ['handoff_id'])
    # Not a batch (table rebuild) on SQLite: that would drop the triggers that keep breaches.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE task ADD COLUMN booking_ref VARCHAR(40)")
    else:
        op.add_column('task', sa.Column('booking_ref', sa.String(length=40), nullable=True))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in (('task', 'booking_ref'), ('handoff', 'notes_version'), ('handoff', 'notes')):
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # SQLite 3.35+: no table rebuild
        else:
            op.drop_column(table, column)
    op.drop_index('ix_handoffplanitem_handoff_id', table_name='handoffplanitem')
    op.drop_table('handoffplanitem')
