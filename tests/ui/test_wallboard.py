"""The wallboard: a supervisor signs it in once, without taking over their own console; it shows each
queued line in big figures and the alerts, takes no key but quit, and fits a wall screen and 80×24."""

from __future__ import annotations

import pytest

from callcenter.store import agents
from callcenter.ui.wallboard import LineCard, WallboardApp, WallboardScreen, WallboardSignIn
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import settle, still_cursors, type_text, wait_until


def _wallboard(db, username: str | None = None) -> WallboardApp:
    return WallboardApp(lambda: db, lambda: FIXED_NOW, prefill_username=username)


async def _sign_in(pilot, password: str = "demo-password-1") -> None:
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, WallboardSignIn))
    await settle(pilot)
    await type_text(pilot, password)
    await pilot.press("enter")


async def test_a_rep_cannot_sign_a_wallboard_in(sqlite_demo_db):
    app = _wallboard(sqlite_demo_db, "alex")
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot)
        error = app.screen.query_one("#wb-error")
        assert await wait_until(pilot, lambda: "signed in by a supervisor" in str(error.render()))
        assert isinstance(app.screen, WallboardSignIn)


async def test_the_board_shows_the_lines_and_alerts_and_leaves_the_supervisors_console_alone(sqlite_demo_db):
    console = agents.open_session(sqlite_demo_db, "sam", FIXED_NOW)  # Sam's own console, already open
    app = _wallboard(sqlite_demo_db, "sam")
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot)
        assert await wait_until(pilot, lambda: isinstance(app.screen, WallboardScreen), timeout=5)
        board = app.screen
        assert await wait_until(pilot, lambda: len(board.query(LineCard)) == 3)  # the queued lines
        assert [card.code for card in board.query(LineCard)] == ["877", "866", "tty"]
        alerts = board.query_one("#wb-alerts")
        assert await wait_until(pilot, lambda: "877: 9 callers waiting (over 5)" in str(alerts.render()))
        assert board.query_one("#wb-line-877").has_class("-behind")
        for key in ("s", "l", "ctrl+p", "question_mark", "f3", "tab", "enter"):  # nothing but quit
            await pilot.press(key)
        await settle(pilot)
        assert app.screen is board and app.is_running
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running
    with sqlite_demo_db.read() as session:
        from callcenter.store.models import Agent

        assert session.get(Agent, console.id).console_token == console.console_token  # still Sam's console


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_wallboard_snapshot(snap_compare, sqlite_demo_db, size):
    async def run_before(pilot):
        await _sign_in(pilot)
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, WallboardScreen), timeout=5)
        assert await wait_until(pilot, lambda: "⚠" in str(pilot.app.screen.query_one("#wb-alerts").render()))
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(_wallboard(sqlite_demo_db, "sam"), terminal_size=size, run_before=run_before)
