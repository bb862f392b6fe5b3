"""The access-line console."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from datetime import UTC, datetime

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from callcenter.resources import styles_dir
from callcenter.ui.autosave import KeepsTyping
from callcenter.ui.errors import explain
from callcenter.ui.messages import SignedIn

if TYPE_CHECKING:
    from callcenter.domain.model import AgentState
    from callcenter.domain.timers import TimerPolicy
    from callcenter.store.db import Database
    from callcenter.store.views import AgentView

Clock = Callable[[], datetime]


DATABASE_RETRY_SECONDS = 5
QUIT_ANYWAY_SECONDS = 15  # after quitting was stopped, how long a second ctrl+q quits without trying again


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
        styles_dir() / "audit.tcss",
        styles_dir() / "lock.tcss",
    ]
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("f3", "lookup", "Find provider"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+l", "lock", "Lock", show=False),
        # Priority, so a key typed right after Tab lands in the next field, not the one being left.
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def __init__(
        self,
        db: Database | None = None,
        *,
        open_database: Callable[[], Database] | None = None,
        clock: Clock = system_clock,
        agent_username: str | None = None,
        prefill_username: str | None = None,
        refresh_seconds: float = 1.0,
        policy: TimerPolicy | None = None,
        idle_lock_seconds: float | None = None,
    ) -> None:
        super().__init__()
        # Either a database, or how to open one: then the sign-in screen paints first and the data
        # layer (SQLAlchemy, the tables) loads and connects in a thread while the rep types.
        if (db is None) == (open_database is None):
            raise ValueError("give either a database or a way to open one")
        self._db = db
        self._open_database = open_database
        self._database_ready = threading.Event()
        self._opening_started = False
        self._stop_opening = threading.Event()  # stops the background opening's retries when the console quits
        if db is not None:
            self._database_ready.set()
        # Why the database could not be opened, for the command to report once the console has closed.
        self.startup_failure: Exception | None = None
        self._policy = policy
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.agent: AgentView | None = None
        # The signed-in agent's own state changes one at a time; once leaving (sign-out or quit) has
        # begun, a key pressed a moment later ("r" for ready) must not set them available again.
        self._own_state_lock = threading.Lock()
        self._leaving = False
        # Quitting failed to save or go offline: a ctrl+q within this moment (monotonic seconds) just quits.
        self._quit_anyway_until = 0.0
        self._presence_timer = None  # reports this console to the database while someone is signed in
        # agent_username: the caller has already established who this is (tests, benchmarks): no
        # password asked. prefill_username (--agent): only typed in for the person, who still signs in.
        self._auto_sign_in = agent_username
        self._prefill_username = prefill_username
        # None: never lock by itself (tests, benchmarks); the command passes CALLCENTER_IDLE_LOCK_MINUTES.
        self.idle_lock_seconds = idle_lock_seconds
        self._last_input = time.monotonic()

    @property
    def db(self) -> Database:
        """The database. A worker that asks while it is still being opened waits for it (or for
        the console to close)."""
        while not self._database_ready.wait(0.1):
            if self._stop_opening.is_set():
                break
        if self._db is None:
            from callcenter.store.errors import DatabaseUnavailable

            raise DatabaseUnavailable("The database could not be opened.")
        return self._db

    @property
    def database_open(self) -> bool:
        return self._db is not None

    def start_opening_database(self) -> None:
        """Load the data layer and open the database in a thread (once). The sign-in screen calls
        this when it has painted: started earlier, the import would hold up that first frame."""
        if self._open_database is not None and not self._opening_started:
            self._opening_started = True
            self._open_database_in_background()

    @work(thread=True, exclusive=True, group="database-open", exit_on_error=False)
    def _open_database_in_background(self) -> None:
        from callcenter.store.errors import DatabaseUnavailable

        while True:
            try:
                self._db = self._open_database()
                break
            except DatabaseUnavailable as error:
                # A server restarting, a network blip: say so on the sign-in screen and keep trying.
                self.call_from_thread(self._show_startup_problem, f"{error.message.rstrip('.')}. "
                                      f"Trying again every {DATABASE_RETRY_SECONDS} seconds.")
                if self._stop_opening.wait(DATABASE_RETRY_SECONDS):
                    return
            except Exception as error:  # noqa: BLE001 - a bad URL or schema: nothing to retry, stop and say why
                self.startup_failure = error
                self._database_ready.set()
                self.call_from_thread(self.exit, None, 1)
                return
        self._database_ready.set()
        self.call_from_thread(self._show_startup_problem, "")
        # While the rep is still typing: load what the board needs, so Enter leads straight to it.
        import callcenter.ui.board  # noqa: F401

        _ = self.policy

    def exit(self, *args, **kwargs) -> None:
        self._stop_opening.set()
        super().exit(*args, **kwargs)

    def _show_startup_problem(self, message: str) -> None:
        from callcenter.ui.signin import SignInScreen

        for screen in self.screen_stack:
            if isinstance(screen, SignInScreen):
                screen.show_database_problem(message)

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

    async def on_event(self, event: events.Event) -> None:
        # Every key, click, scroll or paste counts as the agent being at the console.
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp,
                              events.Paste)):
            self._last_input = time.monotonic()
        await super().on_event(event)

    async def _on_key(self, event: events.Key) -> None:
        """A key that bubbled up unhandled runs the current screen's bindings (Textual's own
        ``App._on_key`` runs right after this). A key typed as a new screen opens (sign-out, a
        claimed call, a worker's intake) would run them before the screen has built its widgets,
        and their queries fail: the key waits for the screen instead, briefly."""
        await self._built(self.screen)

    @staticmethod
    async def _built(screen: Screen) -> None:
        """Wait (briefly) until a screen just opened has built its widgets."""
        if not screen.is_mounted:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(screen._mounted_event.wait(), timeout=2.0)

    def _check_idle(self) -> None:
        if self.idle_lock_seconds is None or self.agent is None or self.locked:
            return
        idle = time.monotonic() - self._last_input
        if idle >= self.idle_lock_seconds:
            quiet = f"{int(idle)} seconds" if idle < 90 else f"{round(idle / 60)} minutes"
            self.lock(f"Locked after {quiet} without a key pressed, so no one else sees a child's record.")

    @property
    def locked(self) -> bool:
        from callcenter.ui.lock import LockScreen

        return any(isinstance(screen, LockScreen) for screen in self.screen_stack)

    def lock(self, reason: str) -> None:
        """Hide everything behind the lock screen; what was below comes back as it was when unlocked."""
        from callcenter.ui.lock import LockScreen

        if self.agent is None or self.locked:
            return
        self.push_screen(LockScreen(self.agent.display_name, self.agent.username, reason), self._unlocked)

    def _unlocked(self, _result: bool | None) -> None:
        self._last_input = time.monotonic()

    def action_lock(self) -> None:
        self.lock("Locked by its agent.")

    def sign_out(self) -> None:
        """Offline and back to sign-in from anywhere: what was typed in the last moment is saved,
        then every screen above the base is closed."""
        self._leave(then_exit=False)

    async def action_quit(self) -> None:
        """Quitting saves what was typed in the last moment and sets the agent offline first, so
        supervisors never see (nor give callers to) an agent who has gone."""
        if self.agent is None or time.monotonic() < self._quit_anyway_until or not self.database_open:
            self.exit()
            return
        self._leave(then_exit=True)

    def _leave(self, *, then_exit: bool) -> None:
        if self._leaving:
            return
        self._leaving = True
        agent = self.agent
        saves = [] if agent is None else [
            save for screen in self.screen_stack
            if isinstance(screen, KeepsTyping) and (save := screen.final_save(agent.id)) is not None
        ]
        self._go_offline(agent, saves, then_exit)

    @work(thread=True, exclusive=True, group="agent-state", exit_on_error=False)
    def _go_offline(self, agent: AgentView | None, saves: list[Callable[[], None]], then_exit: bool) -> None:
        from callcenter.domain.model import AgentState
        from callcenter.store import agents

        with self._own_state_lock:
            step = "save"
            try:
                for save in saves:
                    save()
                step = "offline"
                if agent is not None:
                    agents.change_state(self.db, agent.id, agent.id, AgentState.OFFLINE, self.clock())
            except Exception as error:  # noqa: BLE001
                self._leaving = False
                self.call_from_thread(self._could_not_leave, error, step == "save", then_exit)
                return
        self.call_from_thread(self.exit if then_exit else self._show_sign_in)

    def _could_not_leave(self, error: BaseException, unsaved: bool, then_exit: bool) -> None:
        message, _ = explain(error)
        kept = " What you typed last is still on screen, not saved." if unsaved else ""
        if then_exit:
            self._quit_anyway_until = time.monotonic() + QUIT_ANYWAY_SECONDS
            self.notify(f"{message}{kept} Press ctrl+q again to quit anyway.",
                        title="Not quit yet", severity="error", timeout=QUIT_ANYWAY_SECONDS, markup=False)
        else:
            self.notify(f"{message}{kept}", title="Not signed out", severity="error", timeout=15, markup=False)

    def _start_reporting_presence(self) -> None:
        from callcenter.domain.agent_states import PRESENCE_SECONDS

        if self._presence_timer is not None:
            self._presence_timer.stop()
        self.report_presence()
        self._presence_timer = self.set_interval(PRESENCE_SECONDS, self.report_presence)

    @work(thread=True, exclusive=True, group="presence", exit_on_error=False)
    def report_presence(self) -> None:
        """Tell supervisors this console is still here (a killed one stops telling them)."""
        from callcenter.store import agents

        agent = self.agent
        if agent is None:
            return
        try:
            agents.report_presence(self.db, agent.id, self.clock())
        except Exception:  # noqa: BLE001 - the board reports a database that is away; the next report retries
            return

    def change_own_state(self, target: AgentState) -> AgentView | None:
        """The signed-in agent sets their own state (from a worker thread). None when signing out or
        quitting has begun: the agent is on the way offline and stays there."""
        from callcenter.store import agents

        with self._own_state_lock:
            agent = self.agent
            if self._leaving or agent is None:
                return None
            return agents.change_state(self.db, agent.id, agent.id, target, self.clock())

    def account_disabled(self) -> None:
        """A supervisor disabled the signed-in account (seen by the board's refresh): close every
        screen now rather than when the agent signs out. Drafts are saved as they are typed, and
        disabling already set the agent offline."""
        if self.agent is None:
            return
        self.agent = None
        self.call_later(self._show_sign_in, "A supervisor has disabled this account. Ask them to enable it.")

    async def _show_sign_in(self, error: str = "") -> None:
        from callcenter.ui.signin import SignInScreen

        self.agent = None
        self._leaving = False
        if self._presence_timer is not None:
            self._presence_timer.stop()
            self._presence_timer = None
        # No app-wide subtitle change here: every screen being closed has a Header still watching it,
        # and one caught halfway through closing fails on the change (the sign-in screen has none).
        while len(self.screen_stack) > 1:
            # One opened a moment ago (the lock, a worker's intake) may still be building: closed
            # halfway, its on_mount finds its widgets gone and fails.
            await self._built(self.screen)
            self.pop_screen()
        self.push_screen(SignInScreen(error=error))

    def on_mount(self) -> None:
        from callcenter.ui.signin import SignInScreen

        if self._open_database is not None and self._auto_sign_in:
            self.start_opening_database()  # no sign-in screen to show first
        if self.idle_lock_seconds is not None:
            self.set_interval(1.0, self._check_idle)  # a cheap look at the clock; locks within a second

        if self._auto_sign_in:
            self.sign_in_directly(self._auto_sign_in)
        else:
            self.push_screen(SignInScreen(username=self._prefill_username or ""))

    @work(thread=True, exclusive=True, group="signin", exit_on_error=False)
    def sign_in_directly(self, username: str) -> None:
        """agent_username: straight to the board; a bad name falls back to the sign-in screen."""
        from callcenter.store import agents
        from callcenter.ui.signin import SignInScreen

        try:
            agent = agents.open_session(self.db, username, self.clock())
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
        self._start_reporting_presence()
        if len(self.screen_stack) > 1:
            self.switch_screen(QueueBoardScreen())
        else:
            self.push_screen(QueueBoardScreen())

    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's report prints locals (a child's record, say) and the message: ours prints neither."""
        from rich.text import Text

        from callcenter.ui.errors import crash_report

        self.bell()
        self._exit_renderables.append(Text(crash_report(getattr(self, "_crash", None))))
        self._close_messages_no_wait()

    def action_help(self) -> None:
        from callcenter.ui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: key map", "Every key of the console", self.action_help)
        if self.agent is not None:
            yield SystemCommand("Provider lookup", "Search the resource directory", self.action_lookup)
        if self._may_read_audit():
            yield SystemCommand("Audit trail", "Who did what to which record, and when", self.action_audit_trail)
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
        if self.locked and action not in {"quit", "focus_next", "focus_previous"}:
            return False  # nothing behind the lock opens from it (help, lookup, the command palette)
        if action == "lock":
            return self.agent is not None
        # Signed-in checks first: the screens' modules load the data layer, which the sign-in
        # screen must not wait for.
        if action == "lookup":  # the directory is for signed-in staff; hidden on the sign-in screen
            if self.agent is None:
                return False
            from callcenter.ui.lookup import LookupScreen

            return not isinstance(self.screen, LookupScreen)
        if action == "audit_trail":
            if not self._may_read_audit():
                return False
            from callcenter.ui.audit import AuditScreen

            return not isinstance(self.screen, AuditScreen)
        return True

    def action_lookup(self, query=None, intake_id: int | None = None, on_close=None) -> None:
        from callcenter.ui.lookup import LookupScreen

        if self.agent is None or isinstance(self.screen, LookupScreen):
            return
        self.push_screen(LookupScreen(query, intake_id=intake_id), on_close)

    def _may_read_audit(self) -> bool:
        from callcenter.domain.roles import Permission, can

        return self.agent is not None and can(self.agent.role, Permission.READ_AUDIT)

    def action_audit_trail(self) -> None:
        """Supervisors only (the store refuses anyone else too); from the monitor's t or the palette."""
        from callcenter.ui.audit import AuditScreen

        if not self._may_read_audit() or isinstance(self.screen, AuditScreen):
            return
        self.push_screen(AuditScreen())

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

    def open_child_record(self, child_id: int, screen_name: str) -> None:
        """The full record of a child, on purpose (a key press); the store audits the opening."""
        self._open_child_record(child_id, screen_name)

    @work(thread=True, exclusive=True, group="child-record", exit_on_error=False)
    def _open_child_record(self, child_id: int, screen_name: str) -> None:
        from callcenter.store import records
        from callcenter.ui.contacts import LinkedRecordScreen
        from callcenter.ui.record import describe_record

        try:
            record = records.open_child_record(self.db, self.agent.id, child_id, screen_name, self.clock())
        except Exception as error:  # noqa: BLE001
            self.call_from_thread(self.report_failure, error)
            return
        self.call_from_thread(self.push_screen, LinkedRecordScreen(describe_record(record)))

    def show_intake(self, draft) -> None:
        from callcenter.ui.intake.screen import IntakeScreen

        if self.agent is None:  # signed out while the draft was opening: it stays saved for next time
            return
        self.push_screen(IntakeScreen(draft))

    def signed_in_agent(self) -> AgentView:
        """The agent a worker acts for. Signing out clears it while workers may still be running:
        those end with a refusal in words instead of an AttributeError."""
        agent = self.agent
        if agent is None:
            from callcenter.domain.errors import PermissionDenied

            raise PermissionDenied("You are signed out, so this was not done. Sign in and try again.")
        return agent

    def report_failure(self, error: BaseException) -> None:
        message, retry = explain(error)
        # Messages quote what was typed ("'[/]' is not a date"): plain text, never markup.
        self.notify(message, title="Retrying" if retry else "Not done", severity="error" if not retry else "warning",
                    markup=False)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Any worker that dies on an unexpected error ends up here, as a message, not a traceback."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_failure(event.worker.error)
