"""The supervisor's monitor: the whole line at a glance, and the few things a supervisor does from it.

Every figure is the domain's (``domain.metrics`` and ``domain.erlang``): this module only reads the
calls those functions need, in a handful of indexed queries, and hands them over. The screens ask
``shared_snapshot``: one console computes the figures each second and every other supervisor and
wallboard reads them, so two monitors agree with each other and are at most a second behind the
database. The weekday average of earlier weeks is read once per day and zone (per database) and
kept: those days are over and their arrivals never change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    func,
    null,
    select,
    text,
    type_coerce,
    union_all,
    update,
)

from callcenter.config import max_failed_sign_ins
from callcenter.domain import erlang
from callcenter.domain.actor import Actor
from callcenter.domain.agent_states import (
    TimeInStates,
    check_manual_change,
    silent_for,
    staffs_the_queues,
    time_in_states,
)
from callcenter.domain.agent_states import on_shift as is_on_shift
from callcenter.domain.alerts import SERVICE_LEVEL_WINDOW
from callcenter.domain.handoffs import Team
from callcenter.domain.metrics import (
    CallFacts,
    LineFigures,
    LineSettings,
    agent_figures,
    calls_per_hour,
    day_bounds,
    interval_figures,
    line_figures,
    local_day,
    service_level_since,
    weekday_average_per_hour,
)
from callcenter.domain.model import AgentState, CallState, Disposition, Priority, PromiseKind, PromiseState, Role
from callcenter.domain.passwords import is_locked
from callcenter.domain.promises import PromisePolicy
from callcenter.domain.roles import Permission, can, require
from callcenter.domain.timefmt import line_zone
from callcenter.store import audit, shared
from callcenter.store.agents import acting
from callcenter.store.calls import _call_view, finish_call
from callcenter.store.db import Database
from callcenter.store.errors import InvalidOperation, NotFound
from callcenter.store.models import Agent, AgentStateChange, Call, Handoff, Line, Promise, PromiseAttempt
from callcenter.store.promises import PromiseView
from callcenter.store.views import CallView

SCREEN = "monitor"
PROMISE_LIMIT = 200
WEEKS_COMPARED = 4
QUARTER_HOUR_SECONDS = 900
STAFFING_WINDOW = timedelta(hours=1)  # arrivals and handle times behind the staffing advice
# Lines whose callers wait in a queue for a person (fax and web are worked later, not answered).
QUEUED_CHANNELS = frozenset({"voice", "tty"})
# A supervisor hands a caller only to someone free now or finishing the last caller's notes.
CAN_BE_GIVEN_A_CALL = frozenset({AgentState.AVAILABLE, AgentState.WRAP_UP})
_ROLE_ORDER = {role.value: order for order, role in enumerate(Role)}  # reps first, as the enum lists them


@dataclass(frozen=True, slots=True)
class LineRow:
    code: str
    name: str
    figures: LineFigures
    recent_service_level: float | None = None  # the last half hour's (domain.alerts.SERVICE_LEVEL_WINDOW)


@dataclass(frozen=True, slots=True)
class AgentRow:
    id: int
    name: str
    role: str
    state: str
    state_since: datetime | None
    current_call_id: int | None
    current_line: str | None
    current_call: timedelta | None  # how long the call in progress has lasted
    calls_handled: int  # today's, by the line's convention (calls that arrived today)
    active: bool = True  # disabled accounts are listed (last) so a supervisor can enable them again
    locked: bool = False  # failed sign-ins reached the limit
    username: str = ""
    silent_for: timedelta | None = None  # its console has not reported for this long: lost (agent_states)


@dataclass(frozen=True, slots=True)
class Staffing:
    """Erlang C advice for one queued line from the last hour's traffic; None where it cannot say."""

    line_code: str
    arrivals_last_hour: int
    aht_seconds: float | None
    agents_on_shift: int
    agents_needed: int | None
    predicted_service_level: float | None  # with agents_on_shift; None if no traffic or queue unbounded
    predicted_asa_seconds: float | None


