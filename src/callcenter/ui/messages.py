"""Messages that cross widgets and screens, named as facts that happened."""

from __future__ import annotations

from textual.message import Message

from callcenter.store.views import AgentView, CallView


class SignedIn(Message):
    def __init__(self, agent: AgentView) -> None:
        super().__init__()
        self.agent = agent


class AgentStateChanged(Message):
    def __init__(self, agent: AgentView) -> None:
        super().__init__()
        self.agent = agent


class CallClaimed(Message):
    def __init__(self, call: CallView) -> None:
        super().__init__()
        self.call = call


class CallEnded(Message):
    def __init__(self, call: CallView) -> None:
        super().__init__()
        self.call = call
