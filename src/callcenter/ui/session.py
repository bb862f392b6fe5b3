"""Who is at the console: signing in and out, quitting, the idle lock, the agent's own state, and the
presence report that tells supervisors this console is still here."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import messages as textual_messages
from textual import on, work
from textual.screen import Screen
from textual.timer import Timer

from callcenter.domain.roles import Permission, can
from callcenter.ui.console import ConsoleApp
from callcenter.ui.messages import SignedIn
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.warm import warm_up_screens

if TYPE_CHECKING:
    from callcenter.domain.agent_states import AwayReason
    from callcenter.domain.model import AgentState
    from callcenter.store.views import AgentView

# The collector's full passes walk every object the console made since start-up (tens of
# milliseconds); left to run by themselves they come every few screens opened, in the middle of the
# opening. They run instead when no key was pressed for a moment, and at least every two minutes.
QUIET_BEFORE_FULL_PASS = 1.5  # seconds without a key
FULL_PASS_AT_MOST_EVERY = 10.0  # seconds, while quiet
FULL_PASS_AT_LEAST_EVERY = 120.0  # seconds, quiet or not
NO_AUTOMATIC_FULL_PASS = 1_000_000  # the collector's third threshold: never reached
DEFAULT_FULL_PASS_THRESHOLD = gc.get_threshold()[2]


def full_pass_due(now: float, last_key: float, last_full_pass: float) -> bool:
    """Whether to run the collector's full pass now (monotonic seconds): the console has been quiet
    for a moment and the last pass is not recent, or the last pass is long ago, quiet or not."""
    since = now - last_full_pass
    quiet = now - last_key >= QUIET_BEFORE_FULL_PASS
    return (quiet and since >= FULL_PASS_AT_MOST_EVERY) or since >= FULL_PASS_AT_LEAST_EVERY


def restore_collector() -> None:
    """The collector's full passes back to running by themselves, for whatever runs after the console."""
    young, middle, full = gc.get_threshold()
    if full == NO_AUTOMATIC_FULL_PASS:
        gc.set_threshold(young, middle, DEFAULT_FULL_PASS_THRESHOLD)


QUIT_ANYWAY_SECONDS = 15  # after leaving was stopped, how long asking again leaves anyway
LAST_SAVE_SECONDS = 5.0  # a closed terminal's last save and sign-off wait no longer than this


