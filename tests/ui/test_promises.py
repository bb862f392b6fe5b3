"""My promises by keys: a failed attempt logged, a bad reschedule explained, countdowns on screen, a caller's
request for a callback kept as a promise."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from textual.widgets import DataTable

from callcenter.domain.consults import validate
from callcenter.domain.model import PromiseKind
from callcenter.domain.promises import PromisePolicy
from callcenter.store import agents, consults, promises
from callcenter.store.models import Promise, PromiseAttempt
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.promises.dialogs import AttemptScreen
from callcenter.ui.screens.promises.promises import PromisesScreen
from tests.dbutil import FIXED_NOW
from tests.store.test_intakes import today_of
from tests.ui.helpers import TERMINAL, make_app, settle, still_cursors, type_text, wait_until

FORM = {
    "pcp_name": "Dr. Ada Okoro",
    "practice": "Elm Pediatrics",
    "callback_number": "860 555 0182",
    "child_first_name": "Sam",
    "child_dob": "4/5/2015",
    "question_type": "dose",
    "question": "Max dose of guanfacine ER at 40 kg?",
    "urgency": "routine",
}


async def home(pilot):
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)


async def test_a_failed_attempt_is_logged_from_the_promises_screen(sqlite_demo_db):
    doctor = agents.open_session(sqlite_demo_db, "okafor", FIXED_NOW)
    form, _ = validate(FORM, today_of(FIXED_NOW))
    rep = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)
    consult = consults.create(sqlite_demo_db, rep.id, form, FIXED_NOW, PromisePolicy(), psychiatrist_id=doctor.id)
    app = make_app(sqlite_demo_db, agent="okafor")
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        assert await wait_until(pilot, lambda: pilot.app.screen.query_one("#my-promises").display, timeout=5)
        assert "Promises: 1 open" in str(pilot.app.screen.query_one("#my-promises").render())
        await pilot.press("p")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PromisesScreen))
        screen = pilot.app.screen
        assert await wait_until(pilot, lambda: screen.query_one("#promises", DataTable).row_count == 1)
        await pilot.press("a")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, AttemptScreen))
        await pilot.press("enter", "down", "down", "enter")  # "No answer"
        await pilot.press("tab")
        await type_text(pilot, "rang 10 times")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert await wait_until(pilot, lambda: screen.selected() is not None and screen.selected().attempts == 1)
        assert "last: no answer" in str(screen.query_one("#promise-detail").render())
    with sqlite_demo_db.read() as session:
        attempt = session.scalars(select(PromiseAttempt)).one()
    assert (attempt.promise_id, attempt.outcome, attempt.notes) == (consult.promise_id, "no_answer", "rang 10 times")


def _three_promises(db):
    """One on track, one due soon, one overdue for alex, at FIXED_NOW (Monday 10:00 in New York)."""
    rep = agents.open_session(db, "alex", FIXED_NOW)
    with db.write() as session:
        for title, start, due in (
            ("Fax from Elm Pediatrics: send records", FIXED_NOW - timedelta(hours=1), FIXED_NOW + timedelta(days=1)),
            ("Call back Maria Lopez about intake", FIXED_NOW - timedelta(days=3), FIXED_NOW + timedelta(hours=1)),
            ("TTY caller asked for a call back", FIXED_NOW - timedelta(days=4), FIXED_NOW - timedelta(minutes=35)),
        ):
            promises.new_promise(
                session,
                kind=PromiseKind.CALLBACK_REQUEST if "call back" in title.lower() else PromiseKind.FAX_FOLLOWUP,
                title=title,
                owner_agent_id=rep.id,
                start=start,
                due=due,
            )
    return rep


def test_promises_screen_snapshot(snap_compare, sqlite_demo_db):
    _three_promises(sqlite_demo_db)

    async def run_before(pilot):
        await home(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, PromisesScreen))
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#promises", DataTable).row_count == 3)
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(
        make_app(sqlite_demo_db, agent="alex", refresh_seconds=3600), terminal_size=TERMINAL, run_before=run_before
    )


async def test_a_bad_reschedule_says_what_is_wrong_on_screen_and_keeps_the_dialog(sqlite_demo_db):
    from textual.widgets import Label

    from callcenter.ui.screens.promises.dialogs import RescheduleScreen

    _three_promises(sqlite_demo_db)
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        await pilot.press("p")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PromisesScreen))
        screen = pilot.app.screen
        assert await wait_until(pilot, lambda: screen.query_one("#promises", DataTable).row_count == 3)
        await pilot.press("s")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, RescheduleScreen))
        dialog = pilot.app.screen
        error = dialog.query_one(".form-error", Label)
        assert not error.display  # nothing to say yet
        await type_text(pilot, "someday")
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: error.display and str(error.render()).strip() != "")
        assert pilot.app.screen is dialog  # the dialog stays, with what was typed
        assert error.region.height >= 1  # laid out on screen, not only set


async def test_a_caller_asking_for_a_callback_leaves_the_rep_a_promise(sqlite_demo_db):
    from callcenter.ui.screens.call.call_panel import CallScreen

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        await pilot.press("t")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CallScreen))
        panel = pilot.app.screen
        await settle(pilot)
        await type_text(pilot, "Mother asks for a call after 3pm")
        await pilot.press("ctrl+e")
        await settle(pilot)
        await pilot.press("6")  # callback requested
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        requested = [
            t for t in promises.open_for(sqlite_demo_db, app.agent.id) if t.kind is PromiseKind.CALLBACK_REQUEST
        ]
        assert len(requested) == 1
        assert "Mother asks for a call after 3pm" in requested[0].title
        assert requested[0].due_at == PromisePolicy().follow_up_deadline(FIXED_NOW)
        with sqlite_demo_db.read() as session:
            assert session.get(Promise, requested[0].id).call_id == panel.call.id
        assert await wait_until(
            pilot, lambda: "Promises: 1 open" in str(pilot.app.screen.query_one("#my-promises").render()), timeout=10
        )


async def test_each_promise_says_which_clock_it_counts(sqlite_demo_db):
    """A linkage check runs on the access standard's calendar time; a callback on business time."""
    from textual.widgets import Static

    from callcenter.domain.promises import PromisePolicy

    alex = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)
    with sqlite_demo_db.write() as session:
        linkage = promises.new_promise(
            session,
            kind=PromiseKind.LINKAGE_CHECK,
            title="Check Ana was linked",
            owner_agent_id=alex.id,
            start=FIXED_NOW,
            due=FIXED_NOW + timedelta(days=14),
        )
        callback = promises.new_promise(
            session,
            kind=PromiseKind.CALLBACK_REQUEST,
            title="Call Bo back",
            owner_agent_id=alex.id,
            start=FIXED_NOW,
            due=FIXED_NOW + timedelta(hours=3),
        )
    assert PromisePolicy().counts_in("linkage_check") == "calendar"
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await home(pilot)
        await pilot.press("p")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PromisesScreen) and app.screen.rows)
        screen = app.screen
        table = screen.query_one("#promises", DataTable)
        clocks = {key.value: str(table.get_cell(key, "clock")) for key in table.rows}
        assert (clocks[str(linkage.id)], clocks[str(callback.id)]) == ("calendar", "business")
        assert "times left are business time" not in str(screen.query_one("#promises-title", Static).render())
        table.move_cursor(row=list(clocks).index(str(linkage.id)))
        await pilot.pause()
        assert "Counts calendar time" in str(screen.query_one("#promise-detail", Static).render())


