"""The idle lock: it hides the console, keeps what was typed, and opens only to the agent's password."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input, Label

from callcenter.store.models import Agent, AuditEntry
from callcenter.store.seed import DEMO_PASSWORD
from callcenter.ui.app import CallCenterApp
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.intake.screen import IntakeScreen
from callcenter.ui.screens.signin.lock import LockScreen
from callcenter.ui.screens.signin.signin import SignInScreen
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import settle, type_text, wait_until
from tests.ui.test_intake import open_intake_from_call

SIZE = (120, 40)


def locking_app(db, agent: str = "alex") -> CallCenterApp:
    # Locking is switched on with an hour's grace; each test shortens it when it is ready to be idle.
    return CallCenterApp(
        db, clock=lambda: FIXED_NOW, agent_username=agent, refresh_seconds=0.25, idle_lock_seconds=3600
    )


def lock_ready(app) -> bool:
    """The lock screen is up and its password field has the focus, so typed keys land there."""
    screen = app.screen
    return (
        isinstance(screen, LockScreen)
        and bool(screen.query("#lock-password"))
        and screen.focused is screen.query_one("#lock-password")
    )


def error_text(screen: LockScreen) -> str:
    return str(screen.query_one("#lock-error", Label).render())


async def test_idle_console_locks_and_unlocks_with_the_half_typed_intake_intact(sqlite_demo_db):
    app = locking_app(sqlite_demo_db)
    async with app.run_test(size=SIZE) as pilot:
        intake = await open_intake_from_call(pilot)
        await intake.jump_to_field("caller_name")
        await pilot.pause()
        await type_text(pilot, "Maria Lo")  # half typed: no Tab, no autosave needed
        field = intake.query_one("#field-caller_name", Input)
        assert field.value == "Maria Lo"

        app.idle_lock_seconds = 0.5
        assert await wait_until(pilot, lambda: lock_ready(app), timeout=5)
        lock = app.screen
        assert "without a key pressed" in str(lock.query_one("#lock-reason").render())

        await type_text(pilot, "not-my-password")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "not right" in error_text(lock).lower(), timeout=5)
        assert isinstance(app.screen, LockScreen)
        assert lock.query_one("#lock-password", Input).value == ""

        app.idle_lock_seconds = 3600  # typing the password is itself activity; keep the test's timing out of it
        await type_text(pilot, DEMO_PASSWORD)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, IntakeScreen), timeout=5)
        assert app.screen is intake
        assert intake.query_one("#field-caller_name", Input).value == "Maria Lo"

    with sqlite_demo_db.read() as session:
        alex = session.scalars(select(Agent).where(Agent.username == "alex")).one()
        failures = session.scalars(
            select(AuditEntry.action).where(AuditEntry.agent_id == alex.id, AuditEntry.action == "unlock_failed")
        ).all()
        assert alex.failed_logins == 0  # the right password cleared the count
    assert failures == ["unlock_failed"]


async def test_ctrl_l_locks_at_once_and_nothing_behind_the_lock_opens(sqlite_demo_db):
    app = locking_app(sqlite_demo_db)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("ctrl+l")
        assert await wait_until(pilot, lambda: lock_ready(app))
        for key in ("f3", "f1", "ctrl+p", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, LockScreen), key
        # The board's keys do not reach through either: "t" is typed into the password field instead.
        await pilot.press("t")
        assert app.screen.query_one("#lock-password", Input).value == "t"


async def test_a_locked_console_can_be_signed_out_instead(sqlite_demo_db):
    app = locking_app(sqlite_demo_db)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("ctrl+l")
        assert await wait_until(pilot, lambda: lock_ready(app))
        await pilot.press("ctrl+o")
        assert await wait_until(pilot, lambda: isinstance(app.screen, SignInScreen), timeout=5)
        assert app.agent is None
        assert len(app.screen_stack) == 2  # the base screen and sign-in: nothing of the agent's is left below
    with sqlite_demo_db.read() as session:
        alex = session.scalars(select(Agent).where(Agent.username == "alex")).one()
        assert alex.state == "offline"


async def test_no_lock_before_anyone_signs_in(sqlite_demo_db):
    app = CallCenterApp(sqlite_demo_db, clock=lambda: FIXED_NOW, idle_lock_seconds=0.2)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.pause(1.5)
        assert isinstance(app.screen, SignInScreen)
