"""Promises with deadlines as database rows: they survive restarts and read the same on every terminal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from callcenter.domain.actor import Actor
from callcenter.domain.model import PromiseKind, PromiseState
from callcenter.domain.promises import (
    BOOKED_KINDS,
    AttemptOutcome,
    PromisePolicy,
    PromiseStatus,
    check_booking_ref,
    late_minutes,
)
from callcenter.domain.roles import Permission, require
from callcenter.store import audit
from callcenter.store.access import owned_row
from callcenter.store.agents import _load as load_agent
from callcenter.store.agents import acting
from callcenter.store.db import Database
from callcenter.store.errors import ConflictingEdit, InvalidOperation, NotFound
from callcenter.store.models import Agent, Promise, PromiseAttempt

# Escalation looks this far ahead: no due-soon window is longer than a working day and a half.
SWEEP_HORIZON = timedelta(days=4)


@dataclass(frozen=True, slots=True)
class PromiseView:
    id: int
    kind: PromiseKind
    title: str
    owner_agent_id: int | None
    owner_name: str | None
    state: PromiseState
    created_at: datetime
    due_at: datetime
    original_due_at: datetime
    attempts: int
    last_outcome: str | None
    escalated_at: datetime | None
    breached_at: datetime | None
    late_minutes: int | None
    notes: str | None
    consult_id: int | None
    intake_id: int | None
    version: int
    contact_id: int | None = None  # the fax or TTY contact a follow-up came from
    booking_ref: str | None = None  # a ride's or an interpreter's booking, once made


@dataclass(frozen=True, slots=True)
class SweepResult:
    escalated: tuple[int, ...]
    breached: tuple[int, ...]


def new_promise(
    session, *, kind: PromiseKind, title: str, owner_agent_id: int | None, start: datetime, due: datetime, **links
) -> Promise:
    """Inside a caller's transaction: the one way a promise is created."""
    promise = Promise(
        kind=kind.value,
        title=title[:200],
        owner_agent_id=owner_agent_id,
        state=PromiseState.OPEN.value,
        due_at=due,
        original_due_at=due,
        created_at=start,
        **links,
    )
    session.add(promise)
    session.flush()
    return promise


def _views(session, where, order, limit: int | None = None) -> list[PromiseView]:
    attempts = (
        select(PromiseAttempt.promise_id, func.count().label("n"), func.max(PromiseAttempt.id).label("last_id"))
        .group_by(PromiseAttempt.promise_id)
        .subquery()
    )
    last = aliased(PromiseAttempt)
    statement = (
        select(Promise, Agent.display_name, attempts.c.n, last.outcome)
        .outerjoin(Agent, Agent.id == Promise.owner_agent_id)
        .outerjoin(attempts, attempts.c.promise_id == Promise.id)
        .outerjoin(last, last.id == attempts.c.last_id)
        .where(*where)
        .order_by(*order)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        PromiseView(
            promise.id,
            PromiseKind(promise.kind),
            promise.title,
            promise.owner_agent_id,
            owner,
            PromiseState(promise.state),
            promise.created_at,
            promise.due_at,
            promise.original_due_at,
            count or 0,
            outcome,
            promise.escalated_at,
            promise.breached_at,
            promise.late_minutes,
            promise.notes,
            promise.consult_id,
            promise.intake_id,
            promise.version,
            promise.contact_id,
            promise.booking_ref,
        )
        for promise, owner, count, outcome in session.execute(statement).all()
    ]


def open_for(db: Database, agent_id: int, limit: int = 500) -> list[PromiseView]:
    """The agent's open promises, soonest due first."""
    with db.read() as session:
        return _views(
            session,
            [Promise.owner_agent_id == agent_id, Promise.state == PromiseState.OPEN.value],
            [Promise.due_at, Promise.id],
            limit,
        )


