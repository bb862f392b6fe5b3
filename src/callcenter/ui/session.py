"""Who is at the console: signing in and out, quitting, the idle lock, the agent's own state, and the
presence report that tells supervisors this console is still here."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.timer import Timer

from callcenter.ui.console import ConsoleApp
from callcenter.ui.messages import SignedIn
from callcenter.ui.shared.autosave import KeepsTyping
from callcenter.ui.shared.errors import explain

if TYPE_CHECKING:
    from callcenter.domain.model import AgentState
    from callcenter.store.views import AgentView

QUIT_ANYWAY_SECONDS = 15  # after quitting was stopped, how long a second ctrl+q quits without trying again


class SessionApp(ConsoleApp):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The signed-in agent's own state changes one at a time; once leaving (sign-out or quit) has
        # begun, a key pressed a moment later ("r" for ready) must not set them available again.
        self._own_state_lock = threading.Lock()
        self._leaving = False
        # Quitting failed to save or go offline: a ctrl+q within this moment (monotonic seconds) just quits.
        self._quit_anyway_until = 0.0
        self._presence_timer: Timer | None = None  # reports this console while someone is signed in

    # -- signing in --------------------------------------------------------------------------------

    def start_session(self) -> None:
        """The first screen: the sign-in screen, or straight in for an agent named by the caller."""
        from callcenter.ui.screens.signin.signin import SignInScreen

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
        self.sub_title = f"{event.agent.display_name} · {event.agent.role.value}"
        self._start_reporting_presence()
        if len(self.screen_stack) > 1:
            self.switch_screen(QueueBoardScreen())
        else:
            self.push_screen(QueueBoardScreen())

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
        self.agent = agent
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
        saves = (
            []
            if agent is None
            else [
                save
                for screen in self.screen_stack
                if isinstance(screen, KeepsTyping) and (save := screen.final_save(agent.id)) is not None
            ]
        )
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
            except Exception as error:  # noqa: BLE001 - said, and the console stays open
                self._leaving = False
                self.call_from_thread(self._could_not_leave, error, step == "save", then_exit)
                return
        self.call_from_thread(self.exit if then_exit else self.show_sign_in)

    def _could_not_leave(self, error: BaseException, unsaved: bool, then_exit: bool) -> None:
        message, _ = explain(error)
        kept = " What you typed last is still on screen, not saved." if unsaved else ""
        if then_exit:
            self._quit_anyway_until = time.monotonic() + QUIT_ANYWAY_SECONDS
            self.notify(
                f"{message}{kept} Press ctrl+q again to quit anyway.",
                title="Not quit yet",
                severity="error",
                timeout=QUIT_ANYWAY_SECONDS,
                markup=False,
            )
        else:
            self.notify(f"{message}{kept}", title="Not signed out", severity="error", timeout=15, markup=False)

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

    def change_own_state(self, target: AgentState) -> AgentView | None:
        """The signed-in agent sets their own state (from a worker thread). None when signing out or
        quitting has begun: the agent is on the way offline and stays there."""
        from callcenter.store import agents

        with self._own_state_lock:
            agent = self.agent
            if self._leaving or agent is None:
                return None
            return agents.change_state(self.db, agent.id, agent.id, target, self.clock())

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
