"""The access-line console."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from datetime import UTC, datetime

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from callcenter.resources import styles_dir

if TYPE_CHECKING:
    from callcenter.domain.timers import TimerPolicy
from callcenter.store.db import Database
from callcenter.store.views import AgentView
from callcenter.ui.errors import explain
from callcenter.ui.messages import SignedIn

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class CallCenterApp(App[None]):
    TITLE = "Access line"
    SUB_TITLE = "children's behavioral health"
    CSS_PATH = [
        styles_dir() / "app.tcss",
        styles_dir() / "signin.tcss",
        styles_dir() / "board.tcss",
        styles_dir() / "call.tcss",
        styles_dir() / "intake.tcss",
        styles_dir() / "lookup.tcss",
        styles_dir() / "contacts.tcss",
        styles_dir() / "monitor.tcss",
    ]
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("f3", "lookup", "Find provider"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # Priority, so a key typed right after Tab lands in the next field, not the one being left.
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = system_clock,
        agent_username: str | None = None,
        refresh_seconds: float = 1.0,
        policy: TimerPolicy | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self._policy = policy
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.agent: AgentView | None = None
        self._auto_sign_in = agent_username

    @property
    def timer_board(self):
        """The signed-in agent's promises, shared by the home panel and the promises screen."""
        if getattr(self, "_timer_board", None) is None:
            from callcenter.ui.callbacks import TimerBoard

            self._timer_board = TimerBoard()
        return self._timer_board

    @property
    def policy(self) -> TimerPolicy:
        """Built on first use (in a worker): the holiday calendar costs a few hundred ms to load."""
        if self._policy is None:
            from callcenter.domain.timers import TimerPolicy

            self._policy = TimerPolicy()
        return self._policy

    def on_mount(self) -> None:
        from callcenter.ui.signin import SignInScreen

        if self._auto_sign_in:
            self.sign_in_directly(self._auto_sign_in)
        else:
            self.push_screen(SignInScreen())

    @work(thread=True, exclusive=True, group="signin", exit_on_error=False)
    def sign_in_directly(self, username: str) -> None:
        """--agent NAME: straight to the board; a bad name falls back to the sign-in screen."""
        from callcenter.store import agents
        from callcenter.ui.signin import SignInScreen

        try:
            agent = agents.sign_in(self.db, username, self.clock())
        except Exception as error:  # noqa: BLE001 - shown on the sign-in screen
            message = explain(error)[0]
            self.call_from_thread(self.push_screen, SignInScreen(error=message))
            return
        self.call_from_thread(self.post_message, SignedIn(agent))

    @on(SignedIn)
    def _signed_in(self, event: SignedIn) -> None:
        from callcenter.ui.board import QueueBoardScreen

        self.agent = event.agent
        self.sub_title = f"{event.agent.display_name} · {event.agent.role.value}"
        if len(self.screen_stack) > 1:
            self.switch_screen(QueueBoardScreen())
        else:
            self.push_screen(QueueBoardScreen())

    def action_help(self) -> None:
        from callcenter.ui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: key map", "Every key of the console", self.action_help)
        if self.agent is not None:
            yield SystemCommand("Provider lookup", "Search the resource directory", self.action_lookup)
        if self.agent is not None:
            board = self._board()
            if board is not None:
                yield SystemCommand("Queue board", "The lines and their waiting callers", self.action_show_board)
                yield SystemCommand("Take next caller", "Claim the next waiting caller", board.action_take_next)
                yield SystemCommand("Current call", "Open the call you are on", board.action_open_call)
                yield SystemCommand("New intake", "Start an intake by hand (fax, web referral)", board.action_new_intake)
                yield SystemCommand("Contact log", "Every call, TTY session and fax; log a fax", board.action_contact_log)
                yield SystemCommand("State: available", "Ready for the next caller", board.action_available)
                yield SystemCommand("State: away", "Step away from the queue", board.action_away)
                yield SystemCommand("Sign out", "Go offline and return to sign-in", board.action_sign_out)

    def _board(self):
        from callcenter.ui.board import QueueBoardScreen

        for screen in self.screen_stack:
            if isinstance(screen, QueueBoardScreen):
                return screen
        return None

    def action_show_board(self) -> None:
        from callcenter.ui.board import QueueBoardScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, QueueBoardScreen):
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lookup":  # the directory is for signed-in staff; hidden on the sign-in screen
            from callcenter.ui.lookup import LookupScreen

            return self.agent is not None and not isinstance(self.screen, LookupScreen)
        return True

    def action_lookup(self, query=None, intake_id: int | None = None, on_close=None) -> None:
        from callcenter.ui.lookup import LookupScreen

        if self.agent is None or isinstance(self.screen, LookupScreen):
            return
        self.push_screen(LookupScreen(query, intake_id=intake_id), on_close)

    def open_intake(self, call_id: int | None = None, contact_id: int | None = None) -> None:
        """Start (or reopen) the agent's intake for a call or a logged contact, or a new one by hand."""
        self._start_intake(call_id, contact_id)

    @work(thread=True, exclusive=True, group="intake-open", exit_on_error=False)
    def _start_intake(self, call_id: int | None, contact_id: int | None) -> None:
        from callcenter.store import contacts, intakes

        try:
            if contact_id is not None:
                draft = contacts.start_intake(self.db, self.agent.id, contact_id, self.clock())
            else:
                draft = intakes.start(self.db, self.agent.id, self.clock(), call_id=call_id)
        except Exception as error:  # noqa: BLE001
            self.call_from_thread(self.report_failure, error)
            return
        self.call_from_thread(self.show_intake, draft)

    def show_intake(self, draft) -> None:
        from callcenter.ui.intake.screen import IntakeScreen

        self.push_screen(IntakeScreen(draft))

    def report_failure(self, error: BaseException) -> None:
        message, retry = explain(error)
        self.notify(message, title="Retrying" if retry else "Not done", severity="error" if not retry else "warning")

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Any worker that dies on an unexpected error ends up here, as a message, not a traceback."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_failure(event.worker.error)
