"""Medication consults by keys: a rep takes a PCP's question, the psychiatrist returns the call."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from textual.widgets import DataTable

from callcenter.domain.model import PromiseKind
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
