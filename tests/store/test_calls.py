from datetime import timedelta

import pytest
from sqlalchemy import func, select

from callcenter.domain.errors import PermissionDenied, ValidationError
from callcenter.domain.model import AgentState, CallState, Disposition, Priority
from callcenter.store import agents, calls
from callcenter.store.errors import InvalidOperation
from callcenter.store.models import AuditEntry, Call, Contact


def _rep(db, now, username="alex"):
    return agents.open_session(db, username, now)


def test_emergency_callers_are_taken_before_longer_waits(demo_db, now):
    rep = _rep(demo_db, now)
    first = calls.claim_next(demo_db, rep.id, now)
    assert first.priority == Priority.EMERGENCY
    assert first.state == CallState.ON_CALL and first.agent_id == rep.id


def test_same_priority_oldest_first(db, now):
    for seconds, number in [(30, "(203) 555-0101"), (90, "(203) 555-0102"), (60, "(203) 555-0103")]:
        calls.arrive(db, "877", number, now - timedelta(seconds=seconds))
    agent_id = _make_rep(db, now)
    taken = []
    for _ in range(3):
        call = calls.claim_next(db, agent_id, now)
        taken.append(call.caller_number)
        calls.end_call(db, agent_id, call.id, Disposition.INFORMATION_ONLY, now)
        agents.change_state(db, agent_id, agent_id, AgentState.AVAILABLE, now)
    assert taken == ["+12035550102", "+12035550103", "+12035550101"]
    assert calls.claim_next(db, agent_id, now) is None


def _make_rep(db, now, username="testrep", role="rep"):
    from callcenter.store.models import Agent

    with db.write() as session:
        agent = Agent(
            username=username,
            display_name=username.title(),
            role=role,
            state="available",
            state_since=now,
            created_at=now,
        )
        session.add(agent)
        session.flush()
        return agent.id


def test_claim_from_chosen_line_only(demo_db, now):
    rep = _rep(demo_db, now)
    call = calls.claim_next(demo_db, rep.id, now, ["fax"])
    assert call.line_code == "fax"


def test_end_call_logs_contact_and_moves_rep_to_wrap_up(demo_db, now):
    rep = _rep(demo_db, now)
    call = calls.claim_next(demo_db, rep.id, now)
    ended = calls.end_call(demo_db, rep.id, call.id, Disposition.REFERRAL_GIVEN, now, "  gave 3 clinics ")
    assert ended.state == CallState.ENDED and ended.disposition == "referral_given"
    assert agents.get_agent(demo_db, rep.id).state == AgentState.WRAP_UP
    with demo_db.read() as session:
        contact = session.scalars(select(Contact).where(Contact.call_id == call.id)).one()
        assert contact.outcome == "referral_given" and contact.summary == "gave 3 clinics"
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "call", AuditEntry.entity_id == call.id)
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["create", "claim", "end"]
    with pytest.raises(ValidationError):
        calls.claim_next(demo_db, rep.id, now)  # still in wrap-up
    agents.change_state(demo_db, rep.id, rep.id, AgentState.AVAILABLE, now)
    assert calls.claim_next(demo_db, rep.id, now) is not None


def test_cannot_end_someone_elses_call_or_end_twice(demo_db, now):
    alex = _rep(demo_db, now, "alex")
    jordan = _rep(demo_db, now, "jordan")
    call = calls.claim_next(demo_db, alex.id, now)
    with pytest.raises(InvalidOperation):
        calls.end_call(demo_db, jordan.id, call.id, Disposition.HANG_UP, now)
    calls.end_call(demo_db, alex.id, call.id, Disposition.HANG_UP, now)
    with pytest.raises(InvalidOperation):
        calls.end_call(demo_db, alex.id, call.id, Disposition.HANG_UP, now)


def test_psychiatrist_cannot_take_callers(demo_db, now):
    doctor = agents.open_session(demo_db, "okafor", now)
    with pytest.raises(PermissionDenied):
        calls.claim_next(demo_db, doctor.id, now)


