"""Callers waiting on the lines, and the reps who take them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.orm import Session

from callcenter.domain.agent_states import check_can_take_call
from callcenter.domain.contacts import number_digits
from callcenter.domain.errors import ValidationError
from callcenter.domain.lines import LINES, line_code_from_text
from callcenter.domain.model import (
    AgentState,
    CallState,
    Channel,
    Direction,
    Disposition,
    IntakeStatus,
    Priority,
    PromiseKind,
)
from callcenter.domain.phone import format_phone, parse_phone
from callcenter.domain.roles import Permission, require
from callcenter.store import audit, shared
from callcenter.store.agents import _load as load_agent
from callcenter.store.agents import to_view as agent_view
from callcenter.store.db import Database
from callcenter.store.errors import InvalidOperation, NotFound

if TYPE_CHECKING:
    from callcenter.domain.promises import PromisePolicy
from callcenter.store.models import Agent, AuditEntry, Call, ChangeStamp, Contact, Intake, Line, SharedFigures
from callcenter.store.views import (
    AgentView,
    BoardSnapshot,
    CallView,
    HistoryEntry,
    LineSummary,
    WaitingCall,
)

MAX_NOTES = 4000
BOARD_TOPIC = "board"  # the change stamp every board reads (migration 0026)


def arrive(
    db: Database,
    line: str,
    caller_number: str | None,
    now: datetime,
    priority: Priority = Priority.NORMAL,
) -> int:
    """A caller reaches a line (from the phone system, a script, or the simulator)."""
    code = line_code_from_text(line)
    channel = next(spec.channel for spec in LINES if spec.code == code)
    number = None
    if caller_number is not None and caller_number.strip():
        number = parse_phone(caller_number, "from")
    elif channel in (Channel.VOICE, Channel.TTY, Channel.FAX):
        raise ValidationError("A phone, TTY or fax caller needs a number (--from).", "from")
    with db.write() as session:
        line_id = _line_id(session, code)
        call = Call(
            line_id=line_id,
            caller_number=number,
            channel=channel.value,
            state=CallState.WAITING.value,
            priority=int(priority),
            arrived_at=now,
        )
        session.add(call)
        session.flush()
        audit.record(
            session,
            at=now,
            agent_id=None,
            action="create",
            entity="call",
            entity_id=call.id,
            detail={"line": code, "priority": Priority(priority).label},
        )
        return call.id


def claim_next(db: Database, agent_id: int, now: datetime, line_codes: Sequence[str] | None = None) -> CallView | None:
    """Give the agent the best waiting caller: emergencies first, then the longest wait.

    Atomic on both engines: PostgreSQL locks the chosen row and lets concurrent claims skip
    it; SQLite runs the whole transaction under its write lock (BEGIN IMMEDIATE).
    """
    if db.is_postgres:
        claimed = _claim_postgres(db, agent_id, now, line_codes)
        if claimed is not None:
            return claimed
        # Nothing claimed: say why if the agent may not take calls now; else the queue is empty.
        with db.read() as session:
            me = session.execute(
                select(Agent.role, Agent.state).where(Agent.id == agent_id, Agent.active.is_(True))
            ).one_or_none()
        if me is None:
            raise NotFound(f"No active agent with id {agent_id}.")
        require(me.role, Permission.TAKE_CALLS)
        check_can_take_call(AgentState(me.state))
        return None
    # Core statements, not ORM objects: this is the hottest write of the line (bench/claims.py).
    with db.write() as session:
        me = session.execute(
            select(Agent.role, Agent.state).where(Agent.id == agent_id, Agent.active.is_(True)).with_for_update()
        ).one_or_none()
        if me is None:
            raise NotFound(f"No active agent with id {agent_id}.")
        require(me.role, Permission.TAKE_CALLS)
        check_can_take_call(AgentState(me.state))
        best_waiting = (
            select(Call.id)
            .where(Call.state == CallState.WAITING.value)
            .order_by(Call.priority.desc(), Call.arrived_at, Call.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if line_codes:
            best_waiting = best_waiting.where(Call.line_id.in_(select(Line.id).where(Line.code.in_(list(line_codes)))))
        claimed = session.execute(
            update(Call.__table__)
            .where(Call.id == best_waiting.scalar_subquery(), Call.state == CallState.WAITING.value)
            .values(state=CallState.ON_CALL.value, agent_id=agent_id, answered_at=now, version=Call.version + 1)
            .returning(*Call.__table__.columns)
        ).one_or_none()
        if claimed is None:
            return None
        session.execute(
            update(Agent.__table__)
            .where(Agent.id == agent_id)
            .values(state=AgentState.ON_CALL.value, state_since=now, version=Agent.version + 1)
        )
        session.execute(
            insert(AuditEntry.__table__).values(
                at=now, agent_id=agent_id, action="claim", entity="call", entity_id=claimed.id
            )
        )
        code, name = _line_names(db, session)[claimed.line_id]
        return _view_from_row(claimed, code, name)


# PostgreSQL: the whole claim is one statement, one round trip. The agent's row is locked (one
# claim per agent at a time), the best waiting caller is locked with SKIP LOCKED so concurrent
# claims pass over it, and the call, the agent's state and the audit row change together.
_CLAIM_SQL = """
WITH me AS (
    SELECT id FROM agent
    WHERE id = :agent_id AND active AND role = ANY(:roles) AND state = ANY(:states)
    FOR UPDATE
), picked AS (
    SELECT call.id FROM call
    WHERE call.state = 'waiting' AND EXISTS (SELECT 1 FROM me) {line_filter}
    ORDER BY call.priority DESC, call.arrived_at, call.id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE call SET state = 'on_call', agent_id = :agent_id, answered_at = :now, version = call.version + 1
    FROM picked WHERE call.id = picked.id
    RETURNING call.*
), moved AS (
    UPDATE agent SET state = 'on_call', state_since = :now, version = agent.version + 1
    WHERE id = :agent_id AND EXISTS (SELECT 1 FROM claimed)
), audited AS (
    INSERT INTO audit (at, agent_id, action, entity, entity_id)
    SELECT :now, :agent_id, 'claim', 'call', claimed.id FROM claimed
)
SELECT * FROM claimed
"""


def _claim_statement(with_lines: bool):
    from sqlalchemy import bindparam, text

    from callcenter.store.types import UTCDateTime

    # Lists travel as PostgreSQL arrays (= ANY), so the statement text never changes and stays
    # in SQLAlchemy's compiled cache.
    line_filter = "AND call.line_id IN (SELECT id FROM line WHERE code = ANY(:codes))" if with_lines else ""
    params = [bindparam("now", type_=UTCDateTime())]
    return text(_CLAIM_SQL.format(line_filter=line_filter)).bindparams(*params).columns(*Call.__table__.columns)


_CLAIM_ANY = None
_CLAIM_LINES = None


def _claim_postgres(db: Database, agent_id: int, now: datetime, line_codes) -> CallView | None:
    global _CLAIM_ANY, _CLAIM_LINES
    from callcenter.domain.agent_states import CAN_TAKE_CALL_FROM
    from callcenter.domain.roles import roles_with
    from callcenter.store.errors import translated_errors

    if _CLAIM_ANY is None:
        _CLAIM_ANY, _CLAIM_LINES = _claim_statement(False), _claim_statement(True)
    values = {
        "agent_id": agent_id,
        "now": now,
        "roles": sorted(role.value for role in roles_with(Permission.TAKE_CALLS)),
        "states": sorted(state.value for state in CAN_TAKE_CALL_FROM),
    }
    statement = _CLAIM_ANY
    if line_codes:
        statement, values["codes"] = _CLAIM_LINES, list(line_codes)
    with translated_errors(), db.engine.begin() as conn:
        row = conn.execute(statement, values).one_or_none()
        if row is None:
            return None
        names = getattr(db, "_line_names", None)
        if names is None:
            names = {r.id: (r.code, r.name) for r in conn.execute(select(Line.id, Line.code, Line.name))}
            db._line_names = names
    code, name = names[row.line_id]
    return _view_from_row(row, code, name)


def _line_names(db: Database, session: Session) -> dict[int, tuple[str, str]]:
    """Lines are reference data: read once per process and kept on the Database."""
    cached = getattr(db, "_line_names", None)
    if cached is None:
        cached = {row.id: (row.code, row.name) for row in session.execute(select(Line.id, Line.code, Line.name))}
        db._line_names = cached
    return cached


def _view_from_row(row, line_code: str, line_name: str) -> CallView:
    return CallView(
        id=row.id,
        line_code=line_code,
        line_name=line_name,
        caller_number=row.caller_number,
        channel=row.channel,
        state=CallState(row.state),
        priority=Priority(row.priority),
        arrived_at=row.arrived_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        agent_id=row.agent_id,
        disposition=row.disposition,
        notes=row.notes,
        version=row.version,
        relay=bool(row.relay),
    )


def end_call(
    db: Database,
    agent_id: int,
    call_id: int,
    disposition: Disposition,
    now: datetime,
    notes: str = "",
    policy: PromisePolicy | None = None,
) -> CallView:
    """The rep ends the call with a disposition and goes into wrap-up; the contact is logged.

    A caller who asked to be called back gets a promise (a callback request, the rep's,
    due a follow-up promise from now) in the same transaction: a request cannot be lost between
    ending the call and remembering to set it.
    """
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationError(f"Keep call notes under {MAX_NOTES:,} characters (now {len(notes):,}).", "notes")
    disposition = Disposition(disposition)
    with db.write() as session:
        agent = load_agent(session, agent_id)
        call = session.get(Call, call_id, with_for_update=True)
        if call is None:
            raise NotFound(f"No call {call_id}.")
        if call.agent_id != agent.id:
            raise InvalidOperation("Only the rep handling a call can end it.")
        return finish_call(session, agent, call, disposition, now, notes, policy, ended_by=agent.id)


def finish_call(
    session: Session,
    agent: Agent,
    call: Call,
    disposition: Disposition,
    now: datetime,
    notes: str,
    policy: PromisePolicy | None,
    ended_by: int,
    screen: str | None = None,
) -> CallView:
    """Inside the caller's transaction: the call ended with its disposition, the rep in wrap-up, the
    contact logged, a callback promised; ``ended_by`` is the rep, or a supervisor for a lost console."""
    if call.state != CallState.ON_CALL:
        raise InvalidOperation(f"Call {call.id} is already {call.state.replace('_', ' ')}.")
    call.state = CallState.ENDED.value
    call.ended_at = now
    call.disposition = disposition.value
    call.notes = notes or None
    call.version += 1
    agent.state = AgentState.WRAP_UP.value
    agent.state_since = now
    agent.version += 1
    entry = contact_for(call, fallback_at=now)
    # An intake submitted during the call already names the child: the log entry shows it too.
    submitted = session.execute(
        select(Intake.id, Intake.child_id)
        .where(Intake.call_id == call.id, Intake.status == IntakeStatus.SUBMITTED.value)
        .order_by(Intake.id.desc())
        .limit(1)
    ).first()
    if submitted is not None:
        entry.intake_id, entry.child_id = submitted
    session.add(entry)
    callback_id = None
    if disposition is Disposition.CALLBACK_REQUESTED:
        if not call.caller_number:
            raise ValidationError(
                "A callback needs a number to call, and this caller left none: choose "
                "another disposition and note how to reach them.",
                "disposition",
            )
        # Imported here: promises bring the holiday calendar, which the queue's hot paths never need.
        from callcenter.store.promises import new_promise

        if policy is None:  # the console passes its own
            from callcenter.domain.promises import PromisePolicy

            policy = PromisePolicy()
        summary = notes.splitlines()[0][:80] if notes else "asked to be called back"
        callback_id = new_promise(
            session,
            kind=PromiseKind.CALLBACK_REQUEST,
            title=f"Call back {format_phone(call.caller_number)}: {summary}",
            owner_agent_id=agent.id,
            start=now,
            due=policy.follow_up_deadline(now),
            call_id=call.id,
        ).id
    detail: dict[str, object] = {"disposition": disposition.value, "callback": callback_id}
    if ended_by != agent.id:
        detail["from"] = agent.id  # whose call it was: the supervisor who ended it is the entry's agent
    audit.record(
        session,
        at=now,
        agent_id=ended_by,
        action="end",
        entity="call",
        entity_id=call.id,
        detail=detail,
        screen=screen,
    )
    session.flush()
    return _call_view(session, call.id)


def save_notes(db: Database, agent_id: int, call_id: int, notes: str) -> int:
    """Autosave of the call notes while the rep types; returns the call's new version."""
    if len(notes) > MAX_NOTES:
        raise ValidationError(f"Keep call notes under {MAX_NOTES:,} characters (now {len(notes):,}).", "notes")
    with db.write() as session:
        call = session.get(Call, call_id, with_for_update=True)
        if call is None:
            raise NotFound(f"No call {call_id}.")
        if call.agent_id != agent_id:
            raise InvalidOperation("Only the rep handling a call can write its notes.")
        db.typing_commit(session)
        call.notes = notes or None
        call.version += 1
        audit.record_typing(
            session, at=_utcnow(), agent_id=agent_id, entity="call", entity_id=call.id, detail={"field": "notes"}
        )
        return call.version


