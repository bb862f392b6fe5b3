"""Pictures of what a rep reaches by keys: seeded data, frozen clock, fixed terminal size."""

from __future__ import annotations

from callcenter.store.seed import DEMO_PASSWORD
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.call.call_panel import CallScreen
from tests.ui.helpers import TERMINAL, make_app, settle, still_cursors, type_text, wait_until


def test_sign_in_screen(snap_compare, sqlite_demo_db):
    async def run_before(pilot):
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db), terminal_size=TERMINAL, run_before=run_before)


def test_queue_board(snap_compare, sqlite_demo_db):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*"alex", "enter", *DEMO_PASSWORD, "enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db), terminal_size=TERMINAL, run_before=run_before)


def test_call_panel_of_a_repeat_caller(snap_compare, sqlite_demo_db):
    async def run_before(pilot):
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("f", "t")  # line 877: the emergency caller, who has called before
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
        await settle(pilot)
        await pilot.press(*"Caller reports son is not safe at home")
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="alex"), terminal_size=TERMINAL, run_before=run_before)


def test_disposition_picker(snap_compare, sqlite_demo_db):
    async def run_before(pilot):
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="alex"), terminal_size=TERMINAL, run_before=run_before)


def test_help_screen(snap_compare, sqlite_demo_db):
    async def run_before(pilot):
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="alex"), terminal_size=TERMINAL, run_before=run_before)


# -- the intake ----------------------------------------------------------------------------

INTAKE_SIZE = (120, 40)


async def _intake(pilot):
    from callcenter.ui.screens.intake.screen import IntakeScreen

    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)
    await pilot.press("f", "t")  # the 877 emergency caller
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
    await settle(pilot)
    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, IntakeScreen))
    await settle(pilot)
    return pilot.app.screen


async def _quiet(pilot):
    """Let the debounced autosave run and finish so the status line is settled."""
    from textual.widgets import Static

    def saved() -> bool:
        status = pilot.app.screen.query("#save-status")
        return not status or str(status.first(Static).render()).startswith("Saved")

    await wait_until(pilot, saved, timeout=10)
    await settle(pilot)
    await still_cursors(pilot)


async def _fill(pilot, screen, key, text):
    await screen.jump_to_field(key)
    await pilot.pause()
    await type_text(pilot, text)
    await pilot.press("tab")


def _intake_snapshot(snap_compare, db, steps):
    async def run_before(pilot):
        screen = await _intake(pilot)
        await steps(pilot, screen)
        await _quiet(pilot)

    return snap_compare(make_app(db, agent="alex"), terminal_size=INTAKE_SIZE, run_before=run_before)


def test_intake_caller_step(snap_compare, sqlite_demo_db):
    async def steps(pilot, screen):
        await _fill(pilot, screen, "caller_name", "Maria Lopez")

    assert _intake_snapshot(snap_compare, sqlite_demo_db, steps)


def test_intake_child_step_with_errors_and_early_intervention(snap_compare, sqlite_demo_db):
    async def steps(pilot, screen):
        await _fill(pilot, screen, "child_first_name", "Christopher")
        await _fill(pilot, screen, "child_dob", "11/30/2023")
        await _fill(pilot, screen, "child_zip", "10001")

    assert _intake_snapshot(snap_compare, sqlite_demo_db, steps)


def test_intake_concern_step(snap_compare, sqlite_demo_db):
    async def steps(pilot, screen):
        await pilot.press("alt+3")
        await _fill(pilot, screen, "symptoms", "Never listens, yells and throws things")

    assert _intake_snapshot(snap_compare, sqlite_demo_db, steps)


def test_intake_needs_step(snap_compare, sqlite_demo_db):
    async def steps(pilot, screen):
        await pilot.press("alt+4")
        await pilot.press("space", "tab", "space")  # scheduling help and transportation

    assert _intake_snapshot(snap_compare, sqlite_demo_db, steps)


def test_intake_crisis_banner(snap_compare, sqlite_demo_db):
    async def steps(pilot, screen):
        await pilot.press("alt+3", "f8")
        await settle(pilot)
        await pilot.press("down", "enter")  # harm to others
        assert await wait_until(pilot, lambda: screen.crisis_at is not None, timeout=10)
        # The reason's list gone and the focus back in the symptoms box before the cursors are
        # held still: a focus that lands afterwards would leave its cursor hidden in some runs.
        from textual.widgets import TextArea

        assert await wait_until(
            pilot, lambda: pilot.app.screen is screen and isinstance(screen.focused, TextArea), timeout=10
        )
        await settle(pilot)

    assert _intake_snapshot(snap_compare, sqlite_demo_db, steps)


def test_intake_summary_with_missing_fields(snap_compare, sqlite_demo_db):
    async def steps(pilot, screen):
        await _fill(pilot, screen, "caller_name", "Maria Lopez")
        await _fill(pilot, screen, "guardian_name", "Maria Lopez")
        await pilot.press("f10")

    assert _intake_snapshot(snap_compare, sqlite_demo_db, steps)
