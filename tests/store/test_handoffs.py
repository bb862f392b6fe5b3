"""The care team's hand-offs, on both engines: routing to who is on shift, the unassigned list, a
first-contact deadline in business time, contacts and closing with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from callcenter.domain.errors import PermissionDenied, ValidationError
from callcenter.domain.handoffs import Engagement, Team
from callcenter.domain.model import AgentState
from callcenter.domain.promises import PromisePolicy
from callcenter.store import contacts, handoffs, intakes, promises
from callcenter.store.contacts import ContactFilter
from callcenter.store.errors import ConflictingEdit, InvalidOperation
from callcenter.store.models import Agent, AuditEntry
from tests.store.test_intakes import complete_fields, today_of

POLICY = PromisePolicy()
NEW_YORK = ZoneInfo("America/New_York")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK).astimezone(UTC)


def _agent(db, username: str, role: str, state: AgentState = AgentState.AVAILABLE) -> int:
    with db.write() as session:
        agent = Agent(
            username=username,
            display_name=username.title(),
            role=role,
            state=state.value,
            state_since=MONDAY_10,
            created_at=MONDAY_10,
        )
        session.add(agent)
        session.flush()
        return agent.id


def _submit(db, rep: int, at=MONDAY_10, **needs) -> int:
    fields = complete_fields(**needs)
    draft = intakes.start(db, rep, at)
    version = intakes.save_draft(db, rep, draft.id, fields, draft.version, at)
    submitted = intakes.submit(db, rep, draft.id, fields, version, at, today_of(at), policy=POLICY)
    return submitted.child_id


@pytest.fixture
def rep(db) -> int:
    return _agent(db, "alex", "rep")


def test_ticked_needs_reach_the_least_loaded_on_shift_with_a_first_contact_deadline(db, rep):
    rosa = _agent(db, "rosa", "case_manager")
    kwame = _agent(db, "kwame", "case_manager")
    _agent(db, "away", "case_manager", AgentState.AWAY)
    tina = _agent(db, "tina", "peer_specialist")
    child = _submit(db, rep, need_case_manager="yes", need_peer_specialist="yes")
    _submit(db, rep, need_case_manager="yes")
    _submit(db, rep, need_scheduling="yes")  # no team need: no hand-off
    assert [h.child_id for h in handoffs.caseload(db, rosa)] == [child]
    assert len(handoffs.caseload(db, kwame)) == 1  # the second went to the one with fewer
    [peer] = handoffs.caseload(db, tina)
    assert peer.team is Team.PEER_SUPPORT and peer.engagement is Engagement.NOT_REACHED
    # Monday 10:00 + 2 business days (case management) / 3 (peer support), business time.
    [case] = handoffs.caseload(db, rosa)
    assert case.first_contact_due == MONDAY_10 + timedelta(days=2)
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=NEW_YORK).astimezone(UTC)  # an hour before close
    wednesday = datetime(2026, 12, 2, 18, 0, tzinfo=NEW_YORK).astimezone(UTC)  # Mon, Tue, Wed: the weekend skipped
    assert POLICY.first_contact_deadline("peer_support", friday_evening) == wednesday
    thanksgiving_eve = datetime(2026, 11, 25, 18, 0, tzinfo=NEW_YORK).astimezone(UTC)
    friday_then_monday = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK).astimezone(UTC)  # Thursday is a holiday
    assert POLICY.first_contact_deadline("case_management", thanksgiving_eve) == friday_then_monday
    assert promises.get(db, peer.promise_id).owner_agent_id == tina


def test_with_no_one_on_shift_the_hand_off_waits_for_the_team_and_supervisors(db, rep):
    rosa = _agent(db, "rosa", "case_manager", AgentState.OFFLINE)
    kwame = _agent(db, "kwame", "case_manager", AgentState.OFFLINE)
    tina = _agent(db, "tina", "peer_specialist", AgentState.OFFLINE)
    sam = _agent(db, "sam", "supervisor")
    _submit(db, rep, need_case_manager="yes")
    [waiting] = handoffs.unassigned(db, sam)
    assert waiting.assigned_to is None and promises.get(db, waiting.promise_id).owner_agent_id is None
    assert [h.id for h in handoffs.unassigned(db, rosa)] == [waiting.id]
    assert handoffs.unassigned(db, tina) == []  # another team's
    with pytest.raises(InvalidOperation, match="not your team"):
        handoffs.take(db, tina, waiting.id, MONDAY_10)
    taken = handoffs.take(db, rosa, waiting.id, MONDAY_10 + timedelta(minutes=5))
    assert taken.assigned_to == rosa and promises.get(db, waiting.promise_id).owner_agent_id == rosa
    with pytest.raises(InvalidOperation, match="taken or closed"):
        handoffs.take(db, kwame, waiting.id, MONDAY_10)
    with pytest.raises(PermissionDenied):
        handoffs.caseload(db, rep)


def test_a_contact_goes_to_the_log_and_reaching_the_family_keeps_the_promise(db, rep):
    rosa = _agent(db, "rosa", "case_manager")
    _submit(db, rep, need_case_manager="yes")
    [case] = handoffs.caseload(db, rosa)
    missed = handoffs.record_contact(db, rosa, case.id, False, "No answer; will try tomorrow.", MONDAY_10, POLICY, 1)
    assert missed.engagement is Engagement.NOT_REACHED and missed.first_contact_due is not None
    with pytest.raises(ConflictingEdit):
        handoffs.record_contact(db, rosa, case.id, True, "", MONDAY_10, POLICY, 1)  # an old version
    later = MONDAY_10 + timedelta(hours=3)
    reached = handoffs.record_contact(db, rosa, case.id, True, "Spoke with Maria.", later, POLICY, missed.version)
    assert reached.engagement is Engagement.ENGAGED and reached.last_contact_at == later
    assert reached.first_contact_due is None and promises.get(db, case.promise_id).state == "done"
    logged = contacts.search(db, ContactFilter(text="Maria"))
    assert [(row.direction, row.outcome) for row in logged][:1] == [("outbound", "reached")]


def test_closing_needs_a_reason_and_reopening_is_audited(db, rep):
    rosa = _agent(db, "rosa", "case_manager")
    kwame = _agent(db, "kwame", "case_manager", AgentState.OFFLINE)
    _submit(db, rep, need_case_manager="yes")
    [case] = handoffs.caseload(db, rosa)
    with pytest.raises(ValidationError, match="say why"):
        handoffs.close(db, rosa, case.id, "   ", MONDAY_10, case.version)
    with pytest.raises(InvalidOperation, match="someone else"):
        handoffs.close(db, kwame, case.id, "moved away", MONDAY_10, case.version)
    closed = handoffs.close(db, rosa, case.id, "Family moved out of state", MONDAY_10, case.version)
    assert closed.engagement is Engagement.CLOSED and closed.close_reason == "Family moved out of state"
    assert promises.get(db, case.promise_id).state == "cancelled"
    assert handoffs.caseload(db, rosa) == [] and len(handoffs.caseload(db, rosa, include_closed=True)) == 1
    reopened = handoffs.reopen(db, rosa, case.id, MONDAY_10 + timedelta(days=1), closed.version)
    assert reopened.engagement is Engagement.NOT_REACHED and reopened.close_reason is None
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "handoff")).all()
    assert actions == ["hand_off", "close", "reopen"]


def test_a_missed_first_contact_is_a_breach_like_any_promise(db, rep):
    rosa = _agent(db, "rosa", "case_manager")
    _submit(db, rep, need_case_manager="yes")
    [case] = handoffs.caseload(db, rosa)
    swept = promises.sweep(db, MONDAY_10 + timedelta(days=3), POLICY)
    assert case.promise_id in swept.breached


def test_the_childs_record_shows_the_team_around_the_child(db, rep):
    from callcenter.store import records
    from tests.dbutil import signed_in

    rosa = _agent(db, "rosa", "case_manager")
    child = _submit(db, rep, need_case_manager="yes", need_peer_specialist="yes")  # no peer specialist on shift
    [case] = handoffs.caseload(db, rosa)
    handoffs.close(db, rosa, case.id, "Linked to a clinic", MONDAY_10, case.version)
    record = records.open_child_record(db, signed_in(db, rep), child, "test", MONDAY_10)
    assert record.care_team == (
        "Peer support: waiting for a peer specialist · not yet reached",
        "Case management: Rosa · closed (Linked to a clinic)",
    )


def test_the_monitor_shows_each_team_on_shift_open_waiting_and_late(db, rep):
    from callcenter.store import monitor

    sam = _agent(db, "sam", "supervisor")
    rosa = _agent(db, "rosa", "case_manager")
    _agent(db, "tina", "peer_specialist", AgentState.OFFLINE)
    _submit(db, rep, need_case_manager="yes", need_peer_specialist="yes")
    _submit(db, rep, need_case_manager="yes")
    [first, _second] = handoffs.caseload(db, rosa)
    handoffs.close(db, rosa, first.id, "Linked to a clinic", MONDAY_10, first.version)
    later = MONDAY_10 + timedelta(days=7)  # past every first-contact deadline (Thanksgiving in between)
    rows = {row.team: row for row in monitor.snapshot(db, sam, later).care_teams}
    case_management, peer_support = rows[Team.CASE_MANAGEMENT], rows[Team.PEER_SUPPORT]
    assert (case_management.on_shift, case_management.open_cases, case_management.waiting) == (1, 1, 0)
    assert case_management.overdue_first_contacts == 1  # the closed case's promise was cancelled
    assert (peer_support.on_shift, peer_support.open_cases, peer_support.waiting) == (0, 1, 1)
    assert peer_support.overdue_first_contacts == 1


def test_case_notes_save_as_typed_and_a_second_console_conflicts_instead_of_overwriting(db, rep):
    rosa = _agent(db, "rosa", "case_manager")
    kwame = _agent(db, "kwame", "case_manager", AgentState.OFFLINE)
    _submit(db, rep, need_case_manager="yes")
    [case] = handoffs.caseload(db, rosa)
    detail = handoffs.case_detail(db, rosa, case.id)
    assert (detail.notes, detail.plan) == ("", [])
    typed = "Mom works nights.\n  Call after 2pm; school is Hamden Middle.\n"
    version = handoffs.save_notes(db, rosa, case.id, typed, detail.notes_version, MONDAY_10)
    assert handoffs.case_detail(db, rosa, case.id).notes == typed  # spacing and line breaks as typed
    # A contact logged meanwhile does not make the notes conflict: they have their own version.
    handoffs.record_contact(db, rosa, case.id, True, "", MONDAY_10, POLICY, case.version)
    version = handoffs.save_notes(db, rosa, case.id, typed + "More.", version, MONDAY_10)
    with pytest.raises(ConflictingEdit):  # a console that opened the notes before that save
        handoffs.save_notes(db, rosa, case.id, "older text", version - 1, MONDAY_10)
    assert handoffs.case_detail(db, rosa, case.id).notes == typed + "More."
    with pytest.raises(InvalidOperation, match="someone else's caseload"):
        handoffs.case_detail(db, kwame, case.id)
    with pytest.raises(PermissionDenied):
        handoffs.save_notes(db, rep, case.id, "x", version, MONDAY_10)


def test_plan_steps_are_dated_checked_and_the_next_one_shows_on_the_caseload(db, rep):
    rosa = _agent(db, "rosa", "case_manager")
    _submit(db, rep, need_case_manager="yes")
    [case] = handoffs.caseload(db, rosa)
    later = handoffs.add_plan_step(db, rosa, case.id, "12/9 3:30pm", "First appointment at Clifford Beers", MONDAY_10)
    sooner = handoffs.add_plan_step(db, rosa, case.id, "11/25 9am", "Call the school counselor", MONDAY_10)
    assert later.due_at == datetime(2026, 12, 9, 15, 30, tzinfo=NEW_YORK).astimezone(UTC)
    [row] = handoffs.caseload(db, rosa)
    assert (row.next_step, row.next_step_at) == ("Call the school counselor", sooner.due_at)
    handoffs.mark_step(db, rosa, sooner.id, True, MONDAY_10)
    [row] = handoffs.caseload(db, rosa)
    assert row.next_step == "First appointment at Clifford Beers"
    plan = handoffs.case_detail(db, rosa, case.id).plan
    assert [step.id for step in plan] == [later.id, sooner.id]  # open steps first, done ones after
    for when, what, field in (
        ("11/20 9am", "x", "already passed"),
        ("12/9", "x", "add the time"),
        ("12/9 1pm", "", "What"),
    ):
        with pytest.raises(ValidationError, match=field):
            handoffs.add_plan_step(db, rosa, case.id, when, what, MONDAY_10)
    assert len(handoffs.case_detail(db, rosa, case.id).plan) == 2  # refused steps left nothing behind
    handoffs.close(db, rosa, case.id, "Linked to a clinic", MONDAY_10, row.version)
    with pytest.raises(InvalidOperation, match="reopen"):
        handoffs.add_plan_step(db, rosa, case.id, "12/10 1pm", "Check in", MONDAY_10)
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "handoff")).all()
    assert actions.count("plan") == 2 and "step_done" in actions


def test_a_family_has_one_open_case_per_team(db, rep):
    rosa = _agent(db, "rosa", "case_manager")
    child = _submit(db, rep, need_case_manager="yes")
    with pytest.raises(InvalidOperation, match="already has an open case management case"):
        handoffs.hand_off(db, rep, Team.CASE_MANAGEMENT, child, "Mom asked again", MONDAY_10, POLICY)
    # Peer support is another team: that hand-off goes ahead.
    handoffs.hand_off(db, rep, Team.PEER_SUPPORT, child, "Mom would like a parent to talk to", MONDAY_10, POLICY)
    [case] = handoffs.caseload(db, rosa)
    handoffs.close(db, rosa, case.id, "Linked to a clinic", MONDAY_10, case.version)
    again = handoffs.hand_off(db, rep, Team.CASE_MANAGEMENT, child, "New crisis at school", MONDAY_10, POLICY)
    assert again.id != case.id and again.member == "Rosa"  # closed, a new case may open
