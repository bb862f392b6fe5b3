"""Faults mid-shift: the database goes away (PostgreSQL) or stays locked (SQLite) while a rep types.

The screen says so, keeps every typed field, retries with backoff and saves on its own once the
database is back; nothing typed is lost and no traceback is shown.
"""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import Input, Static

from callcenter.store import agents, intakes
from callcenter.store.db import Database
from callcenter.ui.screens.intake.screen import IntakeScreen
from tests.dbutil import _admin
from tests.ui.helpers import make_app, wait_until
from tests.ui.test_intake import open_intake_from_call, type_into

SIZE = (120, 40)


@pytest.fixture
def pg_demo_db(request, templates):
    request.getfixturevalue("postgres_ready")
    db = templates.postgres(True)
    yield db
    _admin(f"ALTER DATABASE {db.engine.url.database} ALLOW_CONNECTIONS true")
    db.dispose()


def status(screen: IntakeScreen) -> str:
    return str(screen.query_one("#save-status", Static).render())


def saved_fields(db) -> dict[str, str]:
    alex = agents.get_by_username(db, "alex")
    return intakes.open_drafts(db, alex.id)[0].fields


def cut_off(db: Database) -> None:
    """As a server restart looks from here: every connection dropped and new ones refused."""
    name = db.engine.url.database
    _admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
    _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")


def restore(db: Database) -> None:
    _admin(f"ALTER DATABASE {db.engine.url.database} ALLOW_CONNECTIONS true")


async def test_postgresql_going_away_mid_intake_loses_nothing(pg_demo_db):
    app = make_app(pg_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await open_intake_from_call(pilot)
        await type_into(pilot, intake, "caller_name", "Maria Lopez")
        assert await wait_until(pilot, lambda: status(intake).startswith("Saved"), timeout=10)

        cut_off(pg_demo_db)
        await type_into(pilot, intake, "callback_number", "8605550143")
        assert await wait_until(pilot, lambda: "Not saved yet" in status(intake), timeout=20)
        assert "database" in status(intake) and "what you type is kept" in status(intake)
        # Typing goes on while the database is away; all of it stays on screen.
        await type_into(pilot, intake, "guardian_name", "Maria Lopez")
        assert intake.query_one("#field-caller_name", Input).value == "Maria Lopez"
        assert intake.query_one("#field-guardian_name", Input).value == "Maria Lopez"
        assert app.is_running and isinstance(app.screen, IntakeScreen)

        restore(pg_demo_db)
        # Retries back off (1, 2, 4 … 15 s): the draft is saved by itself, with nothing pressed.
        assert await wait_until(pilot, lambda: status(intake).startswith("Saved"), timeout=30)
    fields = saved_fields(pg_demo_db)
    assert fields["caller_name"] == "Maria Lopez" and fields["guardian_name"] == "Maria Lopez"
    assert "8605550143" in "".join(ch for ch in fields["callback_number"] if ch.isdigit())


async def test_sqlite_locked_by_another_terminal_is_waited_out(sqlite_demo_db):
    # A short busy timeout, so the lock outlasts it as a long write elsewhere would outlast 10 s.
    db = Database(sqlite_demo_db.url, busy_timeout_ms=100)
    app = make_app(db, agent="alex")
    other_terminal = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=5)
    try:
        async with app.run_test(size=SIZE) as pilot:
            intake = await open_intake_from_call(pilot)
            other_terminal.execute("BEGIN IMMEDIATE")  # holds the write lock
            await type_into(pilot, intake, "caller_name", "Maria Lopez")
            assert await wait_until(pilot, lambda: "Not saved yet" in status(intake), timeout=10)
            assert "busy" in status(intake)
            assert intake.query_one("#field-caller_name", Input).value == "Maria Lopez"

            other_terminal.execute("COMMIT")
            assert await wait_until(pilot, lambda: status(intake).startswith("Saved"), timeout=20)
    finally:
        other_terminal.close()
        db.dispose()
    assert saved_fields(sqlite_demo_db)["caller_name"] == "Maria Lopez"
