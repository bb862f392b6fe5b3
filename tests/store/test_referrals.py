"""Providers attached to a referral, on both engines: outcomes, the follow-up promise, who may change them."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from callcenter.domain.referrals import ReferralOutcome, check_choice
from callcenter.store import agents, intakes, referrals
from callcenter.store.errors import InvalidOperation, NotFound
from callcenter.store.models import AuditEntry, Promise, Provider, ReferralProvider
from tests.store.test_intakes import complete_fields, today_of


def _providers(db, count=2):
    with db.read() as session:
        return list(session.scalars(select(Provider.id).order_by(Provider.id).limit(count)))


def test_attach_then_change_outcome_keeps_one_row_and_audits_both(demo_db, now):
    alex = agents.open_session(demo_db, "alex", now)
    draft = intakes.start(demo_db, alex.id, now)
    first, second = _providers(demo_db)
    referrals.attach(demo_db, alex.id, draft.id, first, check_choice("offered", "", "", now), now)
    attached = referrals.attach(
        demo_db, alex.id, draft.id, first, check_choice("scheduled", "12/3 2:30pm", "", now), now + timedelta(minutes=1)
    )
    attached = referrals.attach(demo_db, alex.id, draft.id, second, check_choice("declined", "", "too far", now), now)
    assert [(a.provider_id, a.outcome) for a in attached] == [
        (first, ReferralOutcome.SCHEDULED),
        (second, ReferralOutcome.DECLINED),
    ]
    assert attached[0].appointment_at.isoformat() == "2026-12-03T19:30:00+00:00"
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReferralProvider)) == 2
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "intake", AuditEntry.entity_id == draft.id)
        ).all()
    assert sorted(a for a in actions if "provider" in a or "referral" in a) == [
        "attach_provider",
        "attach_provider",
        "update_referral",
    ]


def test_submitted_referral_carries_its_providers_into_the_follow_up_task(demo_db, now):
    alex = agents.open_session(demo_db, "alex", now)
    draft = intakes.start(demo_db, alex.id, now)
    (provider,) = _providers(demo_db, 1)
    referrals.attach(demo_db, alex.id, draft.id, provider, check_choice("scheduled", "12/3 2:30pm", "", now), now)
    result = intakes.submit(demo_db, alex.id, draft.id, complete_fields(), draft.version, now, today_of(now))
    with demo_db.read() as session:
        promise = session.get(Promise, result.promise_id)
        name = session.get(Provider, provider).name
    assert promise.notes == f"{name} — appointment Thu Dec 03 14:30"
    # After submission the follow-up can still record what happened, and the promise follows.
    referrals.attach(demo_db, alex.id, draft.id, provider, check_choice("declined", "", "family moved", now), now)
    with demo_db.read() as session:
        assert session.get(Promise, result.promise_id).notes == f"{name} — declined"
    with pytest.raises(InvalidOperation, match="declined instead"):
        referrals.detach(demo_db, alex.id, draft.id, provider, now)


def test_detach_from_a_draft_and_refusals(demo_db, now):
    alex = agents.open_session(demo_db, "alex", now)
    jordan = agents.open_session(demo_db, "jordan", now)
    draft = intakes.start(demo_db, alex.id, now)
    (provider,) = _providers(demo_db, 1)
    offered = check_choice("offered", "", "", now)
    referrals.attach(demo_db, alex.id, draft.id, provider, offered, now)
    with pytest.raises(InvalidOperation, match="another rep"):
        referrals.attach(demo_db, jordan.id, draft.id, provider, offered, now)
    with pytest.raises(NotFound):
        referrals.attach(demo_db, alex.id, draft.id, 999_999, offered, now)
    assert referrals.detach(demo_db, alex.id, draft.id, provider, now) == []
    assert referrals.attached_to(demo_db, draft.id) == []


def test_ticked_needs_stay_with_the_rep_and_follow_the_appointment(demo_db, now):
    """Scheduling help until an appointment is attached; the ride and the interpreter fall due the
    business day before it; the linkage owner asks "did they get there?" the business day after."""
    from callcenter.domain.model import PromiseKind
    from callcenter.domain.promises import PromisePolicy

    policy = PromisePolicy()
    alex = agents.open_session(demo_db, "alex", now)
    draft = intakes.start(demo_db, alex.id, now)
    fields = complete_fields(need_transportation="yes", need_interpreter="yes", child_language="Spanish")
    intakes.submit(demo_db, alex.id, draft.id, fields, draft.version, now, today_of(now), policy=policy)

    def kept() -> dict[str, Promise]:
        with demo_db.read() as session:
            rows = session.scalars(select(Promise).where(Promise.intake_id == draft.id)).all()
            return {row.kind: row for row in rows}

    promised = kept()
    assert set(promised) >= {"scheduling_help", "transportation", "interpreter", "linkage_check"}
    assert all(
        promised[kind].owner_agent_id == alex.id for kind in ("scheduling_help", "transportation", "interpreter")
    )
    assert "Spanish interpreter" in promised["interpreter"].title and "Hartford" in promised["transportation"].title
    assert promised["scheduling_help"].due_at == policy.follow_up_deadline(now)
    assert "attendance_check" not in promised

    (provider,) = _providers(demo_db, 1)
    choice = check_choice("scheduled", "12/1 2:30pm", "", now)  # a Tuesday, a week out
    referrals.attach(demo_db, alex.id, draft.id, provider, choice, now + timedelta(hours=1), policy)
    promised = kept()
    assert promised["scheduling_help"].state == "done"
    assert promised["transportation"].due_at == policy.business_day_before(choice.appointment_at)
    assert promised["interpreter"].due_at == promised["transportation"].due_at
    check = promised[PromiseKind.ATTENDANCE_CHECK.value]
    assert check.due_at == policy.business_day_after(choice.appointment_at)
    assert check.owner_agent_id == promised["linkage_check"].owner_agent_id == alex.id
    # Moved to the next day: the ride, the interpreter and the check follow; no second check appears.
    moved = check_choice("scheduled", "12/2 10am", "", now)
    referrals.attach(demo_db, alex.id, draft.id, provider, moved, now + timedelta(hours=2), policy)
    promised = kept()
    assert promised["transportation"].due_at == policy.business_day_before(moved.appointment_at)
    assert promised["attendance_check"].due_at == policy.business_day_after(moved.appointment_at)
    with demo_db.read() as session:
        checks = session.scalars(select(Promise).where(Promise.kind == "attendance_check")).all()
    assert len(checks) == 1


def test_a_ride_booked_keeps_its_reference_and_falls_due_before_a_monday_appointment(demo_db, now):
    """The ride for a Monday appointment is confirmed on the Friday before (the weekend is not business
    time); the booking reference is kept on the promise, checked, and only rides and interpreters take one."""
    from callcenter.domain.errors import ValidationError
    from callcenter.domain.promises import PromisePolicy
    from callcenter.store import promises as promise_store
    from callcenter.store.errors import InvalidOperation

    policy = PromisePolicy()
    alex = agents.open_session(demo_db, "alex", now)
    draft = intakes.start(demo_db, alex.id, now)
    fields = complete_fields(need_transportation="yes")
    intakes.submit(demo_db, alex.id, draft.id, fields, draft.version, now, today_of(now), policy=policy)
    (provider,) = _providers(demo_db, 1)
    monday = check_choice("scheduled", "12/7 10am", "", now)  # a Monday, two weeks after FIXED_NOW
    assert monday.appointment_at.astimezone(ZoneInfo(policy.hours.time_zone)).weekday() == 0
    referrals.attach(demo_db, alex.id, draft.id, provider, monday, now + timedelta(minutes=5), policy)
    with demo_db.read() as session:
        by_kind = {p.kind: p for p in session.scalars(select(Promise).where(Promise.intake_id == draft.id)).all()}
    ride, linkage = by_kind["transportation"], by_kind["linkage_check"]
    local_due = ride.due_at.astimezone(ZoneInfo(policy.hours.time_zone))
    assert (local_due.weekday(), local_due.hour) == (4, 10)  # Friday, 10:00: one business day before Monday 10:00

    with pytest.raises(ValidationError, match="letters, digits"):
        promise_store.record_booking(demo_db, alex.id, ride.id, "RX-1; DROP", now)
    assert promise_store.get(demo_db, ride.id).booking_ref is None  # nothing half-written
    booked = promise_store.record_booking(demo_db, alex.id, ride.id, "  RX-20417 ", now)
    assert booked.booking_ref == "RX-20417" and booked.state.value == "open"
    with pytest.raises(InvalidOperation, match="Only a ride"):
        promise_store.record_booking(demo_db, alex.id, linkage.id, "X1", now)
