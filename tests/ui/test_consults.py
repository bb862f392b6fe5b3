"""Medication consults by keys: a rep takes a PCP's question, the psychiatrist returns the call."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from textual.widgets import DataTable

from callcenter.domain.model import PromiseKind
from callcenter.store import agents
from callcenter.store.models import Agent, ConsultRequest, Promise
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.consults.my_consults import CloseConsultScreen, ConsultsScreen
from callcenter.ui.screens.consults.request_form import ConsultFormScreen
from tests.dbutil import FIXED_NOW
from tests.ui.helpers import make_app, settle, type_text, wait_until


async def home(pilot):
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)


async def test_rep_takes_a_consult_and_the_psychiatrist_returns_it(sqlite_demo_db):
    agents.open_session(sqlite_demo_db, "okafor", FIXED_NOW)  # a psychiatrist on shift to give it to
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
        await pilot.press("tab", "tab", "enter", "down", "enter", "tab")  # past the Medicaid number
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
        promise = session.scalars(select(Promise).where(Promise.consult_id == consult.id)).one()
    assert (consult.npi, consult.question_type, consult.child_name) == ("1234567893", "medication", "Sam")
    assert promise.kind == PromiseKind.CONSULT_CALLBACK and promise.owner_agent_id == consult.psychiatrist_id
    assert promise.due_at == FIXED_NOW + timedelta(hours=24)  # Monday 10:00 -> Tuesday 10:00

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
        promise = session.get(Promise, promise.id)
    assert (closed.state, closed.minutes_spent, closed.written_report) == ("closed", 18, True)
    assert closed.returned_at == returned_at and promise.state == "done" and promise.late_minutes == 0


async def _fill_urgent_form(pilot, *, danger: bool) -> ConsultFormScreen:
    await home(pilot)
    await pilot.press("k")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConsultFormScreen))
    form = pilot.app.screen
    await settle(pilot)
    for text, tabs in (("Dr. Ada Okoro", 2), ("860 555 0182", 2), ("Sam", 2), ("4/5/2015", 2)):
        await type_text(pilot, text)
        await pilot.press(*["tab"] * tabs)
    await pilot.press("enter", "down", "down", "enter", "tab")  # side effects
    await type_text(pilot, "Teen on sertraline, new suicidal thoughts since the dose went up.")
    if danger:
        await pilot.press("tab", "space")
        assert form.query_one("#c-urgency").value == "urgent"  # ticking danger shows it will be urgent
    return form


async def test_danger_now_walks_the_crisis_steps_then_files_it_urgent_to_the_one_on_shift(sqlite_demo_db):
    from callcenter.ui.screens.consults.request_form import DangerNowScreen

    okafor = agents.open_session(sqlite_demo_db, "okafor", FIXED_NOW)  # on shift; Dr. Weiss is not
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _fill_urgent_form(pilot, danger=True)
        await pilot.press("f10")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, DangerNowScreen))
        steps = " ".join(str(widget.render()) for widget in pilot.app.screen.query("Static"))
        assert "911" in steps and "Mobile Crisis" in steps
        with sqlite_demo_db.read() as session:  # nothing is filed before the steps are done
            assert session.scalars(select(ConsultRequest)).first() is None
        await pilot.press("escape")  # back to the form, as typed
        assert await wait_until(pilot, lambda: pilot.app.screen is form)
        assert "sertraline" in form.query_one("#c-question").text
        await pilot.press("f10")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, DangerNowScreen))
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    with sqlite_demo_db.read() as session:
        consult = session.scalars(select(ConsultRequest)).one()
        promise = session.scalars(select(Promise).where(Promise.consult_id == consult.id)).one()
    assert (consult.urgency, consult.danger_now, consult.psychiatrist_id) == ("urgent", True, okafor.id)
    assert promise.due_at == FIXED_NOW + timedelta(hours=2)  # two business hours, not one business day


async def test_the_on_shift_psychiatrist_sees_urgent_first_and_returning_it_writes_the_log(sqlite_demo_db):
    from callcenter.domain.consults import validate
    from callcenter.domain.promises import PromisePolicy
    from callcenter.store import consults, contacts
    from callcenter.store.contacts import ContactFilter
    from tests.ui.test_promises import FORM

    okafor = agents.open_session(sqlite_demo_db, "okafor", FIXED_NOW)
    rep = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)
    today = FIXED_NOW.date()
    routine, _ = validate({**FORM, "pcp_name": "Dr. Early Routine"}, today)
    urgent, _ = validate({**FORM, "pcp_name": "Dr. Late Urgent", "urgency": "urgent"}, today)
    consults.create(sqlite_demo_db, rep.id, routine, FIXED_NOW - timedelta(days=1), PromisePolicy())  # due sooner
    filed = consults.create(sqlite_demo_db, rep.id, urgent, FIXED_NOW - timedelta(minutes=5), PromisePolicy())
    app = make_app(sqlite_demo_db, agent="okafor", now=FIXED_NOW + timedelta(minutes=20))
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        await pilot.press("m")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConsultsScreen))
        screen = pilot.app.screen
        assert await wait_until(pilot, lambda: len(screen.rows) == 2)
        assert [row.pcp_name for row in screen.rows] == ["Dr. Late Urgent", "Dr. Early Routine"]
        table = screen.query_one("#consults", DataTable)
        assert str(table.get_cell_at((0, 2))) == "urgent"
        await pilot.press("x")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CloseConsultScreen))
        await type_text(pilot, "12")
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: len(screen.rows) == 1)
        await pilot.press("h")  # the returned one stays, in the history
        assert await wait_until(pilot, lambda: [row.id for row in screen.rows] == [filed.id])
    [entry] = contacts.search(sqlite_demo_db, ContactFilter(text="Late Urgent"))
    assert (entry.direction, entry.channel) == ("outbound", "voice") and "12 min" in (entry.summary or "")
    assert consults.get(sqlite_demo_db, filed.id).psychiatrist_id == okafor.id


async def test_with_no_one_on_shift_it_waits_and_the_next_psychiatrist_is_offered_it(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _fill_urgent_form(pilot, danger=False)
        await pilot.press("tab", "tab", "enter", "down", "enter")  # past danger now, to Urgency: urgent
        assert await wait_until(pilot, lambda: form.query_one("#c-urgency").value == "urgent")
        await pilot.press("f10")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        assert await wait_until(pilot, lambda: "unassigned" in " ".join(n.message for n in pilot.app._notifications))
    with sqlite_demo_db.read() as session:
        consult = session.scalars(select(ConsultRequest)).one()
    assert consult.psychiatrist_id is None and consult.urgency == "urgent"

    app = make_app(sqlite_demo_db, agent="weiss", now=FIXED_NOW + timedelta(minutes=10))
    async with app.run_test(size=(120, 40)) as pilot:
        await home(pilot)
        offered = lambda: "wait for a psychiatrist" in " ".join(n.message for n in pilot.app._notifications)  # noqa: E731
        assert await wait_until(pilot, offered, timeout=10)
        await pilot.press("m")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConsultsScreen))
        screen = pilot.app.screen
        await pilot.press("u")
        assert await wait_until(pilot, lambda: [row.id for row in screen.rows] == [consult.id])
        await pilot.press("t")
        assert await wait_until(pilot, lambda: screen.rows == [])
        await pilot.press("m")
        assert await wait_until(pilot, lambda: [row.id for row in screen.rows] == [consult.id])
    with sqlite_demo_db.read() as session:
        taken = session.get(ConsultRequest, consult.id)
        weiss = session.scalars(select(Agent).where(Agent.username == "weiss")).one()
    assert taken.psychiatrist_id == weiss.id


async def test_a_child_on_file_is_offered_and_attached_only_when_the_rep_says_so(sqlite_demo_db):
    from callcenter.store import intakes
    from callcenter.ui.shared.known_child import KnownChildScreen
    from tests.store.test_intakes import complete_fields, today_of

    rep = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)
    agents.open_session(sqlite_demo_db, "okafor", FIXED_NOW)
    fields = complete_fields(child_first_name="Odalys", child_last_name="Quintero", medicaid_number="987654321")
    draft = intakes.start(sqlite_demo_db, rep.id, FIXED_NOW)
    version = intakes.save_draft(sqlite_demo_db, rep.id, draft.id, fields, draft.version, FIXED_NOW)
    child_id = intakes.submit(
        sqlite_demo_db, rep.id, draft.id, fields, version, FIXED_NOW, today_of(FIXED_NOW)
    ).child_id

    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=(120, 40)) as pilot:
        for answer, expected in (("n", None), ("y", child_id)):
            await home(pilot)
            await pilot.press("k")
            assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConsultFormScreen))
            await settle(pilot)
            for text, tabs in (("Dr. Ada Okoro", 2), ("860 555 0182", 2), ("Odalys", 1), ("Quintero", 1)):
                await type_text(pilot, text)
                await pilot.press(*["tab"] * tabs)
            await type_text(pilot, "11/2/2023")
            await pilot.press("tab", "tab", "enter", "down", "enter", "tab")
            await type_text(pilot, "Melatonin with guanfacine?")
            await pilot.press("f10")
            assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, KnownChildScreen))
            await pilot.press(answer)
            assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
            with sqlite_demo_db.read() as session:
                newest = session.scalars(select(ConsultRequest).order_by(ConsultRequest.id.desc())).first()
            assert newest is not None and newest.child_id == expected
