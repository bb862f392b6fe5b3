"""directory sharing: when each service last changed, and the directories this one follows

The HSDS 3.0 API lists services "modified after" a moment, so each service keeps the moment it
or anything about it (its organization, locations, phones, schedules, terms) last changed; rows
already here count as changed now. Following another directory keeps, per source, where the last
run got to (the upstream's own last_modified, and the page a stopped run resumes from), and which
services came from it (with the upstream's last_modified of each, so the daily listing of ids and
dates finds any change a run missed), so one gone upstream is marked inactive, with the date, and
never deleted.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from callcenter.store.types import UTCDateTime


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch rebuild): SQLite keeps the table and whatever points at it.
    op.add_column('hsds_service', sa.Column('last_modified', UTCDateTime(), nullable=True))
    op.execute("UPDATE hsds_service SET last_modified = CURRENT_TIMESTAMP")
    op.create_index('ix_hsds_service_last_modified', 'hsds_service', ['last_modified', 'id'])
    op.create_table(
        'directoryfollow',
        sa.Column('source', sa.String(length=400), nullable=False),
        sa.Column('taken_through', sa.String(length=40), nullable=True),
        sa.Column('run_since', sa.String(length=40), nullable=True),
        sa.Column('run_next_page', sa.Integer(), nullable=True),
        sa.Column('run_high_water', sa.String(length=40), nullable=True),
        sa.Column('run_started_at', UTCDateTime(), nullable=True),
        sa.Column('last_run_at', UTCDateTime(), nullable=True),
        sa.Column('last_listing_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('source'),
    )
    op.create_table(
        'directoryfollowedservice',
        sa.Column('source', sa.String(length=400), nullable=False),
        sa.Column('service_id', sa.String(length=64), nullable=False),
        sa.Column('upstream_modified', sa.String(length=40), nullable=True),
        sa.Column('gone_since', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('source', 'service_id'),
    )
    op.create_index('ix_directoryfollowedservice_service_id', 'directoryfollowedservice', ['service_id'])


def downgrade() -> None:
    op.drop_index('ix_directoryfollowedservice_service_id', table_name='directoryfollowedservice')
    op.drop_table('directoryfollowedservice')
    op.drop_table('directoryfollow')
    op.drop_index('ix_hsds_service_last_modified', table_name='hsds_service')
    with op.batch_alter_table('hsds_service') as batch:
        batch.drop_column('last_modified')
