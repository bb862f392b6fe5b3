"""Promises as rows, on both engines: business-time deadlines, escalation, breaches that stay, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from callcenter.domain.consults import validate
from callcenter.domain.errors import PermissionDenied
from callcenter.domain.promises import AttemptOutcome, PromisePolicy, PromiseStatus
from callcenter.store import agents, consults, promises
from callcenter.store.db import Database
from callcenter.store.errors import InvalidOperation
from tests.store.test_intakes import today_of

POLICY = PromisePolicy()
MONDAY_10 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York
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


def new_york(day: int, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def _consult(db, rep_name="alex", at=MONDAY_10, psychiatrist=None):
    for doctor in ("okafor", "weiss"):  # both psychiatrists on shift: consults go only to them
        agents.open_session(db, doctor, at)
    rep = agents.open_session(db, rep_name, at)
    form, errors = validate(FORM, today_of(at))
    assert errors == {}
    return consults.create(db, rep.id, form, at, POLICY, psychiatrist_id=psychiatrist)


def test_consult_is_promised_within_one_business_day_to_the_least_busy_psychiatrist(demo_db):
    first = _consult(demo_db)
    assert first.due_at == new_york(24, 10)  # Monday 10:00 -> Tuesday 10:00
    second = _consult(demo_db)
    assert {first.psychiatrist_name, second.psychiatrist_name} == {"Dr. Ada Okafor", "Dr. Ben Weiss"}
    friday_evening = _consult(demo_db, at=new_york(27, 18, 55))  # day after Thanksgiving, 18:55
    assert friday_evening.due_at == new_york(30, 18, 55)  # Monday 18:55
    wednesday_night = _consult(demo_db, at=new_york(25, 21))  # after hours before Thanksgiving
    assert wednesday_night.due_at == new_york(27, 19)  # Friday's close: Thursday is a holiday


@pytest.mark.pgbouncer
def test_due_soon_without_an_attempt_is_escalated_once_and_overdue_is_a_breach(demo_db):
    consult = _consult(demo_db)
    assert promises.sweep(demo_db, new_york(23, 17), POLICY).escalated == ()  # 3 business hours left
    sweep = promises.sweep(demo_db, new_york(23, 18, 30), POLICY)  # 1.5 business hours left
    assert sweep.escalated == (consult.promise_id,)
    assert promises.sweep(demo_db, new_york(23, 18, 45), POLICY).escalated == ()  # once, not every sweep
    late = promises.sweep(demo_db, new_york(24, 10, 35), POLICY)
    assert late.breached == (consult.promise_id,)
    view = promises.get(demo_db, consult.promise_id)
    assert view.breached_at == consult.due_at and view.late_minutes == 35
    assert (
        POLICY.state("consult_callback", new_york(24, 10, 35), view.created_at, view.due_at).status
        is PromiseStatus.OVERDUE
    )


def test_an_attempt_before_due_soon_means_no_escalation(demo_db):
    consult = _consult(demo_db)
    doctor = consult.psychiatrist_id
    promises.log_attempt(
        demo_db, doctor, consult.promise_id, AttemptOutcome.VOICEMAIL, "left a message", new_york(23, 12)
    )
    assert promises.sweep(demo_db, new_york(23, 18, 30), POLICY).escalated == ()
    assert promises.get(demo_db, consult.promise_id).last_outcome == "voicemail"


def test_a_breach_cannot_be_edited_away(demo_db):
    consult = _consult(demo_db)
    promises.sweep(demo_db, new_york(24, 11), POLICY)
    for statement in ("UPDATE task SET breached_at = NULL", "UPDATE task SET late_minutes = 0"):
        with pytest.raises(DBAPIError, match="breach"):
            with demo_db.engine.begin() as conn:
                conn.execute(text(statement + f" WHERE id = {consult.promise_id}"))
    moved = promises.reschedule(
        demo_db,
        consult.psychiatrist_id,
        consult.promise_id,
        new_york(25, 12),
        "PCP asked for Wednesday",
        new_york(24, 11),
    )
    assert moved.breached_at is not None and moved.original_due_at == consult.due_at
    assert moved.due_at == new_york(25, 12)


def test_only_the_owner_or_a_supervisor_works_a_promise(demo_db):
    consult = _consult(demo_db)
    alex = agents.open_session(demo_db, "alex", MONDAY_10)
    sam = agents.open_session(demo_db, "sam", MONDAY_10)
    with pytest.raises(InvalidOperation, match="someone else"):
        promises.log_attempt(demo_db, alex.id, consult.promise_id, AttemptOutcome.NO_ANSWER, None, MONDAY_10)
    with pytest.raises(PermissionDenied):
        consults.close(demo_db, alex.id, consult.id, MONDAY_10, 10, True, MONDAY_10, POLICY)
    other = next(doc for doc, _ in consults.psychiatrists(demo_db) if doc != consult.psychiatrist_id)
    with pytest.raises(InvalidOperation, match="another psychiatrist"):
        consults.close(demo_db, other, consult.id, MONDAY_10, 10, True, MONDAY_10, POLICY)
    moved = promises.reassign(demo_db, sam.actor, consult.promise_id, other, MONDAY_10)
    assert moved.owner_agent_id == other
    with pytest.raises(PermissionDenied):
        promises.reassign(demo_db, alex.actor, consult.promise_id, alex.id, MONDAY_10)


def test_closing_a_consult_records_minutes_report_and_closes_its_promise(demo_db):
    consult = _consult(demo_db)
    returned = new_york(24, 9, 30)
    closed = consults.close(demo_db, consult.psychiatrist_id, consult.id, returned, 18, True, returned, POLICY)
    assert (closed.state, closed.minutes_spent, closed.written_report) == ("closed", 18, True)
    promise = promises.get(demo_db, consult.promise_id)
    assert promise.state == "done" and promise.late_minutes == 0
    assert consults.for_psychiatrist(demo_db, consult.psychiatrist_id) == [
        c for c in consults.for_psychiatrist(demo_db, consult.psychiatrist_id) if c.id != consult.id
    ]


def test_timers_survive_a_restart_and_read_right_at_a_later_clock(demo_db):
    consult = _consult(demo_db)
    url = demo_db.url
    demo_db.dispose()  # the terminal goes away; only the database remains
    later = Database(url)
    try:
        (row,) = [t for t in promises.open_for(later, consult.psychiatrist_id) if t.id == consult.promise_id]
        for now, status, countdown in (
            (new_york(23, 12), PromiseStatus.ON_TRACK, "8h left"),
            (new_york(24, 9, 15), PromiseStatus.DUE_SOON, "45m left"),
            (new_york(24, 11), PromiseStatus.OVERDUE, "overdue 1h"),
        ):
            state = POLICY.state(row.kind.value, now, row.created_at, row.due_at)
            assert (state.status, state.countdown) == (status, countdown)
    finally:
        later.dispose()


def test_thirty_minute_promise_from_settings(demo_db):
    policy = PromisePolicy.from_settings({"consult_promise": "30 minutes"})
    rep = agents.open_session(demo_db, "alex", MONDAY_10)
    form, _ = validate(FORM, today_of(MONDAY_10))
    late_friday = new_york(27, 18, 50)
    view = consults.create(demo_db, rep.id, form, late_friday, policy)
    assert view.due_at == new_york(30, 9, 20)
    assert view.due_at - late_friday > timedelta(days=2)