@dataclass(frozen=True, slots=True)
class CareTeamRow:
    """A care team at a glance: who is on shift, the open cases, and what is waiting or late."""

    team: Team
    on_shift: int
    open_cases: int
    waiting: int  # handed to the team, nobody on it has the family yet
    overdue_first_contacts: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    at: datetime
    day: date
    lines: tuple[LineRow, ...]
    agents: tuple[AgentRow, ...]
    promises: tuple[PromiseView, ...]
    calls_per_hour: tuple[int, ...]
    weekday_average: tuple[float, ...]
    staffing: tuple[Staffing, ...]
    care_teams: tuple[CareTeamRow, ...] = ()
    staffing_counted: tuple[str, ...] = ()  # the reps on shift the staffing advice counted, by name


@dataclass(frozen=True, slots=True)
class AgentDayRow:
    id: int
    name: str
    calls_handled: int
    talk_time: timedelta
    states: TimeInStates | None = None  # from the agent state log; None for days before it existed

    @property
    def average_handle_time(self) -> timedelta | None:
        return self.talk_time / self.calls_handled if self.calls_handled else None


@dataclass(frozen=True, slots=True)
class DayReport:
    day: date
    time_zone: str
    lines: tuple[LineRow, ...]
    agents: tuple[AgentDayRow, ...]
    intervals: tuple[IntervalRow, ...] = ()  # by line, then by time: when the report asks for them


@dataclass(frozen=True, slots=True)
class IntervalRow:
    line_code: str
    start: datetime
    figures: LineFigures


