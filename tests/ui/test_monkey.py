"""Random keys and nasty pastes across every screen never bring the console down, and markup a
person types is shown as typed, never read as markup.

The monkey's seed is fixed; set CALLCENTER_MONKEY_SEED to try another, or to replay the one a
failure prints.
"""

from __future__ import annotations

import os

import pytest
from textual import events
from textual.geometry import Region
from textual.widgets import DataTable, OptionList, Static, TextArea
from textual.widgets._toast import Toast

from callcenter.domain.errors import ValidationError
from callcenter.store import agents
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.contact_log.log import ContactLogScreen
from callcenter.ui.screens.contact_log.tty import TtySessionScreen, TtyStartScreen
from callcenter.ui.screens.intake.screen import IntakeScreen
from callcenter.ui.screens.promises.promises import PromisesScreen
from tests.ui.helpers import TERMINAL, make_app, settle, wait_until
from tests.ui.monkey import DEFAULT_SEED, ROLES, ROUTES, SEED_ENV, Monkey, type_text

# About 2,000 events in all; a rep has the most screens, a psychiatrist the fewest.
EVENTS = {"rep": 900, "supervisor": 700, "psychiatrist": 400}
# Reached only in some states (on a call, a caller still waiting), or through another screen's
# key (the monitor's `t` for the audit trail): walked to, not required on every run.
STATEFUL = {"CallScreen", "DispositionScreen", "AuditScreen"}

MARKUP = "[bold]Sam[/bold] [red]x"


def shown(widget) -> str:
    """What the widget paints, as text: the rendering itself, not the data behind it."""
    lines = widget.render_lines(Region(0, 0, *widget.outer_size))
    return "\n".join(line.text for line in lines)


@pytest.mark.parametrize("role", list(ROLES))
async def test_monkey_never_brings_the_console_down(sqlite_demo_db, role, monkeypatch, tmp_path):
    monkeypatch.setenv("CALLCENTER_EXPORT_DIR", str(tmp_path))  # the contact log's `e` writes a CSV
    seed = int(os.environ.get(SEED_ENV, DEFAULT_SEED))
    print(f"monkey: {SEED_ENV}={seed} role={role}")  # shown with a failure, to replay it
    app = make_app(sqlite_demo_db, agent=ROLES[role], refresh_seconds=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        monkey = Monkey(pilot, role, seed)
        await monkey.run(EVENTS[role])  # checks after every burst; a failure names the seed and the keys
        assert monkey.events_sent >= EVENTS[role]
        missing = set(ROUTES[role]) - STATEFUL - set(monkey.screens)
        assert not missing, f"never reached {sorted(missing)} ({SEED_ENV}={seed})"
        assert app.return_code is None and app._exception is None


async def test_markup_typed_in_an_intake_is_shown_as_typed(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("n")
        assert await wait_until(pilot, lambda: isinstance(app.screen, IntakeScreen))
        intake = app.screen
        app.screen.set_focus(intake.query_one("#field-caller_name"))
        await type_text(pilot, MARKUP)
        app.screen.set_focus(intake.query_one("#field-child_dob"))
        await type_text(pilot, "[/]")
        await pilot.press("alt+5")  # the summary lists every field and what is still wrong
        await settle(pilot)
        assert app._exception is None
        assert MARKUP in shown(intake.query_one("#summary-text", Static))
        # The date's message quotes what was typed; as markup '[/]' would end the console.
        missing = intake.query_one("#missing", OptionList)
        missing.highlighted = next(
            i for i in range(missing.option_count) if missing.get_option_at_index(i).id == "child_dob"
        )  # scrolled into view
        await settle(pilot)
        assert "'[/]'" in shown(missing), shown(missing)


async def test_markup_typed_in_a_tty_session_is_shown_as_typed_in_the_contact_log(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("g")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ContactLogScreen))
        log = app.screen
        await settle(pilot)
        await pilot.press("y")
        assert await wait_until(pilot, lambda: isinstance(app.screen, TtyStartScreen))
        await type_text(pilot, MARKUP)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, TtySessionScreen))
        await type_text(pilot, "GA [/] [link=https://example.org]here[/link]")
        await pilot.press("escape")  # saved, and back to the log with the session selected
        assert await wait_until(pilot, lambda: app.screen is log)
        await settle(pilot)
        detail = log.query_one("#log-detail", Static)
        assert await wait_until(pilot, lambda: MARKUP in shown(detail), timeout=5)
        assert "GA [/] [link=https://example.org]here[/link]" in shown(detail)
        table = shown(log.query_one("#log", DataTable))
        assert "[bold]Sam[/bold" in table, table  # the party column, cut to its width
        assert app._exception is None


