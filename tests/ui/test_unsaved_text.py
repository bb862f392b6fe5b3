"""Text the screen says was kept is kept: through an outage, a conflict, the screen closing, quitting.

Every change is on its way to the database as it is typed; what the database has not confirmed stays
in the app's outbox (not the screen's), which tries again by itself and says what is not saved.
"""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import Static, TextArea

from callcenter.store import agents, contacts, intakes
from callcenter.store.db import Database
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.contact_log.tty import TtySessionScreen
from callcenter.ui.screens.intake.screen import IntakeScreen
from callcenter.ui.shared.conflict import ConflictScreen
from tests.dbutil import FIXED_NOW, stored_intake
from tests.ui.helpers import make_app, settle, type_text, wait_until
from tests.ui.test_faults import cut_off, restore

SIZE = (120, 40)


def messages(app) -> str:
    return " | ".join(str(notification.message) for notification in app._notifications)


def banner(app) -> str:
    return str(app.screen.query_one("#unsaved", Static).render())


async def new_intake(pilot) -> IntakeScreen:
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)
    await pilot.press("n")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, IntakeScreen))
    await settle(pilot)
    return pilot.app.screen


async def type_in(pilot, intake: IntakeScreen, key: str, text: str) -> None:
    await intake.jump_to_field(key)
    await pilot.pause()
    await type_text(pilot, text)


def status(screen) -> str:
    return str(screen.query_one("#save-status", Static).render())


@pytest.fixture
def locked_db(sqlite_demo_db):
    """The demo database with a short busy timeout, and another terminal's connection to hold its lock."""
    db = Database(sqlite_demo_db.url, busy_timeout_ms=100)
    other = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=5)
    yield db, other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()
    db.dispose()


async def test_esc_while_the_database_is_locked_keeps_the_text_and_saves_it_when_the_lock_goes(locked_db):
    db, other = locked_db
    app = make_app(db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await new_intake(pilot)
        intake_id = intake.intake_id
        other.execute("BEGIN IMMEDIATE")  # another terminal's long write
        await type_in(pilot, intake, "duration", "3 months")
        assert await wait_until(pilot, lambda: "Not saved yet" in status(intake), timeout=10)
        await pilot.pause(2)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        # What the screen says is true: not saved yet, kept, and said on the board too.
        assert "Not saved yet" in messages(app) and "Draft kept" not in messages(app)
        assert await wait_until(pilot, lambda: f"intake #{intake_id}" in banner(app))
        other.execute("COMMIT")  # the lock goes; nothing is pressed
        assert await wait_until(
            pilot, lambda: stored_intake(db, intake_id).fields.get("duration") == "3 months", timeout=30
        )
        assert await wait_until(pilot, lambda: banner(app) == "")
        assert app.outbox.unsaved == []


@pytest.mark.postgres
async def test_esc_while_postgresql_is_away_keeps_the_text_and_saves_it_when_it_is_back(request, templates):
    request.getfixturevalue("postgres_ready")
    db = templates.postgres(True)
    app = make_app(db, agent="alex")
    try:
        async with app.run_test(size=SIZE) as pilot:
            intake = await new_intake(pilot)
            intake_id = intake.intake_id
            cut_off(db)
            await type_in(pilot, intake, "duration", "since the move")
            assert await wait_until(pilot, lambda: "Not saved yet" in status(intake), timeout=20)
            await pilot.press("escape")
            assert await wait_until(pilot, lambda: f"intake #{intake_id}" in banner(app), timeout=10)
            restore(db)
            assert await wait_until(
                pilot, lambda: stored_intake(db, intake_id).fields.get("duration") == "since the move", timeout=40
            )
    finally:
        restore(db)
        db.dispose()


async def test_esc_after_a_conflict_keeps_the_reps_text_and_reopening_offers_the_choice(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await new_intake(pilot)
        intake_id = intake.intake_id
        draft = stored_intake(sqlite_demo_db, intake_id)  # another console saves it first
        intakes.save_draft(sqlite_demo_db, draft.agent_id, intake_id, {"duration": "a week"}, draft.version, FIXED_NOW)
        await type_in(pilot, intake, "duration", "two years")
        assert await wait_until(pilot, lambda: "Another rep saved" in status(intake), timeout=10)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        assert "Not saved" in messages(app) and "ctrl+r" in messages(app)
        assert stored_intake(sqlite_demo_db, intake_id).fields["duration"] == "a week"
        # Reopened, the rep's text is back on screen, and the choice is theirs to make.
        app.show_intake(stored_intake(sqlite_demo_db, intake_id))
        assert await wait_until(pilot, lambda: isinstance(app.screen, IntakeScreen))
        await settle(pilot)
        reopened = app.screen
        assert reopened.values["duration"] == "two years"
        await pilot.press("ctrl+r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.press("enter")  # keep mine, every field
        assert await wait_until(
            pilot, lambda: stored_intake(sqlite_demo_db, intake_id).fields["duration"] == "two years", timeout=10
        )
        assert app.outbox.unsaved == []


async def test_the_tty_transcript_keeps_its_trailing_newline(sqlite_demo_db):
    from callcenter.domain.contacts import TtyStart

    alex = agents.get_by_username(sqlite_demo_db, "alex")
    detail = contacts.start_tty(sqlite_demo_db, alex.id, TtyStart("Maria", None, False), FIXED_NOW)
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        app.push_screen(TtySessionScreen(detail))
        assert await wait_until(pilot, lambda: isinstance(app.screen, TtySessionScreen))
        await settle(pilot)
        await type_text(pilot, "HELLO GA")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: contacts.get(sqlite_demo_db, detail.row.id).transcript == "HELLO GA\n")
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        app.push_screen(TtySessionScreen(contacts.get(sqlite_demo_db, detail.row.id)))
        assert await wait_until(pilot, lambda: isinstance(app.screen, TtySessionScreen))
        await settle(pilot)
        await type_text(pilot, "NEXT LINE")
        area = app.screen.query_one("#tty-transcript", TextArea)
        assert area.text == "HELLO GA\nNEXT LINE"
        assert await wait_until(
            pilot, lambda: contacts.get(sqlite_demo_db, detail.row.id).transcript == "HELLO GA\nNEXT LINE"
        )


async def test_a_terminal_closing_saves_what_it_can_and_leaves_the_agent_offline(locked_db):
    """A closed browser tab (textual-serve asks the console to exit) or a dropped session: no sign-out."""
    from textual import messages as textual_messages

    from callcenter.domain.model import AgentState

    db, other = locked_db
    app = make_app(db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await new_intake(pilot)
        other.execute("BEGIN IMMEDIATE")
        await type_in(pilot, intake, "duration", "since spring")
        assert await wait_until(pilot, lambda: "Not saved yet" in status(intake), timeout=10)
        other.execute("COMMIT")  # the database answers again, and at that moment the tab is closed
        app.post_message(textual_messages.ExitApp())
        assert await wait_until(pilot, lambda: not app.is_running, timeout=10)
    assert stored_intake(db, intake.intake_id).fields["duration"] == "since spring"
    assert agents.get_by_username(db, "alex").state is AgentState.OFFLINE


async def test_an_intake_opened_and_left_with_nothing_typed_is_not_kept(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await new_intake(pilot)
            await pilot.press("escape")
            assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        alex = agents.get_by_username(sqlite_demo_db, "alex")
        assert await wait_until(pilot, lambda: intakes.open_drafts(sqlite_demo_db, alex.id) == [])
