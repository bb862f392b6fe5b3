"""agent state log: every change of an agent's state, with the reason for being away

Reports of time in each state (occupancy, away time by reason) read this log from the day it
exists. The database writes it (triggers on the agent table), so no code path that changes a
state can forget to. Each agent's state at the upgrade opens their log.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from callcenter.store.types import UTCDateTime


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

_REASON = "CASE WHEN NEW.state = 'away' THEN NEW.away_reason END"
_AT = "COALESCE(NEW.state_since, NEW.created_at)"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # a plain ADD COLUMN: a table rebuild would lose nothing here, but it is not needed
        op.execute("ALTER TABLE agent ADD COLUMN away_reason VARCHAR(20)")
    else:
        op.add_column('agent', sa.Column('away_reason', sa.String(length=20), nullable=True))
    op.create_table(
        'agentstatelog',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_agentstatelog_agent_at', 'agentstatelog', ['agent_id', 'at'])
    op.execute(
        "INSERT INTO agentstatelog (agent_id, at, state, reason) "
        "SELECT id, COALESCE(state_since, created_at), state, NULL FROM agent "
        "WHERE COALESCE(state_since, created_at) IS NOT NULL"
    )
    insert = f"INSERT INTO agentstatelog (agent_id, at, state, reason) VALUES (NEW.id, {_AT}, NEW.state, {_REASON})"
    changed = "(OLD.state IS NOT NEW.state OR OLD.away_reason IS NOT NEW.away_reason)"
    if sqlite:
        op.execute(f"CREATE TRIGGER agent_state_log_insert AFTER INSERT ON agent WHEN {_AT} IS NOT NULL BEGIN {insert}; END")
        op.execute(
            f"CREATE TRIGGER agent_state_log_update AFTER UPDATE OF state, away_reason ON agent "
            f"WHEN {changed} AND {_AT} IS NOT NULL BEGIN {insert}; END"
        )
    else:
        op.execute(
            "CREATE FUNCTION agent_state_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF {_AT} IS NOT NULL AND (TG_OP = 'INSERT' OR "
            "OLD.state IS DISTINCT FROM NEW.state OR OLD.away_reason IS DISTINCT FROM NEW.away_reason) THEN "
            f"{insert}; END IF; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER agent_state_log AFTER INSERT OR UPDATE OF state, away_reason ON agent "
            "FOR EACH ROW EXECUTE FUNCTION agent_state_log()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS agent_state_log_insert")
        op.execute("DROP TRIGGER IF EXISTS agent_state_log_update")
        op.drop_index('ix_agentstatelog_agent_at', table_name='agentstatelog')
        op.drop_table('agentstatelog')
        op.execute("ALTER TABLE agent DROP COLUMN away_reason")
    else:
        op.execute("DROP TRIGGER IF EXISTS agent_state_log ON agent")
        op.execute("DROP FUNCTION IF EXISTS agent_state_log()")
        op.drop_index('ix_agentstatelog_agent_at', table_name='agentstatelog')
        op.drop_table('agentstatelog')
        op.drop_column('agent', 'away_reason')
