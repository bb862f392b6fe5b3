"""Keys that arrive together land in the order typed, in every kind of text field.

A terminal over SSH, tmux or the web console delivers several keys in one read; here they are posted
to the app back to back, with no wait between them, as the driver does with a burst. Pilot's `press`
waits after each key, so it is the one-at-a-time reference the bursts are compared with.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events
from textual.app import ComposeResult
from textual.keys import _character_to_key
from textual.widgets import Input, TextArea

from callcenter.ui.keys import KeysInOrder
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.contact_log.child_picker import ChildPickerScreen
from callcenter.ui.screens.contact_log.log import ContactLogScreen
from callcenter.ui.screens.lookup.lookup import LookupScreen
from callcenter.ui.screens.signin.lock import LockScreen
from tests.dbutil import stored_intake
from tests.ui.helpers import make_app, settle, wait_until
from tests.ui.test_unsaved_text import new_intake

SIZE = (120, 40)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def burst(app, keys: list[str]) -> None:
    """Post every key at once, as a terminal's burst reaches the app: no key waits for the one before."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            app.post_message(events.Key(key, None))


async def delivered(pilot, keys: list[str]) -> None:
    burst(pilot.app, keys)
    await pilot.pause(0.2)
    await settle(pilot)


def typed(text: str) -> list[str]:
    return list(text)


class Fields(KeysInOrder):
    """Two single-line fields and a multi-line one, as the console's forms have them."""

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")
        yield TextArea(id="notes", tab_behavior="focus")

    def values(self) -> tuple[str, str, str]:
        return (
            self.query_one("#first", Input).value,
            self.query_one("#second", Input).value,
            self.query_one("#notes", TextArea).text,
        )


async def test_backspace_and_tab_in_a_burst_land_where_they_were_typed():
    app = Fields()
    async with app.run_test() as pilot:
        await pilot.pause()
        await delivered(pilot, [*"Marua", "backspace", "backspace", *"ia", "tab", *"Lopez"])
        assert app.values() == ("Maria", "Lopez", "")


async def test_editing_keys_in_a_burst_act_on_the_text_typed_before_them():
    app = Fields()
    async with app.run_test() as pilot:
        await pilot.pause()
        await delivered(
            pilot,
            [
                *"anxiety",
                "home",
                "delete",
                "A",
                "end",
                *" depr86",
                "backspace",
                "backspace",
                "tab",
                "tab",
                *"line one",
                "enter",
                *"line two",
                "up",
                "end",
                "backspace",
                "E",
            ],
        )
        assert app.values() == ("Anxiety depr", "", "line onE\nline two")


KEYS = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            "z",
            " ",
            "7",
            "backspace",
            "delete",
            "left",
            "right",
            "home",
            "end",
            "tab",
            "shift+tab",
            "enter",
            "up",
            "down",
        ]
    ),
    min_size=1,
    max_size=24,
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=IN_CI,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(keys=KEYS)
async def test_a_burst_gives_exactly_what_the_same_keys_give_one_at_a_time(keys):
    one_by_one = Fields()
    async with one_by_one.run_test() as pilot:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        expected = one_by_one.values()
    together = Fields()
    async with together.run_test() as pilot:
        await pilot.pause()
        await delivered(pilot, keys)
        assert together.values() == expected, keys


# -- the console's own fields ----------------------------------------------------------------------


async def test_an_intake_burst_saves_the_names_as_typed(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await new_intake(pilot)
        await intake.jump_to_field("child_first_name")
        await pilot.pause()
        await delivered(pilot, [*"Marua", "backspace", "backspace", *"ia", "tab", *"Lopez", "tab", *"12/20/2019"])
        assert (intake.values["child_first_name"], intake.values["child_last_name"], intake.values["child_dob"]) == (
            "Maria",
            "Lopez",
            "12/20/2019",
        )
        assert await wait_until(
            pilot,
            lambda: stored_intake(sqlite_demo_db, intake.intake_id).fields.get("child_dob") == "12/20/2019",
            timeout=10,
        )
        saved = stored_intake(sqlite_demo_db, intake.intake_id).fields
        assert (saved["child_first_name"], saved["child_last_name"]) == ("Maria", "Lopez")


async def test_an_intake_multiline_field_takes_a_burst_with_enter_and_arrows(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await new_intake(pilot)
        await intake.jump_to_field("symptoms")
        await pilot.pause()
        await delivered(
            pilot, [*"worries a lot", "enter", *"sleeps badly", "up", "home", "delete", "W", "end", *" at school"]
        )
        assert intake.values["symptoms"] == "Worries a lot at school\nsleeps badly"


async def test_the_lookup_search_box_takes_backspaces_and_words_in_one_burst(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("f3")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await settle(pilot)
        await delivered(pilot, [*"anxiety depr86", *["backspace"] * 13, *"panic"])
        assert app.screen.query_one("#q", Input).value == "apanic"


async def test_the_contact_log_search_and_the_child_picker_take_bursts(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("g")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ContactLogScreen))
        await settle(pilot)
        log = app.screen
        await pilot.press("ctrl+f")
        await delivered(
            pilot, [*"860.555.0199", "home", "delete", "delete", "delete", "delete", "end", "backspace", "9"]
        )
        assert log.query_one("#flt-search", Input).value == "555.0199"
        app.push_screen(ChildPickerScreen())
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChildPickerScreen))
        await settle(pilot)
        await delivered(pilot, [*"Lopze", "backspace", "backspace", *"ez"])
        assert app.screen.query_one("#child-search", Input).value == "Lopez"


