"""timers: escalation and breach columns (a breach cannot be cleared); consult child identifiers;
PostgreSQL: the provider search vector in a stored column

Ranking read to_tsvector() again for every matching row (10,000 rows for a common word at 50,000
providers, ~260 ms); a stored generated column is computed once per write (~36 ms).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import callcenter.store.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DOCUMENT = (
    "to_tsvector('simple', name || ' ' || coalesce(description, '') || ' ' || specialties || ' ' "
    "|| service_types || ' ' || coalesce(town, '') || ' ' || coalesce(organization, ''))"
)
BREACH_MESSAGE = "a recorded breach cannot be changed or cleared"


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', callcenter.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('breached_at', callcenter.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('late_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reschedule_reason', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=True))
    with op.batch_alter_table('consultrequest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('child_name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True))
        batch_op.add_column(sa.Column('child_dob', sa.Date(), nullable=True))

    # Once recorded, a breach's time stays and its minutes late can only grow.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"""
            CREATE TRIGGER task_breach_kept BEFORE UPDATE ON task
            WHEN OLD.breached_at IS NOT NULL AND (
                NEW.breached_at IS NULL OR NEW.breached_at != OLD.breached_at
                OR coalesce(NEW.late_minutes, -1) < coalesce(OLD.late_minutes, -1))
            BEGIN SELECT RAISE(ABORT, '{BREACH_MESSAGE}'); END
        """)
        op.execute(f"""
            CREATE TRIGGER task_breach_not_deleted BEFORE DELETE ON task
            WHEN OLD.breached_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, '{BREACH_MESSAGE}'); END
        """)
        return
    op.execute(f"""
        CREATE FUNCTION task_breach_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '{BREACH_MESSAGE}';
            END IF;
            IF NEW.breached_at IS DISTINCT FROM OLD.breached_at
               OR coalesce(NEW.late_minutes, -1) < coalesce(OLD.late_minutes, -1) THEN
                RAISE EXCEPTION '{BREACH_MESSAGE}';
            END IF;
            RETURN NEW;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER task_breach_kept BEFORE UPDATE OR DELETE ON task
        FOR EACH ROW WHEN (OLD.breached_at IS NOT NULL) EXECUTE FUNCTION task_breach_kept()
    """)
    op.execute("DROP INDEX IF EXISTS ix_provider_search_fts")
    op.execute(f"ALTER TABLE provider ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED")
    op.execute("CREATE INDEX ix_provider_search_vector ON provider USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS task_breach_kept")
        op.execute("DROP TRIGGER IF EXISTS task_breach_not_deleted")
    else:
        op.execute("DROP TRIGGER IF EXISTS task_breach_kept ON task")
        op.execute("DROP FUNCTION IF EXISTS task_breach_kept()")
        op.execute("DROP INDEX IF EXISTS ix_provider_search_vector")
        op.execute("ALTER TABLE provider DROP COLUMN search_vector")
        op.execute(f"CREATE INDEX ix_provider_search_fts ON provider USING gin ({DOCUMENT})")
    with op.batch_alter_table('consultrequest', schema=None) as batch_op:
        batch_op.drop_column('child_dob')
        batch_op.drop_column('child_name')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('reschedule_reason')
        batch_op.drop_column('late_minutes')
        batch_op.drop_column('breached_at')
        batch_op.drop_column('escalated_at')
