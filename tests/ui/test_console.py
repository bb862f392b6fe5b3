"""A rep's shift by keys: sign in, take the next caller, end the call, get ready again."""

from __future__ import annotations

import threading

from textual.widgets import DataTable, Label

from callcenter.domain.model import AgentState, CallState, Priority
from callcenter.store import agents, calls
from callcenter.store.seed import DEMO_PASSWORD
from callcenter.ui.screens.board import board as board_screen
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.call.call_panel import CallScreen
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import TERMINAL, make_app, settle, wait_until


async def _sign_in(pilot, username: str, password: str = DEMO_PASSWORD) -> None:
    await settle(pilot)
    await pilot.press(*username, "enter", *password, "enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)


async def test_sign_in_take_next_and_end_with_disposition(sqlite_demo_db):
    app = make_app(sqlite_demo_db)
    async with app.run_test(size=TERMINAL) as pilot:
        await _sign_in(pilot, "alex")
        board = pilot.app.screen
        assert isinstance(board, QueueBoardScreen)
        assert board.query_one("#lines", DataTable).row_count == 5
        assert board.query_one("#waiting", DataTable).row_count == 16

        await pilot.press("t")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
        panel = pilot.app.screen
        assert panel.call.priority == Priority.EMERGENCY  # emergencies jump the queue
        assert panel.query_one("#call-emergency")  # and the panel says so
        await pilot.press(*"Family needs outpatient care")
        await pilot.press("ctrl+e")
        await settle(pilot)
        await pilot.press("1")  # referral given
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)

        ended = calls.get_call(sqlite_demo_db, panel.call.id)
        assert ended.state == CallState.ENDED
        assert ended.disposition == "referral_given"
        assert ended.notes == "Family needs outpatient care"
        me = agents.get_agent(sqlite_demo_db, pilot.app.agent.id)
        assert me.state == AgentState.WRAP_UP

        await pilot.press("r")
        await settle(pilot)
        assert agents.get_agent(sqlite_demo_db, me.id).state == AgentState.AVAILABLE
        assert await wait_until(pilot, lambda: pilot.app.screen.query_one("#waiting", DataTable).row_count == 15)


async def test_unknown_username_is_refused_with_a_message(sqlite_demo_db):
    app = make_app(sqlite_demo_db)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press(*"nobody", "enter", *DEMO_PASSWORD, "enter")
        await settle(pilot)
        error = pilot.app.screen.query_one("#signin-error", Label)
        assert await wait_until(pilot, lambda: "Username or password is not right" in str(error.render()))
        assert not isinstance(pilot.app.screen, QueueBoardScreen)


