"""Agents: the people who sign in, their roles and their states."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select

from callcenter.domain.agent_states import check_manual_change
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import AgentState, Role
from callcenter.domain.roles import Permission, require
from callcenter.store import audit
from callcenter.store.db import Database
from callcenter.store.errors import NotFound
from callcenter.store.models import Agent


def to_view(agent: Agent):
    from callcenter.store.views import AgentView

    return AgentView(
        id=agent.id,
        username=agent.username,
        display_name=agent.display_name,
        role=Role(agent.role),
        state=AgentState(agent.state),
        state_since=agent.state_since,
    )


def list_agents(db: Database, active_only: bool = True):
    with db.read() as session:
        # Reps first: they are most of the people signing in.
        role_order = case({"rep": 0, "supervisor": 1, "psychiatrist": 2}, value=Agent.role, else_=3)
        query = select(Agent).order_by(role_order, Agent.display_name)
        if active_only:
            query = query.where(Agent.active.is_(True))
        return [to_view(agent) for agent in session.scalars(query)]


def get_agent(db: Database, agent_id: int):
    with db.read() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound(f"No agent with id {agent_id}.")
        return to_view(agent)


def sign_in(db: Database, username: str, now: datetime):
    """Sign an agent in by username; they start available. Unknown or disabled names are refused."""
    name = (username or "").strip().lower()
    if not name:
        raise ValidationError("Type your username or pick your name from the list.", "username")
    with db.write() as session:
        agent = session.scalars(select(Agent).where(Agent.username == name)).first()
        if agent is None or not agent.active:
            raise ValidationError(
                f"No active agent named {username.strip()!r}: check the spelling or ask a supervisor.",
                "username",
            )
        if agent.state == AgentState.OFFLINE:
            agent.state = AgentState.AVAILABLE
            agent.state_since = now
            agent.version += 1
        audit.record(session, at=now, agent_id=agent.id, action="sign_in", entity="agent", entity_id=agent.id)
        session.flush()
        return to_view(agent)


def change_state(db: Database, actor_id: int, agent_id: int, target: AgentState, now: datetime):
    """Change an agent's state: your own by hand, anyone's if you supervise."""
    target = AgentState(target)
    with db.write() as session:
        actor = _load(session, actor_id)
        if actor_id == agent_id:
            require(actor.role, Permission.CHANGE_OWN_STATE)
            agent = actor
        else:
            require(actor.role, Permission.CHANGE_ANY_AGENT_STATE)
            agent = _load(session, agent_id)
        current = AgentState(agent.state)
        if current == target:
            return to_view(agent)
        check_manual_change(current, target)
        agent.state = target
        agent.state_since = now
        agent.version += 1
        audit.record(
            session,
            at=now,
            agent_id=actor_id,
            action="change_state",
            entity="agent",
            entity_id=agent.id,
            detail={"from": current.value, "to": target.value},
        )
        session.flush()
        return to_view(agent)


def _load(session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise NotFound(f"No active agent with id {agent_id}.")
    return agent
