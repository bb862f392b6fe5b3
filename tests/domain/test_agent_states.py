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