async def test_every_kind_of_promise_is_listed_and_a_ride_takes_its_booking_reference(sqlite_demo_db):
    """The care-team kinds (a ride, an interpreter, a first contact…) show on the rep's list by name;
    `b` is offered only on a ride or an interpreter, and keeps the reference the service gave."""
    from callcenter.domain.promises import KIND_LABELS
    from callcenter.ui.screens.promises.dialogs import BookingScreen

    alex = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)
    made = {}
    with sqlite_demo_db.write() as session:
        for hours, kind in enumerate(PromiseKind, start=1):
            made[kind] = promises.new_promise(
                session,
                kind=kind,
                title=f"{kind.value} for S.K.",
                owner_agent_id=alex.id,
                start=FIXED_NOW,
                due=FIXED_NOW + timedelta(hours=hours),
            ).id
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=TERMINAL) as pilot:
        await home(pilot)
        await pilot.press("p")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PromisesScreen) and len(app.screen.rows) >= 10)
        screen = app.screen
        table = screen.query_one("#promises", DataTable)
        kinds = {key.value: str(table.get_cell(key, "kind")) for key in table.rows}
        assert {kinds[str(made[kind])] for kind in PromiseKind} == set(KIND_LABELS.values())
        table.move_cursor(row=list(kinds).index(str(made[PromiseKind.LINKAGE_CHECK])))
        await pilot.pause()
        assert not screen.check_action("booked", ())
        await pilot.press("b")
        await settle(pilot)
        assert app.screen is screen  # no booking on a linkage check
        table.move_cursor(row=list(kinds).index(str(made[PromiseKind.TRANSPORTATION])))
        await pilot.pause()
        await pilot.press("b")
        assert await wait_until(pilot, lambda: isinstance(app.screen, BookingScreen))
        await type_text(pilot, "RX-20417")
        await pilot.press("enter")
        assert await wait_until(
            pilot, lambda: promises.get(sqlite_demo_db, made[PromiseKind.TRANSPORTATION]).booking_ref
        )
        assert await wait_until(pilot, lambda: "reference RX-20417" in screen.describe(screen.selected()))
    assert promises.get(sqlite_demo_db, made[PromiseKind.TRANSPORTATION]).booking_ref == "RX-20417"
