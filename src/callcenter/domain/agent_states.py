"""Which state changes an agent may make by hand; calls move them on and off 'on call'."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from callcenter.domain.errors import ValidationError
from callcenter.domain.model import AgentState, Role

# On call is entered by taking a caller and left by ending the call (into wrap-up).
MANUAL_TARGETS: dict[AgentState, frozenset[AgentState]] = {
    AgentState.AVAILABLE: frozenset({AgentState.AWAY, AgentState.OFFLINE}),
    AgentState.AWAY: frozenset({AgentState.AVAILABLE, AgentState.OFFLINE}),
    AgentState.WRAP_UP: frozenset({AgentState.AVAILABLE, AgentState.AWAY, AgentState.OFFLINE}),
    AgentState.OFFLINE: frozenset({AgentState.AVAILABLE, AgentState.AWAY}),
    AgentState.ON_CALL: frozenset(),
}

CAN_TAKE_CALL_FROM = frozenset({AgentState.AVAILABLE, AgentState.AWAY, AgentState.OFFLINE})


def check_manual_change(current: AgentState, target: AgentState) -> None:
    if current == target:
        return
    if target not in MANUAL_TARGETS[current]:
        if current == AgentState.ON_CALL:
            raise ValidationError("End the current call first (c opens it, then ctrl+e), then change state.")
        raise ValidationError(f"Cannot go from {current.label} to {target.label} by hand.")


def check_can_take_call(current: AgentState) -> None:
    if current not in CAN_TAKE_CALL_FROM:
        if current == AgentState.ON_CALL:
            raise ValidationError("You are already on a call: end it before taking the next caller.")
        raise ValidationError("Finish wrap-up (key r: ready) before taking the next caller.")


# Presence: a signed-in console reports every PRESENCE_SECONDS; one silent for longer than
# LOST_AFTER is taken as gone (a killed terminal, a dropped network), whatever state it left.
PRESENCE_SECONDS = 15.0
LOST_AFTER = timedelta(seconds=60)


def silent_for(state: AgentState, seen_at: datetime | None, now: datetime) -> timedelta | None:
    """How long the agent's console has not been heard from, once that is long enough to call it
    lost. None while it reports, for an agent who is offline, and for one no console has ever
    reported for (accounts used only from the shell, the demo's seeded agents)."""
    if seen_at is None or state is AgentState.OFFLINE:
        return None
    silence = now - seen_at
    return silence if silence > LOST_AFTER else None


# Who can be given work right now. One definition for everything that routes work (consults, the
# care team, the monitor's staffing): signed in, in a working state, and its console still heard.
ON_SHIFT_STATES = frozenset({AgentState.AVAILABLE, AgentState.ON_CALL, AgentState.WRAP_UP})


def on_shift(state: AgentState, seen_at: datetime | None, now: datetime) -> bool:
    """Signed in (not offline), available, on a call or in wrap-up (not away), and its console not
    silent long enough to be called lost."""
    state = AgentState(state)
    return state in ON_SHIFT_STATES and silent_for(state, seen_at, now) is None


def staffs_the_queues(role: str, active: bool, state: AgentState, seen_at: datetime | None, now: datetime) -> bool:
    """Counted by the staffing advice: an active rep on shift. A supervisor may take a call in a pinch
    but is not staff the queues can count on; an away or lost rep answers nobody."""
    return active and Role(role) is Role.REP and on_shift(state, seen_at, now)


class AwayReason(StrEnum):
    """Why an agent stepped away: the reports add away time up by these."""

    BREAK = "break"
    TRAINING = "training"
    MEETING = "meeting"
    OUTBOUND_WORK = "outbound_work"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class TimeInStates:
    """An agent's day by state: how long in each, and away time by reason ("" when none was given)."""

    by_state: dict[AgentState, timedelta]
    away_by_reason: dict[str, timedelta]

    @property
    def occupancy(self) -> float | None:
        """Time on calls and in wrap-up out of time signed in and working (available included)."""
        busy = self.by_state.get(AgentState.ON_CALL, timedelta(0)) + self.by_state.get(AgentState.WRAP_UP, timedelta(0))
        working = busy + self.by_state.get(AgentState.AVAILABLE, timedelta(0))
        return busy / working if working > timedelta(0) else None


def time_in_states(
    changes: Iterable[tuple[datetime, AgentState | str, str | None]], start: datetime, end: datetime
) -> TimeInStates:
    """From an agent's state changes (time, new state, away reason), sorted by time, the time spent in
    each state between ``start`` and ``end``. The change before ``start`` says the state the span
    starts in; before any change is known, the time is not counted."""
    by_state: dict[AgentState, timedelta] = {}
    by_reason: dict[str, timedelta] = {}
    current: tuple[AgentState, str | None] | None = None
    since = start
    for at, state, reason in changes:
        if at >= end:
            break
        moment = max(at, start)
        if current is not None and moment > since:
            _add(by_state, by_reason, current, moment - since)
        current, since = (AgentState(state), reason), moment
    if current is not None and end > since:
        _add(by_state, by_reason, current, end - since)
    return TimeInStates(by_state, by_reason)


def _add(
    by_state: dict[AgentState, timedelta],
    by_reason: dict[str, timedelta],
    current: tuple[AgentState, str | None],
    span: timedelta,
) -> None:
    state, reason = current
    by_state[state] = by_state.get(state, timedelta(0)) + span
    if state is AgentState.AWAY:
        by_reason[reason or ""] = by_reason.get(reason or "", timedelta(0)) + span
