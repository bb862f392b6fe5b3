"""A terminal killed outright (kill -9) loses nothing that was on its screen a moment before.

The real command runs on a pseudo-terminal; keys are typed as a terminal sends them, and the process
is killed 0.2 s after the last one: what was typed is in the database, written as it was typed.
"""

from __future__ import annotations

import time

import pytest

from callcenter.store import agents, intakes
from tests.dbutil import stored_intake
from tests.ptyconsole import PASSWORD, PtyConsole, wait_for


def _seen(db, agent_id: int) -> bool:
    from callcenter.store.models import Agent

    with db.read() as session:
        return session.get(Agent, agent_id).seen_at is not None


@pytest.mark.slow
def test_kill_nine_a_fifth_of_a_second_after_typing_keeps_every_key(sqlite_demo_db):
    console = PtyConsole(sqlite_demo_db.url)
    try:
        wait_for(lambda: b"Password" in console.output, 60)
        time.sleep(0.5)
        console.type(PASSWORD)
        console.key("enter")
        alex = agents.get_by_username(sqlite_demo_db, "alex")
        wait_for(lambda: _seen(sqlite_demo_db, alex.id), 60)  # signed in: its console reports itself
        time.sleep(1.0)
        console.type("n")
        draft = wait_for(lambda: next(iter(intakes.open_drafts(sqlite_demo_db, alex.id)), None), 30)
        time.sleep(1.0)
        console.key("tab")
        time.sleep(0.3)
        for char in "Maria Lopez LAST":
            console.type(char)
            time.sleep(0.03)
        time.sleep(0.2)
        console.kill()
    finally:
        console.close()
    fields = stored_intake(sqlite_demo_db, draft.id).fields
    assert "Maria Lopez LAST" in fields.values(), fields


@pytest.mark.slow
def test_a_dropped_ssh_session_saves_and_goes_offline(sqlite_demo_db):
    """SIGHUP, as sshd sends when the link drops: the console ends, the agent is not left 'available'."""
    import os
    import signal

    from callcenter.domain.model import AgentState

    console = PtyConsole(sqlite_demo_db.url)
    try:
        wait_for(lambda: b"Password" in console.output, 60)
        time.sleep(0.5)
        console.type(PASSWORD)
        console.key("enter")
        alex = agents.get_by_username(sqlite_demo_db, "alex")
        wait_for(lambda: _seen(sqlite_demo_db, alex.id), 60)
        assert agents.get_agent(sqlite_demo_db, alex.id).state is AgentState.AVAILABLE
        time.sleep(0.5)
        os.kill(console.process.pid, signal.SIGHUP)
        console.process.wait(20)
    finally:
        console.close()
    assert agents.get_agent(sqlite_demo_db, alex.id).state is AgentState.OFFLINE
