"""Who may work on a row: its owner, or a supervisor. One rule for intakes, referrals and promises."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import SQLModel

from callcenter.domain.model import Role
from callcenter.domain.roles import Permission, require
from callcenter.store.agents import _load as load_agent
from callcenter.store.errors import InvalidOperation, NotFound

Row = TypeVar("Row", bound=SQLModel)


def owned_row(
    session,
    agent_id: int,
    model: type[Row],
    row_id: int,
    *,
    noun: str,
    owner_column: str,
    someone_elses: str,
    permission: Permission | None = None,
) -> Row:
    """The row `agent_id` is about to change: refused unless the agent is active (and may do this
    kind of work), the row exists, and it is theirs or they supervise. `someone_elses` is said to
    anyone else, naming who can."""
    agent = load_agent(session, agent_id)
    if permission is not None:
        require(agent.role, permission)
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"No {noun} {row_id}.")
    if getattr(row, owner_column) != agent_id and agent.role != Role.SUPERVISOR.value:
        raise InvalidOperation(someone_elses)
    return row
