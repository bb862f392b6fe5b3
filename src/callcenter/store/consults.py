"""Medication consult requests: taken from a PCP, promised back within the line's business time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select, update

from callcenter.domain.actor import Actor
from callcenter.domain.agent_states import on_shift
from callcenter.domain.consults import URGENT_WEIGHT, ConsultForm, returned_call_summary
from callcenter.domain.contacts import ContactOutcome, number_digits
from callcenter.domain.metrics import day_bounds
from callcenter.domain.model import AgentState, Channel, Direction, PromiseKind, PromiseState, Role
from callcenter.domain.privacy import masked_child, masked_full_name
from callcenter.domain.promises import PromisePolicy
from callcenter.domain.roles import Permission, can, require
from callcenter.domain.timefmt import line_zone
from callcenter.store import audit, promises
from callcenter.store.agents import _load as load_agent
from callcenter.store.agents import acting, on_shift_with_role
from callcenter.store.db import Database
from callcenter.store.errors import InvalidOperation, NotFound
from callcenter.store.models import Agent, Child, ConsultRequest, Contact, Promise


@dataclass(frozen=True, slots=True)
class ConsultView:
    id: int
    pcp_name: str
    practice: str | None
    callback_number: str
    npi: str | None
    child: str
    question_type: str
    question: str
    urgency: str
    received_at: datetime
    due_at: datetime | None
    promise_id: int | None
    psychiatrist_id: int | None
    psychiatrist_name: str | None
    state: str
    returned_at: datetime | None
    minutes_spent: int | None
    written_report: bool | None
    child_id: int | None = None  # the child's record on file, if the request was matched to one
    danger_now: bool = False  # filed after the crisis steps: suicidal thoughts, harm, an emergency


def on_shift_psychiatrists(session, now: datetime) -> list[Agent]:
    """Psychiatrists who can be given a consult now (``agent_states.on_shift``), by id."""
    return on_shift_with_role(session, Role.PSYCHIATRIST, now)


def least_busy_psychiatrist(session, now: datetime) -> int | None:
    """The psychiatrist on shift with the least open work (an urgent consult counts twice); None
    when no one is on shift: the consult then waits, unassigned, where every psychiatrist sees it."""
    doctors = on_shift_psychiatrists(session, now)
    if not doctors:
        return None
    weight = case((ConsultRequest.urgency == "urgent", URGENT_WEIGHT), else_=1)
    loads = dict(
        session.execute(
            select(ConsultRequest.psychiatrist_id, func.sum(weight))
            .where(ConsultRequest.state == "open", ConsultRequest.psychiatrist_id.in_([d.id for d in doctors]))
            .group_by(ConsultRequest.psychiatrist_id)
        ).all()
    )
    return min(doctors, key=lambda doctor: (loads.get(doctor.id, 0), doctor.id)).id


def create(
    db: Database,
    agent_id: int,
    form: ConsultForm,
    now: datetime,
    policy: PromisePolicy,
    *,
    call_id: int | None = None,
    reuse_child_id: int | None = None,
    psychiatrist_id: int | None = None,
) -> ConsultView:
    """Record the request and its callback promise together: due = received + the line's promise."""
    with db.write() as session:
        require(load_agent(session, agent_id).role, Permission.WORK_INTAKES)
        consult_id = add_request(
            session,
            agent_id,
            form,
            now,
            policy,
            call_id=call_id,
            intake_id=None,
            child_id=reuse_child_id,
            psychiatrist_id=psychiatrist_id,
        )
    return get(db, consult_id)


def add_request(
    session,
    agent_id: int,
    form: ConsultForm,
    now: datetime,
    policy: PromisePolicy,
    *,
    call_id: int | None,
    intake_id: int | None,
    child_id: int | None,
    psychiatrist_id: int | None,
) -> int:
    """Inside a caller's transaction (the consult screen, or an intake handing over its question)."""
    if child_id is not None and session.get(Child, child_id) is None:
        raise NotFound(f"No child {child_id} to attach the consult to.")
    if psychiatrist_id is not None:
        _check_can_be_given(load_agent(session, psychiatrist_id), now)
    else:
        psychiatrist_id = least_busy_psychiatrist(session, now)
    child_name = " ".join(part for part in (form.child_first_name, form.child_last_name) if part) or None
    consult = ConsultRequest(
        call_id=call_id,
        intake_id=intake_id,
        child_id=child_id,
        pcp_name=form.pcp_name,
        practice=form.practice,
        callback_number=form.callback_number,
        npi=form.npi,
        question_type=form.question_type,
        question=form.question,
        urgency=form.urgency,
        danger_now=form.danger_now,
        received_at=now,
        psychiatrist_id=psychiatrist_id,
        child_name=child_name,
        child_dob=form.child_dob,
    )
    session.add(consult)
    session.flush()
    due = policy.consult_deadline(now, form.urgency)
    promises.new_promise(
        session,
        kind=PromiseKind.CONSULT_CALLBACK,
        title=f"Call back {form.pcp_name} ({form.practice or 'PCP'}) about {_child_label(consult)}",
        owner_agent_id=psychiatrist_id,
        start=now,
        due=due,
        consult_id=consult.id,
        call_id=call_id,
        intake_id=intake_id,
        child_id=child_id,
    )
    audit.record(
        session,
        at=now,
        agent_id=agent_id,
        action="create",
        entity="consult",
        entity_id=consult.id,
        detail={
            "due": due,
            "psychiatrist_id": psychiatrist_id,
            "urgency": form.urgency,
            **({"danger_now": True} if form.danger_now else {}),
        },
        screen="consult",
        child_id=child_id,
    )
    return consult.id