def snapshot(
    db: Database, supervisor_id: int, now: datetime, promise_horizon: timedelta = timedelta(hours=4)
) -> Snapshot:
    """Everything the monitor shows at ``now``, in a few queries that read only today's calls.

    "Today" is each line's local day of ``now`` (it resets at local midnight); the hourly chart,
    the agents' daily counts and ``Snapshot.day`` use the zone of the first line on the board.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware.")
    with db.read() as session:
        # The agent list comes first and doubles as the permission check: one round trip for both.
        # Core rows throughout: a refresh reads thousands of them, and ORM objects cost several times more.
        connection = session.connection()
        if db.is_postgres:
            # A refresh reads a few thousand rows through indexes; starting parallel workers for that
            # costs more than the scan itself (about 14 ms against 8 at 500,000 calls).
            connection.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        agents = connection.execute(
            select(
                Agent.id,
                Agent.display_name,
                Agent.role,
                Agent.state,
                Agent.state_since,
                Agent.active,
                Agent.failed_logins,
                Agent.username,
                Agent.seen_at,
            )
        ).all()
        me = next((agent for agent in agents if agent.id == supervisor_id and agent.active), None)
        if me is None:
            raise NotFound(f"No active agent with id {supervisor_id}.")
        require(me.role, Permission.SUPERVISE)

        lines = connection.execute(_LINE_COLUMNS).all()
        settings = {line.id: LineSettings.of(line) for line in lines}
        zone = line_zone()
        day = local_day(now, zone)

        # Today's arrivals on every line (and the last hour's, which reach into yesterday just
        # after midnight), every caller still waiting or talking whatever day they rang, and the
        # calls that ended in the last hour (their handle times feed the staffing advice).
        # The parts do not overlap (UNION ALL: no sort to remove duplicates) and each is an index range:
        # arrived_at, the queue index's state (twice), ended_at. The live parts have no condition on
        # arrived_at, else SQLite (which cannot know that few calls are live) scans the arrival index.
        hour_ago = now - STAFFING_WINDOW
        todays = [day_bounds(local_day(now, s.zone), s.zone) for s in settings.values()] or [(now, now)]
        since = min(hour_ago, *(start for start, _ in todays))
        live = [CallState.WAITING.value, CallState.ON_CALL.value]
        ids, facts = _load_calls(
            session,
            {line.id: line.code for line in lines},
            union_all(
                _call_columns().where(
                    Call.arrived_at >= since, Call.arrived_at < max(end for _, end in todays), Call.state.not_in(live)
                ),
                # A waiting call has not been answered, ended or given to anyone (claim_next and abandon
                # change the state with those columns): the queue index alone holds all it needs.
                select(
                    Call.id, Call.line_id, type_coerce(Call.arrived_at, DateTime()), _NO_TIME, _NO_TIME, null()
                ).where(Call.state == CallState.WAITING.value),
                _call_columns().where(Call.state == CallState.ON_CALL.value),
                _call_columns().where(
                    Call.ended_at > hour_ago, Call.ended_at <= now, Call.arrived_at < since, Call.state.not_in(live)
                ),
            ),
        )

        weekday_average = _weekday_average(session, db.url, day, zone)

        promises = _promises_due(session, now + promise_horizon)
        # Each care team's open cases, those waiting for a member, and first contacts gone overdue.
        overdue = and_(
            Promise.handoff_id == Handoff.id,
            Promise.kind == PromiseKind.FIRST_CONTACT.value,
            Promise.state == PromiseState.OPEN.value,
            Promise.due_at < now,
        )
        cases = {
            team: (open_cases, int(waiting or 0), late)
            for team, open_cases, waiting, late in connection.execute(
                select(
                    Handoff.team,
                    func.count(),
                    func.sum(case((Handoff.assigned_to.is_(None), 1), else_=0)),
                    func.count(Promise.id),
                )
                .outerjoin(Promise, overdue)
                .where(Handoff.closed_at.is_(None))
                .group_by(Handoff.team)
            )
        }

    by_line: dict[str, list[CallFacts]] = defaultdict(list)
    for call in facts:
        by_line[call.line_code].append(call)
    recent = now - SERVICE_LEVEL_WINDOW
    line_rows = tuple(
        LineRow(
            line.code,
            line.name,
            line_figures(by_line[line.code], settings[line.id], now),
            service_level_since(by_line[line.code], settings[line.id], now, recent),
        )
        for line in lines
    )

    counted = tuple(
        agent.display_name
        for agent in agents
        if staffs_the_queues(agent.role, agent.active, AgentState(agent.state), agent.seen_at, now)
    )
    staffing = tuple(
        _staffing(line.code, settings[line.id], by_line[line.code], row.figures, len(counted), now)
        for line, row in zip(lines, line_rows, strict=True)
        if line.channel in QUEUED_CHANNELS
    )

    return Snapshot(
        at=now,
        day=day,
        lines=line_rows,
        agents=_agent_rows(agents, ids, facts, now, zone, max_failed_sign_ins()),
        promises=tuple(promises),
        calls_per_hour=tuple(calls_per_hour(facts, day, zone)),
        weekday_average=weekday_average,
        staffing=staffing,
        staffing_counted=counted,
        care_teams=tuple(
            CareTeamRow(
                team,
                sum(
                    1
                    for agent in agents
                    if agent.active
                    and agent.role == team.role.value
                    and is_on_shift(AgentState(agent.state), agent.seen_at, now)
                ),
                *cases.get(team.value, (0, 0, 0)),
            )
            for team in Team
        ),
    )


def shared_snapshot(db: Database, supervisor_id: int, now: datetime, max_age_seconds: float = 1.0) -> Snapshot:
    """The monitor's figures as every supervisor and wallboard sees them: computed by one console a
    second for all of them (store/shared), not by each screen. ``at`` says when they were taken:
    at most ``max_age_seconds`` ago, a few seconds if the console computing them is slow.
    A supervisor's own change asks ``snapshot`` directly (and sees it at once)."""

    def may_supervise(session) -> None:
        row = session.execute(select(Agent.role, Agent.active).where(Agent.id == supervisor_id)).first()
        if row is None or not row.active:
            raise NotFound(f"No active agent with id {supervisor_id}.")
        require(row.role, Permission.SUPERVISE)

    return shared.figures(
        db, "monitor", Snapshot, max_age_seconds, lambda: snapshot(db, supervisor_id, now), check=may_supervise
    )


