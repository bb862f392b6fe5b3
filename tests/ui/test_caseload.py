"""The care team by keys: a family handed over at intake reaches the case manager's caseload, who
logs a contact and closes the case with a reason."""

from __future__ import annotations

from datetime import timedelta

from callcenter.domain.handoffs import Engagement
from callcenter.store import agents, contacts, handoffs, intakes
from callcenter.store.contacts import ContactFilter
from callcenter.ui.screens.caseload.caseload import CaseloadScreen, CloseCaseDialog, ContactDialog
from tests.dbutil import FIXED_NOW
from tests.store.test_intakes import complete_fields, today_of
from tests.ui.helpers import make_app, settle, type_text, wait_until


def _hand_over(db, rep: str = "alex") -> int:
    """A rep submits an intake with the case-manager need ticked while Rosa is on shift."""
    agents.open_session(db, "rosa", FIXED_NOW)
    alex = agents.open_session(db, rep, FIXED_NOW)
    fields = complete_fields(need_case_manager="yes")
    draft = intakes.start(db, alex.id, FIXED_NOW)
    version = intakes.save_draft(db, alex.id, draft.id, fields, draft.version, FIXED_NOW)
    return intakes.submit(db, alex.id, draft.id, fields, version, FIXED_NOW, today_of(FIXED_NOW)).child_id


async def test_the_case_manager_reaches_the_family_and_closes_the_case(sqlite_demo_db):
    child_id = _hand_over(sqlite_demo_db)
    app = make_app(sqlite_demo_db, agent="rosa", now=FIXED_NOW + timedelta(hours=2))
    async with app.run_test(size=(120, 40)) as pilot:
        # Signing in, a case manager lands on their families.
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CaseloadScreen), timeout=10)
        screen = pilot.app.screen
        assert await wait_until(pilot, lambda: [row.child_id for row in screen.rows] == [child_id])
        await settle(pilot)
        await pilot.press("c")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ContactDialog))
        await pilot.press("space", "tab")
        await type_text(pilot, "Spoke with Maria; first appointment Wed 3:30pm")
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: screen.rows and screen.rows[0].engagement is Engagement.ENGAGED)
        # The child's record lists the team; handing over is a rep's key, not offered here.
        from callcenter.ui.shared.records import ChildRecordScreen

        await pilot.press("v")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ChildRecordScreen))
        record = pilot.app.screen
        shown = " ".join(str(widget.render()) for widget in record.query("Static"))
        assert "Case management: Rosa Delgado · engaged" in shown and "hand the family" not in shown
        await pilot.press("h")
        await settle(pilot)
        assert pilot.app.screen is record
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        await pilot.press("x")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CloseCaseDialog))
        dialog = pilot.app.screen
        await pilot.press("enter")  # no reason: refused, said, the dialog stays
        assert await wait_until(pilot, lambda: "say why" in str(dialog.query_one(".form-error").render()))
        await type_text(pilot, "Linked to an outpatient clinic")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: screen.rows == [])
        await pilot.press("z")  # closed ones too
        assert await wait_until(pilot, lambda: [row.engagement for row in screen.rows] == [Engagement.CLOSED])
    [case] = handoffs.team_around(sqlite_demo_db, child_id)
    assert case.close_reason == "Linked to an outpatient clinic"
    [logged] = contacts.search(sqlite_demo_db, ContactFilter(text="maria; first appointment wed"))
    assert logged.outcome == "reached"


async def test_a_supervisor_sees_the_families_waiting_for_a_team(sqlite_demo_db):
    alex = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)  # no peer specialist is on shift
    fields = complete_fields(need_peer_specialist="yes")
    draft = intakes.start(sqlite_demo_db, alex.id, FIXED_NOW)
    version = intakes.save_draft(sqlite_demo_db, alex.id, draft.id, fields, draft.version, FIXED_NOW)
    intakes.submit(sqlite_demo_db, alex.id, draft.id, fields, version, FIXED_NOW, today_of(FIXED_NOW))
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=(120, 40)) as pilot:
        from callcenter.ui.screens.board.board import QueueBoardScreen

        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("h")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CaseloadScreen))
        screen = pilot.app.screen
        assert await wait_until(pilot, lambda: len(screen.rows) == 1)
        assert screen.rows[0].assigned_to is None and screen.rows[0].team.value == "peer_support"


async def test_a_rep_hands_a_family_over_from_the_childs_record(sqlite_demo_db):
    from callcenter.ui.screens.board.board import QueueBoardScreen
    from callcenter.ui.shared.records import ChildRecordScreen, HandOffReasonScreen

    agents.open_session(sqlite_demo_db, "kwame", FIXED_NOW)  # a case manager on shift
    alex = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)
    fields = complete_fields()  # no team need ticked at intake
    draft = intakes.start(sqlite_demo_db, alex.id, FIXED_NOW)
    version = intakes.save_draft(sqlite_demo_db, alex.id, draft.id, fields, draft.version, FIXED_NOW)
    child_id = intakes.submit(
        sqlite_demo_db, alex.id, draft.id, fields, version, FIXED_NOW, today_of(FIXED_NOW)
    ).child_id
    assert handoffs.team_around(sqlite_demo_db, child_id) == []
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=(120, 40)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
        await settle(pilot)
        pilot.app.open_child_record(child_id, "test")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ChildRecordScreen))
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("enter")  # the first choice: a case manager
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, HandOffReasonScreen))
        dialog = pilot.app.screen
        await pilot.press("enter")  # no reason yet: refused and said
        assert await wait_until(pilot, lambda: "say why" in str(dialog.query_one(".form-error").render()))
        await type_text(pilot, "Three clinics turned them away")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: bool(handoffs.team_around(sqlite_demo_db, child_id)))
    [case] = handoffs.team_around(sqlite_demo_db, child_id)
    assert (case.team.value, case.member, case.reason) == (
        "case_management",
        "Kwame Mensah",
        "Three clinics turned them away",
    )
