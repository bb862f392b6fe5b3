"""Providers attached to an intake's referral, and the follow-up promise that tracks what came of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from callcenter.domain.model import PromiseKind
from callcenter.domain.referrals import ReferralChoice, ReferralOutcome, linkage_summary
from callcenter.domain.roles import Permission
from callcenter.store import audit
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
    db: Database, agent_id: int, intake_id: int, provider_id: int, choice: ReferralChoice, now: datetime
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


def write_follow_up_notes(session, intake_id: int) -> None:
    """Called inside the submit transaction, once the follow-up promise exists."""
    _update_follow_up(session, intake_id, _attached(session, intake_id))
