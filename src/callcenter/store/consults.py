"""Medication consult requests: taken from a PCP, promised back within the line's business time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from callcenter.domain.consults import ConsultForm
from callcenter.domain.model import PromiseKind, PromiseState, Role
from callcenter.domain.privacy import masked_child, masked_full_name
from callcenter.domain.promises import PromisePolicy
from callcenter.domain.roles import Permission, require
from callcenter.store import audit, promises
from callcenter.store.agents import _load as load_agent
from callcenter.store.db import Database
from callcenter.store.errors import InvalidOperation, NotFound
from callcenter.store.models import Agent, Child, ConsultRequest, Promise


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


def least_busy_psychiatrist(session) -> int | None:
    """Fairness without a roster: the active psychiatrist with the fewest open consults."""
    open_counts = (
        select(ConsultRequest.psychiatrist_id, func.count().label("n"))
        .where(ConsultRequest.state == "open")
        .group_by(ConsultRequest.psychiatrist_id)
        .subquery()
    )
    row = session.execute(
        select(Agent.id)
        .outerjoin(open_counts, open_counts.c.psychiatrist_id == Agent.id)
        .where(Agent.role == Role.PSYCHIATRIST.value, Agent.active.is_(True))
        .order_by(func.coalesce(open_counts.c.n, 0), Agent.id)
        .limit(1)
    ).first()
    return row[0] if row else None


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
        doctor = load_agent(session, psychiatrist_id)
        if doctor.role != Role.PSYCHIATRIST.value:
            raise InvalidOperation(f"{doctor.display_name} is not a psychiatrist.")
    else:
        psychiatrist_id = least_busy_psychiatrist(session)
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
        received_at=now,
        psychiatrist_id=psychiatrist_id,
        child_name=child_name,
        child_dob=form.child_dob,
    )
    session.add(consult)
    session.flush()
    due = policy.consult_deadline(now)
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
        detail={"due": due, "psychiatrist_id": psychiatrist_id},
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
    )


def get(db: Database, consult_id: int) -> ConsultView:
    with db.read() as session:
        row = session.execute(_select().where(ConsultRequest.id == consult_id)).first()
    if row is None:
        raise NotFound(f"No consult request {consult_id}.")
    return _view(row)


def for_psychiatrist(db: Database, agent_id: int, include_closed: bool = False) -> list[ConsultView]:
    """The psychiatrist's requests, soonest deadline first."""
    with db.read() as session:
        require(load_agent(session, agent_id).role, Permission.RETURN_CONSULTS)
        statement = _select().where(ConsultRequest.psychiatrist_id == agent_id)
        if not include_closed:
            statement = statement.where(ConsultRequest.state == "open")
        return [_view(row) for row in session.execute(statement.order_by(Promise.due_at, ConsultRequest.id)).all()]


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
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="close",
            entity="consult",
            entity_id=consult.id,
            detail={"minutes": minutes, "written_report": written_report},
            screen="consult",
            child_id=consult.child_id,
        )
    return get(db, consult_id)


def psychiatrists(db: Database) -> list[tuple[int, str]]:
    with db.read() as session:
        return [
            (row.id, row.display_name)
            for row in session.scalars(
                select(Agent).where(Agent.role == Role.PSYCHIATRIST.value, Agent.active.is_(True)).order_by(Agent.id)
            )
        ]


__all__ = ["ConsultView", "close", "create", "for_psychiatrist", "get", "least_busy_psychiatrist", "psychiatrists"]
