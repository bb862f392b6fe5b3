"""The one place screens are opened from: a screen asks the app (``app.open_promises()``), so no
screen area imports another, and the command palette reaches the same places."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand
from textual.screen import Screen

from callcenter.ui.session import SessionApp

if TYPE_CHECKING:  # the data layer loads behind the sign-in screen, not before it paints
    from callcenter.domain.directory import LookupQuery
    from callcenter.store.intakes import DraftView
    from callcenter.store.views import CallView
    from callcenter.ui.screens.board.board import QueueBoardScreen


class NavigationApp(SessionApp):
    # -- the board and the screens it opens ----------------------------------------------------------

    def board_screen(self) -> QueueBoardScreen | None:
        """The queue board, when it is in the stack (it is whenever someone is signed in)."""
        from callcenter.ui.screens.board.board import QueueBoardScreen

        return next((screen for screen in self.screen_stack if isinstance(screen, QueueBoardScreen)), None)

    def action_show_board(self) -> None:
        from callcenter.ui.screens.board.board import QueueBoardScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, QueueBoardScreen):
            self.pop_screen()

    def open_call(self, call: CallView) -> None:
        from callcenter.ui.screens.call.call_panel import CallScreen

        self.push_screen(CallScreen(call))

    def open_promises(self) -> None:
        from callcenter.ui.screens.promises.promises import PromisesScreen

        self.push_screen(PromisesScreen())

    def open_consult_request(self, call: CallView | None = None) -> None:
        """A PCP's medication question; during a call, prefilled with the caller's number."""
        from callcenter.ui.screens.consults.request_form import ConsultFormScreen

        self.push_screen(ConsultFormScreen(call.id if call else None, call.caller_number if call else None))

    def open_my_consults(self) -> None:
        from callcenter.ui.screens.consults.my_consults import ConsultsScreen

        self.push_screen(ConsultsScreen())

    def open_caseload(self) -> None:
        from callcenter.ui.screens.caseload.caseload import CaseloadScreen

        self.push_screen(CaseloadScreen())

    def open_monitor(self) -> None:
        from callcenter.ui.screens.monitor.monitor import MonitorScreen

        self.push_screen(MonitorScreen())

    def open_contact_log(self) -> None:
        from callcenter.ui.screens.contact_log.log import ContactLogScreen

        self.push_screen(ContactLogScreen())

    # -- from anywhere -------------------------------------------------------------------------------

    def action_help(self) -> None:
        from callcenter.config import max_failed_sign_ins
        from callcenter.ui.keymap import key_map, markdown_table, settings_words
        from callcenter.ui.shared.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        settings = settings_words(self.idle_lock_seconds, max_failed_sign_ins())
        self.push_screen(HelpScreen(markdown_table(key_map(type(self), settings, first=type(self.screen)))))

    def action_lookup(
        self,
        query: LookupQuery | None = None,
        intake_id: int | None = None,
        on_close: Callable[[None], None] | None = None,
    ) -> None:
        from callcenter.ui.screens.lookup.lookup import LookupScreen

        if self.agent is None or isinstance(self.screen, LookupScreen):
            return
        self.push_screen(LookupScreen(query, intake_id=intake_id), on_close)

    def may_read_audit(self) -> bool:
        from callcenter.domain.roles import Permission, can

        return self.agent is not None and can(self.agent.role, Permission.READ_AUDIT)

    def action_audit_trail(self) -> None:
        """Supervisors only (the store refuses anyone else too); from the monitor's t or the palette."""
        from callcenter.ui.screens.audit.audit import AuditScreen

        if not self.may_read_audit() or isinstance(self.screen, AuditScreen):
            return
        self.push_screen(AuditScreen())

    def open_intake(self, call_id: int | None = None, contact_id: int | None = None) -> None:
        """Start (or reopen) the agent's intake for a call or a logged contact, or a new one by hand.
        What is typed while its draft is made lands in it."""
        self.screen_on_its_way()
        self._start_intake(call_id, contact_id)

    @work(thread=True, exclusive=True, group="intake-open", exit_on_error=False)
    def _start_intake(self, call_id: int | None, contact_id: int | None) -> None:
        from callcenter.store import contacts, intakes

        try:
            agent_id = self.signed_in_agent().id
            if contact_id is not None:
                draft = contacts.start_intake(self.db, agent_id, contact_id, self.clock())
            else:
                draft = intakes.start(self.db, agent_id, self.clock(), call_id=call_id)
        except BaseException:
            self.call_from_thread(self.screen_arrived)  # it will not come; the failure is reported
            raise
        self.call_from_thread(self.show_intake, draft)

    def show_intake(self, draft: DraftView) -> None:
        from callcenter.ui.screens.intake.screen import IntakeScreen

        try:
            if self.agent is None:  # signed out while the draft was opening: it stays saved for next time
                return
            self.push_screen(IntakeScreen(draft))
        finally:
            self.screen_arrived()

    def open_child_record(self, child_id: int, screen_name: str) -> None:
        """The full record of a child, on purpose (a key press); the store audits the opening."""
        self._open_child_record(child_id, screen_name)

    @work(thread=True, exclusive=True, group="child-record", exit_on_error=False)
    def _open_child_record(self, child_id: int, screen_name: str) -> None:
        from callcenter.store import records
        from callcenter.ui.shared.records import ChildRecordScreen

        record = records.open_child_record(self.db, self.signed_in_agent().actor, child_id, screen_name, self.clock())
        self.call_from_thread(self.push_screen, ChildRecordScreen(record))

    # -- the command palette and what may run ---------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: key map", "Every key of the console", self.action_help)
        if self.agent is not None:
            yield SystemCommand("Provider lookup", "Search the resource directory", self.action_lookup)
        if self.may_read_audit():
            yield SystemCommand("Audit trail", "Who did what to which record, and when", self.action_audit_trail)
        board = self.board_screen() if self.agent is not None else None
        if board is not None:
            yield SystemCommand("Queue board", "The lines and their waiting callers", self.action_show_board)
            yield SystemCommand("Take next caller", "Claim the next waiting caller", board.action_take_next)
            yield SystemCommand("Current call", "Open the call you are on", board.action_open_call)
            yield SystemCommand("New intake", "Start an intake by hand (fax, web referral)", board.action_new_intake)
            yield SystemCommand("Contact log", "Every call, TTY session and fax; log a fax", board.action_contact_log)
            yield SystemCommand("State: available", "Ready for the next caller", board.action_available)
            yield SystemCommand("State: away", "Step away from the queue", board.action_away)
            yield SystemCommand("Sign out", "Go offline and return to sign-in", board.action_sign_out)

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
            from callcenter.ui.screens.lookup.lookup import LookupScreen

            return not isinstance(self.screen, LookupScreen)
        if action == "audit_trail":
            if not self.may_read_audit():
                return False
            from callcenter.ui.screens.audit.audit import AuditScreen

            return not isinstance(self.screen, AuditScreen)
        return True