async def test_pick_name_from_the_list(sqlite_demo_db):
    app = make_app(sqlite_demo_db, show_roster=True)  # a kiosk's or the demo's sign-in screen
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")  # first in the list is a rep
        assert pilot.app.screen.focused.id == "password"
        await pilot.press(*DEMO_PASSWORD, "enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        assert pilot.app.agent.role.value == "rep"


async def test_board_shows_another_terminals_arrival_and_claim_within_two_seconds(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="maya", refresh_seconds=1.0)
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        table = pilot.app.screen.query_one("#waiting", DataTable)
        before = table.row_count

        def other_terminal():
            calls.arrive(sqlite_demo_db, "877", "(203) 555-0199", FIXED_NOW, Priority.EMERGENCY)

        thread = threading.Thread(target=other_terminal)
        thread.start()
        thread.join()
        assert await wait_until(pilot, lambda: table.row_count == before + 1, timeout=2.0)
        # Second emergency: after the one already waiting longer, before every other caller.
        assert [table.get_row_at(i)[0].plain for i in range(3)] == ["EMERGENCY", "EMERGENCY", "HIGH"]
        assert table.get_row_at(1)[2].plain == "(203) 555-0199"

        jordan = agents.open_session(sqlite_demo_db, "jordan", FIXED_NOW)
        taken = calls.claim_next(sqlite_demo_db, jordan.id, FIXED_NOW)
        assert await wait_until(pilot, lambda: str(taken.id) not in table.rows, timeout=2.0)


async def test_an_idle_board_reads_only_the_change_stamp_until_something_changes(sqlite_demo_db, monkeypatch):
    app = make_app(sqlite_demo_db, agent="maya", refresh_seconds=0.1)
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        board = pilot.app.screen
        reads, real_mine = [], calls._mine  # read with the board whenever the stamp moved
        monkeypatch.setattr(calls, "_mine", lambda *args: reads.append(1) or real_mine(*args))
        monkeypatch.setattr(board_screen, "FULL_READ_EVERY", 10**6)  # only the stamp decides here
        ticks = board._ticks
        assert await wait_until(pilot, lambda: board._ticks >= ticks + 8)  # eight ticks, nothing changed
        assert reads == []
        table = board.query_one("#waiting", DataTable)
        before = table.row_count
        calls.arrive(sqlite_demo_db, "877", "(203) 555-0199", FIXED_NOW)
        assert await wait_until(pilot, lambda: table.row_count == before + 1, timeout=2.0)
        assert len(reads) >= 1


async def test_a_covered_board_reads_seldom_and_shows_what_changed_when_it_comes_back(sqlite_demo_db, monkeypatch):
    """Under another screen the board reads every fifth tick (so a disabled agent is still signed
    out), paints nothing, and reads whole when it is shown again."""
    app = make_app(sqlite_demo_db, agent="maya", refresh_seconds=0.1)
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        board = pilot.app.screen
        table = board.query_one("#waiting", DataTable)
        before = table.row_count
        reads, real_read = [], calls.board_if_changed
        monkeypatch.setattr(
            calls, "board_if_changed", lambda *args, **kwargs: reads.append(1) or real_read(*args, **kwargs)
        )
        await pilot.press("g")  # the contact log over the board
        assert await wait_until(pilot, lambda: not board.in_sight)
        ticks = board._ticks
        calls.arrive(sqlite_demo_db, "877", "(203) 555-0199", FIXED_NOW)
        assert await wait_until(pilot, lambda: board._ticks >= ticks + 20, timeout=10)
        assert 2 <= len(reads) <= 6  # every fifth of twenty ticks, not every one
        assert table.row_count == before  # nothing painted while covered
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: table.row_count == before + 1, timeout=2.0)


async def test_line_filter_takes_from_the_chosen_line(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="luis")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("f", "f", "f", "f")  # all -> 877 -> 866 -> tty -> fax
        await settle(pilot)
        table = pilot.app.screen.query_one("#waiting", DataTable)
        assert table.row_count == 2
        await pilot.press("t")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
        assert pilot.app.screen.call.line_code == "fax"


async def test_psychiatrist_has_no_take_next(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="okafor")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(pilot.app.screen, QueueBoardScreen)
        assert pilot.app.screen.check_action("take_next", ()) is False
        assert calls.current_call(sqlite_demo_db, pilot.app.agent.id) is None


async def test_board_survives_database_errors_and_recovers(sqlite_demo_db, monkeypatch):
    from callcenter.store.errors import DatabaseUnavailable

    app = make_app(sqlite_demo_db, agent="priya")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        real_board = calls.board_if_changed

        def broken(*args, **kwargs):
            raise DatabaseUnavailable("Cannot reach the database; retrying.")

        monkeypatch.setattr(calls, "board_if_changed", broken)
        status = pilot.app.screen.query_one("#db-status")
        assert await wait_until(pilot, lambda: status.has_class("visible"))
        assert pilot.app.screen.query_one("#waiting", DataTable).row_count == 16  # last data kept
        monkeypatch.setattr(calls, "board_if_changed", real_board)
        assert await wait_until(pilot, lambda: not status.has_class("visible"), timeout=4)


async def test_sign_out_returns_to_sign_in_offline(sqlite_demo_db):
    from callcenter.ui.screens.signin.signin import SignInScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        me = pilot.app.agent
        await pilot.press("o")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SignInScreen))
        assert agents.get_agent(sqlite_demo_db, me.id).state == AgentState.OFFLINE
