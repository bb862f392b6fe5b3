"""Start-up: the sign-in screen is up before the data layer has loaded; the database opens behind it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

from textual.widgets import Input, Label, OptionList

import callcenter.ui.console as app_module
from callcenter.store.errors import DatabaseUnavailable
from callcenter.store.seed import DEMO_PASSWORD
from callcenter.ui.app import CallCenterApp
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.signin.signin import SignInScreen
from callcenter.ui.session import (
    DEFAULT_FULL_PASS_THRESHOLD,
    FULL_PASS_AT_LEAST_EVERY,
    FULL_PASS_AT_MOST_EVERY,
    NO_AUTOMATIC_FULL_PASS,
    QUIET_BEFORE_FULL_PASS,
    full_pass_due,
)
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import TERMINAL, command_line_console, wait_until


def _error(pilot) -> str:
    return str(pilot.app.screen.query_one("#signin-error", Label).render())


def test_the_console_and_its_sign_in_screen_load_without_the_data_layer():
    """What runs before the first frame: SQLAlchemy and the tables come later, in a thread."""
    code = (
        "import sys, callcenter.cli, callcenter.ui.app, callcenter.ui.screens.signin.signin, "
        "callcenter.ui.shared.errors; "
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'callcenter.store.models') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


async def test_a_rep_types_while_the_database_opens_and_is_signed_in_once_it_is_ready(sqlite_demo_db):
    release = threading.Event()

    def slow_open():
        release.wait(10)
        return sqlite_demo_db

    app = CallCenterApp(open_database=slow_open, clock=lambda: FIXED_NOW, refresh_seconds=0.25, show_roster=True)
    async with app.run_test(size=TERMINAL) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SignInScreen))
        screen = pilot.app.screen
        await pilot.press(*"alex", "enter", *DEMO_PASSWORD, "enter")
        assert screen.query_one("#username", Input).value == "alex"
        assert await wait_until(pilot, lambda: "Opening the database" in _error(pilot))
        assert screen.query_one("#agent-list", OptionList).option_count == 0  # nothing read yet
        assert not app.database_open
        release.set()
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen), timeout=10)
        assert pilot.app.agent.username == "alex"


async def test_an_unreachable_database_is_said_on_the_sign_in_screen_and_tried_again(sqlite_demo_db, monkeypatch):
    monkeypatch.setattr(app_module, "DATABASE_RETRY_SECONDS", 0.2)
    attempts = []

    def flaky_open():
        attempts.append(1)
        if len(attempts) < 3:
            raise DatabaseUnavailable("Cannot reach the database at postgresql://db.example/line: refused")
        return sqlite_demo_db

    app = CallCenterApp(open_database=flaky_open, clock=lambda: FIXED_NOW, refresh_seconds=0.25, show_roster=True)
    async with app.run_test(size=TERMINAL) as pilot:
        assert await wait_until(pilot, lambda: "Cannot reach the database" in _error(pilot))
        assert "Trying again every" in _error(pilot)
        assert await wait_until(pilot, lambda: app.database_open, timeout=5)
        assert await wait_until(pilot, lambda: _error(pilot) == "")  # cleared once it is reached
        assert len(attempts) == 3
        assert await wait_until(pilot, lambda: pilot.app.screen.query_one("#agent-list", OptionList).option_count > 0)


async def test_quitting_while_the_database_cannot_be_reached_is_prompt(monkeypatch):
    def never_open():
        raise DatabaseUnavailable("Cannot reach the database at postgresql://db.example/line: refused")

    app = CallCenterApp(open_database=never_open, clock=lambda: FIXED_NOW)
    async with app.run_test(size=TERMINAL) as pilot:
        assert await wait_until(pilot, lambda: "Cannot reach the database" in _error(pilot))
        await pilot.press("ctrl+q")
    assert app.startup_failure is None  # the person quit: nothing to report


async def test_a_database_that_cannot_be_opened_at_all_closes_the_console_with_the_reason():
    def broken_open():
        raise ValueError("Can't load plugin: sqlalchemy.dialects:nonsense")

    app = CallCenterApp(open_database=broken_open, clock=lambda: FIXED_NOW)
    async with app.run_test(size=TERMINAL) as pilot:
        assert await wait_until(pilot, lambda: not app.is_running, timeout=5)
    assert isinstance(app.startup_failure, ValueError)
    assert app.return_code == 1


async def test_the_command_line_console_freezes_what_start_up_built_once_the_board_is_up(sqlite_demo_db):
    """A console run from the command line (a terminal, or a browser tab's own `callcenter run`) keeps
    the garbage collector's full passes off what lives as long as the process; consoles made otherwise
    (several in one process, as tests do) leave it alone."""
    import gc

    async with command_line_console(sqlite_demo_db) as (app, pilot):
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        assert gc.get_freeze_count() == 0  # not while the board is still being shown
        assert await wait_until(pilot, lambda: gc.get_freeze_count() > 0, timeout=5)
        # From then on full passes wait for a quiet moment (see full_pass_due), never mid-screen.
        assert gc.get_threshold()[2] == NO_AUTOMATIC_FULL_PASS
        app.exit()
        for _ in range(100):  # what runs after the console finds the collector as it was
            if gc.get_threshold()[2] == DEFAULT_FULL_PASS_THRESHOLD:
                break
            await asyncio.sleep(0.02)
        assert gc.get_threshold()[2] == DEFAULT_FULL_PASS_THRESHOLD


def test_full_passes_wait_for_a_quiet_console_but_never_for_long() -> None:
    last_pass = 1000.0
    typing = last_pass + FULL_PASS_AT_MOST_EVERY + 5
    assert not full_pass_due(typing, last_key=typing - 0.2, last_full_pass=last_pass)  # keys are coming
    assert full_pass_due(typing, last_key=typing - QUIET_BEFORE_FULL_PASS, last_full_pass=last_pass)
    soon = last_pass + FULL_PASS_AT_MOST_EVERY / 2
    assert not full_pass_due(soon, last_key=0.0, last_full_pass=last_pass)  # quiet, but just collected
    long_after = last_pass + FULL_PASS_AT_LEAST_EVERY
    assert full_pass_due(long_after, last_key=long_after - 0.1, last_full_pass=last_pass)  # typing for minutes


async def test_the_sign_in_screen_names_no_one_unless_the_line_asks_it_to(sqlite_demo_db):
    """By default (a screen anyone may see, the web page too) no agent is listed; a kiosk or the
    demo turns the list on (CALLCENTER_SIGN_IN_ROSTER)."""
    from callcenter.config import sign_in_roster

    assert sign_in_roster(environment={}) is False
    assert sign_in_roster(default=True, environment={}) is True
    assert sign_in_roster(environment={"CALLCENTER_SIGN_IN_ROSTER": "on"}) is True
    plain = CallCenterApp(sqlite_demo_db, clock=lambda: FIXED_NOW)
    async with plain.run_test(size=TERMINAL) as pilot:
        assert await wait_until(pilot, lambda: isinstance(plain.screen, SignInScreen))
        await pilot.pause(0.3)
        assert not plain.screen.query("#agent-list")
        assert "Alex Rivera" not in str(plain.screen.query_one("#signin-box").render())
        await pilot.press("down")  # nothing to pick from: the key does nothing
        assert plain.screen.focused is plain.screen.query_one("#username", Input)
    listed = CallCenterApp(sqlite_demo_db, clock=lambda: FIXED_NOW, show_roster=True)
    async with listed.run_test(size=TERMINAL) as pilot:
        assert await wait_until(
            pilot, lambda: isinstance(listed.screen, SignInScreen) and listed.screen.query("#agent-list")
        )
        options = listed.screen.query_one("#agent-list", OptionList)
        assert await wait_until(pilot, lambda: options.option_count > 0)
