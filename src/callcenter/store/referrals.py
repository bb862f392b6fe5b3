"""Providers attached to an intake's referral, and the follow-up promise that tracks what came of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from callcenter.domain.model import PromiseKind, PromiseState
from callcenter.domain.promises import PromisePolicy
from callcenter.domain.referrals import ReferralChoice, ReferralOutcome, linkage_summary
from callcenter.domain.roles import Permission
from callcenter.store import audit, promises, web_referrals
from callcenter.store.access import owned_row
from callcenter.store.db import Database
from callcenter.store.errors import ConflictingEdit, InvalidOperation, NotFound
from callcenter.store.models import Intake, Promise, Provider, ReferralProvider


@dataclass(frozen=True, slots=True)
class AttachedProvider:
    provider_id: int
    name: str
    town: str | None
    phone_number: str | None
    outcome: ReferralOutcome
    appointment_at: datetime | None
    note: str | None
    recorded_at: datetime | None


def attach(
    db: Database,
    agent_id: int,
    intake_id: int,
    provider_id: int,
    choice: ReferralChoice,
    now: datetime,
    policy: PromisePolicy | None = None,
) -> list[AttachedProvider]:
    """Attach a provider (or change its outcome); the referral's follow-up promise is brought up to date."""
    try:
        with db.write() as session:
            intake = _workable(session, agent_id, intake_id)
            provider = session.get(Provider, provider_id)
            if provider is None:
                raise NotFound(f"No provider {provider_id} in the directory.")
            row = session.scalars(
                select(ReferralProvider).where(
                    ReferralProvider.intake_id == intake.id, ReferralProvider.provider_id == provider_id
                )
            ).first()
            action = "attach_provider" if row is None else "update_referral"
            if row is None:
                row = ReferralProvider(intake_id=intake.id, provider_id=provider_id, version=0)
                session.add(row)
            row.outcome = choice.outcome.value
            row.appointment_at = choice.appointment_at
            row.note = choice.note
            row.agent_id = agent_id
            row.recorded_at = now
            row.version += 1
            session.flush()
            audit.record(
                session,
                at=now,
                agent_id=agent_id,
                action=action,
                entity="intake",
                entity_id=intake.id,
                detail={
                    "provider_id": provider_id,
                    "outcome": choice.outcome.value,
                    "appointment_at": choice.appointment_at,
                },
                screen="lookup",
                child_id=intake.child_id,
            )
            attached = _attached(session, intake.id)
            _update_follow_up(session, intake.id, attached)
            _follow_appointment(session, intake.id, attached, now, policy or PromisePolicy())
            if any(item.outcome is ReferralOutcome.SCHEDULED for item in attached):
                web_referrals.mark_linked(session, intake.call_id)  # what the referrer's status check says
            return attached
    except IntegrityError:  # another terminal attached the same provider at the same moment
        raise ConflictingEdit("This provider was just attached from another terminal; look again.") from None


def detach(db: Database, agent_id: int, intake_id: int, provider_id: int, now: datetime) -> list[AttachedProvider]:
    """Take a provider off a referral that is still a draft (once submitted, record 'declined' instead)."""
    with db.write() as session:
        intake = _workable(session, agent_id, intake_id)
        if intake.status != "draft":
            raise InvalidOperation("The referral was submitted: record the provider as declined instead.")
        row = session.scalars(
            select(ReferralProvider).where(
                ReferralProvider.intake_id == intake.id, ReferralProvider.provider_id == provider_id
            )
        ).first()
        if row is None:
            raise NotFound("That provider is not attached to this referral.")
        session.delete(row)
        session.flush()
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="detach_provider",
            entity="intake",
            entity_id=intake.id,
            detail={"provider_id": provider_id},
            screen="intake",
            child_id=intake.child_id,
        )
        return _attached(session, intake.id)


def attached_to(db: Database, intake_id: int) -> list[AttachedProvider]:
    with db.read() as session:
        return _attached(session, intake_id)


def follow_up_summary(db: Database, intake_id: int) -> str:
    """What the referral's follow-up promise says about the providers (empty when none are attached)."""
    with db.read() as session:
        return _summary(_attached(session, intake_id))


