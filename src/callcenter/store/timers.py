"""Promises with deadlines as database rows: they survive restarts and read the same on every terminal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from callcenter.domain.model import Role, TaskKind, TaskState
from callcenter.domain.roles import Permission, require
from callcenter.domain.timers import AttemptOutcome, TimerPolicy, TimerStatus, late_minutes
from callcenter.store import audit
from callcenter.store.agents import _load as load_agent
from callcenter.store.db import Database
from callcenter.store.errors import ConflictingEdit, InvalidOperation, NotFound
from callcenter.store.models import Agent, Task, TaskAttempt

# Escalation looks this far ahead: no due-soon window is longer than a working day and a half.
SWEEP_HORIZON = timedelta(days=4)


@dataclass(frozen=True, slots=True)
class TimerView:
    id: int
    kind: TaskKind
    title: str
    owner_agent_id: int | None
    owner_name: str | None
    state: TaskState
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


@dataclass(frozen=True, slots=True)
class SweepResult:
    escalated: tuple[int, ...]
    breached: tuple[int, ...]


def new_task(session, *, kind: TaskKind, title: str, owner_agent_id: int | None, start: datetime, due: datetime,
             **links) -> Task:
    """Inside a caller's transaction: the one way a promise is created."""
    task = Task(kind=kind.value, title=title[:200], owner_agent_id=owner_agent_id, state=TaskState.OPEN.value,
                due_at=due, original_due_at=due, created_at=start, **links)
    session.add(task)
    session.flush()
    return task


def _views(session, where, order, limit: int | None = None) -> list[TimerView]:
    attempts = (select(TaskAttempt.task_id, func.count().label("n"), func.max(TaskAttempt.id).label("last_id"))
                .group_by(TaskAttempt.task_id).subquery())
    last = aliased(TaskAttempt)
    statement = (
        select(Task, Agent.display_name, attempts.c.n, last.outcome)
        .outerjoin(Agent, Agent.id == Task.owner_agent_id)
        .outerjoin(attempts, attempts.c.task_id == Task.id)
        .outerjoin(last, last.id == attempts.c.last_id)
        .where(*where)
        .order_by(*order)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        TimerView(task.id, TaskKind(task.kind), task.title, task.owner_agent_id, owner, TaskState(task.state),
                  task.created_at, task.due_at, task.original_due_at, count or 0, outcome, task.escalated_at,
                  task.breached_at, task.late_minutes, task.notes, task.consult_id, task.intake_id, task.version,
                  task.contact_id)
        for task, owner, count, outcome in session.execute(statement).all()
    ]


def open_for(db: Database, agent_id: int, limit: int = 500) -> list[TimerView]:
    """The agent's open promises, soonest due first."""
    with db.read() as session:
        return _views(session, [Task.owner_agent_id == agent_id, Task.state == TaskState.OPEN.value],
                      [Task.due_at, Task.id], limit)


def open_across_line(db: Database, supervisor_id: int, due_before: datetime, limit: int = 200) -> list[TimerView]:
    """Supervisors: every rep's promises due before a moment (overdue first), and the flagged ones."""
    with db.read() as session:
        require(load_agent(session, supervisor_id).role, Permission.SUPERVISE)
        return _views(session, [Task.state == TaskState.OPEN.value, Task.due_at <= due_before],
                      [Task.due_at, Task.id], limit)


def get(db: Database, task_id: int) -> TimerView:
    with db.read() as session:
        found = _views(session, [Task.id == task_id], [Task.id])
    if not found:
        raise NotFound(f"No timer {task_id}.")
    return found[0]


def attempts_of(db: Database, task_id: int) -> list[tuple[datetime, str, str | None, str | None]]:
    with db.read() as session:
        rows = session.execute(
            select(TaskAttempt.at, TaskAttempt.outcome, TaskAttempt.notes, Agent.display_name)
            .outerjoin(Agent, Agent.id == TaskAttempt.agent_id)
            .where(TaskAttempt.task_id == task_id).order_by(TaskAttempt.id)
        ).all()
    return [tuple(row) for row in rows]


def _workable(session, agent_id: int, task_id: int) -> Task:
    agent = load_agent(session, agent_id)
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"No timer {task_id}.")
    if task.owner_agent_id != agent_id and agent.role != Role.SUPERVISOR.value:
        raise InvalidOperation("This promise belongs to someone else; only they or a supervisor can work it.")
    if task.state != TaskState.OPEN.value:
        raise InvalidOperation(f"This promise is already {task.state}.")
    return task


def log_attempt(db: Database, agent_id: int, task_id: int, outcome: AttemptOutcome, notes: str | None,
                now: datetime) -> TimerView:
    with db.write() as session:
        task = _workable(session, agent_id, task_id)
        session.add(TaskAttempt(task_id=task.id, at=now, agent_id=agent_id, outcome=outcome.value, notes=notes))
        task.version += 1
        audit.record(session, at=now, agent_id=agent_id, action="attempt", entity="task", entity_id=task.id,
                     detail={"outcome": outcome.value}, screen="callbacks", child_id=task.child_id)
    return get(db, task_id)


