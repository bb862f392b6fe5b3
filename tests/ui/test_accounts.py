"""Signing in with a password by keys, and a supervisor resetting passwords and disabling agents."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input, Label

from callcenter.domain.actor import Actor
from callcenter.store import agents
from callcenter.store.models import Agent
from callcenter.store.seed import DEMO_PASSWORD
from callcenter.ui.app import CallCenterApp
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.monitor.dialogs import ResetPasswordScreen
from callcenter.ui.screens.monitor.monitor import MonitorScreen
from callcenter.ui.screens.signin.signin import SignInScreen
from callcenter.ui.shared.dialogs import ConfirmScreen
from tests.dbutil import FIXED_NOW, signed_in
from tests.ui.helpers import TERMINAL, make_app, settle, wait_until

SIZE = (120, 40)


def _error(pilot) -> str:
    """The sign-in screen's error line; empty while a newly pushed sign-in screen is still being built."""
    from textual.css.query import NoMatches

    try:
        return str(pilot.app.screen.query_one("#signin-error", Label).render())
    except NoMatches:
        return ""


def _failed_logins(db, username: str) -> int:
    with db.read() as session:
        return session.scalar(select(Agent.failed_logins).where(Agent.username == username))


async def test_sign_in_with_username_then_password(sqlite_demo_db):
    app = make_app(sqlite_demo_db)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press(*"alex", "enter")
        assert pilot.app.screen.focused.id == "password"
        password = pilot.app.screen.query_one("#password", Input)
        assert password.password  # typed characters are not shown
        await pilot.press(*DEMO_PASSWORD, "enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen), timeout=10)
        assert pilot.app.agent.username == "alex"


async def test_a_wrong_password_is_refused_cleared_and_counted(sqlite_demo_db):
    app = make_app(sqlite_demo_db)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press(*"alex", "enter", *"not-my-password", "enter")
        assert await wait_until(pilot, lambda: "Username or password is not right" in _error(pilot), timeout=10)
        screen = pilot.app.screen
        assert not isinstance(screen, QueueBoardScreen)
        assert screen.query_one("#password", Input).value == ""
        assert screen.query_one("#username", Input).value == "alex"
        assert screen.focused.id == "password"
        assert _failed_logins(sqlite_demo_db, "alex") == 1

        await pilot.press(*DEMO_PASSWORD, "enter")  # straight on with the right one
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen), timeout=10)
        assert _failed_logins(sqlite_demo_db, "alex") == 0


async def test_enter_without_a_username_asks_for_one(sqlite_demo_db):
    app = make_app(sqlite_demo_db)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert "Type your username" in _error(pilot)
        assert pilot.app.screen.focused.id == "username"


async def test_prefilled_username_waits_for_the_password(sqlite_demo_db):
    app = CallCenterApp(sqlite_demo_db, clock=lambda: FIXED_NOW, prefill_username="sam", refresh_seconds=0.25)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert pilot.app.agent is None  # nobody is signed in by a name alone
        assert pilot.app.screen.query_one("#username", Input).value == "sam"
        assert pilot.app.screen.focused.id == "password"
        await pilot.press(*DEMO_PASSWORD, "enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen), timeout=10)
        assert pilot.app.agent.username == "sam"


async def _monitor_on(pilot, username: str) -> MonitorScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)
    await pilot.press("s")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, MonitorScreen))
    screen = pilot.app.screen
    assert await wait_until(pilot, lambda: screen.snapshot is not None, timeout=10)
    table = screen.query_one("#mon-agents")
    table.focus()
    keys = [key.value for key in table.rows]
    table.move_cursor(row=keys.index(str(agents.get_by_username(pilot.app.db, username).id)))
    return screen


def _state_cell(screen: MonitorScreen, agent_id: int) -> str:
    return screen.query_one("#mon-agents").get_row(str(agent_id))[1].plain


async def test_supervisor_resets_a_locked_agents_password(sqlite_demo_db, now):
    for guess in ("guess-one-x", "guess-two-x", "guess-three", "guess-four-x", "guess-five-x"):
        try:
            agents.sign_in(sqlite_demo_db, "jordan", guess, now)
        except Exception:  # noqa: BLE001 - each wrong guess is refused; five lock the account
            pass
    jordan = agents.get_by_username(sqlite_demo_db, "jordan")
    assert jordan.locked
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _monitor_on(pilot, "jordan")
        assert await wait_until(pilot, lambda: _state_cell(screen, jordan.id) == "locked")
        await pilot.press("p")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ResetPasswordScreen))
        modal = app.screen
        error = modal.query_one("#reset-error", Label)
        await pilot.press(*"short")
        assert await wait_until(pilot, lambda: "at least 10 characters" in str(error.render()))  # as typed
        await pilot.press(*"-but-now-long", "enter")
        assert await wait_until(pilot, lambda: str(error.render()) == "" and modal.focused.id == "confirm-password")
        await pilot.press(*"short-but-now-lonG")
        assert await wait_until(pilot, lambda: "differ" in str(error.render()))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ResetPasswordScreen)  # not saved while they differ
        assert agents.get_by_username(sqlite_demo_db, "jordan").locked
        await pilot.press("backspace", "g", "enter")
        assert await wait_until(pilot, lambda: not agents.get_by_username(sqlite_demo_db, "jordan").locked, timeout=10)
        assert agents.sign_in(sqlite_demo_db, "jordan", "short-but-now-long", now).username == "jordan"
        assert await wait_until(pilot, lambda: _state_cell(screen, jordan.id) != "locked")