def mark_relay(db: Database, agent_id: int, call_id: int, relay: bool, now: datetime) -> CallView:
    """A TTY call that came through a relay service is marked so; its log entry carries the mark."""
    with db.write() as session:
        call = session.get(Call, call_id, with_for_update=True)
        if call is None:
            raise NotFound(f"No call {call_id}.")
        if call.agent_id != agent_id or call.state != CallState.ON_CALL.value:
            raise InvalidOperation("Only the rep on a call can mark it as a relay call.")
        if call.channel != "tty":
            raise InvalidOperation("Only a TTY call comes through a relay service.")
        call.relay = relay
        call.version += 1
        audit.record(
            session,
            at=now,
            agent_id=agent_id,
            action="update",
            entity="call",
            entity_id=call.id,
            detail={"field": "relay", "value": relay},
        )
        line = session.get(Line, call.line_id)
        return _view_from_row(call, line.code, line.name)


def _utcnow() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def contact_for(call: Call, fallback_at: datetime) -> Contact:
    """The contact-log entry an ended queue call writes by itself."""
    return Contact(
        at=call.answered_at or fallback_at,
        direction=Direction.INBOUND.value,
        channel=call.channel,
        line_id=call.line_id,
        other_party=call.caller_name,
        other_number=call.caller_number,
        number_digits=number_digits(call.caller_number) or None,
        agent_id=call.agent_id,
        call_id=call.id,
        summary=call.notes,
        outcome=call.disposition,
        relay=bool(call.relay),
    )


