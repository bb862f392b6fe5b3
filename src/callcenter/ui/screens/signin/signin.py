"""Sign-in: type your username (or pick your name), then your password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from callcenter.domain.model import Role
from callcenter.domain.passwords import MAX_PASSWORD_LENGTH
from callcenter.resources import styles_dir
from callcenter.ui.messages import SignedIn
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.keybar import KeyBar

if TYPE_CHECKING:
    from callcenter.store.views import AgentView

ROLE_LABEL = {
    Role.REP: "representative",
    Role.SUPERVISOR: "supervisor",
    Role.PSYCHIATRIST: "psychiatrist",
    Role.CASE_MANAGER: "case manager",
    Role.PEER_SPECIALIST: "peer specialist",
}


class SignInScreen(ConsoleScreen[None]):
    CSS_PATH = styles_dir() / "signin.tcss"
    KEY_NOTES = (
        (
            "username, `Enter`, password, `Enter`",
            "sign in ({max_failed} wrong passwords in a row lock the account until a supervisor resets it)",
        ),
    )
    KEY_HELP = {
        "focus_list": "(when the agents are listed: the demo, or `CALLCENTER_SIGN_IN_ROSTER=on`) pick your name "
        "from the list, then `Enter`; the password box comes next",
        "focus_input": "back to typing a username",
    }
    BINDINGS = [
        Binding("down", "focus_list", "Pick from list", show=False),
        Binding("escape", "focus_input", "Type a name", show=False),
    ]

    def __init__(self, error: str = "", username: str = "") -> None:
        super().__init__()
        self._initial_error = error
        self._initial_username = username.strip()
        self._busy = False
        self._showing_database_problem = False

    def compose(self) -> ComposeResult:
        with Vertical(id="signin-box"):
            yield Static("Access line console", id="signin-title")
            yield Static("Children's behavioral health · 877-552-8247", id="signin-subtitle")
            yield Label("Username", id="username-label")
            yield Input(
                placeholder="type your username, or pick below" if self.app.show_roster else "type your username",
                id="username",
                max_length=40,
            )
            yield Label("Password", id="password-label")
            yield Input(
                placeholder="then your password and Enter", id="password", password=True, max_length=MAX_PASSWORD_LENGTH
            )
            yield Label("", id="signin-error", markup=False)
            if self.app.show_roster:
                yield OptionList(id="agent-list")
        yield KeyBar()

    def on_mount(self) -> None:
        username = self.query_one("#username", Input)
        if self._initial_username:
            username.value = self._initial_username
            self.query_one("#password", Input).focus()
        else:
            username.focus()
        self.call_after_refresh(self.app.start_opening_database)
        if self.app.show_roster:
            self.load_agents()
        if self._initial_error:
            self._show_error(self._initial_error)

    @work(thread=True, exclusive=True, group="signin-load", exit_on_error=False)
    def load_agents(self) -> None:
        # app.db waits while the database is still being opened (this screen is painted first), and
        # only then is the data layer imported here: importing it sooner would compete with painting
        # this screen.
        db = self.app.db
        from callcenter.store import agents

        roster = agents.list_agents(db)
        self.app.call_from_thread(self._show_agents, roster)

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """Said on this screen, under the fields: nothing else is there to say it."""
        if worker.group == "signin":
            self._refused(explain(error)[0], getattr(error, "field", None))
        else:
            self._show_error(explain(error)[0])
        return True

    def _show_agents(self, roster: list[AgentView]) -> None:
        option_list = self.query_one("#agent-list", OptionList)
        option_list.clear_options()
        option_list.add_options(
            # Text, not str: a name is whatever was typed when the account was made, never markup.
            Option(Text(f"{agent.display_name:<22} {ROLE_LABEL[agent.role]:<15} {agent.username}"), id=agent.username)
            for agent in roster
        )

    @on(Input.Submitted, "#username")
    def _typed(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self._show_error("Type your username or pick your name from the list.")
            return
        self._to_password()

    @on(OptionList.OptionSelected, "#agent-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#username", Input).value = event.option.id or ""
        self._to_password()

    def _to_password(self) -> None:
        self._show_error("")
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _password_entered(self, event: Input.Submitted) -> None:
        if self._busy:  # one check at a time: a second Enter must not count as a second failure
            return
        self._busy = True
        self.sign_in(self.query_one("#username", Input).value, event.value)

    @work(thread=True, exclusive=True, group="signin", exit_on_error=False)
    def sign_in(self, username: str, password: str) -> None:
        # Off the event loop: checking a password costs tens of milliseconds by design.
        if not self.app.database_open:  # the console has only just started: app.db waits for it
            self.app.call_from_thread(self._show_error, "Opening the database; you are signed in once it is ready.")
        db = self.app.db
        from callcenter.store import agents

        agent = agents.sign_in(db, username, password, self.app.clock(), client=self.app.client_address)
        self.app.call_from_thread(self.post_message, SignedIn(agent))

    def _refused(self, message: str, field: str | None) -> None:
        self._busy = False
        self._show_error(message)
        username = self.query_one("#username", Input)
        password = self.query_one("#password", Input)
        password.value = ""
        (username if field == "username" or not username.value.strip() else password).focus()

    def show_database_problem(self, message: str) -> None:
        """The database cannot be reached yet (or can again: an empty message clears it)."""
        if message or self._showing_database_problem:
            self._show_error(message)
        self._showing_database_problem = bool(message)

    def _show_error(self, message: str) -> None:
        label = self.query_one("#signin-error", Label)
        label.update(message)
        label.set_class(bool(message), "visible")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.app.show_roster if action == "focus_list" else True

    def action_focus_list(self) -> None:
        option_list = self.query_one("#agent-list", OptionList)
        option_list.focus()
        if option_list.highlighted is None and option_list.option_count:
            option_list.highlighted = 0

    def action_focus_input(self) -> None:
        self.query_one("#username", Input).focus()
