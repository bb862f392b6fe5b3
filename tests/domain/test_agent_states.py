"""Presence: when a signed-in agent's console counts as gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain.agent_states import LOST_AFTER, silent_for
from callcenter.domain.model import AgentState

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_a_console_is_lost_only_after_a_minute_of_silence_and_only_while_signed_in():
    assert silent_for(AgentState.AVAILABLE, NOW - LOST_AFTER, NOW) is None  # a late report is not a lost console
    just_over = LOST_AFTER + timedelta(seconds=1)
    assert silent_for(AgentState.AVAILABLE, NOW - just_over, NOW) == just_over
    assert silent_for(AgentState.ON_CALL, NOW - timedelta(minutes=7), NOW) == timedelta(minutes=7)
    assert silent_for(AgentState.OFFLINE, NOW - timedelta(hours=3), NOW) is None
    assert silent_for(AgentState.AVAILABLE, None, NOW) is None  # no console ever reported


def test_time_in_states_starts_from_the_state_the_span_opens_in():
    from datetime import UTC, datetime, timedelta

    from callcenter.domain.agent_states import time_in_states
    from callcenter.domain.model import AgentState

    def at(hour, minute=0):
        return datetime(2026, 11, 23, hour, minute, tzinfo=UTC)

    changes = [
        (at(7), "available", None),  # before the span: the state it opens in
        (at(9, 30), "on_call", None),
        (at(9, 45), "wrap_up", None),
        (at(10), "away", None),  # no reason given
        (at(13), "offline", None),  # after the span: not counted
    ]
    spent = time_in_states(changes, at(9), at(11))
    assert spent.by_state == {
        AgentState.AVAILABLE: timedelta(minutes=30),
        AgentState.ON_CALL: timedelta(minutes=15),
        AgentState.WRAP_UP: timedelta(minutes=15),
        AgentState.AWAY: timedelta(hours=1),
    }
    assert spent.away_by_reason == {"": timedelta(hours=1)}
    assert spent.occupancy == 0.5  # 30 min busy out of 60 working
    assert time_in_states([], at(9), at(11)).by_state == {}  # nothing known: nothing counted
    assert time_in_states([(at(12), "available", None)], at(9), at(11)).occupancy is None
