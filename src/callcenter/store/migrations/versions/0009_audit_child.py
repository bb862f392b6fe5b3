"""audit: which child each entry concerns

A supervisor asks "who touched this child's record" far more often than anything else of the
trail, so each entry carries the child's id and an index on it. Not a foreign key: the trail must
outlive the records it talks about.

Plain ADD COLUMN rather than a batch (copy-and-rename) alteration: on SQLite a copied table loses
the triggers that keep the trail append-only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit', sa.Column('child_id', sa.Integer(), nullable=True))
    op.create_index('ix_audit_child_id', 'audit', ['child_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_child_id', table_name='audit')
    # SQLite 3.35+ drops a column in place, so the append-only triggers stay here too.
    op.drop_column('audit', 'child_id')
