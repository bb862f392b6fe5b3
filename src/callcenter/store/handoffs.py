"""Hand-offs to the care team: created from an intake's ticked needs (or a rep's decision), routed
to the least-loaded member of the team on shift, worked from the member's caseload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from callcenter.domain.agent_states import on_shift
from callcenter.domain.handoffs import Engagement, Team, check_note, check_reason
from callcenter.domain.model import AgentState, Channel, Direction, PromiseKind, PromiseState
from callcenter.domain.privacy import masked_child
from callcenter.domain.promises import PromisePolicy
from callcenter.domain.roles import Permission, can, require
from callcenter.store import audit, promises
from callcenter.store.agents import _load as load_agent
from callcenter.store.agents import on_shift_with_role
from callcenter.store.db import Database
from callcenter.store.errors import ConflictingEdit, InvalidOperation, NotFound
from callcenter.store.models import Agent, Child, Contact, Guardian, Handoff, Promise

SCREEN = "caseload"


@dataclass(frozen=True, slots=True)
class HandoffView:
    id: int
    team: Team
    child_id: int
    child: str  # masked: initials and birth year
    guardian: str | None
    phone: str | None
    reason: str
    created_at: datetime
    assigned_to: int | None
    member: str | None
    engagement: Engagement
    last_contact_at: datetime | None
    first_contact_due: datetime | None  # the open first-contact promise's deadline, if any
    promise_id: int | None
    close_reason: str | None
    version: int


def on_shift_members(session, team: Team, now: datetime) -> list[Agent]:
    return on_shift_with_role(session, team.role, now)


def least_loaded(session, team: Team, now: datetime) -> int | None:
    """The member of ``team`` on shift with the fewest open cases; None when no one is on shift."""
    members = on_shift_members(session, team, now)
    if not members:
        return None
    loads = dict(
        session.execute(
            select(Handoff.assigned_to, func.count())
            .where(Handoff.closed_at.is_(None), Handoff.assigned_to.in_([m.id for m in members]))
            .group_by(Handoff.assigned_to)
        ).all()
    )
    return min(members, key=lambda member: (loads.get(member.id, 0), member.id)).id


def add(
    session,
    *,
    agent_id: int,
    team: Team,
    child_id: int,
    reason: str,
    now: datetime,
    policy: PromisePolicy,
    intake_id: int | None = None,
    member_id: int | None = None,
) -> int:
    """Inside the caller's transaction (an intake's submit, or a rep's decision): the hand-off and
    its first-contact promise, to ``member_id`` if given (on shift, of the team) or the least loaded."""
    reason = check_reason(reason)
    if member_id is not None:
        member = load_agent(session, member_id)
        if Team.of(member.role) is not team or not on_shift(AgentState(member.state), member.seen_at, now):
            raise InvalidOperation(
                f"{member.display_name} is not a {team.member} on shift: pick one who is, or leave it to the team."
            )
    else:
        member_id = least_loaded(session, team, now)
    handoff = Handoff(
        child_id=child_id,
        intake_id=intake_id,
        team=team.value,
        reason=reason,
        created_by=agent_id,
        created_at=now,
        assigned_to=member_id,
        engagement=Engagement.NOT_REACHED.value,
    )
    session.add(handoff)
    session.flush()
    child = session.get(Child, child_id)
    label = masked_child(child.first_name, child.last_name, child.date_of_birth) if child else f"child #{child_id}"
    promises.new_promise(
        session,
        kind=PromiseKind.FIRST_CONTACT,
        title=f"First contact ({team.label}) with the family of {label}",
        owner_agent_id=member_id,
        start=now,
        due=policy.first_contact_deadline(team.value, now),
        intake_id=intake_id,
        child_id=child_id,
        handoff_id=handoff.id,
    )
    audit.record(
        session,
        at=now,
        agent_id=agent_id,
        action="hand_off",
        entity="handoff",
        entity_id=handoff.id,
        detail={"team": team.value, "to": member_id, "reason": reason},
        screen="intake" if intake_id else SCREEN,
        child_id=child_id,
    )
    assert handoff.id is not None
    return handoff.id


def hand_off(
    db: Database,
    agent_id: int,
    team: Team,
    child_id: int,
    reason: str,
    now: datetime,
    policy: PromisePolicy,
    member_id: int | None = None,
) -> HandoffView:
    """A rep's decision on a child's record: hand the family to a team."""
    with db.write() as session:
        require(load_agent(session, agent_id).role, Permission.WORK_INTAKES)
        if session.get(Child, child_id) is None:
            raise NotFound(f"No child record {child_id}.")
        handoff_id = add(
            session,
            agent_id=agent_id,
            team=team,
            child_id=child_id,
            reason=reason,
            now=now,
            policy=policy,
            member_id=member_id,
        )
    return get(db, handoff_id)


def _select():
    first_contact = (
        select(Promise.handoff_id, Promise.due_at, Promise.id)
        .where(Promise.kind == PromiseKind.FIRST_CONTACT.value, Promise.state == PromiseState.OPEN.value)
        .subquery()
    )
    return (
        select(
            Handoff,
            Child.first_name,
            Child.last_name,
            Child.date_of_birth,
            Guardian.first_name,
            Guardian.last_name,
            Guardian.phone_number,
            Agent.display_name,
            first_contact.c.due_at,
            first_contact.c.id,
        )
        .join(Child, Child.id == Handoff.child_id)
        .outerjoin(Guardian, Guardian.id == Child.guardian_id)
        .outerjoin(Agent, Agent.id == Handoff.assigned_to)
        .outerjoin(first_contact, first_contact.c.handoff_id == Handoff.id)
    )


def _view(row) -> HandoffView:
    handoff, first, last, born, g_first, g_last, phone, member, due, promise_id = row
    guardian = " ".join(part for part in (g_first, g_last) if part) or None
    return HandoffView(
        id=handoff.id,
        team=Team(handoff.team),
        child_id=handoff.child_id,
        child=masked_child(first, last, born),
        guardian=guardian,
        phone=phone,
        reason=handoff.reason,
        created_at=handoff.created_at,
        assigned_to=handoff.assigned_to,
        member=member,
        engagement=Engagement(handoff.engagement),
        last_contact_at=handoff.last_contact_at,
        first_contact_due=due,
        promise_id=promise_id,
        close_reason=handoff.close_reason,
        version=handoff.version,
    )


def get(db: Database, handoff_id: int) -> HandoffView:
    with db.read() as session:
        row = session.execute(_select().where(Handoff.id == handoff_id)).first()
    if row is None:
        raise NotFound(f"No hand-off {handoff_id}.")
    return _view(row)


def caseload(db: Database, agent_id: int, include_closed: bool = False) -> list[HandoffView]:
    """A case manager's or peer specialist's families: not yet reached first (by first-contact
    deadline), then engaged ones by last contact; closed ones last when asked for."""
    with db.read() as session:
        require(load_agent(session, agent_id).role, Permission.WORK_CASELOAD)
        statement = _select().where(Handoff.assigned_to == agent_id)
        if not include_closed:
            statement = statement.where(Handoff.closed_at.is_(None))
        rows = [_view(row) for row in session.execute(statement).all()]
    order = {Engagement.NOT_REACHED: 0, Engagement.ENGAGED: 1, Engagement.CLOSED: 2}
    far = datetime.max.replace(tzinfo=rows[0].created_at.tzinfo) if rows else None
    return sorted(rows, key=lambda h: (order[h.engagement], h.first_contact_due or far, h.id))


def unassigned(db: Database, agent_id: int) -> list[HandoffView]:
    """Open hand-offs nobody on the team has yet: a team member sees their team's; a supervisor all."""
    with db.read() as session:
        agent = load_agent(session, agent_id)
        statement = _select().where(Handoff.assigned_to.is_(None), Handoff.closed_at.is_(None))
        team = Team.of(agent.role)
        if team is not None:
            statement = statement.where(Handoff.team == team.value)
        elif not can(agent.role, Permission.SUPERVISE):
            require(agent.role, Permission.WORK_CASELOAD)
        return [_view(row) for row in session.execute(statement.order_by(Handoff.created_at, Handoff.id)).all()]


