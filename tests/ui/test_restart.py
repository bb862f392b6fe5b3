"""Promises across a restart of the console: they are rows, so a new process with a later clock
shows the states and countdowns of that later time, and nothing is lost or re-dated."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable

from callcenter.store.db import Database
from callcenter.ui.app import CallCenterApp
from callcenter.ui.screens.promises.promises import PromisesScreen
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import wait_until
from tests.ui.test_promises import _three_promises, home


async def promises_on_screen(db: Database, now) -> dict[str, tuple[str, str]]:
    """Title → (state, time left) as the promises screen of a console started at ``now`` shows them."""
    app = CallCenterApp(db, clock=lambda: now, agent_username="alex", refresh_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        await pilot.press("p")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PromisesScreen))
        table = app.screen.query_one("#promises", DataTable)
        assert await wait_until(pilot, lambda: table.row_count == 3)
        shown = {}
        for row in table.ordered_rows:
            state, left, title = (str(table.get_cell(row.key, column)).strip() for column in ("state", "left", "title"))
            shown[title] = (state, left)
    return shown


async def test_a_restart_later_in_the_day_shows_that_times_states_and_countdowns(sqlite_demo_db):
    _three_promises(sqlite_demo_db)  # Monday 10:00 in New York
    before = await promises_on_screen(sqlite_demo_db, FIXED_NOW)
    sqlite_demo_db.dispose()

    # The console is closed; two hours later a new one opens the same database file.
    reopened = Database(sqlite_demo_db.url)
    try:
        after = await promises_on_screen(reopened, FIXED_NOW + timedelta(hours=2))
    finally:
        reopened.dispose()

    assert before == {
        "TTY caller asked for a call back": ("OVERDUE", "overdue 35m"),
        "Call back Maria Lopez about intake": ("due soon", "1h left"),
        "Fax from Elm Pediatrics: send records": ("on track", "1d left"),
    }
    assert after["TTY caller asked for a call back"] == ("OVERDUE", "overdue 2h 35m")
    assert after["Call back Maria Lopez about intake"] == ("OVERDUE", "overdue 1h")
    assert after["Fax from Elm Pediatrics: send records"][0] == "on track"