def _workable(session, agent_id: int, intake_id: int) -> Intake:
    intake = owned_row(
        session,
        agent_id,
        Intake,
        intake_id,
        noun="intake",
        owner_column="agent_id",
        permission=Permission.WORK_INTAKES,
        someone_elses="This referral belongs to another rep; ask them or a supervisor to change it.",
    )
    if intake.status not in {"draft", "submitted"}:
        raise InvalidOperation(f"Intake {intake_id} is {intake.status}; providers can no longer be attached.")
    return intake


def _attached(session, intake_id: int) -> list[AttachedProvider]:
    rows = session.execute(
        select(ReferralProvider, Provider.name, Provider.town, Provider.phone_number)
        .join(Provider, Provider.id == ReferralProvider.provider_id)
        .where(ReferralProvider.intake_id == intake_id)
        .order_by(ReferralProvider.id)
    ).all()
    return [
        AttachedProvider(
            row.provider_id,
            name,
            town,
            phone,
            ReferralOutcome(row.outcome),
            row.appointment_at,
            row.note,
            row.recorded_at,
        )
        for row, name, town, phone in rows
    ]


def _summary(attached: list[AttachedProvider]) -> str:
    return linkage_summary([(a.name, a.outcome.value, a.appointment_at) for a in attached])


def _update_follow_up(session, intake_id: int, attached: list[AttachedProvider]) -> None:
    """The linkage-check promise carries the referral's providers, so whoever follows up sees them."""
    promise = session.scalars(
        select(Promise).where(Promise.intake_id == intake_id, Promise.kind == PromiseKind.LINKAGE_CHECK.value)
    ).first()
    if promise is not None:
        promise.notes = _summary(attached)
        promise.version += 1


def write_follow_up_notes(session, intake_id: int, now: datetime, policy: PromisePolicy) -> None:
    """Called inside the submit transaction, once the follow-up promises exist."""
    attached = _attached(session, intake_id)
    _update_follow_up(session, intake_id, attached)
    _follow_appointment(session, intake_id, attached, now, policy)


def _follow_appointment(
    session, intake_id: int, attached: list[AttachedProvider], now: datetime, policy: PromisePolicy
) -> None:
    """The first upcoming appointment drives the rep's promises: scheduling help is done, the ride
    and the interpreter fall due the business day before it, and the linkage owner asks "did they
    get there?" the business day after it."""
    upcoming = sorted(
        (a.appointment_at, a.name)
        for a in attached
        if a.outcome is ReferralOutcome.SCHEDULED and a.appointment_at is not None and a.appointment_at > now
    )
    if not upcoming:
        return
    appointment, provider = upcoming[0]
    open_ones = session.scalars(
        select(Promise).where(Promise.intake_id == intake_id, Promise.state == PromiseState.OPEN.value)
    ).all()
    by_kind = {promise.kind: promise for promise in open_ones}
    scheduling = by_kind.get(PromiseKind.SCHEDULING_HELP.value)
    if scheduling is not None:
        promises._close(session, scheduling, scheduling.owner_agent_id, now, policy, f"Appointment with {provider}")
    day_before = policy.business_day_before(appointment)
    for kind in (PromiseKind.TRANSPORTATION.value, PromiseKind.INTERPRETER.value):
        promise = by_kind.get(kind)
        if promise is not None and promise.due_at != day_before and promise.breached_at is None:
            promise.due_at = max(day_before, now)
            promise.notes = f"Appointment: {provider}, {appointment:%Y-%m-%d %H:%M} UTC"
            promise.version += 1
    check_due = policy.business_day_after(appointment)
    attendance = by_kind.get(PromiseKind.ATTENDANCE_CHECK.value)
    if attendance is None:
        linkage = session.scalars(
            select(Promise).where(Promise.intake_id == intake_id, Promise.kind == PromiseKind.LINKAGE_CHECK.value)
        ).first()
        promises.new_promise(
            session,
            kind=PromiseKind.ATTENDANCE_CHECK,
            title=f"Did they get to {provider}? Ask the family",
            owner_agent_id=linkage.owner_agent_id if linkage is not None else None,
            start=now,
            due=check_due,
            intake_id=intake_id,
            child_id=linkage.child_id if linkage is not None else None,
        )
    elif attendance.due_at != check_due and attendance.breached_at is None:
        attendance.due_at = check_due
        attendance.title = f"Did they get to {provider}? Ask the family"
        attendance.version += 1
