"""Consults go to psychiatrists on shift, urgent ones sooner; with no one on shift they wait where
every psychiatrist and supervisor sees them; returned calls land in the contact log. Both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from callcenter.domain.agent_states import LOST_AFTER, on_shift
from callcenter.domain.consults import matching_fields, validate
from callcenter.domain.model import AgentState
from callcenter.domain.promises import PromisePolicy
from callcenter.store import consults, contacts, intakes, promises
from callcenter.store.contacts import ContactFilter
from callcenter.store.errors import InvalidOperation
from callcenter.store.models import Agent, AuditEntry
from tests.dbutil import signed_in
from tests.store.test_intakes import today_of

POLICY = PromisePolicy()
NEW_YORK = ZoneInfo("America/New_York")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK).astimezone(UTC)
ROUTINE = {
    "pcp_name": "Dr. Ada Okoro",
    "practice": "Elm Pediatrics",
    "callback_number": "860 555 0182",
    "child_first_name": "Sam",
    "child_dob": "4/5/2015",
    "question_type": "dose",
    "question": "Max dose of guanfacine ER at 40 kg?",
    "urgency": "routine",
}
URGENT = {
    **ROUTINE,
    "question_type": "side_effects",
    "question": "Teen on sertraline, new suicidal thoughts.",
    "urgency": "urgent",
}


def new_york(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def _agent(db, username: str, role: str, state: AgentState, seen_at: datetime | None = None) -> int:
    with db.write() as session:
        agent = Agent(
            username=username,
            display_name=f"Dr. {username.title()}" if role == "psychiatrist" else username.title(),
            role=role,
            state=state.value,
            state_since=MONDAY_10 - timedelta(hours=1),
            created_at=MONDAY_10 - timedelta(days=1),
            seen_at=seen_at,
        )
        session.add(agent)
        session.flush()
        return agent.id


@pytest.fixture
def rep(db) -> int:
    return _agent(db, "alex", "rep", AgentState.AVAILABLE)


def _file(db, rep: int, fields=ROUTINE, at=MONDAY_10, psychiatrist=None):
    form, errors = validate(fields, today_of(at))
    assert errors == {}, errors
    return consults.create(db, rep, form, at, POLICY, psychiatrist_id=psychiatrist)


def test_on_shift_is_signed_in_working_and_heard_from():
    now = MONDAY_10
    assert on_shift(AgentState.AVAILABLE, None, now)
    assert on_shift(AgentState.ON_CALL, now - timedelta(seconds=20), now)
    assert on_shift(AgentState.WRAP_UP, now, now)
    assert not on_shift(AgentState.AWAY, now, now)
    assert not on_shift(AgentState.OFFLINE, now, now)
    assert not on_shift(AgentState.AVAILABLE, now - LOST_AFTER - timedelta(seconds=1), now)  # lost


def test_routing_goes_to_the_least_loaded_on_shift_urgent_counting_double(db, rep):
    okafor = _agent(db, "okafor", "psychiatrist", AgentState.AVAILABLE, MONDAY_10)
    weiss = _agent(db, "weiss", "psychiatrist", AgentState.WRAP_UP, MONDAY_10)
    _agent(db, "offline", "psychiatrist", AgentState.OFFLINE)
    _agent(db, "away", "psychiatrist", AgentState.AWAY, MONDAY_10)
    _agent(db, "lost", "psychiatrist", AgentState.AVAILABLE, MONDAY_10 - timedelta(minutes=5))

    first = _file(db, rep, URGENT)  # okafor (lowest id of two empty): load 2
    assert first.psychiatrist_id == okafor
    second = _file(db, rep)  # weiss: 0 < 2
    third = _file(db, rep)  # weiss again: 1 < 2 (an urgent one counts twice)
    fourth = _file(db, rep)  # now 2 and 2: the lower id
    assert [second.psychiatrist_id, third.psychiatrist_id, fourth.psychiatrist_id] == [weiss, weiss, okafor]


def test_with_no_one_on_shift_the_consult_waits_unassigned_and_is_seen(db, rep):
    okafor = _agent(db, "okafor", "psychiatrist", AgentState.OFFLINE)
    sam = _agent(db, "sam", "supervisor", AgentState.AVAILABLE)
    routine = _file(db, rep)
    urgent = _file(db, rep, URGENT, at=MONDAY_10 + timedelta(minutes=5))
    assert routine.psychiatrist_id is None and urgent.psychiatrist_id is None
    assert promises.get(db, urgent.promise_id).owner_agent_id is None
    # Every psychiatrist (on shift or not) and every supervisor sees them, soonest deadline first.
    for viewer in (okafor, sam):
        assert [view.id for view in consults.unassigned(db, viewer)] == [urgent.id, routine.id]
    with pytest.raises(Exception, match="cannot"):
        consults.unassigned(db, rep)
    # Naming someone who is not on shift is refused, not quietly accepted.
    with pytest.raises(InvalidOperation, match="not on shift"):
        _file(db, rep, psychiatrist=okafor)


def test_a_psychiatrist_takes_an_unassigned_consult_once_and_it_is_audited(db, rep):
    okafor = _agent(db, "okafor", "psychiatrist", AgentState.OFFLINE)
    weiss = _agent(db, "weiss", "psychiatrist", AgentState.OFFLINE)
    waiting = _file(db, rep, URGENT)
    taken = consults.take(db, okafor, waiting.id, MONDAY_10 + timedelta(minutes=1))
    assert taken.psychiatrist_id == okafor
    assert promises.get(db, waiting.promise_id).owner_agent_id == okafor
    with pytest.raises(InvalidOperation, match="took consult"):
        consults.take(db, weiss, waiting.id, MONDAY_10 + timedelta(minutes=2))
    assert consults.unassigned(db, weiss) == []
    with db.read() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "take")).all()
    assert (entry.agent_id, entry.entity, entry.entity_id) == (okafor, "consult", waiting.id)


def test_a_supervisor_reassigns_only_to_someone_on_shift(db, rep):
    okafor = _agent(db, "okafor", "psychiatrist", AgentState.AVAILABLE, MONDAY_10)
    weiss = _agent(db, "weiss", "psychiatrist", AgentState.OFFLINE)
    sam = _agent(db, "sam", "supervisor", AgentState.AVAILABLE)
    consult = _file(db, rep)
    assert consult.psychiatrist_id == okafor
    as_sam = signed_in(db, sam, MONDAY_10)
    with pytest.raises(InvalidOperation, match="not on shift"):
        consults.reassign(db, as_sam, consult.id, weiss, MONDAY_10)
    signed_in(db, weiss, MONDAY_10)  # Dr. Weiss signs in: now on shift
    moved = consults.reassign(db, as_sam, consult.id, weiss, MONDAY_10 + timedelta(minutes=1))
    assert moved.psychiatrist_id == weiss and promises.get(db, consult.promise_id).owner_agent_id == weiss
    with db.read() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "reassign")).all()
    assert entry.agent_id == sam and entry.detail and f'"to": {weiss}' in entry.detail


def test_urgent_consults_never_sit_with_someone_off_shift(db, rep):
    okafor = _agent(db, "okafor", "psychiatrist", AgentState.AVAILABLE, MONDAY_10)
    urgent = _file(db, rep, URGENT)
    routine = _file(db, rep)
    assert urgent.psychiatrist_id == routine.psychiatrist_id == okafor
    assert consults.release_from_off_shift(db, MONDAY_10 + timedelta(seconds=30)) == []  # still heard from
    # Her console goes silent (a closed laptop): the urgent one goes back to the list, the routine stays.
    later = MONDAY_10 + LOST_AFTER + timedelta(minutes=1)
    assert consults.release_from_off_shift(db, later) == [urgent.id]
    assert consults.get(db, urgent.id).psychiatrist_id is None
    assert consults.get(db, routine.id).psychiatrist_id == okafor
    assert consults.release_from_off_shift(db, later) == []  # a second sweep changes nothing


def test_urgent_is_due_in_two_business_hours_routine_in_one_business_day(db, rep):
    _agent(db, "okafor", "psychiatrist", AgentState.AVAILABLE, None)
    cases = [
        # received                    routine due               urgent due
        (new_york(23, 10), new_york(24, 10), new_york(23, 12)),  # a Monday morning
        (new_york(23, 18, 30), new_york(24, 18, 30), new_york(24, 10, 30)),  # 30 min before close
        (new_york(23, 21), new_york(24, 19), new_york(24, 11)),  # after hours: from the next opening
        (new_york(27, 18), new_york(30, 18), new_york(30, 10)),  # Friday evening: Monday
        (new_york(25, 20), new_york(27, 19), new_york(27, 11)),  # before Thanksgiving: Friday
    ]
    for received, routine_due, urgent_due in cases:
        assert _file(db, rep, ROUTINE, at=received).due_at == routine_due, received
        assert _file(db, rep, URGENT, at=received).due_at == urgent_due, received


def test_danger_now_makes_it_urgent_and_the_record_says_so(db, rep):
    _agent(db, "okafor", "psychiatrist", AgentState.AVAILABLE, None)
    filed = _file(db, rep, URGENT | {"danger_now": "yes", "urgency": "routine"})
    assert filed.danger_now and filed.urgency == "urgent"
    assert filed.due_at == MONDAY_10 + timedelta(hours=2)
    assert not _file(db, rep).danger_now


def test_urgent_first_then_deadline_and_closed_ones_stay_in_history(db, rep):
    okafor = _agent(db, "okafor", "psychiatrist", AgentState.AVAILABLE, None)
    early_routine = _file(db, rep, at=new_york(23, 9, 30))
    late_urgent = _file(db, rep, URGENT, at=new_york(23, 11))
    assert [view.id for view in consults.for_psychiatrist(db, okafor)] == [late_urgent.id, early_routine.id]
    returned = new_york(23, 11, 40)
    consults.close(db, okafor, late_urgent.id, returned, 12, True, returned, POLICY)
    assert [view.id for view in consults.for_psychiatrist(db, okafor)] == [early_routine.id]
    assert [view.id for view in consults.history(db, okafor)] == [late_urgent.id]
    assert [view.id for view in consults.history(db, okafor, day=returned.astimezone(NEW_YORK).date())] == [
        late_urgent.id
    ]
    assert consults.history(db, okafor, day=returned.astimezone(NEW_YORK).date() - timedelta(days=1)) == []
    assert [view.id for view in consults.history(db, okafor, pcp="elm ped")] == [late_urgent.id]
    assert consults.history(db, okafor, pcp="Maple") == []


def test_returning_the_call_writes_the_contact_log(db, rep):
    okafor = _agent(db, "okafor", "psychiatrist", AgentState.AVAILABLE, None)
    consult = _file(db, rep)
    returned = new_york(23, 14)
    consults.close(db, okafor, consult.id, returned, 18, False, returned + timedelta(minutes=20), POLICY)
    [row] = contacts.search(db, ContactFilter(text="Okoro"))
    assert (row.direction, row.channel, row.at) == ("outbound", "voice", returned)
    detail = contacts.get(db, row.id)
    assert detail.row.consult_id == consult.id
    assert "18 min" in (row.summary or "") and "no written report" in (row.summary or "")


def _child_on_file(db, rep: int) -> int:
    from tests.store.test_intakes import complete_fields

    fields = complete_fields()
    draft = intakes.start(db, rep, MONDAY_10)
    version = intakes.save_draft(db, rep, draft.id, fields, draft.version, MONDAY_10)
    submitted = intakes.submit(db, rep, draft.id, fields, version, MONDAY_10, today_of(MONDAY_10))
    assert submitted.child_id is not None
    return submitted.child_id


def test_a_consult_finds_the_child_on_file_by_name_and_birth_date_or_medicaid(db, rep):
    child = _child_on_file(db, rep)  # Christopher Lopez, born 11/2/2023, Medicaid 123456789
    today = today_of(MONDAY_10)
    same_name = {**ROUTINE, "child_first_name": "christopher", "child_last_name": "LOPEZ", "child_dob": "11/02/2023"}
    by_medicaid = {**ROUTINE, "child_first_name": "C.", "medicaid_number": "123-456-789"}
    someone_else = {**ROUTINE, "child_first_name": "Christopher", "child_last_name": "Lopez", "child_dob": "1/2/2020"}
    for fields, expected in ((same_name, [child]), (by_medicaid, [child]), (someone_else, [])):
        form, errors = validate(fields, today)
        assert errors == {}, errors
        found = intakes.find_known_children(db, matching_fields(form), today)
        assert [known.id for known in found] == expected, fields
    # Offered, then attached only when the rep says so: the psychiatrist can open the record.
    form, _ = validate(same_name, today)
    _agent(db, "okafor", "psychiatrist", AgentState.AVAILABLE)
    attached = consults.create(db, rep, form, MONDAY_10, POLICY, reuse_child_id=child)
    assert attached.child_id == child
    assert consults.create(db, rep, form, MONDAY_10, POLICY).child_id is None  # not matched behind the rep's back
