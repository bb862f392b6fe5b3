"""contact log: fax, TTY and outbound details on contacts; searchable number digits; links to intakes,
consults and the follow-up a contact answered

Columns are added and dropped with plain ALTER TABLE (no batch copy) so SQLite keeps the table, and
the rows in task and intake that reference it, in place.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import callcenter.store.types

from callcenter.domain.contacts import number_digits


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FOREIGN_KEYS = (('intake_id', 'intake.id'), ('consult_id', 'consultrequest.id'), ('answers_task_id', 'task.id'))


def upgrade() -> None:
    columns = [
        sa.Column('number_digits', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.Column('document_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column('relay', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('transcript', sa.Text(), nullable=True),
        sa.Column('next_step', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), server_default='done', nullable=False),
        sa.Column('ended_at', callcenter.store.types.UTCDateTime(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    ]
    for column in columns:
        op.add_column('contact', column)
    for name, target in FOREIGN_KEYS:
        # Inline REFERENCES: the one way SQLite can add a foreign key without copying the table.
        op.add_column('contact', sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=True),
                      inline_references=True)
    op.add_column('call', sa.Column('relay', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index('ix_contact_number_digits', 'contact', ['number_digits'], unique=False)
    op.create_index('ix_contact_channel_at', 'contact', ['channel', 'at'], unique=False)
    op.create_index('ix_task_contact_id', 'task', ['contact_id'], unique=False)
    op.create_index('ix_contact_answers_task_id', 'contact', ['answers_task_id'], unique=False)

    # Contacts logged before this revision become findable by the digits of their number.
    contact = sa.table('contact', sa.column('id', sa.Integer), sa.column('other_number', sa.String),
                       sa.column('number_digits', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(contact.c.id, contact.c.other_number)
                        .where(contact.c.other_number.is_not(None))).all()
    updates = [{"contact_id": row.id, "digits": number_digits(row.other_number)[:20] or None} for row in rows]
    if updates:
        bind.execute(contact.update().where(contact.c.id == sa.bindparam("contact_id"))
                     .values(number_digits=sa.bindparam("digits")), updates)


def downgrade() -> None:
    # Plain ALTER TABLE DROP COLUMN (SQLite 3.35+) rather than a batch copy: dropping the old copy of
    # contact would trip the foreign keys of the tasks and intakes that point at it.
    op.drop_index('ix_contact_answers_task_id', table_name='contact')
    op.drop_column('call', 'relay')
    op.drop_index('ix_task_contact_id', table_name='task')
    op.drop_index('ix_contact_channel_at', table_name='contact')
    op.drop_index('ix_contact_number_digits', table_name='contact')
    for name in ('answers_task_id', 'consult_id', 'intake_id', 'version', 'ended_at', 'state', 'next_step',
                 'transcript', 'relay', 'document_type', 'pages', 'number_digits'):
        op.drop_column('contact', name)
