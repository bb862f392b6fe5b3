"""web request counts: the public site's rate limits, shared by every web process

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'webrequestcount',
        sa.Column('bucket', sa.String(length=20), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('window_start', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('bucket', 'client', 'window_start'),
    )
    op.create_index('ix_webrequestcount_window_start', 'webrequestcount', ['window_start'])


def downgrade() -> None:
    op.drop_index('ix_webrequestcount_window_start', table_name='webrequestcount')
    op.drop_table('webrequestcount')
