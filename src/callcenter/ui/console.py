"""The console's foundation: the database (opened behind the first screen), the clock, the promise
policy, and one place where failures become words.

The app is built in layers, each in its own module and each knowing only those below it:
``KeysInOrder`` (keys handled in the order typed) → ``ConsoleApp`` (here) → ``SessionApp`` (signing
in and out) → ``NavigationApp`` (opening screens) → ``CallCenterApp`` (keys, styles, start).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual import events, on, work
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from callcenter.config import CLIENT_ADDRESS_ENV
from callcenter.domain.timefmt import line_date
from callcenter.ui.keys import KeysInOrder
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.outbox import Outbox

if TYPE_CHECKING:
    from callcenter.domain.promises import PromisePolicy
    from callcenter.store.db import Database
    from callcenter.store.views import AgentView
    from callcenter.ui.shared.promise_status import PromiseBoard

Clock = Callable[[], datetime]

DATABASE_RETRY_SECONDS = 5
KEYS_WAIT_SECONDS = 2.0  # the longest keys wait for a screen on its way before going where they are


def system_clock() -> datetime:
    return datetime.now(UTC)


class ConsoleApp(KeysInOrder):
    def __init__(
        self,
        db: Database | None = None,
        *,
        open_database: Callable[[], Database] | None = None,
        clock: Clock = system_clock,
        agent_username: str | None = None,
        prefill_username: str | None = None,
        refresh_seconds: float = 1.0,
        policy: PromisePolicy | None = None,
        idle_lock_seconds: float | None = None,
        show_roster: bool = False,
    ) -> None:
        super().__init__()
        self.show_roster = show_roster  # the sign-in screen lists the agents (config.sign_in_roster)
        # A browser tab's console: the address the web server saw, for the sign-in's audit entry.
        self.client_address: str | None = os.environ.get(CLIENT_ADDRESS_ENV) or None
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
        self._promise_board: PromiseBoard | None = None
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.agent: AgentView | None = None
        self.outbox = Outbox(self)  # what was typed and is not saved yet, whatever screen it came from
        # agent_username: the caller has already established who this is (tests, benchmarks): no
        # password asked. prefill_username (--agent): only typed in for the person, who still signs in.
        self._auto_sign_in = agent_username
        self._prefill_username = prefill_username
        # None: never lock by itself (tests, benchmarks); the command passes CALLCENTER_IDLE_LOCK_MINUTES.
        self.idle_lock_seconds = idle_lock_seconds
        self._last_input = time.monotonic()
        self._screen_on_its_way: asyncio.Event | None = None  # see screen_on_its_way

    def line_today(self) -> date:
        """Today on the line's calendar (its time zone), by the console's clock."""
        return line_date(self.clock())

    # -- the database ------------------------------------------------------------------------------

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

        assert self._open_database is not None
        while True:
            try:
                self._db = self._open_database()
                break
            except DatabaseUnavailable as error:
                # A server restarting, a network blip: say so on the sign-in screen and keep trying.
                self.call_from_thread(
                    self.show_startup_problem,
                    f"{error.message.rstrip('.')}. Trying again every {DATABASE_RETRY_SECONDS} seconds.",
                )
                if self._stop_opening.wait(DATABASE_RETRY_SECONDS):
                    return
            except Exception as error:  # noqa: BLE001 - a bad URL or schema: nothing to retry, stop and say why
                self.startup_failure = error
                self._database_ready.set()
                self.call_from_thread(self.exit, None, 1)
                return
        self._database_ready.set()
        self.call_from_thread(self.show_startup_problem, "")
        # While the rep is still typing: load what the board needs, so Enter leads straight to it.
        import callcenter.ui.screens.board.board  # noqa: F401

        _ = self.policy
        self.call_from_thread(self.start_up_loaded)

    def start_up_loaded(self) -> None:
        """What signing in leads to is loaded."""

    def show_startup_problem(self, message: str) -> None:
        """Said on the sign-in screen (an empty message clears it)."""

    def exit(self, result: None = None, return_code: int = 0, message: RenderableType | None = None) -> None:
        self._stop_opening.set()
        super().exit(result, return_code, message)

    # -- what every screen reads -------------------------------------------------------------------

    @property
    def policy(self) -> PromisePolicy:
        """Built on first use (in a worker): the holiday calendar costs a few hundred ms to load."""
        if self._policy is None:
            from callcenter.domain.promises import PromisePolicy

            self._policy = PromisePolicy()
        return self._policy

    @property
    def promise_board(self) -> PromiseBoard:
        """The signed-in agent's promises, shared by the board's panel and the promises screen."""
        if self._promise_board is None:
            from callcenter.ui.shared.promise_status import PromiseBoard

            self._promise_board = PromiseBoard()
        return self._promise_board

    def signed_in_agent(self) -> AgentView:
        """The agent a worker acts for. Signing out clears it while workers may still be running:
        those end with a refusal in words instead of an AttributeError."""
        agent = self.agent
        if agent is None:
            from callcenter.domain.errors import PermissionDenied

            raise PermissionDenied("You are signed out, so this was not done. Sign in and try again.")
        return agent

    # -- keys --------------------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Every key, click, scroll or paste counts as the agent being at the console.
        if isinstance(
            event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp, events.Paste)
        ):
            self._last_input = time.monotonic()
        if isinstance(event, events.Key):
            await self._keys_wait_for_the_screen()
        await super().on_event(event)

    def screen_on_its_way(self) -> None:
        """A key asked for a screen that a worker prepares first (an intake's draft): the keys typed
        meanwhile wait for it and land in it, not on the screen below (where `o` signs out)."""
        self._screen_on_its_way = asyncio.Event()

    def screen_arrived(self) -> None:
        """The screen on its way is pushed (or will not come): keys go on."""
        if self._screen_on_its_way is not None:
            self._screen_on_its_way.set()
            self._screen_on_its_way = None

    async def _keys_wait_for_the_screen(self) -> None:
        coming = self._screen_on_its_way
        if coming is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(coming.wait(), timeout=KEYS_WAIT_SECONDS)
            if coming is self._screen_on_its_way:  # it never came: the keys wait no longer
                self._screen_on_its_way = None
        await self.built(self.screen)  # pushed but not built yet: its first field gets the keys

    async def _on_key(self, event: events.Key) -> None:
        """A key that bubbled up unhandled runs the current screen's bindings (Textual's own
        ``App._on_key`` runs right after this). A key typed as a new screen opens (sign-out, a
        claimed call, a worker's intake) would run them before the screen has built its widgets,
        and their queries fail: the key waits for the screen instead, briefly."""
        await self.built(self.screen)

    @staticmethod
    async def built(screen: Screen) -> None:
        """Wait (briefly) until a screen just opened has built its widgets."""
        if not screen.is_mounted:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(screen._mounted_event.wait(), timeout=2.0)

    # -- failures ----------------------------------------------------------------------------------

    def report_failure(self, error: BaseException) -> None:
        message, retry = explain(error)
        # Messages quote what was typed ("'[/]' is not a date"): plain text, never markup.
        self.notify(
            message,
            title="Retrying" if retry else "Not done",
            severity="error" if not retry else "warning",
            markup=False,
        )

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The app's own workers that die on an unexpected error end up here, as a message, not a
        traceback (screens' workers land in their screen's handler: ``shared.base``)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_failure(event.worker.error)

    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's report prints locals (a child's record, say) and the message: ours prints neither."""
        from rich.text import Text

        from callcenter.ui.shared.errors import crash_report

        self.bell()
        self._exit_renderables.append(Text(crash_report(getattr(self, "_crash", None))))
        self._close_messages_no_wait()