async def test_a_password_typed_in_a_burst_unlocks(sqlite_demo_db):
    from callcenter.domain.passwords import hash_password
    from callcenter.store import agents

    alex = agents.get_by_username(sqlite_demo_db, "alex")
    with sqlite_demo_db.write() as session:
        from callcenter.store.models import Agent

        session.get(Agent, alex.id).password_hash = hash_password("demo-password-1")
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("ctrl+l")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LockScreen))
        await settle(pilot)
        await delivered(
            pilot,
            [*"demo-passwrd", "backspace", "backspace", *"rd-1", "left", "left", "left", "left", "o", "end", "enter"],
        )
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen), timeout=10)


async def test_the_first_letter_after_a_tab_lands_in_the_next_field(sqlite_demo_db):
    """Keys 150 ms apart, as over a slow link: the field being left keeps its text, the next gets all of its own."""
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        intake = await new_intake(pilot)
        await intake.jump_to_field("child_first_name")
        await pilot.pause()
        for key in [*"Mateo", "tab", *"Lopez", "tab", *"12/20/2019"]:
            burst(app, [key])
            await pilot.pause(0.15)
        await settle(pilot)
        assert (intake.values["child_first_name"], intake.values["child_last_name"], intake.values["child_dob"]) == (
            "Mateo",
            "Lopez",
            "12/20/2019",
        )


async def test_the_consult_npi_and_the_fax_time_take_bursts(sqlite_demo_db):
    from callcenter.ui.screens.consults.request_form import ConsultFormScreen
    from callcenter.ui.screens.contact_log.fax import FaxFormScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("k")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConsultFormScreen))
        await settle(pilot)
        await delivered(pilot, ["tab", "tab", "tab", *"1245319599"])
        assert app.screen.query_one("#c-npi", Input).value == "1245319599"
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        app.push_screen(FaxFormScreen())
        assert await wait_until(pilot, lambda: isinstance(app.screen, FaxFormScreen))
        await settle(pilot)
        app.screen.query_one("#x-at", Input).focus()
        await pilot.pause()
        await delivered(pilot, [*"10/6 10am", "backspace", "backspace", *"pm"])
        assert app.screen.query_one("#x-at", Input).value == "10/6 10pm"


async def test_a_step_change_typed_as_the_intake_opens_lands_in_the_next_step(sqlite_demo_db):
    """The steps not shown first are built a moment after the intake paints: F6 and the name typed
    in that moment wait for them and land in the child step, in order."""
    from callcenter.ui.screens.intake.screen import IntakeScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        burst(app, ["n"])
        assert await wait_until(pilot, lambda: isinstance(app.screen, IntakeScreen), timeout=5)
        intake = app.screen
        assert not intake._later_steps_ready.is_set()  # the moment this test is about
        await delivered(pilot, ["f6", *"Maria", "tab", *"Lopez"])
        assert intake.step == "child"
        assert (intake.values.get("child_first_name"), intake.values.get("child_last_name")) == ("Maria", "Lopez")
        assert intake.query_one("#field-child_first_name", Input).value == "Maria"


@pytest.mark.parametrize(
    ("opening", "screen_type", "box"), [("g", ContactLogScreen, "#flt-search"), ("f3", LookupScreen, "#q")]
)
async def test_a_search_typed_with_the_key_that_opens_its_screen_lands_in_the_search_box(
    sqlite_demo_db, opening, screen_type, box
):
    """g, ctrl+f and the digits in one burst (as a terminal delivers a fast typist's keys): the
    digits arrive before the screen is built, and still go where ctrl+f sent the cursor."""
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        burst(app, [opening, "ctrl+f", *"0178"])
        assert await wait_until(pilot, lambda: isinstance(app.screen, screen_type), timeout=5)
        assert await wait_until(pilot, lambda: app.screen.query_one(box, Input).value == "0178", timeout=5)


async def test_a_name_typed_with_n_lands_in_the_new_intake_not_on_the_board(sqlite_demo_db):
    """The intake's draft is made in a worker before the screen opens: the letters typed meanwhile
    wait for it. On the board they were keys: `a` set the agent available, `o` signed them out."""
    from callcenter.ui.screens.intake.screen import IntakeScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        burst(app, ["n", "tab", *"Rosa Lopez"])  # the first field is who is calling (a choice)
        assert await wait_until(pilot, lambda: isinstance(app.screen, IntakeScreen), timeout=5)
        field = app.screen.query_one("#field-caller_name", Input)
        assert await wait_until(pilot, lambda: field.value == "Rosa Lopez", timeout=5)
        assert app.agent is not None  # `o` did not sign out
