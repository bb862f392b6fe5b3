"""Warming up: every screen's styles loaded at a quiet moment after sign-in, so no screen's first
opening reads and parses them; and nothing drawn changes for it."""

from __future__ import annotations

from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.shared.warm import warm_up_screens
from tests.ui.helpers import TERMINAL, command_line_console, make_app, settle, wait_until

# Screens a rep opens from the board, and how each shows it is open and has its data.
OPENED = (
    ("f3", "LookupScreen", lambda screen: screen.result is not None),
    ("g", "ContactLogScreen", lambda screen: screen.loads > 0),
    ("p", "PromisesScreen", lambda screen: screen.loads > 0),
)


async def open_and_close(pilot, key: str, name: str, ready) -> str:
    app = pilot.app
    await pilot.press(key)
    assert await wait_until(pilot, lambda: type(app.screen).__name__ == name and ready(app.screen), timeout=5)
    await settle(pilot)
    picture = app.export_screenshot()
    await pilot.press("escape")
    assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
    await settle(pilot)
    return picture


async def test_after_warming_up_no_screen_loads_styles_as_it_first_opens(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        assert warm_up_screens(app, app.screen_types())  # the screens' styles were not loaded before
        warmed = set(app.stylesheet.source)
        assert not warm_up_screens(app, app.screen_types())  # once is enough
        for key, name, ready in OPENED:
            await open_and_close(pilot, key, name, ready)
        await pilot.press("n")  # the intake: drop-downs, text boxes, the list of steps, a button
        assert await wait_until(pilot, lambda: type(app.screen).__name__ == "IntakeScreen", timeout=5)
        await settle(pilot)
        assert set(app.stylesheet.source) == warmed


async def test_warming_up_changes_nothing_drawn(sqlite_demo_db):
    pictures: dict[bool, list[str]] = {}
    for warm in (False, True):
        app = make_app(sqlite_demo_db, agent="alex")
        async with app.run_test(size=TERMINAL) as pilot:
            assert await wait_until(pilot, lambda app=app: isinstance(app.screen, QueueBoardScreen))
            await settle(pilot)
            if warm:
                warm_up_screens(app, app.screen_types())
                await settle(pilot)
            shown = [app.export_screenshot()]
            for key, name, ready in OPENED:
                shown.append(await open_and_close(pilot, key, name, ready))
            shown.append(app.export_screenshot())  # the board again, after those screens
            pictures[warm] = shown
    assert pictures[True] == pictures[False]


async def test_the_command_line_console_warms_up_once_the_rep_stops_typing(sqlite_demo_db, monkeypatch):
    import callcenter.ui.session as session

    monkeypatch.setattr(session, "QUIET_BEFORE_FULL_PASS", 0.3)
    async with command_line_console(sqlite_demo_db) as (app, pilot):
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        assert not any("intake.tcss" in path for path, _ in app.stylesheet.source)  # not by signing in
        assert await wait_until(
            pilot, lambda: any("intake.tcss" in path for path, _ in app.stylesheet.source), timeout=5
        )
        assert app.screens_warm


async def test_a_warm_up_that_fails_leaves_each_screen_to_load_its_own_styles(sqlite_demo_db, monkeypatch):
    import callcenter.ui.session as session

    def unreadable(app, screen_types):
        raise OSError("styles/intake.tcss: no such file")

    monkeypatch.setattr(session, "QUIET_BEFORE_FULL_PASS", 0.3)
    monkeypatch.setattr(session, "warm_up_screens", unreadable)
    async with command_line_console(sqlite_demo_db) as (app, pilot):
        assert await wait_until(pilot, lambda: app.screens_warm, timeout=5)
        await pilot.press("g")
        assert await wait_until(pilot, lambda: type(app.screen).__name__ == "ContactLogScreen", timeout=5)
        assert any("contact_log.tcss" in path for path, _ in app.stylesheet.source)
        assert app.is_running