def day_report(db: Database, actor: Actor, day: date, now: datetime, interval_minutes: int | None = None) -> DayReport:
    """One day's settled figures per line and per agent, for `callcenter report` (run from the shell).

    The day's calls are those that ARRIVED on it, each counted with its final outcome as known at
    ``now`` (``domain/metrics``' convention, as contact centers report): a caller who rang at 23:59:55
    and was answered after midnight is one of that day's answered calls, and no other day's. Only a
    call still unsettled at ``now`` counts as offered with no outcome yet.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware.")
    with db.read() as session:
        acting(session, actor, Permission.SUPERVISE)
        lines = session.connection().execute(_LINE_COLUMNS).all()
        settings = {line.id: LineSettings.of(line) for line in lines}
        zone = line_zone()
        bounds = {line_id: day_bounds(day, s.zone) for line_id, s in settings.items()}
        facts: list[CallFacts] = []
        if bounds:
            start = min(start for start, _ in bounds.values())
            end = max(end for _, end in bounds.values())
            _, facts = _load_calls(
                session,
                {line.id: line.code for line in lines},
                _call_columns().where(Call.arrived_at >= start, Call.arrived_at < end),
            )
        day_start, day_end = day_bounds(day, zone)
        changes = _state_changes(session, day_start, day_end)
        agent_ids = {call.agent_id for call in facts if call.agent_id is not None} | set(changes)
        names: dict[int, str] = (
            dict(session.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(agent_ids))).all())
            if agent_ids
            else {}
        )

    by_line: dict[str, list[CallFacts]] = defaultdict(list)
    for call in facts:
        by_line[call.line_code].append(call)
    line_rows = tuple(
        LineRow(
            line.code,
            line.name,
            line_figures(by_line[line.code], settings[line.id], now, day=day),
        )
        for line in lines
    )
    figures = agent_figures(facts, now, zone, day=day)
    until = min(day_end, now)
    spent = {agent_id: time_in_states(rows, day_start, until) for agent_id, rows in changes.items()}
    working = {  # agents who took calls, or were signed in at some time of the day
        agent_id
        for agent_id, states in spent.items()
        if any(state is not AgentState.OFFLINE and span for state, span in states.by_state.items())
    } | {agent_id for agent_id, f in figures.items() if f.calls_handled}
    agents = sorted(
        (
            AgentDayRow(
                agent_id,
                names.get(agent_id, f"agent {agent_id}"),
                figures[agent_id].calls_handled if agent_id in figures else 0,
                figures[agent_id].talk_time if agent_id in figures else timedelta(0),
                spent.get(agent_id),
            )
            for agent_id in working
        ),
        key=lambda row: (row.name.lower(), row.id),
    )
    intervals = (
        tuple(
            IntervalRow(line.code, start, figures)
            for line in lines
            for start, figures in interval_figures(by_line[line.code], settings[line.id], now, day, interval_minutes)
        )
        if interval_minutes
        else ()
    )
    return DayReport(day, zone.key, line_rows, tuple(agents), intervals)


def _state_changes(session, start: datetime, end: datetime) -> dict[int, list[tuple[datetime, str, str | None]]]:
    """Each agent's state changes during the day, after the last one before it (the state the day
    starts in), in time order, from the state log."""
    before = (
        select(AgentStateChange.agent_id, func.max(AgentStateChange.at).label("at"))
        .where(AgentStateChange.at < start)
        .group_by(AgentStateChange.agent_id)
        .subquery()
    )
    opening = select(
        AgentStateChange.agent_id, AgentStateChange.at, AgentStateChange.state, AgentStateChange.reason
    ).join(before, (before.c.agent_id == AgentStateChange.agent_id) & (before.c.at == AgentStateChange.at))
    during = select(
        AgentStateChange.agent_id, AgentStateChange.at, AgentStateChange.state, AgentStateChange.reason
    ).where(AgentStateChange.at >= start, AgentStateChange.at < end)
    found: dict[int, list[tuple[datetime, str, str | None]]] = defaultdict(list)
    for agent_id, at, state, reason in sorted(
        session.execute(opening.union_all(during)).all(), key=lambda row: (row[0], row[1])
    ):
        found[agent_id].append((at, state, reason))
    return found


# --- What a supervisor does from the monitor -----------------------------------------------------


def set_agent_state(db: Database, actor: Actor, agent_id: int, state: AgentState, now: datetime) -> None:
    """Put an agent in a state (e.g. a rep who walked away still shows available: set them away).

    Not ``agents.change_state``: that lets a rep change their own state, where this action is for
    supervisors only, and the trail should say it came from the monitor. The rules of which changes
    are allowed by hand are the same (``check_manual_change``).
    """
    target = AgentState(state)
    with db.write() as session:
        acting(session, actor, Permission.CHANGE_ANY_AGENT_STATE)
        agent = session.get(Agent, agent_id, with_for_update=True)
        if agent is None or not agent.active:
            raise NotFound(f"No active agent with id {agent_id}.")
        current = AgentState(agent.state)
        if current == target:
            return
        check_manual_change(current, target)
        agent.state = target.value
        agent.away_reason = None  # set away from the monitor: the reason is the rep's to give
        agent.state_since = now
        agent.version += 1
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            action="change_state",
            entity="agent",
            entity_id=agent.id,
            detail={"from": current.value, "to": target.value},
            screen=SCREEN,
        )


def reassign_waiting_call(db: Database, actor: Actor, call_id: int, to_agent_id: int, now: datetime) -> CallView:
    """Hand a waiting caller straight to a rep who is available or in wrap-up; the rep goes on call.

    Safe against a rep's "take next" and another supervisor at the same moment: the agent's row is
    locked and the call changes only WHERE it is still waiting, so exactly one of them gets it.
    """
    with db.write() as session:
        acting(session, actor, Permission.SUPERVISE)
        rep = session.get(Agent, to_agent_id, with_for_update=True)
        if rep is None or not rep.active:
            raise NotFound(f"No active agent with id {to_agent_id}.")
        if not can(rep.role, Permission.TAKE_CALLS):
            raise InvalidOperation(f"{rep.display_name} does not take queue calls.")
        state = AgentState(rep.state)
        if state not in CAN_BE_GIVEN_A_CALL:
            raise InvalidOperation(
                f"{rep.display_name} is {state.label}: give the caller to someone available or in wrap-up."
            )
        silence = silent_for(state, rep.seen_at, now)
        if silence is not None:
            raise InvalidOperation(
                f"{rep.display_name}'s console has not been heard from for "
                f"{int(silence.total_seconds() // 60)} min (closed or lost?): give the caller to "
                f"someone else, or set them offline (s)."
            )
        given = session.execute(
            update(Call.__table__)
            .where(Call.id == call_id, Call.state == CallState.WAITING.value)
            .values(state=CallState.ON_CALL.value, agent_id=rep.id, answered_at=now, version=Call.version + 1)
            .returning(Call.id)
        ).scalar_one_or_none()
        if given is None:
            _refuse_not_waiting(session, call_id)
        rep.state = AgentState.ON_CALL.value
        rep.state_since = now
        rep.version += 1
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            action="reassign",
            entity="call",
            entity_id=call_id,
            detail={"to": rep.id, "rep_was": state.value},
            screen=SCREEN,
        )
        session.flush()
        return _call_view(session, call_id)


def end_lost_call(
    db: Database, actor: Actor, agent_id: int, disposition: Disposition, now: datetime, policy: PromisePolicy
) -> CallView:
    """A supervisor ends the call of a rep whose console was lost mid-call (a killed terminal, a
    dropped network), with a disposition: the notes the rep's console had saved stay on the call,
    the contact is logged, and the trail names both. A console still heard is not the monitor's to end."""
    with db.write() as session:
        acting(session, actor, Permission.SUPERVISE)
        rep = session.get(Agent, agent_id, with_for_update=True)
        if rep is None:
            raise NotFound(f"No agent with id {agent_id}.")
        call = session.scalars(
            select(Call).where(Call.agent_id == rep.id, Call.state == CallState.ON_CALL.value).with_for_update()
        ).first()
        if call is None:
            raise InvalidOperation(f"{rep.display_name} is not on a call.")
        if silent_for(AgentState(rep.state), rep.seen_at, now) is None:
            raise InvalidOperation(
                f"{rep.display_name}'s console is still there: they end their own call (ctrl+e). "
                "The monitor ends a call only for a console that was lost."
            )
        return finish_call(
            session, rep, call, Disposition(disposition), now, call.notes or "", policy, actor.agent_id, SCREEN
        )


