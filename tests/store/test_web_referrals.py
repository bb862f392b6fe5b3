"""Referral Connect in the database, on both engines: what one insert by the site becomes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from callcenter.domain.model import AgentState, CallState, Priority
from callcenter.domain.referrals import ReferralChoice, ReferralOutcome
from callcenter.store import agents, calls, intakes, referrals, seed, web_referrals
from callcenter.store.models import AuditEntry, Call, Promise, Provider, WebReferral

ANSWERS = {
    "danger": "no",
    "referrer": "office",
    "referrer_name": "Dr. Ada Okafor",
    "office_name": "Elm Street Pediatrics",
    "npi": "1234567893",
    "phone": "(860) 555-0142",
    "best_time": "morning",
    "language": "Spanish",
    "child_first": "Luis",
    "child_last": "Rivera",
    "child_dob": "3/4/2015",
    "child_zip": "06106",
    "child_sex": "male",
    "medicaid": "123456789",
    "guardian_name": "Marta Rivera",
    "symptoms": "Panic attacks at school since September.",
    "diagnosis": "anxiety",
    "consent": "yes",
}


def send(db, now, answers=ANSWERS, due=timedelta(days=1)):
    seed.ensure_lines(db)
    return web_referrals.send(db, dict(answers), now, now + due, language="es", client_address="203.0.113.9")


def test_a_referral_becomes_a_waiting_entry_a_promise_and_audit_rows(db, now):
    sent = send(db, now)
    assert sent.reference.startswith("RC-") and len(sent.reference) == 11 and not sent.emergency
    with db.read() as session:
        referral = session.scalars(select(WebReferral).where(WebReferral.reference == sent.reference)).one()
        call = session.get(Call, referral.call_id)
        promise = session.get(Promise, referral.promise_id)
        trail = session.scalars(select(AuditEntry).where(AuditEntry.screen == "web").order_by(AuditEntry.id)).all()
    assert (call.state, call.channel, call.caller_number, call.priority) == ("waiting", "web", "+18605550142", 0)
    assert call.notes.startswith(f"Web referral {sent.reference} from Dr. Ada Okafor at Elm Street Pediatrics")
    assert (promise.kind, promise.state, promise.owner_agent_id, promise.call_id) == (
        "web_referral",
        "open",
        None,
        call.id,
    )
    assert promise.due_at == now + timedelta(days=1)
    assert [(row.entity, row.action) for row in trail] == [("call", "create"), ("web_referral", "create")]
    assert json.loads(trail[1].detail)["client"] == "203.0.113.9"
    assert referral.status == "received" and referral.phone_last4 == "0142"


def test_a_child_in_danger_goes_first_in_the_web_line(db, now):
    sent = send(db, now, {**ANSWERS, "danger": "suicide"})
    assert sent.emergency
    with db.read() as session:
        call_id = session.scalar(select(WebReferral.call_id).where(WebReferral.reference == sent.reference))
        assert session.get(Call, call_id).priority == Priority.EMERGENCY
        assert "DANGER NOW flagged: suicide" in session.get(Call, call_id).notes


def test_the_rep_who_takes_it_keeps_the_promise_and_gets_the_intake_prefilled(demo_db, now):
    sent = send(demo_db, now + timedelta(minutes=1), {**ANSWERS, "danger": "harm_others"})
    rep = agents.get_by_username(demo_db, "alex")
    agents.change_state(demo_db, rep.id, rep.id, AgentState.AVAILABLE, now)
    taken = calls.claim_next(demo_db, rep.id, now + timedelta(minutes=2), line_codes=["web"])
    assert taken.line_code == "web" and taken.priority == Priority.EMERGENCY
    assert web_referrals.status_of(demo_db, sent.reference, "0142") == "working"
    with demo_db.read() as session:
        promise = session.scalars(select(Promise).where(Promise.call_id == taken.id)).one()
    assert (promise.state, promise.owner_agent_id) == ("done", rep.id)
    draft = intakes.start(demo_db, rep.id, now + timedelta(minutes=3), call_id=taken.id)
    assert draft.fields["child_first_name"] == "Luis" and draft.fields["child_dob"] == "3/4/2015"
    assert draft.fields["caller_type"] == "pcp" and draft.fields["guardian_name"] == "Marta Rivera"
    assert draft.fields["callback_number"] == "(860) 555-0142" and draft.fields["urgency"] == "emergency"
    assert draft.fields["child_language"] == "Spanish" and draft.fields["medicaid_number"] == "123456789"
    assert draft.fields["child_sex"] == "male" and draft.fields["child_town"] == "Hartford"
    with demo_db.read() as session:
        provider_id = session.scalar(select(Provider.id).limit(1))
    referrals.attach(demo_db, rep.id, draft.id, provider_id, ReferralChoice(ReferralOutcome.OFFERED, None, None), now)
    assert web_referrals.status_of(demo_db, sent.reference, "0142") == "working"  # offered is not linked yet
    referrals.attach(
        demo_db,
        rep.id,
        draft.id,
        provider_id,
        ReferralChoice(ReferralOutcome.SCHEDULED, now + timedelta(days=3), None),
        now,
    )
    assert web_referrals.status_of(demo_db, sent.reference, "0142") == "linked"


@pytest.mark.parametrize("typed", ["rc-{}", "RC {}", "{}", " RC-{} "])
def test_the_status_needs_the_reference_and_the_phones_last_four(db, now, typed):
    sent = send(db, now)
    code = sent.reference[3:]
    assert web_referrals.status_of(db, typed.format(code), "0142") == "received"
    assert web_referrals.status_of(db, typed.format(code), "0143") is None
    assert web_referrals.status_of(db, "RC-AAAAAAAA", "0142") is None


def test_a_draft_is_kept_between_steps_and_forgotten_after_two_hours(db, now):
    web_referrals.save_draft(db, "token-1", {"danger": "no"}, now)
    web_referrals.save_draft(db, "token-1", {"danger": "no", "referrer": "family"}, now + timedelta(minutes=5))
    assert web_referrals.load_draft(db, "token-1", now + timedelta(minutes=6)) == {"danger": "no", "referrer": "family"}
    assert web_referrals.load_draft(db, "token-2", now) == {}
    assert web_referrals.load_draft(db, "token-1", now + timedelta(hours=3)) == {}
    web_referrals.discard_draft(db, "token-1")
    assert web_referrals.load_draft(db, "token-1", now + timedelta(minutes=7)) == {}


def test_nothing_waits_on_the_web_line_until_the_referral_is_sent(db, now):
    web_referrals.save_draft(db, "token-1", dict(ANSWERS), now)
    with db.read() as session:
        assert not session.scalars(
            select(Call).where(Call.channel == "web", Call.state == CallState.WAITING.value)
        ).all()


def test_a_referral_nobody_takes_is_flagged_due_soon_then_recorded_as_breached(db, now):
    from callcenter.domain.promises import PromisePolicy
    from callcenter.store import promises

    send(db, now, due=timedelta(hours=1))
    assert promises.sweep(db, now + timedelta(minutes=50), PromisePolicy()).escalated
    assert promises.sweep(db, now + timedelta(hours=2), PromisePolicy()).breached
    with db.read() as session:
        promise = session.scalars(select(Promise).where(Promise.kind == "web_referral")).one()
    assert promise.state == "open" and promise.breached_at == now + timedelta(hours=1)
