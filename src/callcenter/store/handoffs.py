"""Hand-offs to the care team: created from an intake's ticked needs (or a rep's decision), routed
to the least-loaded member of the team on shift, worked from the member's caseload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from callcenter.domain.agent_states import on_shift
from callcenter.domain.handoffs import Engagement, Team, check_case_notes, check_note, check_plan_step, check_reason
from callcenter.domain.model import AgentState, Channel, Direction, PromiseKind, PromiseState
from callcenter.domain.privacy import masked_child
from callcenter.domain.promises import PromisePolicy
from callcenter.domain.roles import Permission, can, require
from callcenter.store import audit, promises
from callcenter.store.agents import _load as load_agent
from callcenter.store.agents import on_shift_with_role
from callcenter.store.db import Database
from callcenter.store.errors import ConflictingEdit, InvalidOperation, NotFound
from callcenter.store.models import Agent, Child, Contact, Guardian, Handoff, HandoffPlanItem, Promise

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
    next_step_at: datetime | None = None  # the plan's next step not yet done
    next_step: str | None = None


@dataclass(frozen=True, slots=True)
class PlanStepView:
    id: int
    due_at: datetime
    what: str
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """A case as its member works it: the hand-off, the running notes and the plan."""

    handoff: HandoffView
    notes: str
    notes_version: int
    plan: list[PlanStepView]


def on_shift_members(session, team: Team, now: datetime) -> list[Agent]:
    return on_shift_with_role(session, team.role, now)


def _open_cases(session, members: list[Agent]) -> dict[int, int]:
    return dict(
        session.execute(
            select(Handoff.assigned_to, func.count())
            .where(Handoff.closed_at.is_(None), Handoff.assigned_to.in_([m.id for m in members]))
            .group_by(Handoff.assigned_to)
        ).all()
    )


def least_loaded(session, team: Team, now: datetime) -> int | None:
    """The member of ``team`` on shift with the fewest open cases; None when no one is on shift."""
    members = on_shift_members(session, team, now)
    if not members:
        return None
    loads = _open_cases(session, members)
    return min(members, key=lambda member: (loads.get(member.id, 0), member.id)).id


def members_on_shift(db: Database, team: Team, now: datetime) -> list[tuple[int, str, int]]:
    """Who on ``team`` a rep may hand a family to now: (id, name, open cases), by name."""
    with db.read() as session:
        members = on_shift_members(session, team, now)
        loads = _open_cases(session, members) if members else {}
        return sorted(((m.id, m.display_name, loads.get(m.id, 0)) for m in members), key=lambda row: row[1])


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


def open_with_team(session, child_id: int, team: Team) -> Handoff | None:
    """The family's open case with ``team``, if it has one (a family has at most one per team)."""
    return session.scalars(
        select(Handoff).where(Handoff.child_id == child_id, Handoff.team == team.value, Handoff.closed_at.is_(None))
    ).first()


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
        already = open_with_team(session, child_id, team)
        if already is not None:
            holder = load_agent(session, already.assigned_to).display_name if already.assigned_to else None
            raise InvalidOperation(
                f"This family already has an open {team.label} case (#{already.id}, "
                f"{holder or 'waiting for the team'}): add to it there rather than open a second one."
            )
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
    next_step = (
        select(HandoffPlanItem.due_at, HandoffPlanItem.what)
        .where(HandoffPlanItem.handoff_id == Handoff.id, HandoffPlanItem.done_at.is_(None))
        .order_by(HandoffPlanItem.due_at, HandoffPlanItem.id)
        .limit(1)
        .correlate(Handoff)
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
            next_step.with_only_columns(HandoffPlanItem.due_at).scalar_subquery(),
            next_step.with_only_columns(HandoffPlanItem.what).scalar_subquery(),
        )
        .join(Child, Child.id == Handoff.child_id)
        .outerjoin(Guardian, Guardian.id == Child.guardian_id)
        .outerjoin(Agent, Agent.id == Handoff.assigned_to)
        .outerjoin(first_contact, first_contact.c.handoff_id == Handoff.id)
    )


def _view(row) -> HandoffView:
    handoff, first, last, born, g_first, g_last, phone, member, due, promise_id, step_at, step = row
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
        next_step_at=step_at,
        next_step=step,
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
        _audit(session, agent_id, session.get(Handoff, handoff_id), "take", now)
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
        _audit(session, agent_id, handoff, "contact", now, {"reached": reached, "contact_id": contact.id})
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
        _audit(session, agent_id, handoff, "close", now, {"reason": why})
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
        _audit(session, agent_id, handoff, "reopen", now, {"closed_for": was})
    return get(db, handoff_id)


