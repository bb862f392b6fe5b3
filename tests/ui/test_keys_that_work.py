"""Keys the screens offer do what they say, with keys every terminal and the browser deliver."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from callcenter.domain.contacts import TtyStart
from callcenter.store import agents, contacts
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.contact_log.tty import TtySessionScreen
from callcenter.ui.screens.lookup.lookup import LookupScreen
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import make_app, settle, type_text, wait_until
from tests.ui.test_unsaved_text import new_intake

SIZE = (120, 40)


async def test_intake_steps_change_with_f_keys_and_the_step_list(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await new_intake(pilot)
        await pilot.press("f6")
        assert intake.step == "child"
        await pilot.press("f6", "f6")
        assert intake.step == "needs"
        await pilot.press("f5")
        assert intake.step == "concern"
        await pilot.press("f4", "5")
        assert intake.step == "summary"
        await pilot.press("f4", "2")
        assert intake.step == "child"
        assert intake.focused is intake.query_one("#field-child_first_name")  # typing goes on in the step


async def test_down_or_enter_in_the_lookup_search_goes_to_the_results(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("f3")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LookupScreen))
        lookup = app.screen
        await type_text(pilot, "anxiety")
        assert await wait_until(pilot, lambda: lookup.query_one("#results", DataTable).row_count > 0)
        await pilot.press("down")
        assert isinstance(lookup.focused, DataTable)
        await pilot.press("ctrl+f", "enter")
        assert isinstance(lookup.focused, DataTable)


async def test_the_board_offers_t_only_to_those_who_take_calls(sqlite_demo_db):
    for username, offered in (("alex", True), ("okafor", False)):
        app = make_app(sqlite_demo_db, agent=username)
        async with app.run_test(size=SIZE) as pilot:
            assert await wait_until(pilot, lambda app=app: isinstance(app.screen, QueueBoardScreen))
            await settle(pilot)
            title = str(app.screen.query_one("#waiting-title", Static).render())
            assert ("t: take next" in title) is offered, (username, title)


async def test_ctrl_y_marks_a_running_tty_session_as_a_relay_call(sqlite_demo_db):
    alex = agents.get_by_username(sqlite_demo_db, "alex")
    detail = contacts.start_tty(sqlite_demo_db, alex.id, TtyStart("Maria", None, False), FIXED_NOW)
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        app.push_screen(TtySessionScreen(detail))
        assert await wait_until(pilot, lambda: isinstance(app.screen, TtySessionScreen))
        await settle(pilot)
        await type_text(pilot, "GA")
        await pilot.press("ctrl+y")
        assert await wait_until(pilot, lambda: contacts.get(sqlite_demo_db, detail.row.id).row.relay)
        assert "RELAY SERVICE" in str(app.screen.query_one("#tty-title", Static).render())
        await type_text(pilot, " thanks")  # the transcript keeps saving after the session's version moved on
        assert await wait_until(pilot, lambda: contacts.get(sqlite_demo_db, detail.row.id).transcript == "GA thanks")