def raise_priority(db: Database, actor: Actor, call_id: int, priority: Priority, now: datetime) -> None:
    """Move a waiting caller up the queue. Raising to the priority it already has changes nothing."""
    priority = Priority(priority)
    with db.write() as session:
        acting(session, actor, Permission.SUPERVISE)
        before = session.execute(
            select(Call.state, Call.priority).where(Call.id == call_id).with_for_update()
        ).one_or_none()
        if before is None:
            raise NotFound(f"No call {call_id}.")
        if before.state != CallState.WAITING.value:
            raise InvalidOperation(f"Call {call_id} is no longer waiting ({before.state.replace('_', ' ')}).")
        if priority < before.priority:
            raise InvalidOperation(
                f"Call {call_id} is already {Priority(before.priority).label}: a priority can only be raised."
            )
        if priority == before.priority:
            return
        # Conditional on the state and a lower priority, so a claim or another raise in between wins.
        changed = session.execute(
            update(Call.__table__)
            .where(Call.id == call_id, Call.state == CallState.WAITING.value, Call.priority < int(priority))
            .values(priority=int(priority), version=Call.version + 1)
        ).rowcount
        if not changed:
            raise InvalidOperation(f"Call {call_id} changed meanwhile; look again.")
        audit.record(
            session,
            at=now,
            agent_id=actor.agent_id,
            action="raise_priority",
            entity="call",
            entity_id=call_id,
            detail={"from": Priority(before.priority).label, "to": priority.label},
            screen=SCREEN,
        )


