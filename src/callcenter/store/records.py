"""A child's full record, opened on purpose: every opening is written to the audit trail.

Lists and panes elsewhere show a child masked (``domain.privacy``); this is the one way to see the
whole of it, and it says who opened it, when, and from which screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from callcenter.domain.actor import Actor
from callcenter.domain.handoffs import Engagement, Team, care_team_line
from callcenter.domain.roles import Permission
from callcenter.store import audit
from callcenter.store.agents import acting
from callcenter.store.db import Database
from callcenter.store.errors import NotFound
from callcenter.store.models import Agent, Child, Contact, Guardian, Handoff, Intake

OPEN_RECORD = "open_record"
RECENT_INTAKES = 10


@dataclass(frozen=True, slots=True)
class IntakeLine:
    id: int
    status: str
    created_at: datetime | None
    agent: str | None
    needs: str | None


@dataclass(frozen=True, slots=True)
class ChildRecord:
    id: int
    first_name: str
    last_name: str
    date_of_birth: date | None
    sex: str | None
    town: str | None
    zip_code: str | None
    language: str | None
    medicaid_number: str | None
    insurance: str | None
    guardian_name: str | None
    guardian_relationship: str | None
    guardian_phone: str | None
    intakes: tuple[IntakeLine, ...]
    contacts: int
    care_team: tuple[str, ...] = ()  # who on the care team has (or had) the family, newest first


def open_child_record(db: Database, actor: Actor, child_id: int, screen: str, now: datetime) -> ChildRecord:
    """The whole record, and an audit entry saying who opened it from where (in the same transaction)."""
    with db.write() as session:
        acting(session, actor, Permission.OPEN_RECORDS)
        child = session.get(Child, child_id)
        if child is None:
            raise NotFound(f"No child record {child_id}.")
        guardian = session.get(Guardian, child.guardian_id) if child.guardian_id else None
        intakes = session.execute(
            select(Intake.id, Intake.status, Intake.created_at, Agent.display_name, Intake.needs)
            .outerjoin(Agent, Agent.id == Intake.agent_id)
            .where(Intake.child_id == child_id)
            .order_by(Intake.created_at.desc(), Intake.id.desc())
            .limit(RECENT_INTAKES)
        ).all()
        contacts = session.scalar(select(func.count()).select_from(Contact).where(Contact.child_id == child_id))
        care_team = session.execute(
            select(Handoff.team, Handoff.engagement, Handoff.close_reason, Agent.display_name)
            .outerjoin(Agent, Agent.id == Handoff.assigned_to)
            .where(Handoff.child_id == child_id)
            .order_by(Handoff.id.desc())
        ).all()
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            action=OPEN_RECORD,
            entity="child",
            entity_id=child_id,
            screen=audit.screen_of(actor, screen),
            child_id=child_id,
        )
        return ChildRecord(
            id=child.id,
            first_name=child.first_name,
            last_name=child.last_name,
            date_of_birth=child.date_of_birth,
            sex=child.sex,
            town=child.town,
            zip_code=child.zip_code,
            language=child.language,
            medicaid_number=child.medicaid_number,
            insurance=child.insurance,
            guardian_name=f"{guardian.first_name} {guardian.last_name}".strip() if guardian else None,
            guardian_relationship=guardian.relationship if guardian else None,
            guardian_phone=guardian.phone_number if guardian else None,
            intakes=tuple(IntakeLine(*row) for row in intakes),
            contacts=contacts or 0,
            care_team=tuple(
                care_team_line(Team(team), Engagement(engagement), member, why)
                for team, engagement, why, member in care_team
            ),
        )
