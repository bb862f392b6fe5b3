"""Sign-in: pick your name or type your username."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from callcenter.domain.model import Role
from callcenter.store import agents
from callcenter.store.views import AgentView
from callcenter.ui.errors import explain
from callcenter.ui.messages import SignedIn

ROLE_LABEL = {Role.REP: "representative", Role.SUPERVISOR: "supervisor", Role.PSYCHIATRIST: "psychiatrist"}


class SignInScreen(Screen[None]):
    BINDINGS = [
        Binding("down", "focus_list", "Pick from list", show=False),
        Binding("escape", "focus_input", "Type a name", show=False),
    ]

    def __init__(self, error: str = "") -> None:
        super().__init__()
        self._initial_error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="signin-box"):
            yield Static("Access line console", id="signin-title")
            yield Static("Children's behavioral health · 877-552-8247", id="signin-subtitle")
            yield Label("Username", id="username-label")
            yield Input(placeholder="type your username, or pick below", id="username", max_length=40)
            yield Label("", id="signin-error", markup=False)
            yield OptionList(id="agent-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()
        self.load_agents()
        if self._initial_error:
            self._show_error(self._initial_error)

    @work(thread=True, exclusive=True, group="signin-load", exit_on_error=False)
    def load_agents(self) -> None:
        try:
            roster = agents.list_agents(self.app.db)
        except Exception as error:  # noqa: BLE001 - shown to the rep, never raised
            self.app.call_from_thread(self._show_error, explain(error)[0])
            return
        self.app.call_from_thread(self._show_agents, roster)

    def _show_agents(self, roster: list[AgentView]) -> None:
        option_list = self.query_one("#agent-list", OptionList)
        option_list.clear_options()
        option_list.add_options(
            Option(f"{agent.display_name:<22} {ROLE_LABEL[agent.role]:<15} {agent.username}", id=agent.username)
            for agent in roster
        )

    @on(Input.Submitted, "#username")
    def _typed(self, event: Input.Submitted) -> None:
        self.sign_in(event.value)

    @on(OptionList.OptionSelected, "#agent-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.sign_in(event.option.id or "")

    @work(thread=True, exclusive=True, group="signin", exit_on_error=False)
    def sign_in(self, username: str) -> None:
        try:
            agent = agents.sign_in(self.app.db, username, self.app.clock())
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self._show_error, explain(error)[0])
            return
        self.app.call_from_thread(self.post_message, SignedIn(agent))

    def _show_error(self, message: str) -> None:
        label = self.query_one("#signin-error", Label)
        label.update(message)
        label.set_class(bool(message), "visible")

    def action_focus_list(self) -> None:
        option_list = self.query_one("#agent-list", OptionList)
        option_list.focus()
        if option_list.highlighted is None and option_list.option_count:
            option_list.highlighted = 0

    def action_focus_input(self) -> None:
        self.query_one("#username", Input).focus()