# --- Helpers ---------------------------------------------------------------------------------------


_NO_TIME = type_coerce(null(), DateTime())
# A line's name and the settings its figures are measured against, in board order.
_LINE_COLUMNS = select(
    Line.id,
    Line.code,
    Line.name,
    Line.channel,
    Line.time_zone,
    Line.service_level_seconds,
    Line.service_level_target,
    Line.short_abandon_seconds,
).order_by(Line.sort_order, Line.id)


def _call_columns():
    # The timestamps come back naive (they are stored as naive UTC) and get their zone in _load_calls:
    # the same as UTCDateTime does, without its per-value call for thousands of values.
    return select(
        Call.id,
        Call.line_id,
        type_coerce(Call.arrived_at, DateTime()),
        type_coerce(Call.answered_at, DateTime()),
        type_coerce(Call.ended_at, DateTime()),
        Call.agent_id,
    )


def _load_calls(session, line_codes: dict[int, str], statement) -> tuple[list[int], list[CallFacts]]:
    """Call ids and their facts, side by side. Core rows, not ORM: thousands per refresh."""
    rows = session.connection().execute(statement).all()
    return (
        [row[0] for row in rows],
        [
            CallFacts(
                line_codes[line_id],
                arrived.replace(tzinfo=UTC),
                answered and answered.replace(tzinfo=UTC),
                ended and ended.replace(tzinfo=UTC),
                agent,
            )
            for _, line_id, arrived, answered, ended, agent in rows
        ],
    )