def close(db: Database, agent_id: int, task_id: int, now: datetime, policy: TimerPolicy,
          note: str | None = None, expected_version: int | None = None) -> TimerView:
    with db.write() as session:
        task = _workable(session, agent_id, task_id)
        if expected_version is not None and task.version != expected_version:
            raise ConflictingEdit("Someone changed this promise since you opened it; look again.")
        _close(session, task, agent_id, now, policy, note)
    return get(db, task_id)


def _close(session, task: Task, agent_id: int, now: datetime, policy: TimerPolicy, note: str | None) -> None:
    state = policy.state(task.kind, now, task.created_at, task.due_at)
    task.state = TaskState.DONE.value
    task.closed_at = now
    task.late_minutes = max(late_minutes(state), task.late_minutes or 0)  # a recorded breach only grows
    if note:
        task.notes = f"{task.notes}\n{note}" if task.notes else note
    task.version += 1
    audit.record(session, at=now, agent_id=agent_id, action="close", entity="task", entity_id=task.id,
                 detail={"late_minutes": task.late_minutes}, screen="callbacks", child_id=task.child_id)


def reschedule(db: Database, agent_id: int, task_id: int, new_due: datetime, reason: str, now: datetime) -> TimerView:
    """Move the due time; the original stays, and a breach already recorded stays recorded."""
    with db.write() as session:
        task = _workable(session, agent_id, task_id)
        old_due = task.due_at
        task.due_at = new_due
        task.escalated_at = None if task.breached_at is None else task.escalated_at
        task.reschedule_reason = reason
        task.version += 1
        audit.record(session, at=now, agent_id=agent_id, action="reschedule", entity="task", entity_id=task.id,
                     detail={"from": old_due, "to": new_due, "original": task.original_due_at, "reason": reason},
                     screen="callbacks", child_id=task.child_id)
    return get(db, task_id)


def reassign(db: Database, supervisor_id: int, task_id: int, to_agent_id: int, now: datetime) -> TimerView:
    with db.write() as session:
        require(load_agent(session, supervisor_id).role, Permission.SUPERVISE)
        task = session.get(Task, task_id)
        if task is None or task.state != TaskState.OPEN.value:
            raise InvalidOperation("Only an open promise can be reassigned.")
        target = load_agent(session, to_agent_id)
        old = task.owner_agent_id
        task.owner_agent_id = target.id
        task.version += 1
        audit.record(session, at=now, agent_id=supervisor_id, action="reassign", entity="task", entity_id=task.id,
                     detail={"from": old, "to": target.id}, screen="monitor", child_id=task.child_id)
    return get(db, task_id)


def sweep(db: Database, now: datetime, policy: TimerPolicy) -> SweepResult:
    """Flag due-soon promises nobody has tried yet, and record breaches with their minutes late.

    Idempotent and safe from every terminal at once: each flag is set by a conditional update.
    """
    escalated: list[int] = []
    breached: list[int] = []
    with db.write() as session:
        tried = select(TaskAttempt.task_id).where(TaskAttempt.task_id == Task.id).exists()
        rows = session.execute(
            select(Task.id, Task.kind, Task.created_at, Task.due_at, Task.escalated_at, Task.breached_at, tried,
                   Task.child_id)
            .where(Task.state == TaskState.OPEN.value, Task.due_at <= now + SWEEP_HORIZON,
                   (Task.breached_at.is_(None)))
        ).all()
        for task_id, kind, start, due, escalated_at, breached_at, has_attempt, child_id in rows:
            state = policy.state(kind, now, start, due)
            if state.status is TimerStatus.OVERDUE:
                done = session.execute(
                    update(Task).where(Task.id == task_id, Task.breached_at.is_(None))
                    .values(breached_at=due, late_minutes=late_minutes(state),
                            escalated_at=func.coalesce(Task.escalated_at, now))
                ).rowcount
                if done:
                    breached.append(task_id)
                    audit.record(session, at=now, agent_id=None, action="breach", entity="task", entity_id=task_id,
                                 detail={"due": due, "late_minutes": late_minutes(state)}, screen="timers",
                                 child_id=child_id)
            elif state.status is TimerStatus.DUE_SOON and escalated_at is None and not has_attempt:
                done = session.execute(
                    update(Task).where(Task.id == task_id, Task.escalated_at.is_(None)).values(escalated_at=now)
                ).rowcount
                if done:
                    escalated.append(task_id)
                    audit.record(session, at=now, agent_id=None, action="escalate", entity="task",
                                 entity_id=task_id, detail={"due": due}, screen="timers", child_id=child_id)
    return SweepResult(tuple(escalated), tuple(breached))
