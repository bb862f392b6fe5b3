"""Promises by keys: a consult taken and returned, a failed attempt logged, countdowns on screen."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from textual.widgets import DataTable

from callcenter.domain.consults import validate
from callcenter.domain.model import TaskKind
from callcenter.domain.timers import TimerPolicy
from callcenter.store import agents, consults, timers
from callcenter.store.models import Agent, ConsultRequest, Task, TaskAttempt
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.promises.dialogs import AttemptScreen
from callcenter.ui.screens.promises.promises import PromisesScreen
from callcenter.ui.screens.consults.my_consults import CloseConsultScreen, ConsultsScreen
from callcenter.ui.screens.consults.request_form import ConsultFormScreen
from tests.dbutil import FIXED_NOW
from tests.store.test_intakes import today_of
from tests.ui.helpers import TERMINAL, make_app, settle, still_cursors, type_text, wait_until

FORM = {"pcp_name": "Dr. Ada Okoro", "practice": "Elm Pediatrics", "callback_number": "860 555 0182",
        "child_first_name": "Sam", "child_dob": "4/5/2015", "question_type": "dose",
        "question": "Max dose of guanfacine ER at 40 kg?", "urgency": "routine"}


async def home(pilot):
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)


async def test_rep_takes_a_consult_and_the_psychiatrist_returns_it(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        await pilot.press("k")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConsultFormScreen))
        form = pilot.app.screen
        await settle(pilot)
        await type_text(pilot, "Dr. Ada Okoro")
        await pilot.press("tab")
        await type_text(pilot, "Elm Pediatrics")
        await pilot.press("tab")
        await type_text(pilot, "860 555 0182")
        await pilot.press("tab")
        await type_text(pilot, "1234567890")  # a mistyped NPI: refused with the reason, nothing saved
        await pilot.press("tab")
        await type_text(pilot, "Sam")
        await pilot.press("tab", "tab")
        await type_text(pilot, "4/5/2015")
        await pilot.press("tab", "enter", "down", "enter", "tab")
        await type_text(pilot, "Max dose of guanfacine ER at 40 kg?")
        await pilot.press("f10")
        await pilot.pause()
        assert "check digit" in str(form.query_one("#e-npi").render())
        assert form.focused is form.query_one("#c-npi")
        with sqlite_demo_db.read() as session:
            assert session.scalars(select(ConsultRequest)).first() is None
        await pilot.press("ctrl+u")
        await type_text(pilot, "1234567893")
        await pilot.press("f10")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    with sqlite_demo_db.read() as session:
        consult = session.scalars(select(ConsultRequest)).one()
        task = session.scalars(select(Task).where(Task.consult_id == consult.id)).one()
    assert (consult.npi, consult.question_type, consult.child_name) == ("1234567893", "medication", "Sam")
    assert task.kind == TaskKind.CONSULT_CALLBACK and task.owner_agent_id == consult.psychiatrist_id
    assert task.due_at == FIXED_NOW + timedelta(hours=24)  # Monday 10:00 -> Tuesday 10:00

    with sqlite_demo_db.read() as session:
        doctor = session.get(Agent, consult.psychiatrist_id)
    returned_at = FIXED_NOW + timedelta(hours=3)
    app = make_app(sqlite_demo_db, agent=doctor.username, now=returned_at)
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        await pilot.press("m")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConsultsScreen))
        screen = pilot.app.screen
        assert await wait_until(pilot, lambda: screen.rows)
        await settle(pilot)
        table = screen.query_one("#consults", DataTable)
        assert str(table.get_cell_at((0, 1))) == "7h left"  # 10 business hours less the 3 gone
        await pilot.press("x")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CloseConsultScreen))
        await type_text(pilot, "18")
        await pilot.press("tab", "space", "ctrl+s")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert await wait_until(pilot, lambda: screen.rows == [])
    with sqlite_demo_db.read() as session:
        closed = session.get(ConsultRequest, consult.id)
        task = session.get(Task, task.id)
    assert (closed.state, closed.minutes_spent, closed.written_report) == ("closed", 18, True)
    assert closed.returned_at == returned_at and task.state == "done" and task.late_minutes == 0


async def test_a_failed_attempt_is_logged_from_the_promises_screen(sqlite_demo_db):
    doctor = agents.open_session(sqlite_demo_db, "okafor", FIXED_NOW)
    form, _ = validate(FORM, today_of(FIXED_NOW))
    rep = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)
    consult = consults.create(sqlite_demo_db, rep.id, form, FIXED_NOW, TimerPolicy(), psychiatrist_id=doctor.id)
    app = make_app(sqlite_demo_db, agent="okafor")
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        assert await wait_until(pilot, lambda: pilot.app.screen.query_one("#my-promises").display, timeout=5)
        assert "Promises: 1 open" in str(pilot.app.screen.query_one("#my-promises").render())
        await pilot.press("p")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PromisesScreen))
        screen = pilot.app.screen
        assert await wait_until(pilot, lambda: screen.query_one("#timers", DataTable).row_count == 1)
        await pilot.press("a")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, AttemptScreen))
        await pilot.press("enter", "down", "down", "enter")  # "No answer"
        await pilot.press("tab")
        await type_text(pilot, "rang 10 times")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert await wait_until(pilot, lambda: screen.selected() is not None and screen.selected().attempts == 1)
        assert "last: no answer" in str(screen.query_one("#timer-detail").render())
    with sqlite_demo_db.read() as session:
        attempt = session.scalars(select(TaskAttempt)).one()
    assert (attempt.task_id, attempt.outcome, attempt.notes) == (consult.task_id, "no_answer", "rang 10 times")


def _three_promises(db):
    """One on track, one due soon, one overdue for alex, at FIXED_NOW (Monday 10:00 in New York)."""
    rep = agents.open_session(db, "alex", FIXED_NOW)
    with db.write() as session:
        for title, start, due in (
            ("Fax from Elm Pediatrics: send records", FIXED_NOW - timedelta(hours=1), FIXED_NOW + timedelta(days=1)),
            ("Call back Maria Lopez about intake", FIXED_NOW - timedelta(days=3), FIXED_NOW + timedelta(hours=1)),
            ("TTY caller asked for a call back", FIXED_NOW - timedelta(days=4), FIXED_NOW - timedelta(minutes=35)),
        ):
            timers.new_task(session, kind=TaskKind.CALLBACK_REQUEST if "call back" in title.lower()
                            else TaskKind.FAX_FOLLOWUP, title=title, owner_agent_id=rep.id, start=start, due=due)
    return rep


def test_promises_screen_snapshot(snap_compare, sqlite_demo_db):
    _three_promises(sqlite_demo_db)

    async def run_before(pilot):
        await home(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, PromisesScreen))
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#timers", DataTable).row_count == 3)
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="alex", refresh_seconds=3600), terminal_size=TERMINAL,
                        run_before=run_before)


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
        assert await wait_until(pilot, lambda: screen.query_one("#timers", DataTable).row_count == 3)
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
        promises = [t for t in timers.open_for(sqlite_demo_db, app.agent.id) if t.kind is TaskKind.CALLBACK_REQUEST]
        assert len(promises) == 1
        assert "Mother asks for a call after 3pm" in promises[0].title
        assert promises[0].due_at == TimerPolicy().follow_up_deadline(FIXED_NOW)
        with sqlite_demo_db.read() as session:
            assert session.get(Task, promises[0].id).call_id == panel.call.id
        assert await wait_until(pilot, lambda: "Promises: 1 open" in str(
            pilot.app.screen.query_one("#my-promises").render()), timeout=10)