def abandon(db: Database, call_id: int, now: datetime) -> bool:
    """A waiting caller hung up. Returns False if the call was no longer waiting."""
    with db.write() as session:
        result = session.execute(
            update(Call)
            .where(Call.id == call_id, Call.state == CallState.WAITING.value)
            .values(state=CallState.ABANDONED.value, ended_at=now, version=Call.version + 1)
            .returning(Call.id)
        ).scalar_one_or_none()
        if result is None:
            return False
        audit.record(session, at=now, agent_id=None, action="abandon", entity="call", entity_id=call_id)
        return True


def current_call(db: Database, agent_id: int) -> CallView | None:
    with db.read() as session:
        call_id = session.scalars(
            select(Call.id).where(Call.agent_id == agent_id, Call.state == CallState.ON_CALL.value)
        ).first()
        return _call_view(session, call_id) if call_id else None


def get_call(db: Database, call_id: int) -> CallView:
    with db.read() as session:
        if session.get(Call, call_id) is None:
            raise NotFound(f"No call {call_id}.")
        return _call_view(session, call_id)


def caller_history(
    db: Database, caller_number: str | None, exclude_call_id: int | None = None, limit: int = 20
) -> list[HistoryEntry]:
    """Earlier calls from the same number, newest first: repeat callers matter."""
    if not caller_number:
        return []
    with db.read() as session:
        query = (
            select(Call, Line.code, Agent.display_name)
            .join(Line, Line.id == Call.line_id)
            .outerjoin(Agent, Agent.id == Call.agent_id)
            .where(Call.caller_number == caller_number)
            .order_by(Call.arrived_at.desc())
            .limit(limit)
        )
        if exclude_call_id is not None:
            query = query.where(Call.id != exclude_call_id)
        return [
            HistoryEntry(
                call_id=call.id,
                at=call.arrived_at,
                line_code=code,
                state=CallState(call.state),
                disposition=call.disposition,
                agent_name=name,
                notes=call.notes,
            )
            for call, code, name in session.execute(query)
        ]