def take(db: Database, agent_id: int, handoff_id: int, now: datetime) -> HandoffView:
    """A team member takes an unassigned hand-off of their team, and its first-contact promise."""
    with db.write() as session:
        agent = load_agent(session, agent_id)
        require(agent.role, Permission.WORK_CASELOAD)
        team = Team.of(agent.role)
        assert team is not None
        taken = session.execute(
            update(Handoff)
            .where(
                Handoff.id == handoff_id,
                Handoff.assigned_to.is_(None),
                Handoff.closed_at.is_(None),
                Handoff.team == team.value,
            )
            .values(assigned_to=agent_id, version=Handoff.version + 1)
        ).rowcount
        if not taken:
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                raise NotFound(f"No hand-off {handoff_id}.")
            if handoff.team != team.value:
                raise InvalidOperation(f"Hand-off #{handoff_id} is for {Team(handoff.team).label}, not your team.")
            raise InvalidOperation(f"Hand-off #{handoff_id} was taken or closed a moment ago.")
        _move_promise(session, handoff_id, agent_id)
        child_id = session.scalar(select(Handoff.child_id).where(Handoff.id == handoff_id))
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="take",
            entity="handoff",
            entity_id=handoff_id,
            screen=SCREEN,
            child_id=child_id,
        )
    return get(db, handoff_id)


