"""directory in Open Referral HSDS 3.0 form

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import callcenter.store.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)


def _ref(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=64), nullable=nullable)


def _text(name: str, length: int | None = None) -> sa.Column:
    kind = sa.Text() if length is None else sqlmodel.sql.sqltypes.AutoString(length=length)
    return sa.Column(name, kind, nullable=True)


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        'hsds_organization',
        _id(),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        _text('alternate_name', 200),
        _text('description'),
        _text('email', 200),
        _text('website', 400),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'hsds_service',
        _id(),
        _ref('organization_id', nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        _text('alternate_name', 200),
        _text('description'),
        _text('url', 400),
        _text('email', 200),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        _text('application_process'),
        _text('fees_description'),
        _text('wait_time', 200),
        _text('fees'),
        _text('eligibility_description'),
        sa.Column('minimum_age', sa.Float(), nullable=True),
        sa.Column('maximum_age', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['hsds_organization.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('hsds_service', 'organization_id')
    op.create_table(
        'hsds_location',
        _id(),
        sa.Column('location_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        _ref('organization_id'),
        _text('name', 200),
        _text('alternate_name', 200),
        _text('description'),
        _text('url', 400),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['hsds_organization.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('hsds_location', 'organization_id')
    op.create_table(
        'hsds_address',
        _id(),
        _ref('location_id', nullable=False),
        _text('attention', 200),
        _text('address_1', 200),
        _text('address_2', 200),
        _text('city', 80),
        _text('region', 80),
        _text('state_province', 40),
        _text('postal_code', 20),
        _text('country', 40),
        sa.Column('address_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['hsds_location.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('hsds_address', 'location_id')
    op.create_table(
        'hsds_service_at_location',
        _id(),
        _ref('service_id', nullable=False),
        _ref('location_id', nullable=False),
        _text('description'),
        sa.ForeignKeyConstraint(['location_id'], ['hsds_location.id']),
        sa.ForeignKeyConstraint(['service_id'], ['hsds_service.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('hsds_service_at_location', 'location_id', 'service_id')
    op.create_table(
        'hsds_phone',
        _id(),
        _ref('location_id'),
        _ref('service_id'),
        _ref('organization_id'),
        _ref('service_at_location_id'),
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        _text('extension', 20),
        _text('type', 20),
        _text('description'),
        sa.ForeignKeyConstraint(['location_id'], ['hsds_location.id']),
        sa.ForeignKeyConstraint(['organization_id'], ['hsds_organization.id']),
        sa.ForeignKeyConstraint(['service_at_location_id'], ['hsds_service_at_location.id']),
        sa.ForeignKeyConstraint(['service_id'], ['hsds_service.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('hsds_phone', 'location_id', 'organization_id', 'service_at_location_id', 'service_id')
    op.create_table(
        'hsds_schedule',
        _id(),
        _ref('service_id'),
        _ref('location_id'),
        _ref('service_at_location_id'),
        _text('freq', 10),
        sa.Column('interval', sa.Integer(), nullable=True),
        _text('byday', 100),
        _text('opens_at', 16),
        _text('closes_at', 16),
        _text('description'),
        sa.ForeignKeyConstraint(['location_id'], ['hsds_location.id']),
        sa.ForeignKeyConstraint(['service_at_location_id'], ['hsds_service_at_location.id']),
        sa.ForeignKeyConstraint(['service_id'], ['hsds_service.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('hsds_schedule', 'location_id', 'service_at_location_id', 'service_id')
    op.create_table(
        'hsds_language',
        _id(),
        _ref('service_id'),
        _ref('location_id'),
        _text('name', 80),
        _text('code', 20),
        _text('note'),
        sa.ForeignKeyConstraint(['location_id'], ['hsds_location.id']),
        sa.ForeignKeyConstraint(['service_id'], ['hsds_service.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('hsds_language', 'location_id', 'service_id')
    op.create_table(
        'hsds_attribute',
        _id(),
        sa.Column('link_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        _text('link_type', 40),
        sa.Column('link_entity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('taxonomy_term_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        _text('label', 200),
        _text('value'),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('hsds_attribute', 'link_id', 'taxonomy_term_id')


TABLES = ('hsds_attribute', 'hsds_language', 'hsds_schedule', 'hsds_phone', 'hsds_service_at_location',
          'hsds_address', 'hsds_location', 'hsds_service', 'hsds_organization')


def downgrade() -> None:
    for table in TABLES:  # children first
        op.drop_table(table)