async def test_a_refusal_quoting_typed_markup_is_notified_as_typed(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL, notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        app.report_failure(ValidationError("Pages: '[/] [bold]4' is not a number; type the page count.", "pages"))
        assert await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        await settle(pilot)
        assert app._exception is None
        assert "'[/] [bold]4' is not a number" in str(app.screen.query_one(Toast).render())


async def test_a_key_arriving_as_a_screen_opens_waits_for_it(sqlite_demo_db):
    """A key that bubbled up unhandled runs the bindings of whatever screen is on top by then; one
    pushed a moment earlier has no widgets yet, and its action must not run against nothing."""
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        app.push_screen(PromisesScreen())  # not awaited: the screen is not built yet
        key = events.Key("a", "a")  # PromisesScreen: log an attempt, which reads the table
        key._set_forwarded()
        await app._dispatch_message(key)  # as Textual does for a key bubbling up from a widget
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        assert app._exception is None


async def test_a_call_ending_under_the_lookup_closes_the_panel_not_the_lookup(sqlite_demo_db):
    """The rep ends the call and opens F3 before the end is saved: the lookup stays open; the ended
    call's panel closes once the rep is back on it (closing the top screen would have closed the
    lookup, even while it was being built)."""
    from callcenter.domain.model import Disposition
    from callcenter.ui.screens.call.call_panel import CallScreen
    from callcenter.ui.screens.lookup.lookup import LookupScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("t")
        assert await wait_until(pilot, lambda: isinstance(app.screen, CallScreen))
        panel = app.screen
        await pilot.press("f3")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LookupScreen))
        lookup = app.screen
        panel.end_call(Disposition.REFERRAL_GIVEN, "")  # what the disposition picker starts
        await settle(pilot)
        assert app.screen is lookup
        assert panel in app.screen_stack
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        assert panel not in app.screen_stack
        assert app._exception is None


async def test_screens_keep_their_subtitle_to_themselves(sqlite_demo_db):
    """Each screen names itself in its own header; closing one changes nothing app-wide, so the
    board keeps saying who is signed in."""
    from textual.widgets._header import HeaderTitle

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        board = app.screen
        signed_in = app.sub_title
        assert "Alex Rivera" in signed_in
        for key, subtitle in (("f3", "Provider lookup"), ("p", "My promises"), ("g", "Contact log")):
            await pilot.press(key)
            assert await wait_until(pilot, lambda: app.screen is not board)
            await settle(pilot)
            assert subtitle in shown(app.screen.query_one(HeaderTitle))
            await pilot.press("escape")
            assert await wait_until(pilot, lambda: app.screen is board)
            await settle(pilot)
            assert app.sub_title == signed_in
            assert "Alex Rivera" in shown(board.query_one(HeaderTitle))


async def test_work_landing_after_sign_out_is_refused_in_words(sqlite_demo_db):
    """Sign-out clears the agent while workers may still be on their way (a notes autosave, a state
    key pressed a moment before): the save ends with a message, not an AttributeError; the state
    change is dropped, since the agent is on the way offline."""
    from callcenter.domain.model import AgentState
    from callcenter.ui.screens.call.call_panel import CallScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        board = app.screen
        await pilot.press("t")
        assert await wait_until(pilot, lambda: isinstance(app.screen, CallScreen))
        panel = app.screen
        await settle(pilot)
        reported: list[BaseException] = []
        app.report_failure = reported.append
        app.agent = None  # what signing out does, while these were already under way
        panel.query_one("#call-notes", TextArea).text = "typed just before signing out"
        panel.autosave.save_now()
        board.set_state(AgentState.AWAY)
        await settle(pilot)
        assert reported == []  # the late state change is dropped quietly: the agent is on the way offline
        said = " | ".join(str(notification.message) for notification in app._notifications)
        assert "Not saved yet: You are signed out, so this was not done" in said  # the notes: in words
        assert app.agent is None  # and the late state change did not sign anyone back in
    assert agents.get_by_username(sqlite_demo_db, "alex").state is AgentState.ON_CALL  # nor set them away


async def test_a_header_being_closed_ignores_a_title_change(sqlite_demo_db):
    """A title that changes while a screen is being closed reaches its header after the header's
    title widget is gone: Textual's own Header then fails and ends the console; ours skips it."""
    from textual.widgets._header import HeaderTitle

    from callcenter.ui.shared.widgets import ConsoleHeader

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        header = app.screen.query_one(ConsoleHeader)
        await header.query_one(HeaderTitle).remove()  # where a closing screen's header stands
        app.sub_title = "changed while closing"
        await settle(pilot)
        assert app._exception is None


async def test_paging_a_list_not_yet_laid_out_does_nothing():
    """PageDown typed as a list's screen opens, before the list is laid out: Textual's OptionList
    looks for lines it has not measured yet (KeyError); ours waits for them."""
    from textual.app import App, ComposeResult

    from callcenter.ui.shared.widgets import ConsoleOptionList

    class OneList(App[None]):
        def compose(self) -> ComposeResult:
            options = ConsoleOptionList("first", "second", "third")
            options.styles.height = 0  # no lines laid out, as in the moment before the first layout
            yield options

    app = OneList()
    async with app.run_test() as pilot:
        options = app.query_one(ConsoleOptionList)
        options.highlighted = 0
        options.action_page_down()
        options.action_page_up()
        await pilot.pause()
        assert options.highlighted == 0
        assert app._exception is None
