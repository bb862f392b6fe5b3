"""Plain, detached values handed to the UI: widgets never touch a session or lazy-load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from callcenter.domain.actor import Actor
from callcenter.domain.model import AgentState, CallState, Priority, Role


@dataclass(frozen=True, slots=True)
class AgentView:
    id: int
    username: str
    display_name: str
    role: Role
    state: AgentState
    state_since: datetime | None
    active: bool = True
    locked: bool = False  # failed sign-ins reached the limit; a password reset unlocks
    console_token: str | None = None  # set only for the console that signed the agent in

    @property
    def actor(self) -> Actor:
        """This console's session as the store's acting agent (refused once the session ends)."""
        return Actor.console(self.id, self.console_token)


@dataclass(frozen=True, slots=True)
class LineSummary:
    code: str
    name: str
    phone_number: str | None
    channel: str
    waiting: int
    oldest_arrival: datetime | None
    on_call: int


@dataclass(frozen=True, slots=True)
class WaitingCall:
    id: int
    line_code: str
    caller_number: str | None
    arrived_at: datetime
    priority: Priority


@dataclass(frozen=True, slots=True)
class CallView:
    id: int
    line_code: str
    line_name: str
    caller_number: str | None
    channel: str
    state: CallState
    priority: Priority
    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    agent_id: int | None
    disposition: str | None
    notes: str | None
    version: int
    relay: bool = False  # a TTY call that came through a relay service


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """An earlier contact from the same number, for the call panel."""

    call_id: int
    at: datetime
    line_code: str
    state: CallState
    disposition: str | None
    agent_name: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    lines: tuple[LineSummary, ...]
    waiting: tuple[WaitingCall, ...]
    waiting_total: int
    me: AgentView | None
    my_call: CallView | None


@dataclass(frozen=True, slots=True)
class KnownChild:
    """A child already on file, as a picker or a "may already be on file" question shows it."""

    id: int
    first_name: str
    last_name: str
    date_of_birth: date | None
    town: str | None
    medicaid_last4: str | None
    matched_on: str = ""  # what matched, when found by matching ("Medicaid number", "name and date of birth")