def board(db: Database, agent_id: int | None, waiting_limit: int = 100) -> BoardSnapshot:
    """Everything the queue board shows, read whole in one transaction (the screens read
    ``board_if_changed``; this is for commands and checks that want the board as it is now)."""
    with db.read() as session:
        return _board(session, agent_id, waiting_limit)


def board_version(db: Database) -> int:
    """The number the database raises whenever anything a board shows changes (migration 0026)."""
    with db.read() as session:
        return _board_stamp(session)


def board_if_changed(
    db: Database, agent_id: int | None, seen_version: int | None, waiting_limit: int = 100
) -> tuple[int, BoardSnapshot | None]:
    """The board's change stamp, and the board itself unless the stamp is still ``seen_version``
    (None: read it anyway). An idle console's second costs one primary-key read.

    The lines and waiting callers are the same on every board: one console reads them for each
    stamp and stores them (store/shared), the others read that one row, and each reads only its
    own state and call. The stamp is read first, so what is read after it is at least as new: a
    change committed in between moves the stamp again and the next tick reads once more."""
    name = f"board{waiting_limit}"
    with db.read() as session:
        unseen = -1 if seen_version is None else seen_version  # stamps start at 1
        version, payload, turn_taken = session.execute(
            select(
                ChangeStamp.version,
                # The stored row only when the board is to be read and the row is of this very stamp.
                case(
                    (
                        and_(ChangeStamp.version != unseen, SharedFigures.stamp == ChangeStamp.version),
                        SharedFigures.payload,
                    ),
                    else_=None,
                ),
                case((SharedFigures.computing_until > shared.database_seconds(db), True), else_=False),
            )
            .select_from(ChangeStamp)
            .outerjoin(SharedFigures, SharedFigures.name == shared.key_of(name, Queue))
            .where(ChangeStamp.topic == BOARD_TOPIC)
        ).one()
        if version == seen_version:
            return version, None
        queue = shared.decode_or_none(Queue, payload)
        if queue is None and turn_taken:  # another console is reading them: read them here, store nothing
            queue = _queue(session, waiting_limit)
        me, my_call = _mine(session, agent_id)
    if queue is None:
        queue = shared.at_stamp(db, name, Queue, version, lambda: _read_queue(db, waiting_limit))
    return version, _snapshot(queue, me, my_call)