class SessionApp(ConsoleApp):
    def __init__(self, *args: Any, freeze_heap: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One console per process (the command line): what start-up built lives as long as the process.
        self._freeze_heap = freeze_heap
        # The signed-in agent's own state changes one at a time; once leaving (sign-out or quit) has
        # begun, a key pressed a moment later ("r" for ready) must not set them available again.
        self._own_state_lock = threading.Lock()
        self._leaving = False
        # Leaving waits while something typed is not saved; asked again within this moment
        # (monotonic seconds), it leaves anyway and says what is lost.
        self._quit_anyway_until = 0.0
        self._leave_anyway_until = 0.0
        self._waiting_to_leave: bool | None = None  # leave (True: quit) once the outbox is saved
        self._left = False  # offline already: the terminal closing has nothing more to do
        self.outbox.on_change(self._outbox_changed)
        self._presence_timer: Timer | None = None  # reports this console while someone is signed in
        self._last_full_pass = 0.0  # time.monotonic() of the collector's last full pass
        self._quiet_pass_timer: Timer | None = None
        self._screens_warm = False  # every screen's styles loaded ahead of its first opening (warm.py)

    # -- signing in --------------------------------------------------------------------------------

    def start_session(self) -> None:
        """The first screen: the sign-in screen, or straight in for an agent named by the caller."""
        from callcenter.ui.screens.signin.signin import SignInScreen

        self._close_gently_on_hangup()
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
        from callcenter.ui.screens.signin.signin import SignInScreen

        try:
            agent = agents.open_session(self.db, username, self.clock())
        except Exception as error:  # noqa: BLE001 - shown on the sign-in screen
            self.call_from_thread(self.push_screen, SignInScreen(error=explain(error)[0]))
            return
        self.call_from_thread(self.post_message, SignedIn(agent))

    @on(SignedIn)
    def _signed_in(self, event: SignedIn) -> None:
        from callcenter.ui.screens.board.board import QueueBoardScreen

        self.agent = event.agent
        self._left = False
        self.sub_title = f"{event.agent.display_name} · {event.agent.role.value}"
        self._start_reporting_presence()
        if len(self.screen_stack) > 1:
            self.switch_screen(QueueBoardScreen())
        else:
            self.push_screen(QueueBoardScreen())
        if can(event.agent.role, Permission.WORK_CASELOAD):  # the care team's home: their families
            from callcenter.ui.screens.caseload.caseload import CaseloadScreen

            self.push_screen(CaseloadScreen())
        if self._freeze_heap:
            self._freeze_heap = False
            self.set_timer(1.0, self._settle_heap)

    def start_up_loaded(self) -> None:
        """The data layer and the board's modules are loaded (the rep is still signing in): they are
        settled now, so a full pass does not walk them as the board is first shown."""
        if self._freeze_heap:
            self._settle_heap()

    def _settle_heap(self) -> None:
        """Modules, styles and the board stay for the whole session. Left to the garbage collector,
        every full pass walks all of them again, pausing whatever screen is opening then by a tenth of a
        second; frozen, the passes see only what screens made since."""
        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, NO_AUTOMATIC_FULL_PASS)
        self._last_full_pass = time.monotonic()
        if self._quiet_pass_timer is None:
            self._quiet_pass_timer = self.set_interval(1.0, self._full_pass_when_quiet)

    @property
    def screens_warm(self) -> bool:
        """Every screen's styles are loaded (at the first quiet moment after signing in)."""
        return self._screens_warm

    def screen_types(self) -> list[type[Screen[Any]]]:
        """Every screen this console can open (warmed up ahead of their first opening)."""
        return []

    def _full_pass_when_quiet(self) -> None:
        now = time.monotonic()
        if not self._screens_warm and self.agent is not None and now - self._last_input >= QUIET_BEFORE_FULL_PASS:
            # Signed in and not typing: what each screen's first opening would load, loaded now and
            # settled with the rest of start-up.
            self._screens_warm = True
            try:
                warm_up_screens(self, self.screen_types())
            except Exception:  # noqa: BLE001 - each screen then loads its own styles as it opens, as before
                pass
            self._settle_heap()
            return
        if full_pass_due(now, self._last_input, self._last_full_pass):
            gc.collect()
            self._last_full_pass = now

    def show_startup_problem(self, message: str) -> None:
        from callcenter.ui.screens.signin.signin import SignInScreen

        for screen in self.screen_stack:
            if isinstance(screen, SignInScreen):
                screen.show_database_problem(message)

    def agent_refreshed(self, agent: AgentView) -> bool:
        """A fresher reading of the signed-in agent (the board's refresh, a state change). False, and
        ignored, once signing out has begun: it must not sign the agent back in."""
        if self.agent is None or self._leaving or agent.id != self.agent.id:
            return False
        # The reading says who the agent is now; which console they are on stays this console's.
        self.agent = replace(agent, console_token=self.agent.console_token)
        return True

    # -- the idle lock -------------------------------------------------------------------------------

    def _check_idle(self) -> None:
        if self.idle_lock_seconds is None or self.agent is None or self.locked:
            return
        idle = time.monotonic() - self._last_input
        if idle >= self.idle_lock_seconds:
            quiet = f"{int(idle)} seconds" if idle < 90 else f"{round(idle / 60)} minutes"
            self.lock(f"Locked after {quiet} without a key pressed, so no one else sees a child's record.")

    @property
    def locked(self) -> bool:
        from callcenter.ui.screens.signin.lock import LockScreen

        return any(isinstance(screen, LockScreen) for screen in self.screen_stack)

    def lock(self, reason: str) -> None:
        """Hide everything behind the lock screen; what was below comes back as it was when unlocked."""
        from callcenter.ui.screens.signin.lock import LockScreen

        if self.agent is None or self.locked:
            return
        self.push_screen(LockScreen(self.agent.display_name, self.agent.username, reason), self._unlocked)

    def _unlocked(self, _result: bool | None) -> None:
        self._last_input = time.monotonic()

    def action_lock(self) -> None:
        self.lock("Locked by its agent.")

    # -- leaving ---------------------------------------------------------------------------------------

    def sign_out(self) -> None:
        """Offline and back to sign-in from anywhere, once what was typed is saved. While something
        cannot be saved, the console says so and waits for it; asked again soon after, it signs out
        anyway and says what is lost."""
        self._leave(then_exit=False, anyway=time.monotonic() < self._leave_anyway_until)

    async def action_quit(self) -> None:
        """Quitting saves what was typed and sets the agent offline first, so supervisors never see (nor
        give callers to) an agent who has gone; the same waiting, and the same 'again to quit anyway'."""
        if self.agent is None or not self.database_open:
            self.exit()
            return
        self._leave(then_exit=True, anyway=time.monotonic() < self._quit_anyway_until)

    def _leave(self, *, then_exit: bool, anyway: bool = False) -> None:
        if self._leaving:
            return
        self._leaving = True
        self._waiting_to_leave = None
        self._go_offline(self.agent, then_exit, anyway)

    @work(thread=True, exclusive=True, group="agent-state", exit_on_error=False)
    def _go_offline(self, agent: AgentView | None, then_exit: bool, anyway: bool) -> None:
        from callcenter.store import agents

        with self._own_state_lock:
            left = self.outbox.flush(agent.id) if agent is not None else []
            if left and not anyway:
                self._leaving = False
                self.call_from_thread(self._wait_to_leave, then_exit)
                return
            lost = self.outbox.summary() if left else ""
            try:
                if agent is not None:  # offline, unless the agent has since signed in on another console
                    agents.sign_out(self.db, agent.id, agent.console_token, self.clock())
            except Exception as error:  # noqa: BLE001 - said, and the console stays open (unless leaving anyway)
                if not anyway:
                    self._leaving = False
                    self.call_from_thread(self._could_not_leave, error, then_exit)
                    return
            self._left = True
        if then_exit:
            self.call_from_thread(self.exit, None, 0, f"Quit without saving {lost}." if lost else None)
        else:
            message = f"Signed out without saving {lost}." if lost else ""
            self.call_from_thread(lambda: self.call_later(self.show_sign_in, message))

    def _wait_to_leave(self, then_exit: bool) -> None:
        """Something typed is not saved: stay, say what, and leave by itself once it is saved."""
        what = self.outbox.summary()
        again = "ctrl+q again quits" if then_exit else "signing out again (o) signs out"
        if then_exit:
            self._quit_anyway_until = time.monotonic() + QUIT_ANYWAY_SECONDS
        else:
            self._leave_anyway_until = time.monotonic() + QUIT_ANYWAY_SECONDS
        self._waiting_to_leave = then_exit
        how = (
            "A conflict waits for you: open it and press ctrl+r to choose. "
            if any(draft.conflict for draft in self.outbox.unsaved)
            else ""
        )
        self.notify(
            f"Not saved yet: {what}. {how}You {'quit' if then_exit else 'are signed out'} as soon as it is "
            f"saved; {again} now and loses it.",
            title="Waiting to save",
            severity="warning",
            timeout=QUIT_ANYWAY_SECONDS,
            markup=False,
        )

    def _outbox_changed(self) -> None:
        if self._waiting_to_leave is not None and not self.outbox.unsaved and not self._leaving:
            self._leave(then_exit=self._waiting_to_leave)

    def _could_not_leave(self, error: BaseException, then_exit: bool) -> None:
        message, _ = explain(error)
        if then_exit:
            self._quit_anyway_until = time.monotonic() + QUIT_ANYWAY_SECONDS
            self.notify(
                f"{message} Press ctrl+q again to quit anyway.",
                title="Not quit yet",
                severity="error",
                timeout=QUIT_ANYWAY_SECONDS,
                markup=False,
            )
        else:
            self._leave_anyway_until = time.monotonic() + QUIT_ANYWAY_SECONDS
            self.notify(
                f"{message} Sign out again to sign out anyway.",
                title="Not signed out",
                severity="error",
                timeout=15,
                markup=False,
            )

    def _close_gently_on_hangup(self) -> None:
        """A dropped SSH session (SIGHUP) or a stop from outside (SIGTERM) ends the console the way a
        closed browser tab does: what can be saved is saved and the agent goes offline first."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, lambda: self.post_message(textual_messages.ExitApp()))

    async def _on_exit_app(self) -> None:
        """The terminal went away without signing out (a closed browser tab, a dropped SSH session):
        save what can be saved and go offline, for a few seconds at most, before Textual exits."""
        restore_collector()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
        agent = self.agent
        if agent is None or self._left:
            return
        self._left = True

        def last_save() -> None:
            from callcenter.store import agents

            self.outbox.flush(agent.id, on_app_thread=False)
            agents.sign_out(self.db, agent.id, agent.console_token, self.clock())

        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.to_thread(last_save), timeout=LAST_SAVE_SECONDS)

    def account_disabled(self) -> None:
        """A supervisor disabled the signed-in account (seen by the board's refresh): close every
        screen now rather than when the agent signs out. Drafts are saved as they are typed, and
        disabling already set the agent offline."""
        if self.agent is None:
            return
        self.agent = None
        self.call_later(self.show_sign_in, "A supervisor has disabled this account. Ask them to enable it.")

    async def show_sign_in(self, error: str = "") -> None:
        from callcenter.ui.screens.signin.signin import SignInScreen

        self.agent = None
        self._leaving = False
        self._waiting_to_leave = None
        self.outbox.drop_all()
        if self._presence_timer is not None:
            self._presence_timer.stop()
            self._presence_timer = None
        # No app-wide subtitle change here: every screen being closed has a Header still watching it,
        # and one caught halfway through closing fails on the change (the sign-in screen has none).
        while len(self.screen_stack) > 1:
            # One opened a moment ago (the lock, a worker's intake) may still be building: closed
            # halfway, its on_mount finds its widgets gone and fails.
            await self.built(self.screen)
            self.pop_screen()
        self.push_screen(SignInScreen(error=error))

    # -- the agent's own state and presence ------------------------------------------------------------

    def change_own_state(self, target: AgentState, reason: AwayReason | None = None) -> AgentView | None:
        """The signed-in agent sets their own state (from a worker thread). None when signing out or
        quitting has begun: the agent is on the way offline and stays there."""
        from callcenter.store import agents

        with self._own_state_lock:
            agent = self.agent
            if self._leaving or agent is None:
                return None
            return agents.change_state(self.db, agent.id, agent.id, target, self.clock(), reason)

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
            still_here = agents.report_presence(self.db, agent.id, self.clock(), agent.console_token)
        except Exception:  # noqa: BLE001 - the board reports a database that is away; the next report retries
            return
        if not still_here:
            self._taken_over(agent)

    def _taken_over(self, agent: AgentView) -> None:
        """(In a worker.) The agent signed in on another console: this one saves what was typed and
        goes back to the sign-in screen, leaving the agent's state to the console they are on now."""
        with self._own_state_lock:
            if self.agent is not agent or self._leaving:
                return
            self._leaving = True
            left = self.outbox.flush(agent.id)
            lost = self.outbox.summary() if left else ""
            self._left = True
        message = f"{agent.display_name} signed in on another console, so this one has signed out." + (
            f" Not saved: {lost}." if lost else " Everything typed here was saved."
        )
        self.call_from_thread(lambda: self.call_later(self.show_sign_in, message))