def _child_label(consult: ConsultRequest) -> str:
    if consult.child_name:
        return masked_full_name(consult.child_name, consult.child_dob) or "a child"
    return f"child #{consult.child_id}" if consult.child_id else "a child"


def _select():
    return (
        select(ConsultRequest, Promise.due_at, Promise.id, Agent.display_name, Child.first_name, Child.last_name)
        .outerjoin(
            Promise, (Promise.consult_id == ConsultRequest.id) & (Promise.kind == PromiseKind.CONSULT_CALLBACK.value)
        )
        .outerjoin(Agent, Agent.id == ConsultRequest.psychiatrist_id)
        .outerjoin(Child, Child.id == ConsultRequest.child_id)
    )


def _view(row) -> ConsultView:
    consult, due, promise_id, doctor, first, last = row
    child = masked_child(first, last, consult.child_dob) if first else _child_label(consult)
    return ConsultView(
        consult.id,
        consult.pcp_name,
        consult.practice,
        consult.callback_number,
        consult.npi,
        child,
        consult.question_type,
        consult.question,
        consult.urgency,
        consult.received_at,
        due,
        promise_id,
        consult.psychiatrist_id,
        doctor,
        consult.state,
        consult.returned_at,
        consult.minutes_spent,
        consult.written_report,
        consult.child_id,
        bool(consult.danger_now),
    )


def get(db: Database, consult_id: int) -> ConsultView:
    with db.read() as session:
        row = session.execute(_select().where(ConsultRequest.id == consult_id)).first()
    if row is None:
        raise NotFound(f"No consult request {consult_id}.")
    return _view(row)


# Urgent first, then the soonest deadline: what a psychiatrist should return next is on top.
_MOST_PRESSING = (case((ConsultRequest.urgency == "urgent", 0), else_=1), Promise.due_at, ConsultRequest.id)


def for_psychiatrist(db: Database, agent_id: int) -> list[ConsultView]:
    """The psychiatrist's open requests, urgent first, then by deadline."""
    with db.read() as session:
        require(load_agent(session, agent_id).role, Permission.RETURN_CONSULTS)
        statement = _select().where(ConsultRequest.psychiatrist_id == agent_id, ConsultRequest.state == "open")
        return [_view(row) for row in session.execute(statement.order_by(*_MOST_PRESSING)).all()]


def unassigned(db: Database, agent_id: int) -> list[ConsultView]:
    """Open requests no psychiatrist has (none was on shift when they came in), soonest deadline
    first: every psychiatrist and supervisor sees them, so none waits unseen."""
    with db.read() as session:
        _require_sees_unassigned(load_agent(session, agent_id))
        statement = _select().where(ConsultRequest.psychiatrist_id.is_(None), ConsultRequest.state == "open")
        return [_view(row) for row in session.execute(statement.order_by(Promise.due_at, ConsultRequest.id)).all()]


def history(
    db: Database, agent_id: int, *, day: date | None = None, pcp: str | None = None, limit: int = 200
) -> list[ConsultView]:
    """The psychiatrist's returned consults, the latest first; ``day`` (the line's day the call was
    returned) and ``pcp`` (part of the PCP's or the practice's name) narrow them."""
    with db.read() as session:
        require(load_agent(session, agent_id).role, Permission.RETURN_CONSULTS)
        statement = _select().where(ConsultRequest.psychiatrist_id == agent_id, ConsultRequest.state == "closed")
        if day is not None:
            start, end = day_bounds(day, line_zone())
            statement = statement.where(ConsultRequest.returned_at >= start, ConsultRequest.returned_at < end)
        words = (pcp or "").strip().lower()
        if words:
            pattern = f"%{words}%"
            statement = statement.where(
                func.lower(ConsultRequest.pcp_name).like(pattern)
                | func.lower(func.coalesce(ConsultRequest.practice, "")).like(pattern)
            )
        ordered = statement.order_by(ConsultRequest.returned_at.desc(), ConsultRequest.id.desc()).limit(limit)
        return [_view(row) for row in session.execute(ordered).all()]