@dataclass(frozen=True, slots=True)
class Queue:
    """What every board shows alike: the lines and the callers waiting."""

    lines: tuple[LineSummary, ...]
    waiting: tuple[WaitingCall, ...]


def _snapshot(queue: Queue, me: AgentView | None, my_call: CallView | None) -> BoardSnapshot:
    return BoardSnapshot(
        lines=queue.lines,
        waiting=queue.waiting,
        waiting_total=sum(line.waiting for line in queue.lines),
        me=me,
        my_call=my_call,
    )


def _board_stamp(session: Session) -> int:
    return int(session.scalar(select(ChangeStamp.version).where(ChangeStamp.topic == BOARD_TOPIC)) or 0)


def _board(session: Session, agent_id: int | None, waiting_limit: int) -> BoardSnapshot:
    return _snapshot(_queue(session, waiting_limit), *_mine(session, agent_id))


def _read_queue(db: Database, waiting_limit: int) -> Queue:
    with db.read() as session:
        return _queue(session, waiting_limit)


def _queue(session: Session, waiting_limit: int) -> Queue:
    waiting_flag = func.sum(_case_state(CallState.WAITING))
    on_call_flag = func.sum(_case_state(CallState.ON_CALL))
    oldest = func.min(_case_value(Call.state == CallState.WAITING.value, Call.arrived_at))
    per_line = (
        select(Line, waiting_flag, oldest, on_call_flag)
        .outerjoin(
            Call,
            (Call.line_id == Line.id) & Call.state.in_([CallState.WAITING.value, CallState.ON_CALL.value]),
        )
        .group_by(Line.id)
        .order_by(Line.sort_order)
    )
    lines = tuple(
        LineSummary(
            code=line.code,
            name=line.name,
            phone_number=line.phone_number,
            channel=line.channel,
            waiting=int(waiting or 0),
            oldest_arrival=_as_utc(oldest_at),
            on_call=int(on_call or 0),
        )
        for line, waiting, oldest_at, on_call in session.execute(per_line)
    )
    rows = session.execute(
        select(Call.id, Line.code, Call.caller_number, Call.arrived_at, Call.priority)
        .join(Line, Line.id == Call.line_id)
        .where(Call.state == CallState.WAITING.value)
        .order_by(Call.priority.desc(), Call.arrived_at, Call.id)
        .limit(waiting_limit)
    )
    waiting = tuple(
        WaitingCall(id=cid, line_code=code, caller_number=number, arrived_at=arrived, priority=Priority(priority))
        for cid, code, number, arrived, priority in rows
    )
    return Queue(lines=lines, waiting=waiting)