def _promises_due(session, due_before: datetime) -> list[PromiseView]:
    """``promises.open_across_line``'s list, read as plain rows.

    Not ``promises._views``: that loads ORM objects (a fifth of a refresh at 200 rows) and counts the
    attempts of every promise ever made before joining; here each of the 200 rows looks up its own
    attempts through the promise_id index.
    """
    mine = PromiseAttempt.promise_id == Promise.id
    attempts = select(func.count()).where(mine).scalar_subquery()
    last_outcome = (
        select(PromiseAttempt.outcome).where(mine).order_by(PromiseAttempt.id.desc()).limit(1).scalar_subquery()
    )
    naive = DateTime()  # as in _call_columns: the zone is added below, cheaper than per-value type processing
    rows = (
        session.connection()
        .execute(
            select(
                Promise.id,
                Promise.kind,
                Promise.title,
                Promise.owner_agent_id,
                Agent.display_name,
                Promise.state,
                type_coerce(Promise.created_at, naive),
                type_coerce(Promise.due_at, naive),
                type_coerce(Promise.original_due_at, naive),
                attempts,
                last_outcome,
                type_coerce(Promise.escalated_at, naive),
                type_coerce(Promise.breached_at, naive),
                Promise.late_minutes,
                Promise.notes,
                Promise.consult_id,
                Promise.intake_id,
                Promise.version,
                Promise.contact_id,
            )
            .outerjoin(Agent, Agent.id == Promise.owner_agent_id)
            .where(Promise.state == PromiseState.OPEN.value, Promise.due_at <= due_before)
            .order_by(Promise.due_at, Promise.id)
            .limit(PROMISE_LIMIT)
        )
        .all()
    )
    return [
        PromiseView(
            row[0],
            PromiseKind(row[1]),
            row[2],
            row[3],
            row[4],
            PromiseState(row[5]),
            _utc(row[6]),
            _utc(row[7]),
            _utc(row[8]),
            row[9] or 0,
            row[10],
            _utc(row[11]),
            _utc(row[12]),
            *row[13:],
        )
        for row in rows
    ]


def _utc(naive: datetime | None) -> datetime | None:
    return naive and naive.replace(tzinfo=UTC)


_WEEKDAY_AVERAGES: dict[tuple[str, date, str], tuple[float, ...]] = {}


def _weekday_average(session, url: str, day: date, zone: str) -> tuple[float, ...]:
    """The same weekday's hourly average over the weeks before ``day``: past days only, so kept once read."""
    key = (url, day, zone)
    known = _WEEKDAY_AVERAGES.get(key)
    if known is None:
        arrivals = _arrivals_by_quarter_hour(
            session, [day_bounds(day - timedelta(weeks=back), zone) for back in range(1, WEEKS_COMPARED + 1)]
        )
        known = tuple(weekday_average_per_hour(arrivals, day, zone, WEEKS_COMPARED))
        if len(_WEEKDAY_AVERAGES) > 64:  # a console left open for months: forget old days
            _WEEKDAY_AVERAGES.clear()
        _WEEKDAY_AVERAGES[key] = known
    return known


def _arrivals_by_quarter_hour(session, spans: list[tuple[datetime, datetime]]) -> list[CallFacts]:
    """Arrivals within the spans, as facts whose arrival is rounded down to the UTC quarter hour.

    Every time zone's offset is a whole number of quarter hours and changes only on a quarter hour,
    so a UTC quarter hour lies within one local clock hour of one local day: the domain's hourly
    buckets come out exactly as from the real times. The database counts per quarter hour (at most
    96 rows a day, from the covering arrival index) instead of handing over every arrival; the facts
    for one quarter are one object repeated, so building them costs nothing per call.
    """
    if session.get_bind().dialect.name == "sqlite":  # arrived_at is ISO text there
        quarter = cast(func.strftime("%s", Call.arrived_at), Integer) // QUARTER_HOUR_SECONDS
    else:  # a timestamp holding UTC: its epoch is the UTC epoch
        quarter = cast(func.floor(func.extract("epoch", Call.arrived_at) / QUARTER_HOUR_SECONDS), BigInteger)
    arrivals = union_all(
        *(
            select(quarter.label("quarter")).where(Call.arrived_at >= start, Call.arrived_at < end)
            for start, end in spans
        )
    ).subquery()
    facts: list[CallFacts] = []
    counts = session.connection().execute(select(arrivals.c.quarter, func.count()).group_by(arrivals.c.quarter))
    for quarter_index, count in counts:
        # Only the arrival time is read for these days, so the facts carry no line.
        facts += [CallFacts("", datetime.fromtimestamp(int(quarter_index) * QUARTER_HOUR_SECONDS, UTC))] * count
    return facts