def take(db: Database, agent_id: int, consult_id: int, now: datetime) -> ConsultView:
    """A psychiatrist takes an unassigned consult (and its callback promise). Two taking it at
    once: one gets it, the other is told who did."""
    with db.write() as session:
        doctor = load_agent(session, agent_id)
        require(doctor.role, Permission.RETURN_CONSULTS)
        taken = session.execute(
            update(ConsultRequest)
            .where(
                ConsultRequest.id == consult_id,
                ConsultRequest.psychiatrist_id.is_(None),
                ConsultRequest.state == "open",
            )
            .values(psychiatrist_id=agent_id, version=ConsultRequest.version + 1)
        ).rowcount
        if not taken:
            _refuse_not_unassigned(session, consult_id)
        child_id = _move_promise(session, consult_id, agent_id)
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="take",
            entity="consult",
            entity_id=consult_id,
            screen="consults",
            child_id=child_id,
        )
    return get(db, consult_id)


def reassign(db: Database, actor: Actor, consult_id: int, to_agent_id: int, now: datetime) -> ConsultView:
    """A supervisor gives an open consult to a psychiatrist on shift (or from one who went off)."""
    with db.write() as session:
        acting(session, actor, Permission.SUPERVISE)
        consult = session.get(ConsultRequest, consult_id, with_for_update=True)
        if consult is None:
            raise NotFound(f"No consult request {consult_id}.")
        if consult.state != "open":
            raise InvalidOperation(f"Consult #{consult_id} was already returned.")
        _check_can_be_given(load_agent(session, to_agent_id), now)
        was = consult.psychiatrist_id
        if was == to_agent_id:
            return _view(session.execute(_select().where(ConsultRequest.id == consult_id)).one())
        consult.psychiatrist_id = to_agent_id
        consult.version += 1
        _move_promise(session, consult_id, to_agent_id)
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            action="reassign",
            entity="consult",
            entity_id=consult_id,
            detail={"from": was, "to": to_agent_id},
            screen=audit.screen_of(actor, "consults"),
            child_id=consult.child_id,
        )
    return get(db, consult_id)


def release_from_off_shift(db: Database, now: datetime) -> list[int]:
    """Urgent consults held by a psychiatrist no longer on shift (signed out, away, or a console
    gone silent) go back to the unassigned list, so none waits on someone who cannot return it.
    Safe from every console's sweep at once: each release is a conditional update."""
    released: list[int] = []
    with db.read() as session:  # most sweeps find nothing: no write lock for them
        held = session.execute(
            select(
                ConsultRequest.id, ConsultRequest.psychiatrist_id, ConsultRequest.child_id, Agent.state, Agent.seen_at
            )
            .join(Agent, Agent.id == ConsultRequest.psychiatrist_id)
            .where(ConsultRequest.state == "open", ConsultRequest.urgency == "urgent")
        ).all()
    held = [row for row in held if not on_shift(AgentState(row.state), row.seen_at, now)]
    if not held:
        return released
    with db.write() as session:
        for consult_id, holder, child_id, state, _seen_at in held:
            done = session.execute(  # unless the holder changed meanwhile (taken, reassigned)
                update(ConsultRequest)
                .where(ConsultRequest.id == consult_id, ConsultRequest.psychiatrist_id == holder)
                .values(psychiatrist_id=None, version=ConsultRequest.version + 1)
            ).rowcount
            if not done:
                continue
            _move_promise(session, consult_id, None)
            released.append(consult_id)
            audit.record(
                session,
                at=now,
                agent_id=None,
                action="release",
                entity="consult",
                entity_id=consult_id,
                detail={"from": holder, "reason": f"psychiatrist {AgentState(state).label}"},
                screen="consults",
                child_id=child_id,
            )
    return released


def _move_promise(session, consult_id: int, owner: int | None) -> int | None:
    """The consult's open callback promise follows it to its new psychiatrist; the child's id back."""
    session.execute(
        update(Promise)
        .where(Promise.consult_id == consult_id, Promise.state == PromiseState.OPEN.value)
        .values(owner_agent_id=owner, version=Promise.version + 1)
    )
    return session.scalar(select(ConsultRequest.child_id).where(ConsultRequest.id == consult_id))


