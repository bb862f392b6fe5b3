"""The care team by keys: a family handed over at intake reaches the case manager's caseload, who
logs a contact and closes the case with a reason."""

from __future__ import annotations

from datetime import timedelta

from callcenter.domain.handoffs import Engagement
from callcenter.store import agents, contacts, handoffs, intakes
from callcenter.store.contacts import ContactFilter
from callcenter.ui.screens.caseload.case import CaseScreen, PlanStepDialog
from callcenter.ui.screens.caseload.caseload import CaseloadScreen, ContactDialog
from callcenter.ui.shared.dialogs import PickScreen, ReasonDialog
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
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog))
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
    from callcenter.ui.shared.records import ChildRecordScreen

    agents.open_session(sqlite_demo_db, "rosa", FIXED_NOW)  # two case managers on shift: left to the
    agents.open_session(sqlite_demo_db, "kwame", FIXED_NOW)  # team, Rosa (first of equals) would get it
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
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PickScreen))
        picker = pilot.app.screen
        offered = [str(option.prompt) for option in picker.query_one("#pick").options]
        assert offered == [
            "Whoever on shift has the fewest families (2 on shift)",
            "Kwame Mensah · 0 open families",
            "Rosa Delgado · 0 open families",
        ]
        await pilot.press("down", "enter")  # the rep picks Kwame, who knows the family
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog))
        dialog = pilot.app.screen
        await pilot.press("enter")  # no reason yet: refused and said
        assert await wait_until(pilot, lambda: "say why" in str(dialog.query_one(".form-error").render()))
        await type_text(pilot, "Three clinics turned them away")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: bool(handoffs.team_around(sqlite_demo_db, child_id)))
        # The record still open over the screen now shows who has the family.
        record = pilot.app.screen
        assert isinstance(record, ChildRecordScreen)
        shown = lambda: str(record.query_one("#child-record-text").render())  # noqa: E731
        assert await wait_until(pilot, lambda: "Case management: Kwame Mensah · not yet reached" in shown())
    [case] = handoffs.team_around(sqlite_demo_db, child_id)
    assert (case.team.value, case.member, case.reason) == (
        "case_management",
        "Kwame Mensah",
        "Three clinics turned them away",
    )


async def test_the_case_screen_keeps_notes_typed_in_a_burst_and_a_dated_plan(sqlite_demo_db):
    from tests.ui.test_key_bursts import burst

    child_id = _hand_over(sqlite_demo_db)
    app = make_app(sqlite_demo_db, agent="rosa", now=FIXED_NOW + timedelta(hours=1))
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CaseloadScreen), timeout=10)
        caseload = pilot.app.screen
        assert await wait_until(pilot, lambda: [row.child_id for row in caseload.rows] == [child_id])
        await settle(pilot)
        await pilot.press("enter")  # Enter on the family opens its case
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CaseScreen))
        case = pilot.app.screen
        await settle(pilot)
        burst(app, [*"Mom works nights.", "enter", *"Call after 2pm."])
        # A dated step, the time first forgotten: refused with the reason, the dialog keeps both boxes.
        burst(app, ["ctrl+n"])
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PlanStepDialog))
        dialog = pilot.app.screen
        await settle(pilot)
        burst(app, [*"11/25", "enter", *"Call the school counselor", "enter"])
        assert await wait_until(pilot, lambda: "add the time" in str(dialog.query_one(".form-error").render()))
        assert pilot.app.screen is dialog
        burst(app, ["end", *" 9am", "enter"])
        assert await wait_until(pilot, lambda: pilot.app.screen is case and len(case.detail.plan) == 1)
        [step] = case.detail.plan
        assert step.what == "Call the school counselor"
        await pilot.press("tab")  # from the notes to the plan
        await pilot.press("d")
        assert await wait_until(pilot, lambda: case.detail.plan[0].done_at is not None)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: pilot.app.screen is caseload)
        await settle(pilot)
    [row] = handoffs.caseload(sqlite_demo_db, agents.open_session(sqlite_demo_db, "rosa", FIXED_NOW).id)
    stored = handoffs.case_detail(sqlite_demo_db, row.assigned_to, row.id)
    assert stored.notes == "Mom works nights.\nCall after 2pm."
    assert [(s.what, s.done_at is not None) for s in stored.plan] == [("Call the school counselor", True)]


async def test_a_peer_specialist_takes_a_waiting_family_and_logs_a_call_that_missed(sqlite_demo_db):
    alex = agents.open_session(sqlite_demo_db, "alex", FIXED_NOW)  # no peer specialist is on shift yet
    fields = complete_fields(need_peer_specialist="yes")
    draft = intakes.start(sqlite_demo_db, alex.id, FIXED_NOW)
    version = intakes.save_draft(sqlite_demo_db, alex.id, draft.id, fields, draft.version, FIXED_NOW)
    child_id = intakes.submit(
        sqlite_demo_db, alex.id, draft.id, fields, version, FIXED_NOW, today_of(FIXED_NOW)
    ).child_id
    app = make_app(sqlite_demo_db, agent="tina", now=FIXED_NOW + timedelta(hours=1))
    async with app.run_test(size=(120, 40)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CaseloadScreen), timeout=10)
        screen = pilot.app.screen
        await settle(pilot)
        assert screen.rows == []  # nothing of hers yet
        await pilot.press("u")  # the team's waiting list
        assert await wait_until(pilot, lambda: [row.child_id for row in screen.rows] == [child_id])
        await pilot.press("t")
        await pilot.press("m")
        assert await wait_until(pilot, lambda: [row.child_id for row in screen.rows] == [child_id])
        await settle(pilot)
        await pilot.press("c")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ContactDialog))
        await pilot.press("tab")  # not reached: the box stays unticked
        await type_text(pilot, "No answer; left a voicemail")
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: screen.rows and screen.rows[0].last_contact_at is not None)
        assert screen.rows[0].engagement is Engagement.NOT_REACHED
        assert screen.rows[0].first_contact_due is not None  # the first contact is still owed
    [case] = handoffs.team_around(sqlite_demo_db, child_id)
    assert (case.team.value, case.member) == ("peer_support", "Tina Ruiz")
    [logged] = contacts.search(sqlite_demo_db, ContactFilter(text="left a voicemail"))
    assert logged.outcome == "no_answer"
