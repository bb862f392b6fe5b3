"""Signing out and quitting: the last words typed are saved, and the agent is left offline.

Words are written as they are typed; what the database has not confirmed is in the app's outbox.
Leaving saves it first; while it cannot be saved the console says so and waits, leaving by itself
once it is saved, and asked again it leaves anyway, saying what is lost.
"""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import TextArea

from callcenter.domain.model import AgentState
from callcenter.store import agents, calls
from callcenter.store.db import Database
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.call.call_panel import CallScreen
from callcenter.ui.screens.intake.screen import IntakeScreen
from callcenter.ui.screens.signin.lock import LockScreen
from callcenter.ui.screens.signin.signin import SignInScreen
from tests.dbutil import stored_intake
from tests.ui.helpers import make_app, settle, type_text, wait_until

SIZE = (120, 40)


def alex(db):
    return agents.get_by_username(db, "alex")


def messages(app) -> str:
    return " | ".join(str(notification.message) for notification in app._notifications)


async def board(pilot):
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)


async def intake_by_hand_with_a_name(pilot) -> IntakeScreen:
    """A fax or web referral's intake (no call), the caller's name typed and not yet autosaved."""
    await board(pilot)
    await pilot.press("n")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, IntakeScreen))
    await settle(pilot)
    intake = pilot.app.screen
    await intake.jump_to_field("caller_name")
    await pilot.pause()
    await type_text(pilot, "Maria Lopez")
    return intake


async def test_signing_out_right_after_typing_saves_the_intake_first(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await intake_by_hand_with_a_name(pilot)
        await pilot.press("ctrl+l")  # lock, then sign out from the lock: no time for an autosave
        assert await wait_until(pilot, lambda: isinstance(app.screen, LockScreen))
        await pilot.pause()
        await pilot.press("ctrl+o")
        assert await wait_until(pilot, lambda: isinstance(app.screen, SignInScreen), timeout=10)
    assert stored_intake(sqlite_demo_db, intake.intake_id).fields["caller_name"] == "Maria Lopez"
    assert alex(sqlite_demo_db).state is AgentState.OFFLINE


async def test_quitting_from_the_board_leaves_the_agent_offline(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        await board(pilot)
        assert alex(sqlite_demo_db).state is AgentState.AVAILABLE
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: app.return_code is not None, timeout=10)
    assert alex(sqlite_demo_db).state is AgentState.OFFLINE


async def test_quitting_during_a_call_saves_the_notes_and_says_the_call_is_still_on(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        await board(pilot)
        await pilot.press("t")
        assert await wait_until(pilot, lambda: isinstance(app.screen, CallScreen))
        await settle(pilot)
        call_id = app.screen.call.id
        await type_text(pilot, "Mother asks about anxiety groups")
        assert app.screen.query_one("#call-notes", TextArea).text == "Mother asks about anxiety groups"
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: "ctrl+q again" in messages(app), timeout=10)
        assert app.return_code is None and "End the current call first" in messages(app)
        assert calls.get_call(sqlite_demo_db, call_id).notes == "Mother asks about anxiety groups"
        await pilot.press("ctrl+q")  # the rep chose to go anyway
        assert await wait_until(pilot, lambda: app.return_code is not None, timeout=10)


async def test_ready_pressed_as_signing_out_begins_leaves_the_agent_offline(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        await board(pilot)
        await pilot.press("w")  # away first (on a break), so "ready" would be a change
        await settle(pilot)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: alex(sqlite_demo_db).state is AgentState.AWAY)
        await pilot.press("o", "r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, SignInScreen), timeout=10)
        await settle(pilot)
    assert alex(sqlite_demo_db).state is AgentState.OFFLINE


@pytest.fixture
def impatient_db(sqlite_demo_db):
    """The demo database, opened with a short busy timeout, and another terminal's connection that
    can hold its write lock: (db, other_terminal)."""
    db = Database(sqlite_demo_db.url, busy_timeout_ms=100)
    other_terminal = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=5)
    yield db, other_terminal
    if other_terminal.in_transaction:
        other_terminal.execute("ROLLBACK")
    other_terminal.close()
    db.dispose()


async def intake_typed_while_locked(pilot, other_terminal) -> IntakeScreen:
    """An intake whose caller's name is typed while another terminal holds the write lock."""
    await board(pilot)
    await pilot.press("n")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, IntakeScreen))
    await settle(pilot)
    intake = pilot.app.screen
    await intake.jump_to_field("caller_name")
    await pilot.pause()
    other_terminal.execute("BEGIN IMMEDIATE")
    await type_text(pilot, "Maria Lopez")
    assert await wait_until(
        pilot, lambda: "Not saved yet" in str(intake.query_one("#save-status").render()), timeout=10
    )
    return intake


async def test_quitting_when_the_words_cannot_be_saved_says_so_and_a_second_ctrl_q_quits(impatient_db):
    db, other_terminal = impatient_db
    app = make_app(db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await intake_typed_while_locked(pilot, other_terminal)
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: "ctrl+q again" in messages(app), timeout=10)
        assert app.return_code is None and "Not saved yet: intake #" in messages(app)
        assert intake.values["caller_name"] == "Maria Lopez"
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: app.return_code is not None, timeout=10)
        assert "Quit without saving intake #" in str(app._exit_renderables)


async def test_quitting_waits_for_the_words_and_quits_by_itself_once_they_are_saved(sqlite_demo_db, impatient_db):
    db, other_terminal = impatient_db
    app = make_app(db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await intake_typed_while_locked(pilot, other_terminal)
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: "quit as soon as it is saved" in messages(app), timeout=10)
        other_terminal.execute("ROLLBACK")  # the other terminal is done; nothing is pressed
        assert await wait_until(pilot, lambda: app.return_code is not None, timeout=30)
    assert stored_intake(sqlite_demo_db, intake.intake_id).fields["caller_name"] == "Maria Lopez"
    assert alex(sqlite_demo_db).state is AgentState.OFFLINE


async def test_going_away_asks_why_and_the_reason_is_kept(sqlite_demo_db):
    from callcenter.store.models import Agent, AgentStateChange
    from callcenter.ui.shared.dialogs import PickScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        await board(pilot)
        await pilot.press("w")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PickScreen))
        offered = [str(option.prompt) for option in app.screen.query_one("#pick").options]
        assert offered == ["Break", "Training", "Meeting", "Outbound work"]
        await pilot.press("down", "enter")
        assert await wait_until(pilot, lambda: alex(sqlite_demo_db).state is AgentState.AWAY)
        await pilot.press("w")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("escape")  # changed their mind: still away for training
        await settle(pilot)
    with sqlite_demo_db.read() as session:
        from sqlalchemy import select

        me = session.scalars(select(Agent).where(Agent.username == "alex")).one()
        assert (me.state, me.away_reason) == ("away", "training")
        last = session.scalars(
            select(AgentStateChange).where(AgentStateChange.agent_id == me.id).order_by(AgentStateChange.id.desc())
        ).first()
        assert (last.state, last.reason) == ("away", "training")