def open_across_line(db: Database, supervisor_id: int, due_before: datetime, limit: int = 200) -> list[PromiseView]:
    """Supervisors: every rep's promises due before a moment (overdue first), and the flagged ones."""
    with db.read() as session:
        require(load_agent(session, supervisor_id).role, Permission.SUPERVISE)
        return _views(
            session,
            [Promise.state == PromiseState.OPEN.value, Promise.due_at <= due_before],
            [Promise.due_at, Promise.id],
            limit,
        )


def get(db: Database, promise_id: int) -> PromiseView:
    with db.read() as session:
        found = _views(session, [Promise.id == promise_id], [Promise.id])
    if not found:
        raise NotFound(f"No promise {promise_id}.")
    return found[0]


def attempts_of(db: Database, promise_id: int) -> list[tuple[datetime, str, str | None, str | None]]:
    with db.read() as session:
        rows = session.execute(
            select(PromiseAttempt.at, PromiseAttempt.outcome, PromiseAttempt.notes, Agent.display_name)
            .outerjoin(Agent, Agent.id == PromiseAttempt.agent_id)
            .where(PromiseAttempt.promise_id == promise_id)
            .order_by(PromiseAttempt.id)
        ).all()
    return [tuple(row) for row in rows]


def _workable(session, agent_id: int, promise_id: int) -> Promise:
    promise = owned_row(
        session,
        agent_id,
        Promise,
        promise_id,
        noun="promise",
        owner_column="owner_agent_id",
        someone_elses="This promise belongs to someone else; only they or a supervisor can work it.",
    )
    if promise.state != PromiseState.OPEN.value:
        raise InvalidOperation(f"This promise is already {promise.state}.")
    return promise


def log_attempt(
    db: Database, agent_id: int, promise_id: int, outcome: AttemptOutcome, notes: str | None, now: datetime
) -> PromiseView:
    with db.write() as session:
        promise = _workable(session, agent_id, promise_id)
        session.add(
            PromiseAttempt(promise_id=promise.id, at=now, agent_id=agent_id, outcome=outcome.value, notes=notes)
        )
        promise.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="attempt",
            entity="promise",
            entity_id=promise.id,
            detail={"outcome": outcome.value},
            screen="promises",
            child_id=promise.child_id,
        )
    return get(db, promise_id)


def close(
    db: Database,
    agent_id: int,
    promise_id: int,
    now: datetime,
    policy: PromisePolicy,
    note: str | None = None,
    expected_version: int | None = None,
) -> PromiseView:
    with db.write() as session:
        promise = _workable(session, agent_id, promise_id)
        if expected_version is not None and promise.version != expected_version:
            raise ConflictingEdit("Someone changed this promise since you opened it; look again.")
        _close(session, promise, agent_id, now, policy, note)
    return get(db, promise_id)


def _close(session, promise: Promise, agent_id: int, now: datetime, policy: PromisePolicy, note: str | None) -> None:
    state = policy.state(promise.kind, now, promise.created_at, promise.due_at)
    promise.state = PromiseState.DONE.value
    promise.closed_at = now
    promise.late_minutes = max(late_minutes(state), promise.late_minutes or 0)  # a recorded breach only grows
    if note:
        promise.notes = f"{promise.notes}\n{note}" if promise.notes else note
    promise.version += 1
    audit.record(
        session,
        at=now,
        agent_id=agent_id,
        action="close",
        entity="promise",
        entity_id=promise.id,
        detail={"late_minutes": promise.late_minutes},
        screen="promises",
        child_id=promise.child_id,
    )


def record_booking(db: Database, agent_id: int, promise_id: int, ref: str, now: datetime) -> PromiseView:
    """The ride or the interpreter is booked: the promise keeps the reference; it stays open until
    the booking is confirmed (the business day before the appointment)."""
    with db.write() as session:
        promise = _workable(session, agent_id, promise_id)
        kind = PromiseKind(promise.kind)
        if kind not in BOOKED_KINDS:
            raise InvalidOperation("Only a ride's or an interpreter's promise keeps a booking reference.")
        promise.booking_ref = check_booking_ref(ref, kind)
        promise.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="booking",
            entity="promise",
            entity_id=promise.id,
            detail={"ref": promise.booking_ref},
            screen="promises",
            child_id=promise.child_id,
        )
    return get(db, promise_id)