async def test_supervisor_disables_and_enables_an_agent(sqlite_demo_db, now):
    app = make_app(sqlite_demo_db, agent="sam")
    maya = agents.get_by_username(sqlite_demo_db, "maya")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _monitor_on(pilot, "maya")
        await pilot.press("x")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # changed her mind: nothing happens
        await settle(pilot)
        assert agents.get_agent(sqlite_demo_db, maya.id).active

        await pilot.press("x")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        assert await wait_until(pilot, lambda: not agents.get_agent(sqlite_demo_db, maya.id).active)
        assert await wait_until(pilot, lambda: _state_cell(screen, maya.id) == "disabled")

        table = screen.query_one("#mon-agents")
        table.move_cursor(row=[key.value for key in table.rows].index(str(maya.id)))  # disabled move last
        await pilot.press("x")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: agents.get_agent(sqlite_demo_db, maya.id).active)


async def test_supervisor_cannot_disable_themself_from_the_monitor(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await _monitor_on(pilot, "sam")
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, MonitorScreen)
        assert agents.get_by_username(sqlite_demo_db, "sam").active


async def test_a_name_that_looks_like_markup_is_listed_as_typed_on_the_sign_in_screen(sqlite_demo_db, now):
    from textual.widgets import OptionList

    from callcenter.store import agents as agent_store
    from callcenter.ui.app import CallCenterApp
    from callcenter.ui.screens.signin.signin import SignInScreen
    from tests.ui.helpers import wait_until

    agent_store.add_agent(
        sqlite_demo_db, Actor.shell("agent add"), "odd", "Odd [/] [bold]Name", "rep", "a-long-password-9", now
    )
    app = CallCenterApp(sqlite_demo_db, clock=lambda: now, show_roster=True)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, SignInScreen))
        options = app.screen.query_one("#agent-list", OptionList)
        assert await wait_until(pilot, lambda: options.option_count > 0)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Odd [/] [bold]Name" in label for label in labels)
        await pilot.pause()
        assert app._exception is None and app.is_running


async def test_an_agent_disabled_while_signed_in_is_signed_out_at_once(sqlite_demo_db, now):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen), timeout=10)
        await pilot.press("n")  # an intake open on top of the board
        assert await wait_until(pilot, lambda: len(pilot.app.screen_stack) > 2, timeout=10)
        sam = agents.get_by_username(sqlite_demo_db, "sam")
        alex = agents.get_by_username(sqlite_demo_db, "alex")
        agents.disable_agent(sqlite_demo_db, signed_in(sqlite_demo_db, sam.id), alex.id, now)
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SignInScreen), timeout=10)
        assert pilot.app.agent is None
        assert len(pilot.app.screen_stack) == 2  # nothing of alex's is left below the sign-in
        assert await wait_until(pilot, lambda: "disabled this account" in _error(pilot))


async def test_signing_in_on_a_second_console_signs_the_first_out_and_leaves_the_agent_be(sqlite_demo_db, now):
    """The first console learns at its next presence report, says why, keeps what was typed, and
    leaving it later does not set the agent offline under the second console."""
    from callcenter.domain.model import AgentState
    from callcenter.store import agents as agent_store
    from callcenter.ui.screens.signin.signin import SignInScreen
    from tests.ui.helpers import settle, wait_until

    first = make_app(sqlite_demo_db, agent="alex")
    async with first.run_test(size=(120, 40)) as pilot:
        assert await wait_until(pilot, lambda: first.agent is not None and first.agent.console_token)
        await settle(pilot)
        agent_store.open_session(sqlite_demo_db, "alex", now)  # the same agent, on another console
        first.report_presence()

        def said() -> str:
            if not isinstance(first.screen, SignInScreen) or not first.screen.query("#signin-error"):
                return ""
            return str(first.screen.query_one("#signin-error").render())

        assert await wait_until(pilot, lambda: "signed in on another console" in said(), timeout=5), said()
        assert "so this one has signed out. Everything typed here was saved." in said()
        await first.action_quit()
    assert agent_store.get_by_username(sqlite_demo_db, "alex").state is AgentState.AVAILABLE