def case_detail(db: Database, agent_id: int, handoff_id: int) -> CaseDetail:
    """The case with its notes and plan, for its member (or a supervisor)."""
    with db.read() as session:
        handoff = _workable(session, agent_id, handoff_id, lock=False)
        notes, notes_version = handoff.notes or "", handoff.notes_version
        plan = [
            PlanStepView(step.id, step.due_at, step.what, step.done_at)
            for step in session.scalars(
                select(HandoffPlanItem)
                .where(HandoffPlanItem.handoff_id == handoff_id)
                .order_by(HandoffPlanItem.done_at.is_not(None), HandoffPlanItem.due_at, HandoffPlanItem.id)
            ).all()
        ]
    return CaseDetail(get(db, handoff_id), notes, notes_version, plan)


def save_notes(db: Database, agent_id: int, handoff_id: int, notes: str, expected_version: int, now: datetime) -> int:
    """The case notes as typed (autosaved); returns their new version. Another console's save in
    between is a conflict, never an overwrite."""
    text = check_case_notes(notes)
    with db.write() as session:
        handoff = _workable(session, agent_id, handoff_id)
        if handoff.notes_version != expected_version:
            raise ConflictingEdit("These case notes were saved from another console since you opened them.")
        db.typing_commit(session)
        handoff.notes = text or None
        handoff.notes_version += 1
        audit.record_typing(
            session,
            at=now,
            agent_id=agent_id,
            entity="handoff",
            entity_id=handoff.id,
            detail={"field": "notes"},
            child_id=handoff.child_id,
        )
        return handoff.notes_version


def add_plan_step(
    db: Database, agent_id: int, handoff_id: int, when_text: str, what_text: str, now: datetime
) -> PlanStepView:
    """A dated step in the case's plan ("first appointment Wed 12/9 15:30 at …")."""
    due_at, what = check_plan_step(when_text, what_text, now)
    with db.write() as session:
        handoff = _workable(session, agent_id, handoff_id)
        if handoff.closed_at is not None:
            raise InvalidOperation("This case is closed: reopen it (o) before planning.")
        step = HandoffPlanItem(handoff_id=handoff_id, due_at=due_at, what=what, created_by=agent_id, created_at=now)
        session.add(step)
        session.flush()
        _audit(session, agent_id, handoff, "plan", now, {"step": step.id, "due": due_at, "what": what})
        return PlanStepView(step.id, step.due_at, step.what, None)


def mark_step(db: Database, agent_id: int, step_id: int, done: bool, now: datetime) -> PlanStepView:
    """A plan step happened (or, marked by mistake, is open again)."""
    with db.write() as session:
        step = session.get(HandoffPlanItem, step_id, with_for_update=True)
        if step is None:
            raise NotFound(f"No plan step {step_id}.")
        handoff = _workable(session, agent_id, step.handoff_id)
        step.done_at = now if done else None
        _audit(session, agent_id, handoff, "step_done" if done else "step_open", now, {"step": step.id})
        return PlanStepView(step.id, step.due_at, step.what, step.done_at)


def team_around(db: Database, child_id: int) -> list[HandoffView]:
    """Who on the care team has (or had) this child's family, newest first: for the child's record."""
    with db.read() as session:
        rows = session.execute(_select().where(Handoff.child_id == child_id).order_by(Handoff.id.desc())).all()
    return [_view(row) for row in rows]


def _workable(session, agent_id: int, handoff_id: int, lock: bool = True) -> Handoff:
    """The case, if it is on this agent's caseload (or the agent supervises); locked for a change."""
    agent = load_agent(session, agent_id)
    handoff = session.get(Handoff, handoff_id, with_for_update=lock)
    if handoff is None:
        raise NotFound(f"No hand-off {handoff_id}.")
    if handoff.assigned_to != agent_id and not can(agent.role, Permission.SUPERVISE):
        require(agent.role, Permission.WORK_CASELOAD)
        raise InvalidOperation("This family is on someone else's caseload; they or a supervisor can change it.")
    return handoff


def _audit(session, agent_id: int, handoff: Handoff, action: str, now: datetime, detail: dict | None = None) -> None:
    audit.record(
        session,
        at=now,
        agent_id=agent_id,
        action=action,
        entity="handoff",
        entity_id=handoff.id,
        detail=detail,
        screen=SCREEN,
        child_id=handoff.child_id,
    )


def _mine(session, agent_id: int, handoff_id: int, version: int) -> Handoff:
    handoff = _workable(session, agent_id, handoff_id)
    if handoff.version != version:
        raise ConflictingEdit("This case changed on another screen a moment ago; look again and retry.")
    return handoff


def _move_promise(session, handoff_id: int, owner: int | None) -> None:
    session.execute(
        update(Promise)
        .where(Promise.handoff_id == handoff_id, Promise.state == PromiseState.OPEN.value)
        .values(owner_agent_id=owner, version=Promise.version + 1)
    )