def reschedule(
    db: Database, agent_id: int, promise_id: int, new_due: datetime, reason: str, now: datetime
) -> PromiseView:
    """Move the due time; the original stays, and a breach already recorded stays recorded."""
    with db.write() as session:
        promise = _workable(session, agent_id, promise_id)
        old_due = promise.due_at
        promise.due_at = new_due
        promise.escalated_at = None if promise.breached_at is None else promise.escalated_at
        promise.reschedule_reason = reason
        promise.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="reschedule",
            entity="promise",
            entity_id=promise.id,
            detail={"from": old_due, "to": new_due, "original": promise.original_due_at, "reason": reason},
            screen="promises",
            child_id=promise.child_id,
        )
    return get(db, promise_id)


def reassign(db: Database, actor: Actor, promise_id: int, to_agent_id: int, now: datetime) -> PromiseView:
    """A supervisor gives an open promise to someone else (from the monitor)."""
    with db.write() as session:
        acting(session, actor, Permission.SUPERVISE)
        promise = session.get(Promise, promise_id)
        if promise is None or promise.state != PromiseState.OPEN.value:
            raise InvalidOperation("Only an open promise can be reassigned.")
        target = load_agent(session, to_agent_id)
        old = promise.owner_agent_id
        promise.owner_agent_id = target.id
        promise.version += 1
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            action="reassign",
            entity="promise",
            entity_id=promise.id,
            detail={"from": old, "to": target.id},
            screen="monitor",
            child_id=promise.child_id,
        )
    return get(db, promise_id)


def sweep(db: Database, now: datetime, policy: PromisePolicy) -> SweepResult:
    """Flag due-soon promises nobody has tried yet, and record breaches with their minutes late.

    Idempotent and safe from every terminal at once: each flag is set by a conditional update.
    """
    escalated: list[int] = []
    breached: list[int] = []
    with db.write() as session:
        tried = select(PromiseAttempt.promise_id).where(PromiseAttempt.promise_id == Promise.id).exists()
        rows = session.execute(
            select(
                Promise.id,
                Promise.kind,
                Promise.created_at,
                Promise.due_at,
                Promise.escalated_at,
                Promise.breached_at,
                tried,
                Promise.child_id,
            ).where(
                Promise.state == PromiseState.OPEN.value,
                Promise.due_at <= now + SWEEP_HORIZON,
                (Promise.breached_at.is_(None)),
            )
        ).all()
        for promise_id, kind, start, due, escalated_at, _breached_at, has_attempt, child_id in rows:
            state = policy.state(kind, now, start, due)
            if state.status is PromiseStatus.OVERDUE:
                done = session.execute(
                    update(Promise)
                    .where(Promise.id == promise_id, Promise.breached_at.is_(None))
                    .values(
                        breached_at=due,
                        late_minutes=late_minutes(state),
                        escalated_at=func.coalesce(Promise.escalated_at, now),
                    )
                ).rowcount
                if done:
                    breached.append(promise_id)
                    audit.record(
                        session,
                        at=now,
                        agent_id=None,
                        action="breach",
                        entity="promise",
                        entity_id=promise_id,
                        detail={"due": due, "late_minutes": late_minutes(state)},
                        screen="promises",
                        child_id=child_id,
                    )
            elif state.status is PromiseStatus.DUE_SOON and escalated_at is None and not has_attempt:
                done = session.execute(
                    update(Promise)
                    .where(Promise.id == promise_id, Promise.escalated_at.is_(None))
                    .values(escalated_at=now)
                ).rowcount
                if done:
                    escalated.append(promise_id)
                    audit.record(
                        session,
                        at=now,
                        agent_id=None,
                        action="escalate",
                        entity="promise",
                        entity_id=promise_id,
                        detail={"due": due},
                        screen="promises",
                        child_id=child_id,
                    )
    return SweepResult(tuple(escalated), tuple(breached))
