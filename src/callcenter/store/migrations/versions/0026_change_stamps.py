"""change stamps and shared figures: idle consoles read one number a second, supervisors share one monitor

`changestamp` holds a number per topic that the database itself raises whenever something a board
shows changes (a call arrives, is taken, ends or is moved; an agent's state, name or account; a
line). A board reads that number each second and reads the board only when it moved. The triggers
leave out what no board shows (call notes, presence), so typing and presence do not move it.

On PostgreSQL the triggers are deferred to commit and raise the number once per transaction: the
stamp's row lock is then the last lock a transaction takes, so two writers never wait for each
other in a cycle, and it is held only while committing. On SQLite a writer is alone anyway.

`sharedfigures` keeps figures that are the same for every console that shows them (the monitor's,
the board's lines and waiting callers), computed by one console at a time and read by the others.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

BOARD = "board"
# What a board shows of a call and of an agent: updates touching only other columns (notes typed
# on a call, the console's presence) leave the stamp alone.
_CALL_COLUMNS = "line_id, caller_number, channel, state, priority, arrived_at, answered_at, agent_id"
_AGENT_COLUMNS = "username, display_name, role, state, state_since, active, failed_logins, console_token, away_reason"
_WATCHED = (
    ("call", ("INSERT", "DELETE", f"UPDATE OF {_CALL_COLUMNS}")),
    ("agent", ("INSERT", "DELETE", f"UPDATE OF {_AGENT_COLUMNS}")),
    ("line", ("INSERT", "DELETE", "UPDATE")),
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "changestamp",
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("topic"),
    )
    op.execute(f"INSERT INTO changestamp (topic, version) VALUES ('{BOARD}', 1)")
    op.create_table(
        "sharedfigures",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("computed_epoch", sa.Float(), nullable=True),
        sa.Column("computing_until", sa.Float(), nullable=True),
        sa.Column("stamp", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    bump = f"UPDATE changestamp SET version = version + 1 WHERE topic = '{BOARD}'"
    if sqlite:
        for table, events in _WATCHED:
            for event in events:
                name = f"{table}_stamps_board_{event.split()[0].lower()}"
                op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {bump}; END")
        return
    # SECURITY DEFINER: a web referral's call (migration 0024) raises it too, and the site may not
    # write this table itself.
    op.execute(
        "CREATE FUNCTION changestamp_board() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
        "SET search_path = public AS $$ BEGIN "
        "IF current_setting('callcenter.board_stamped', true) IS DISTINCT FROM 'yes' THEN "
        "PERFORM set_config('callcenter.board_stamped', 'yes', true); "
        f"{bump}; "
        "END IF; RETURN NULL; END $$"
    )
    for table, events in _WATCHED:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_stamps_board AFTER {' OR '.join(events)} ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION changestamp_board()"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, events in _WATCHED:
        if sqlite:
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_stamps_board_{event.split()[0].lower()}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_stamps_board ON {table}")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS changestamp_board()")
    op.drop_table("sharedfigures")
    op.drop_table("changestamp")