def _mine(session: Session, agent_id: int | None) -> tuple[AgentView | None, CallView | None]:
    """The signed-in agent's own part of the board: their state and the call they are on."""
    if agent_id is None:
        return None, None
    agent = session.get(Agent, agent_id)
    call_id = session.scalars(
        select(Call.id).where(Call.agent_id == agent_id, Call.state == CallState.ON_CALL.value)
    ).first()
    return (agent_view(agent) if agent else None), (_call_view(session, call_id) if call_id else None)


def _case_state(state: CallState):
    return case((Call.state == state.value, 1), else_=0)


def _case_value(condition, value):
    return case((condition, value), else_=None)


def _as_utc(value):
    """Aggregates lose the column type: bring MIN(arrived_at) back to an aware UTC datetime."""
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns aggregate datetimes as text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _line_id(session: Session, code: str) -> int:
    line_id = session.scalars(select(Line.id).where(Line.code == code)).first()
    if line_id is None:
        raise NotFound(
            f"Line {code} is not set up in this database: run `callcenter db upgrade` and `callcenter seed`."
        )
    return line_id


def _call_view(session: Session, call_id: int) -> CallView:
    call, line = session.execute(select(Call, Line).join(Line, Line.id == Call.line_id).where(Call.id == call_id)).one()
    return _view_from_row(call, line.code, line.name)