def record_contact(
    db: Database,
    agent_id: int,
    handoff_id: int,
    reached: bool,
    note: str,
    now: datetime,
    policy: PromisePolicy,
    version: int,
) -> HandoffView:
    """A call to the family: into the contact log; reaching them engages the case and keeps the
    first-contact promise; not reaching them is an attempt on it."""
    note_text = check_note(note)
    with db.write() as session:
        handoff = _mine(session, agent_id, handoff_id, version)
        if handoff.closed_at is not None:
            raise InvalidOperation("This case is closed: reopen it (o) before logging a contact.")
        child = session.get(Child, handoff.child_id)
        guardian = session.get(Guardian, child.guardian_id) if child and child.guardian_id else None
        promise = session.scalars(
            select(Promise).where(Promise.handoff_id == handoff.id, Promise.state == PromiseState.OPEN.value)
        ).first()
        contact = Contact(
            at=now,
            direction=Direction.OUTBOUND.value,
            channel=Channel.VOICE.value,
            other_party=(" ".join(p for p in (guardian.first_name, guardian.last_name) if p) if guardian else None),
            other_number=guardian.phone_number if guardian else None,
            outcome="reached" if reached else "no_answer",
            summary=note_text,
            agent_id=agent_id,
            state="done",
            child_id=handoff.child_id,
            intake_id=handoff.intake_id,
            answers_promise_id=promise.id if promise is not None else None,
        )
        session.add(contact)
        session.flush()
        handoff.last_contact_at = now
        if reached:
            handoff.engagement = Engagement.ENGAGED.value
            if promise is not None:
                promises._close(session, promise, agent_id, now, policy, note=f"Reached: contact #{contact.id}")
        handoff.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="contact",
            entity="handoff",
            entity_id=handoff.id,
            detail={"reached": reached, "contact_id": contact.id},
            screen=SCREEN,
            child_id=handoff.child_id,
        )
    return get(db, handoff_id)


def close(db: Database, agent_id: int, handoff_id: int, reason: str, now: datetime, version: int) -> HandoffView:
    """Close a case: a reason is required; an open first-contact promise is cancelled with it."""
    why = check_reason(reason)
    with db.write() as session:
        handoff = _mine(session, agent_id, handoff_id, version)
        if handoff.closed_at is not None:
            raise InvalidOperation("This case is already closed.")
        handoff.closed_at = now
        handoff.close_reason = why
        handoff.engagement = Engagement.CLOSED.value
        handoff.version += 1
        session.execute(
            update(Promise)
            .where(Promise.handoff_id == handoff.id, Promise.state == PromiseState.OPEN.value)
            .values(state=PromiseState.CANCELLED.value, closed_at=now, version=Promise.version + 1)
        )
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="close",
            entity="handoff",
            entity_id=handoff.id,
            detail={"reason": why},
            screen=SCREEN,
            child_id=handoff.child_id,
        )
    return get(db, handoff_id)


def reopen(db: Database, agent_id: int, handoff_id: int, now: datetime, version: int) -> HandoffView:
    """A closed case opened again (the family called back): engaged if it ever was, audited."""
    with db.write() as session:
        handoff = _mine(session, agent_id, handoff_id, version)
        if handoff.closed_at is None:
            raise InvalidOperation("This case is open.")
        was = handoff.close_reason
        handoff.closed_at = None
        handoff.close_reason = None
        handoff.engagement = (Engagement.ENGAGED if handoff.last_contact_at else Engagement.NOT_REACHED).value
        handoff.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="reopen",
            entity="handoff",
            entity_id=handoff.id,
            detail={"closed_for": was},
            screen=SCREEN,
            child_id=handoff.child_id,
        )
    return get(db, handoff_id)


def team_around(db: Database, child_id: int) -> list[HandoffView]:
    """Who on the care team has (or had) this child's family, newest first: for the child's record."""
    with db.read() as session:
        rows = session.execute(_select().where(Handoff.child_id == child_id).order_by(Handoff.id.desc())).all()
    return [_view(row) for row in rows]


def _mine(session, agent_id: int, handoff_id: int, version: int) -> Handoff:
    agent = load_agent(session, agent_id)
    handoff = session.get(Handoff, handoff_id, with_for_update=True)
    if handoff is None:
        raise NotFound(f"No hand-off {handoff_id}.")
    if handoff.assigned_to != agent_id and not can(agent.role, Permission.SUPERVISE):
        require(agent.role, Permission.WORK_CASELOAD)
        raise InvalidOperation("This family is on someone else's caseload; they or a supervisor can change it.")
    if handoff.version != version:
        raise ConflictingEdit("This case changed on another screen a moment ago; look again and retry.")
    return handoff


def _move_promise(session, handoff_id: int, owner: int | None) -> None:
    session.execute(
        update(Promise)
        .where(Promise.handoff_id == handoff_id, Promise.state == PromiseState.OPEN.value)
        .values(owner_agent_id=owner, version=Promise.version + 1)
    )
