"""web referrals: Referral Connect's referrals and drafts, and what the database does with them

The public site's role may insert a referral and nothing more. The database puts the waiting
entry on the web line, the "a representative will call you by" promise and the audit rows beside
it (a trigger; on PostgreSQL it runs with its owner's rights). When a rep takes the entry, the
promise is kept and the referral's status says a rep is working on it.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from callcenter.store.types import UTCDateTime


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

_TITLE = "'Call back web referral ' || NEW.reference"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        'webreferral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('due_at', UTCDateTime(), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('phone_last4', sa.String(length=4), nullable=False),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('client_address', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=True),
        sa.Column('promise_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['call_id'], ['call.id']),
        sa.ForeignKeyConstraint(['promise_id'], ['task.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_webreferral_call_id', 'webreferral', ['call_id'])
    op.create_table(
        'webreferraldraft',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_webreferraldraft_updated_at', 'webreferraldraft', ['updated_at'])
    if sqlite:
        op.execute(
            "CREATE TRIGGER webreferral_arrives AFTER INSERT ON webreferral BEGIN "
            "INSERT INTO call (line_id, caller_number, channel, state, priority, arrived_at, version, relay, notes) "
            "VALUES ((SELECT id FROM line WHERE code = 'web'), NEW.phone, 'web', 'waiting', NEW.priority, "
            "NEW.created_at, 1, 0, NEW.note); "
            "UPDATE webreferral SET call_id = last_insert_rowid() WHERE id = NEW.id; "
            "INSERT INTO audit (at, agent_id, action, entity, entity_id, screen, detail) "
            "VALUES (NEW.created_at, NULL, 'create', 'call', last_insert_rowid(), 'web', "
            "json_object('line', 'web', 'web_referral', NEW.reference)); "
            "INSERT INTO task (kind, title, owner_agent_id, state, due_at, original_due_at, created_at, call_id, version) "
            f"VALUES ('web_referral', {_TITLE}, NULL, 'open', NEW.due_at, NEW.due_at, NEW.created_at, "
            "(SELECT call_id FROM webreferral WHERE id = NEW.id), 1); "
            "UPDATE webreferral SET promise_id = last_insert_rowid() WHERE id = NEW.id; "
            "INSERT INTO audit (at, agent_id, action, entity, entity_id, screen, detail) "
            "VALUES (NEW.created_at, NULL, 'create', 'web_referral', NEW.id, 'web', "
            "json_object('reference', NEW.reference, 'client', NEW.client_address, 'priority', NEW.priority)); "
            "END"
        )
        op.execute(
            "CREATE TRIGGER webreferral_taken AFTER UPDATE OF state ON call "
            "WHEN NEW.channel = 'web' AND OLD.state = 'waiting' AND NEW.state = 'on_call' BEGIN "
            "UPDATE webreferral SET status = 'working' WHERE call_id = NEW.id AND status = 'received'; "
            "UPDATE task SET state = 'done', closed_at = NEW.answered_at, owner_agent_id = NEW.agent_id, version = version + 1 "
            "WHERE call_id = NEW.id AND kind = 'web_referral' AND state = 'open'; "
            "END"
        )
    else:
        op.execute(
            "CREATE FUNCTION webreferral_arrives() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = public AS $$ DECLARE new_call integer; new_promise integer; BEGIN "
            "INSERT INTO call (line_id, caller_number, channel, state, priority, arrived_at, version, relay, notes) "
            "VALUES ((SELECT id FROM line WHERE code = 'web'), NEW.phone, 'web', 'waiting', NEW.priority, "
            "NEW.created_at, 1, false, NEW.note) RETURNING id INTO new_call; "
            "INSERT INTO audit (at, agent_id, action, entity, entity_id, screen, detail) "
            "VALUES (NEW.created_at, NULL, 'create', 'call', new_call, 'web', "
            "json_build_object('line', 'web', 'web_referral', NEW.reference)::text); "
            "INSERT INTO task (kind, title, owner_agent_id, state, due_at, original_due_at, created_at, call_id, version) "
            f"VALUES ('web_referral', {_TITLE}, NULL, 'open', NEW.due_at, NEW.due_at, NEW.created_at, new_call, 1) "
            "RETURNING id INTO new_promise; "
            "INSERT INTO audit (at, agent_id, action, entity, entity_id, screen, detail) "
            "VALUES (NEW.created_at, NULL, 'create', 'web_referral', NEW.id, 'web', "
            "json_build_object('reference', NEW.reference, 'client', NEW.client_address, "
            "'priority', NEW.priority)::text); "
            "NEW.call_id := new_call; NEW.promise_id := new_promise; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER webreferral_arrives BEFORE INSERT ON webreferral "
            "FOR EACH ROW EXECUTE FUNCTION webreferral_arrives()"
        )
        op.execute(
            "CREATE FUNCTION webreferral_taken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE webreferral SET status = 'working' WHERE call_id = NEW.id AND status = 'received'; "
            "UPDATE task SET state = 'done', closed_at = NEW.answered_at, owner_agent_id = NEW.agent_id, version = version + 1 "
            "WHERE call_id = NEW.id AND kind = 'web_referral' AND state = 'open'; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER webreferral_taken AFTER UPDATE OF state ON call FOR EACH ROW "
            "WHEN (NEW.channel = 'web' AND OLD.state = 'waiting' AND NEW.state = 'on_call') "
            "EXECUTE FUNCTION webreferral_taken()"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute("DROP TRIGGER IF EXISTS webreferral_taken" + ("" if sqlite else " ON call"))
    op.execute("DROP TRIGGER IF EXISTS webreferral_arrives" + ("" if sqlite else " ON webreferral"))
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS webreferral_taken()")
        op.execute("DROP FUNCTION IF EXISTS webreferral_arrives()")
    op.drop_index('ix_webreferraldraft_updated_at', table_name='webreferraldraft')
    op.drop_table('webreferraldraft')
    op.drop_index('ix_webreferral_call_id', table_name='webreferral')
    op.drop_table('webreferral')