def _refuse_not_waiting(session, call_id: int) -> None:
    state = session.scalar(select(Call.state).where(Call.id == call_id))
    if state is None:
        raise NotFound(f"No call {call_id}.")
    raise InvalidOperation(f"Call {call_id} is no longer waiting ({state.replace('_', ' ')}).")


def _agent_rows(
    agents, ids: list[int], facts: list[CallFacts], now: datetime, zone: str, lock_limit: int
) -> tuple[AgentRow, ...]:
    # Only calls given to someone count for agents (the waiting crowd does not): the same figures, sooner.
    given = [(call_id, call) for call_id, call in zip(ids, facts, strict=True) if call.agent_id is not None]
    figures = agent_figures((call for _, call in given), now, zone)
    # The call in progress per agent; agent_figures shows the one answered last, and so does this.
    current: dict[int, tuple[int, CallFacts]] = {}
    for call_id, original in given:
        if original.answered_at is None:
            continue
        call = original.as_of(now)
        if call is None or not call.on_call:
            continue
        known = current.get(call.agent_id)
        if known is None or known[1].answered_at < call.answered_at:
            current[call.agent_id] = (call_id, call)
    ordered = sorted(agents, key=lambda a: (not a.active, _ROLE_ORDER.get(a.role, 3), a.display_name.lower(), a.id))
    rows = []
    for agent in ordered:
        mine = figures.get(agent.id)
        call_id, call = current.get(agent.id, (None, None))
        rows.append(
            AgentRow(
                id=agent.id,
                name=agent.display_name,
                role=agent.role,
                state=agent.state,
                state_since=agent.state_since,
                current_call_id=call_id,
                current_line=call.line_code if call else None,
                current_call=mine.current_call if mine else None,
                calls_handled=mine.calls_handled if mine else 0,
                active=bool(agent.active),
                locked=is_locked(agent.failed_logins or 0, lock_limit),
                username=agent.username,
                silent_for=silent_for(AgentState(agent.state), agent.seen_at, now),
            )
        )
    return tuple(rows)


def _staffing(
    code: str, settings: LineSettings, calls: Iterable[CallFacts], today: LineFigures, on_shift: int, now: datetime
) -> Staffing:
    since = now - STAFFING_WINDOW
    arrivals = 0
    handle_times: list[float] = []
    for original in calls:
        if original.arrived_at <= since and (original.ended_at is None or original.ended_at <= since):
            continue  # neither arrived nor ended in the last hour: most of the day's calls
        call = original.as_of(now)
        if call is None:
            continue
        arrivals += call.arrived_at > since
        if call.ended_at is not None and call.ended_at > since and (handled := call.handle_time) is not None:
            handle_times.append(handled.total_seconds())
    if handle_times:
        aht: float | None = sum(handle_times) / len(handle_times)
    elif today.average_handle_time is not None:  # a quiet last hour: today's calls are the best guess
        aht = today.average_handle_time.total_seconds()
    else:
        aht = None
    needed = level = asa = None
    if arrivals == 0:
        needed = 0  # as erlang.agents_needed says: no callers, nobody needed to answer them
    elif aht is not None and aht > 0:  # a zero AHT (calls ended the instant they were answered) says nothing
        threshold = settings.service_level_seconds
        try:
            needed = erlang.agents_needed(arrivals, aht, threshold, settings.service_level_target)
        except ValueError:  # a 100 % target, or more than erlang's search limit: no finite answer
            needed = None
        # With as many agents as Erlangs of traffic or fewer, the queue grows without bound: erlang
        # returns 0 % and an infinite wait, which the board shows as "no prediction", not as numbers.
        if on_shift > erlang.traffic_erlangs(arrivals, aht):
            level = erlang.service_level(arrivals, aht, on_shift, threshold)
            asa = erlang.average_speed_of_answer(arrivals, aht, on_shift)
    return Staffing(code, arrivals, aht, on_shift, needed, level, asa)