def _refuse_not_unassigned(session, consult_id: int) -> None:
    row = session.execute(
        select(ConsultRequest.state, Agent.display_name)
        .outerjoin(Agent, Agent.id == ConsultRequest.psychiatrist_id)
        .where(ConsultRequest.id == consult_id)
    ).first()
    if row is None:
        raise NotFound(f"No consult request {consult_id}.")
    if row.state != "open":
        raise InvalidOperation(f"Consult #{consult_id} was already returned.")
    raise InvalidOperation(f"{row.display_name} took consult #{consult_id} a moment ago.")


def _check_can_be_given(doctor: Agent, now: datetime) -> None:
    if doctor.role != Role.PSYCHIATRIST.value:
        raise InvalidOperation(f"{doctor.display_name} is not a psychiatrist.")
    if not on_shift(AgentState(doctor.state), doctor.seen_at, now):
        raise InvalidOperation(
            f"{doctor.display_name} is not on shift ({AgentState(doctor.state).label}): give it to a "
            "psychiatrist who is, or leave it unassigned for the next one on shift."
        )


def _require_sees_unassigned(agent: Agent) -> None:
    if not (can(agent.role, Permission.RETURN_CONSULTS) or can(agent.role, Permission.SUPERVISE)):
        require(agent.role, Permission.RETURN_CONSULTS)  # says who may


def close(
    db: Database,
    agent_id: int,
    consult_id: int,
    returned_at: datetime,
    minutes: int,
    written_report: bool,
    now: datetime,
    policy: PromisePolicy,
) -> ConsultView:
    """The call was returned: when, how long, whether a written report went out; its promise closes with it."""
    with db.write() as session:
        agent = load_agent(session, agent_id)
        require(agent.role, Permission.RETURN_CONSULTS)
        consult = session.get(ConsultRequest, consult_id)
        if consult is None:
            raise NotFound(f"No consult request {consult_id}.")
        if consult.psychiatrist_id != agent_id:
            raise InvalidOperation("This consult is assigned to another psychiatrist; only they can close it.")
        if consult.state != "open":
            raise InvalidOperation("This consult was already closed.")
        if returned_at > now:
            raise InvalidOperation("The call cannot have been returned in the future; check the time.")
        consult.returned_at = returned_at
        consult.minutes_spent = minutes
        consult.written_report = written_report
        consult.state = "closed"
        consult.version += 1
        promise = session.scalars(
            select(Promise).where(Promise.consult_id == consult.id, Promise.state == PromiseState.OPEN.value)
        ).first()
        if promise is not None:
            promises._close(session, promise, agent_id, returned_at, policy, None)
        # The returned call is in the contact log with everything else said to the PCP's office.
        contact = Contact(
            at=returned_at,
            direction=Direction.OUTBOUND.value,
            channel=Channel.VOICE.value,
            other_party=" · ".join(part for part in (consult.pcp_name, consult.practice) if part)[:120],
            other_number=consult.callback_number,
            number_digits=number_digits(consult.callback_number) or None,
            outcome=ContactOutcome.REACHED.value,
            summary=returned_call_summary(minutes, written_report),
            agent_id=agent_id,
            state="done",
            answers_promise_id=promise.id if promise is not None else None,
            child_id=consult.child_id,
            consult_id=consult.id,
        )
        session.add(contact)
        session.flush()
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="close",
            entity="consult",
            entity_id=consult.id,
            detail={"minutes": minutes, "written_report": written_report, "contact_id": contact.id},
            screen="consult",
            child_id=consult.child_id,
        )
    return get(db, consult_id)


def psychiatrists_on_shift(db: Database, now: datetime) -> list[tuple[int, str]]:
    """Whom a rep may name for a new consult: psychiatrists on shift now, by name."""
    with db.read() as session:
        doctors = on_shift_psychiatrists(session, now)
    return sorted(((doctor.id, doctor.display_name) for doctor in doctors), key=lambda pair: pair[1].lower())


def psychiatrists(db: Database) -> list[tuple[int, str]]:
    with db.read() as session:
        return [
            (row.id, row.display_name)
            for row in session.scalars(
                select(Agent).where(Agent.role == Role.PSYCHIATRIST.value, Agent.active.is_(True)).order_by(Agent.id)
            )
        ]


__all__ = [
    "ConsultView",
    "close",
    "create",
    "for_psychiatrist",
    "get",
    "history",
    "least_busy_psychiatrist",
    "psychiatrists",
    "psychiatrists_on_shift",
    "reassign",
    "release_from_off_shift",
    "take",
    "unassigned",
]
