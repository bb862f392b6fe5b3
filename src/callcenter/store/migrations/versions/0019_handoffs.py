"""hand-offs: families handed to a case manager or a peer specialist

A ticked case-manager or peer-specialist need created no work for anyone. A hand-off row now says
which team has the family, who on it (none: unassigned), how engaged the family is and why the
case was closed; its first-contact promise points back at it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from callcenter.store.types import UTCDateTime


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handoff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('intake_id', sa.Integer(), nullable=True),
        sa.Column('team', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('assigned_to', sa.Integer(), nullable=True),
        sa.Column('engagement', sa.String(length=20), nullable=False),
        sa.Column('last_contact_at', UTCDateTime(), nullable=True),
        sa.Column('closed_at', UTCDateTime(), nullable=True),
        sa.Column('close_reason', sa.String(length=300), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['assigned_to'], ['agent.id']),
        sa.ForeignKeyConstraint(['child_id'], ['child.id']),
        sa.ForeignKeyConstraint(['created_by'], ['agent.id']),
        sa.ForeignKeyConstraint(['intake_id'], ['intake.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoff_assigned_to', 'handoff', ['assigned_to'])
    op.create_index('ix_handoff_child_id', 'handoff', ['child_id'])
    # Not a batch (table rebuild) on SQLite: that would drop the triggers that keep breaches.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE task ADD COLUMN handoff_id INTEGER REFERENCES handoff (id)")
    else:
        op.add_column('task', sa.Column('handoff_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_task_handoff_id_handoff', 'task', 'handoff', ['handoff_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE task DROP COLUMN handoff_id")  # SQLite 3.35+: no table rebuild
    else:
        op.drop_constraint('fk_task_handoff_id_handoff', 'task', type_='foreignkey')
        op.drop_column('task', 'handoff_id')
    op.drop_index('ix_handoff_child_id', table_name='handoff')
    op.drop_index('ix_handoff_assigned_to', table_name='handoff')
    op.drop_table('handoff')
