"""Which state changes an agent may make by hand; calls move them on and off 'on call'."""

from __future__ import annotations

from callcenter.domain.errors import ValidationError
from callcenter.domain.model import AgentState

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
            raise ValidationError("End the current call first (key e), then change state.")
        raise ValidationError(f"Cannot go from {current.label} to {target.label} by hand.")


def check_can_take_call(current: AgentState) -> None:
    if current not in CAN_TAKE_CALL_FROM:
        if current == AgentState.ON_CALL:
            raise ValidationError("You are already on a call: end it before taking the next caller.")
        raise ValidationError("Finish wrap-up (key r: ready) before taking the next caller.")