def test_abandoned_caller_leaves_the_queue(db, now):
    call_id = calls.arrive(db, "877", "(860) 555-0111", now)
    assert calls.abandon(db, call_id, now + timedelta(seconds=40)) is True
    assert calls.abandon(db, call_id, now) is False
    assert calls.get_call(db, call_id).state == CallState.ABANDONED
    assert calls.board(db, None).waiting_total == 0


def test_bad_arrivals_write_nothing(db, now):
    for line, number in [
        ("877", "555"),
        ("nope", "(203) 555-0143"),
        ("877", ""),
        ("877", "[bold]x'; DROP TABLE call;--"),
    ]:
        with pytest.raises(ValidationError):
            calls.arrive(db, line, number, now)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_web_referral_needs_no_number(db, now):
    call_id = calls.arrive(db, "web", None, now)
    assert calls.get_call(db, call_id).caller_number is None


def test_board_counts_and_longest_wait(demo_db, now):
    snapshot = calls.board(demo_db, None)
    by_code = {line.code: line for line in snapshot.lines}
    assert [line.code for line in snapshot.lines] == ["877", "866", "tty", "fax", "web"]
    assert snapshot.waiting_total == len(snapshot.waiting) == 16
    main_waiting = [c for c in snapshot.waiting if c.line_code == "877"]
    assert by_code["877"].waiting == len(main_waiting)
    assert by_code["877"].oldest_arrival == min(c.arrived_at for c in main_waiting)
    assert by_code["877"].oldest_arrival.tzinfo is not None
    priorities = [c.priority for c in snapshot.waiting]
    assert priorities == sorted(priorities, reverse=True)


def test_caller_history_shows_earlier_calls_from_the_number(db, now):
    agent_id = _make_rep(db, now)
    first = calls.arrive(db, "877", "(203) 555-0177", now - timedelta(days=2))
    calls.claim_next(db, agent_id, now - timedelta(days=2))
    calls.end_call(db, agent_id, first, Disposition.CALLBACK_REQUESTED, now - timedelta(days=2), "wants a call back")
    agents.change_state(db, agent_id, agent_id, AgentState.AVAILABLE, now)
    second = calls.arrive(db, "877", "203.555.0177", now)
    history = calls.caller_history(db, calls.get_call(db, second).caller_number, exclude_call_id=second)
    assert [(h.call_id, h.disposition, h.notes) for h in history] == [
        (first, "callback_requested", "wants a call back")
    ]


def test_a_caller_who_asks_for_a_callback_gets_a_promise_with_the_call(demo_db, now):
    from callcenter.domain.promises import PromisePolicy
    from callcenter.store import promises
    from callcenter.store.models import Promise

    policy = PromisePolicy()
    rep = _rep(demo_db, now)
    call = calls.claim_next(demo_db, rep.id, now)
    calls.end_call(
        demo_db,
        rep.id,
        call.id,
        Disposition.CALLBACK_REQUESTED,
        now,
        "Mother wants a call after 3pm\nabout the wait list",
        policy,
    )
    mine = promises.open_for(demo_db, rep.id)
    callbacks = [timer for timer in mine if timer.kind.value == "callback_request"]
    assert len(callbacks) == 1
    promise = callbacks[0]
    assert promise.due_at == policy.follow_up_deadline(now) and promise.original_due_at == promise.due_at
    assert "Mother wants a call after 3pm" in promise.title and "wait list" not in promise.title
    with demo_db.read() as session:
        assert session.get(Promise, promise.id).call_id == call.id


def test_a_callback_needs_a_number_and_nothing_is_ended_without_one(demo_db, now):
    from callcenter.domain.promises import PromisePolicy
    from callcenter.store.models import Promise

    rep = _rep(demo_db, now)
    web = calls.arrive(demo_db, "web", "", now - timedelta(hours=2))  # a web referral: no number
    call = calls.claim_next(demo_db, rep.id, now, ["web"])
    assert call.id == web
    with pytest.raises(ValidationError) as refused:
        calls.end_call(demo_db, rep.id, call.id, Disposition.CALLBACK_REQUESTED, now, "", PromisePolicy())
    assert "no" in refused.value.message and refused.value.field == "disposition"
    assert calls.get_call(demo_db, call.id).state == CallState.ON_CALL  # the whole end was rolled back
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Promise).where(Promise.call_id == call.id)) == 0
