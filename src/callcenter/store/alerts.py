"""The alerts list: conditions raised when they start to hold and cleared when they stop, kept so a
supervisor who looked away still sees what happened; acknowledging one is written to the trail.

Every supervisor's monitor calls ``refresh`` with the snapshot it just read. The conditions are the
domain's (``domain.alerts``); the store only records their history. Two consoles seeing the same new
condition at once raise it once: an open alert's key is unique (a partial index, migration 0021).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from callcenter.domain.actor import Actor
from callcenter.domain.alerts import AlertSettings, Condition, LineState, conditions
from callcenter.domain.roles import Permission
from callcenter.store import audit
from callcenter.store.agents import acting
from callcenter.store.db import Database
from callcenter.store.errors import InvalidOperation, NotFound
from callcenter.store.models import Agent, Alert, ConsultRequest
from callcenter.store.monitor import Snapshot

CLEARED_SHOWN_FOR = timedelta(hours=8)  # a cleared alert stays on the list this long: the shift's story
LIST_LIMIT = 100


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    key: str
    line_code: str | None  # the line the alert is about, if one
    what: str  # as said when raised
    now: str | None  # as it stands now, while it holds; None once cleared
    raised_at: datetime
    cleared_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @property
    def open(self) -> bool:
        return self.cleared_at is None


def conditions_of(snapshot: Snapshot, unassigned_consults: int, settings: AlertSettings) -> list[Condition]:
    """The domain's conditions from what the monitor already read."""
    queued = {row.line_code for row in snapshot.staffing}  # the staffing rows are the queued lines
    lines = [
        LineState(
            row.code,
            row.recent_service_level,
            row.figures.service_level_target,
            row.figures.longest_wait,
            row.figures.waiting_now,
        )
        for row in snapshot.lines
        if row.code in queued
    ]
    return conditions(
        lines,
        settings,
        breached_promises=sum(1 for promise in snapshot.promises if promise.breached_at is not None),
        unassigned_consults=unassigned_consults,
        waiting_for_team={row.team.label: row.waiting for row in snapshot.care_teams},
        lost_agents=[
            (agent.id, agent.name, agent.silent_for)
            for agent in snapshot.agents
            if agent.silent_for is not None and agent.active
        ],
    )


def refresh(db: Database, actor: Actor, snapshot: Snapshot, settings: AlertSettings) -> list[AlertView]:
    """Raise what started to hold, clear what stopped, and return the list: open ones first, newest
    first, then those cleared in the last hours. Writes only when something changed."""
    now = snapshot.at
    with db.read() as session:
        acting(session, actor, Permission.SUPERVISE)
        waiting_consults = session.scalar(
            select(func.count())
            .select_from(ConsultRequest)
            .where(ConsultRequest.psychiatrist_id.is_(None), ConsultRequest.state == "open")
        )
        open_keys = set(session.scalars(select(Alert.key).where(Alert.cleared_at.is_(None))).all())
    holding = {condition.key: condition for condition in conditions_of(snapshot, waiting_consults or 0, settings)}
    started = [condition for key, condition in holding.items() if key not in open_keys]  # the domain's order
    stopped = open_keys - holding.keys()
    if started or stopped:
        _record(db, started, stopped, now)
    return listing(db, now, {key: condition.what for key, condition in holding.items()})


def _record(db: Database, started: list[Condition], stopped: set[str], now: datetime) -> None:
    with db.write() as session:
        if stopped:
            session.execute(
                update(Alert).where(Alert.key.in_(stopped), Alert.cleared_at.is_(None)).values(cleared_at=now)
            )
        for condition in started:
            try:
                with session.begin_nested():  # another console raised it a moment ago: theirs stands
                    session.add(
                        Alert(
                            key=condition.key, what=condition.what[:300], line_code=condition.line_code, raised_at=now
                        )
                    )
            except IntegrityError:
                continue


def listing(db: Database, now: datetime, holding: dict[str, str] | None = None) -> list[AlertView]:
    with db.read() as session:
        rows = session.execute(
            select(Alert, Agent.display_name)
            .outerjoin(Agent, Agent.id == Alert.acknowledged_by)
            .where(or_(Alert.cleared_at.is_(None), Alert.cleared_at >= now - CLEARED_SHOWN_FOR))
            # Open first, newest first; those raised together in the domain's order (lines first).
            .order_by(Alert.cleared_at.is_not(None), Alert.raised_at.desc(), Alert.id)
            .limit(LIST_LIMIT)
        ).all()
    return [
        AlertView(
            alert.id,
            alert.key,
            alert.line_code,
            alert.what,
            (holding or {}).get(alert.key) if alert.cleared_at is None else None,
            alert.raised_at,
            alert.cleared_at,
            acknowledged_by,
            alert.acknowledged_at,
        )
        for alert, acknowledged_by in rows
    ]


def acknowledge(db: Database, actor: Actor, alert_id: int, now: datetime) -> None:
    """A supervisor has seen the alert and is on it: recorded on the alert and in the audit trail."""
    with db.write() as session:
        acting(session, actor, Permission.SUPERVISE)
        alert = session.get(Alert, alert_id, with_for_update=True)
        if alert is None:
            raise NotFound(f"No alert {alert_id}.")
        if alert.acknowledged_at is not None:
            raise InvalidOperation("This alert was acknowledged already.")
        alert.acknowledged_by = actor.agent_id
        alert.acknowledged_at = now
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            action="acknowledge",
            entity="alert",
            entity_id=alert.id,
            detail={"what": alert.what, "raised": alert.raised_at, "cleared": alert.cleared_at},
            screen="monitor",
        )


__all__ = ["AlertView", "acknowledge", "conditions_of", "listing", "refresh"]
