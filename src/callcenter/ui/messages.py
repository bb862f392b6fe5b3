"""Messages that cross screens, named as facts that happened."""

from __future__ import annotations

from textual.message import Message

from callcenter.store.views import AgentView


class SignedIn(Message):
    """A person's password (or the command line) established who is at the console."""

    def __init__(self, agent: AgentView) -> None:
        super().__init__()
        self.agent = agent
