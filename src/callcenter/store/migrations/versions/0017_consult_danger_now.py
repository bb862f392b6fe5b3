"""consult danger now: a consult filed while a child is in danger says so

A consult about suicidal thoughts, harm to others or a medical emergency is filed after the rep has
walked the crisis steps; the request records that it was such a one.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        'consultrequest', sa.Column('danger_now', sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table('consultrequest', schema=None) as batch_op:
        batch_op.drop_column('danger_now')
