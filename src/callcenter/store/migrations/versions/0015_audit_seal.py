"""audit seal: the audit trail's hash chain; the directory's words refreshed without owning them

Each committed audit entry is sealed in order with a digest chained to the one before, so an entry
changed, deleted or written in behind the others shows when the chain is verified
(`callcenter audit verify`). The seals are append-only, as the trail is.

On PostgreSQL, consoles now log in with a role that owns nothing (store/roles.py), and refreshing a
materialized view takes its owner: `refresh_provider_words()` runs the refresh with the owner's
rights (SECURITY DEFINER, its search path fixed) and is all a console may do to the view.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

import callcenter.store.types


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_seal',
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', callcenter.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('seq'),
        sa.UniqueConstraint('entry_id'),
    )
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_seal_no_{action.lower()} BEFORE {action} ON audit_seal "
                f"BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_seal "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
        )
        op.execute(
            "CREATE FUNCTION refresh_provider_words() RETURNS void LANGUAGE sql SECURITY DEFINER "
            "SET search_path = public, pg_temp "
            "AS 'REFRESH MATERIALIZED VIEW CONCURRENTLY provider_words'"
        )
        op.execute("REVOKE ALL ON FUNCTION refresh_provider_words() FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS refresh_provider_words()")
        op.execute("DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_seal")
        op.execute("DROP TRIGGER IF EXISTS audit_seal_no_truncate ON audit_seal")
    op.drop_table('audit_seal')
