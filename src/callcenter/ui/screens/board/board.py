"""Home: the queue board. Every line, its waiting callers, and one key to take the next."""

from __future__ import annotations

import contextlib
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Static
from textual.worker import Worker

from callcenter.domain.agent_states import AwayReason
from callcenter.domain.lines import LINE_CODES
from callcenter.domain.model import AgentState, Priority
from callcenter.domain.phone import format_phone
from callcenter.domain.promises import PromiseStatus
from callcenter.domain.roles import Permission, can
from callcenter.domain.timefmt import format_local, format_wait
from callcenter.resources import styles_dir
from callcenter.store import audit, calls, consults, intakes, promises
from callcenter.store.consults import ConsultView
from callcenter.store.errors import StoreError
from callcenter.store.intakes import DraftView
from callcenter.store.promises import PromiseView
from callcenter.store.views import AgentView, BoardSnapshot, CallView, WaitingCall
from callcenter.ui.screens.board.resume_draft import ResumeDraftScreen
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.dialogs import PickScreen
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.table import Column, FittedTable
from callcenter.ui.shared.widgets import ConsoleHeader, highlighted_key

LINE_FILTERS: tuple[str | None, ...] = (None, *LINE_CODES)
PRIORITY_STYLE = {Priority.EMERGENCY: "bold reverse red", Priority.HIGH: "bold yellow", Priority.NORMAL: ""}
MAX_BACKOFF_TICKS = 10
PROMISES_EVERY = 5  # ticks between reads of the agent's promises; countdowns repaint every tick
SWEEP_EVERY = 30  # ticks between escalation sweeps (any terminal's sweep serves the whole line)
FULL_READ_EVERY = 30  # ticks between board reads made whatever the change stamp says (belt and braces)
COVERED_READ_EVERY = 5  # ticks between board reads while another screen covers the board (a disabled
# agent is still signed out within seconds; the screen on top has the machine the rest of the time)


LINE_COLUMNS = (
    Column("Line", "line", 30, grow=1, min_width=18, max_width=40),
    Column("Number", "number", 14),
    Column("Waiting", "waiting", 7),
    Column("Longest", "longest", 7),
    Column("On call", "on_call", 7),
)
WAITING_COLUMNS = (
    Column("Priority", "priority", 9),
    Column("Line", "line", 4),
    Column("Caller", "caller", 22, grow=1, min_width=14, max_width=30),
    Column("Waiting", "wait", 7),
    Column("Arrived", "arrived", 8),
)


class QueueBoardScreen(ConsoleScreen[None]):
    CSS_PATH = styles_dir() / "board.tcss"
    HOLD_PAINT_SECONDS = 0.25  # first painted with its lines and callers (see FirstPaintWithData)
    KEY_HELP = {
        "take_next": "take the next caller: emergencies first, then the longest wait",
        "cycle_line": "line to take from: all, 877, 866, TTY, fax, web",
        "open_call": "open the call you are on",
        "new_intake": "new intake by hand (a fax or web referral)",
        "promises": "my promises: every open promise I own, with its countdown",
        "consult_request": "medication consult request from a PCP (prefilled with the caller's number when on a call)",
        "my_consults": "(psychiatrists) my consults, urgent first; (supervisors) the unassigned ones",
        "caseload": "(case managers, peer specialists) my families; (supervisors) families waiting for a team",
        "contact_log": "contact log: every call, TTY session and fax",
        "monitor": "(supervisors) live monitor: lines, agents, promises, calls per hour, staffing",
        "app.lookup": "provider lookup (as `F3`)",
        "available": "available / ready again after wrap-up",
        "away": "away, with why: a break, training, a meeting or outbound work (the reports add it up)",
        "sign_out": "sign out (offline)",
    }
    BINDINGS = [
        Binding("t", "take_next", "Take next", priority=True),
        Binding("f", "cycle_line", "Line filter"),
        Binding("c", "open_call", "Call"),
        Binding("n", "new_intake", "New intake"),
        Binding("p", "promises", "Promises"),
        Binding("k", "consult_request", "Consult req"),
        Binding("m", "my_consults", "My consults"),
        Binding("h", "caseload", "Families"),
        Binding("g", "contact_log", "Contact log"),
        Binding("s", "monitor", "Monitor"),
        Binding("l", "app.lookup", "Lookup", show=False),
        Binding("a", "available", "Available"),
        Binding("r", "available", "Ready", show=False),
        Binding("w", "away", "Away"),
        Binding("o", "sign_out", "Sign out"),
    ]

    line_filter: reactive[str | None] = reactive(None)

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: BoardSnapshot | None = None
        self._fetching = False
        self._failures = 0
        self._skip_ticks = 0
        self._last_good: datetime | None = None
        self._ticks = 0
        self._seen_version: int | None = None  # the change stamp the shown board was read at
        self._unassigned_offered: set[int] = set()  # consults this psychiatrist was told of already
        self._started_the_rest = False  # the sign-in reads that wait for the board's first (promises, drafts)

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with Horizontal(id="status-bar"):
            yield Static("", id="agent-status", markup=False)
            yield Static("", id="clock", markup=False)
        yield Static("", id="db-status", markup=False)
        yield Static("", id="unsaved", markup=False)
        yield Static("Lines", classes="section-title")
        yield FittedTable(LINE_COLUMNS, id="lines", cursor_type="none")
        yield Static("", id="waiting-title", classes="section-title", markup=False)
        with Vertical(id="waiting-box"):
            yield FittedTable(WAITING_COLUMNS, id="waiting")
        yield Static("", id="my-call", markup=False)
        yield Static("", id="my-promises", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self._render_waiting_title()
        self.refresh_board()
        self._ticks = 1
        self.set_interval(self.app.refresh_seconds, self._tick)
        self.app.outbox.on_change(self._paint_unsaved)
        self._paint_unsaved()

    def on_unmount(self) -> None:
        self.app.outbox.off_change(self._paint_unsaved)

    def _paint_unsaved(self) -> None:
        """Typing the database has not confirmed, whatever screen it was typed on: said until saved."""
        if not self.is_mounted:
            return
        banner = self.query_one("#unsaved", Static)
        what = self.app.outbox.summary()
        banner.update(f"Not saved yet: {what}. Kept in this console and tried again by itself." if what else "")
        banner.set_class(bool(what), "visible")

    # -- data ------------------------------------------------------------------------------

    def _tick(self) -> None:
        if self.in_sight:
            self._paint_clocks()
        self._ticks += 1
        if self._ticks % PROMISES_EVERY == 1:
            self.refresh_promises(sweep=self._ticks % SWEEP_EVERY == 1)
        if self._skip_ticks > 0:
            self._skip_ticks -= 1
            return
        if not self.in_sight and self._ticks % COVERED_READ_EVERY:
            return  # read whole when it comes back (on_screen_resume)
        self.refresh_board(whole=self._ticks % FULL_READ_EVERY == 0)

    def on_screen_resume(self) -> None:
        """Back from a call, an intake or any screen: what it changed shows at once."""
        if self.snapshot is not None:
            self.refresh_board(whole=True)

    def refresh_board(self, whole: bool = False) -> None:
        """Each tick reads the board's change stamp and the board only when it moved; ``whole``
        reads the board anyway."""
        if self._fetching:  # one read at a time; the next tick asks again
            return
        self._fetching = True
        seen = None if whole or self.snapshot is None else self._seen_version
        self.run_worker(lambda: self._read_board(seen), thread=True, group="board-refresh", exit_on_error=False)

    def _read_board(self, seen: int | None) -> None:
        try:
            agent = self.app.agent
            version, snapshot = calls.board_if_changed(self.app.db, agent.id if agent else None, seen)
            self.app.call_from_thread(self._apply, snapshot, version)
        finally:
            self._fetching = False

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        if worker.group == "board-refresh":  # the board keeps its last data, says why and retries
            self._fetch_failed(error)
            return True
        if worker.group == "board-promises":  # the board's own banner reports a database problem
            return True
        return False

    def _fetch_failed(self, error: BaseException) -> None:
        self._first_read_done()
        self._failures += 1
        self._skip_ticks = min(2 ** (self._failures - 1), MAX_BACKOFF_TICKS) - 1
        message, _ = explain(error)
        since = f" Showing data from {format_local(self._last_good, with_date=False)}." if self._last_good else ""
        status = self.query_one("#db-status", Static)
        status.update(f"⚠ {message}{since}")
        status.add_class("visible")

    def _apply(self, snapshot: BoardSnapshot | None, version: int) -> None:
        """``snapshot`` None: nothing changed since the board shown, which is still the database's."""
        try:
            self._apply_read(snapshot, version)
        finally:
            self._first_read_done()

    def _first_read_done(self) -> None:
        """The board's first frame is painted with its first read (or why it failed); what else it
        reads at sign-in starts then, so that read has the machine to itself."""
        self.data_shown()
        if self._started_the_rest:
            return
        self._started_the_rest = True
        # Deadlines missed while no console was open are flagged at sign-in, not a tick later.
        self.refresh_promises(sweep=True)
        self.offer_unfinished_drafts()

    def _apply_read(self, snapshot: BoardSnapshot | None, version: int) -> None:
        self._failures = 0
        self._last_good = self.app.clock()
        self.query_one("#db-status", Static).remove_class("visible")
        self._seen_version = version
        if snapshot is None:
            return
        self.snapshot = snapshot
        if snapshot.me is not None and not snapshot.me.active:
            self.app.account_disabled()
            return
        if snapshot.me is not None:
            self.app.agent_refreshed(snapshot.me)
        if not self.in_sight:
            return  # covered by another screen: painted whole when it comes back (on_screen_resume)
        self._apply_lines(snapshot)
        self._apply_waiting(self._visible_waiting())
        self._paint_clocks()

    def _visible_waiting(self) -> list[WaitingCall]:
        if self.snapshot is None:
            return []
        return [c for c in self.snapshot.waiting if self.line_filter in (None, c.line_code)]

    def _apply_lines(self, snapshot: BoardSnapshot) -> None:
        table = self.query_one("#lines", DataTable)
        now = self.app.clock()
        for line in snapshot.lines:
            longest = format_wait(now - line.oldest_arrival) if line.oldest_arrival else "—"
            cells = {
                # Text, not str: a DataTable reads a str cell as markup, and these are the database's words.
                "line": Text(f"{line.code:<4} {line.name}"),
                "number": Text(format_phone(line.phone_number) or "web form"),
                "waiting": Text(str(line.waiting), style="bold" if line.waiting else "dim"),
                "longest": longest,
                "on_call": str(line.on_call),
            }
            if line.code in table.rows:
                for column, value in cells.items():
                    table.update_cell(line.code, column, value)
            else:
                table.add_row(*cells.values(), key=line.code)

    def _apply_waiting(self, waiting: list[WaitingCall]) -> None:
        """Update rows in place by key; rebuild only when the order itself changed."""
        table = self.query_one("#waiting", DataTable)
        wanted = [str(call.id) for call in waiting]
        wanted_set = set(wanted)
        current = [str(row.key.value) for row in table.ordered_rows]
        gone = [key for key in current if key not in wanted_set]
        kept = [key for key in current if key in wanted_set]
        if kept != wanted[: len(kept)]:
            selected = highlighted_key(table)
            table.clear()
            for call in waiting:
                table.add_row(*self._waiting_cells(call), key=str(call.id))
            self._restore_cursor(table, selected)
        else:
            for key in gone:
                table.remove_row(key)
            for call in waiting[len(kept) :]:
                table.add_row(*self._waiting_cells(call), key=str(call.id))
        self._render_waiting_title()

    def _waiting_cells(self, call: WaitingCall) -> list:
        return [
            Text(
                call.priority.label.upper() if call.priority else "normal", style=PRIORITY_STYLE[call.priority] or "dim"
            ),
            Text(call.line_code),
            Text(format_phone(call.caller_number) or "web referral"),
            format_wait(self.app.clock() - call.arrived_at),
            format_local(call.arrived_at, with_date=False),
        ]

    @staticmethod
    def _restore_cursor(table: DataTable, key: str | None) -> None:
        if key is not None and key in table.rows:
            table.move_cursor(row=table.get_row_index(key))

    def _paint_clocks(self) -> None:
        now = self.app.clock()
        self.query_one("#clock", Static).update(format_local(now))
        agent = self.app.agent
        if agent is not None:
            since = format_wait(now - agent.state_since) if agent.state_since else ""
            self.query_one("#agent-status", Static).update(
                f"{agent.display_name} · {agent.role.value}   ● {agent.state.label} {since}"
            )
            bar = self.query_one("#agent-status", Static)
            for state in AgentState:
                bar.set_class(agent.state == state, f"state-{state.value}")
        if self.snapshot is None:
            return
        waiting_table = self.query_one("#waiting", DataTable)
        for call in self._visible_waiting():
            key = str(call.id)
            if key in waiting_table.rows:
                waiting_table.update_cell(key, "wait", format_wait(now - call.arrived_at))
        lines_table = self.query_one("#lines", DataTable)
        for line in self.snapshot.lines:
            if line.code in lines_table.rows and line.oldest_arrival:
                lines_table.update_cell(line.code, "longest", format_wait(now - line.oldest_arrival))
        self._paint_my_call(now)
        self._paint_promises(now)

    def _paint_my_call(self, now: datetime) -> None:
        bar = self.query_one("#my-call", Static)
        call = self.snapshot.my_call if self.snapshot else None
        agent = self.app.agent
        if call is not None:
            talking = format_wait(now - call.answered_at) if call.answered_at else ""
            bar.update(
                f"On call with {format_phone(call.caller_number) or 'web referral'} "
                f"({call.line_code}) · {talking} — press c to open the call"
            )
            bar.set_classes("on-call")
        elif agent is not None and agent.state == AgentState.WRAP_UP:
            bar.update("Wrap-up — finish your notes, then press r when ready for the next caller")
            bar.set_classes("wrap-up")
        else:
            bar.update("")
            bar.set_classes("")

    @work(thread=True, exclusive=True, group="board-promises", exit_on_error=False)
    def refresh_promises(self, sweep: bool = False) -> None:
        agent = self.app.agent
        if agent is None:
            return
        policy = self.app.policy  # built here, off the UI thread, the first time
        if sweep:
            promises.sweep(self.app.db, self.app.clock(), policy)
            consults.release_from_off_shift(self.app.db, self.app.clock())
            if can(agent.role, Permission.RETURN_CONSULTS):
                waiting = consults.unassigned(self.app.db, agent.id)
                self.app.call_from_thread(self._offer_unassigned, waiting)
            with contextlib.suppress(StoreError):  # another console is sealing: the next sweep goes on
                audit.seal(self.app.db, only_if_free=True)
        rows = promises.open_for(self.app.db, agent.id)
        self.app.call_from_thread(self._promises_loaded, rows)

    def _offer_unassigned(self, waiting: list[ConsultView]) -> None:
        """A psychiatrist on shift is told of consults nobody has, once each, soonest deadline first."""
        new = [consult for consult in waiting if consult.id not in self._unassigned_offered]
        self._unassigned_offered = {consult.id for consult in waiting}
        if not new:
            return
        first = new[0]
        urgent = sum(consult.urgency == "urgent" for consult in new)
        self.notify(
            f"{len(new)} consult(s) wait for a psychiatrist{f', {urgent} urgent' if urgent else ''}; the first "
            f"is due {format_local(first.due_at)[:-3]}. m then u lists them; t takes one.",
            title="Unassigned consults",
            severity="warning",
            timeout=15,
            markup=False,
        )

    def _promises_loaded(self, rows: list[PromiseView]) -> None:
        board = self.app.promise_board
        board.rows = rows
        self._paint_promises(self.app.clock())
        board.announce(self.app, self.app.clock())

    def _paint_promises(self, now: datetime) -> None:
        panel = self.query_one("#my-promises", Static)
        board = self.app.promise_board
        if not board.rows:
            panel.display = False
            return
        states = board.states(self.app, now)
        overdue = sum(1 for _, state in states if state.status is PromiseStatus.OVERDUE)
        soon = sum(1 for _, state in states if state.status is PromiseStatus.DUE_SOON)
        first, state = states[0]
        panel.display = True
        panel.update(
            f"Promises: {len(states)} open · {overdue} overdue · {soon} due soon — next: "
            f"{first.title[:48]} ({state.countdown}, {self.app.policy.counts_in(first.kind.value)} time) · p: open"
        )
        panel.set_class(overdue > 0, "overdue")
        panel.set_class(overdue == 0 and soon > 0, "due-soon")

    def _render_waiting_title(self) -> None:
        shown = len(self._visible_waiting())
        total = self.snapshot.waiting_total if self.snapshot else 0
        which = f"line {self.line_filter}" if self.line_filter else "all lines"
        more = f", showing the first {shown}" if self.line_filter is None and total > shown else ""
        self.query_one("#waiting-title", Static).update(
            f"Waiting callers — {which} ({shown if self.line_filter else total} waiting{more})"
            f" · f: change line{' · t: take next' if self._may_take_calls() else ''}"
        )

    def watch_line_filter(self) -> None:
        if self.is_mounted:
            self._apply_waiting(self._visible_waiting())

    # -- actions ---------------------------------------------------------------------------

    def _may_take_calls(self) -> bool:
        agent = self.app.agent
        return agent is not None and can(agent.role, Permission.TAKE_CALLS)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        agent = self.app.agent
        if action == "take_next" and (agent is None or not can(agent.role, Permission.TAKE_CALLS)):
            return False
        if action in ("new_intake", "consult_request") and (
            agent is None or not can(agent.role, Permission.WORK_INTAKES)
        ):
            return False
        if action == "monitor" and (agent is None or not can(agent.role, Permission.SUPERVISE)):
            return False
        if action == "contact_log" and (agent is None or not can(agent.role, Permission.WORK_INTAKES)):
            return False
        if action == "caseload" and (
            agent is None or not (can(agent.role, Permission.WORK_CASELOAD) or can(agent.role, Permission.SUPERVISE))
        ):
            return False
        if action == "my_consults" and (
            agent is None or not (can(agent.role, Permission.RETURN_CONSULTS) or can(agent.role, Permission.SUPERVISE))
        ):
            return False
        return True

    def action_promises(self) -> None:
        self.app.open_promises()

    def action_consult_request(self) -> None:
        self.app.open_consult_request(self.snapshot.my_call if self.snapshot else None)

    def action_monitor(self) -> None:
        self.app.open_monitor()

    def action_contact_log(self) -> None:
        self.app.open_contact_log()

    def action_caseload(self) -> None:
        self.app.open_caseload()

    def action_my_consults(self) -> None:
        self.app.open_my_consults()

    def action_cycle_line(self) -> None:
        index = LINE_FILTERS.index(self.line_filter)
        self.line_filter = LINE_FILTERS[(index + 1) % len(LINE_FILTERS)]

    def action_take_next(self) -> None:
        self.take_next()

    @work(thread=True, exclusive=True, group="claim", exit_on_error=False)
    def take_next(self) -> None:
        lines = [self.line_filter] if self.line_filter else None
        call = calls.claim_next(self.app.db, self.app.signed_in_agent().id, self.app.clock(), lines)
        if call is None:
            where = f"line {self.line_filter}" if self.line_filter else "any line"
            self.app.call_from_thread(self.notify, f"No one is waiting on {where}.", title="Queue empty")
            return
        self.app.call_from_thread(self._open_claimed, call)

    def _open_claimed(self, call: CallView) -> None:
        self.refresh_board()
        self.app.open_call(call)

    def action_open_call(self) -> None:
        call = self.snapshot.my_call if self.snapshot else None
        if call is None:
            self.notify("You are not on a call. Press t to take the next caller.")
            return
        self.app.open_call(call)

    def action_new_intake(self) -> None:
        self.app.open_intake(None)

    @work(thread=True, exclusive=True, group="drafts", exit_on_error=False)
    def offer_unfinished_drafts(self) -> None:
        """After a crash or a closed terminal, the rep's unfinished intakes come back first."""
        agent = self.app.agent
        if agent is None or not can(agent.role, Permission.WORK_INTAKES):
            return
        opened_at = self.app.clock()
        drafts = [
            d for d in intakes.open_drafts(self.app.db, agent.id) if d.updated_at is None or d.updated_at <= opened_at
        ]
        if drafts:
            self.app.call_from_thread(self._offer_draft, drafts)

    def _offer_draft(self, drafts: list[DraftView]) -> None:
        if self.app.screen is not self:  # the rep already moved on (took a call, opened an intake)
            return
        first = drafts[0]
        self.app.push_screen(
            ResumeDraftScreen(first, len(drafts) - 1),
            lambda resume: self.app.show_intake(first) if resume else None,
        )

    def action_available(self) -> None:
        self.set_state(AgentState.AVAILABLE)

    def action_away(self) -> None:
        reasons = [(reason.label.capitalize(), reason.value) for reason in AwayReason]
        self.ask(PickScreen("Away: why?", reasons), lambda reason: self.set_state(AgentState.AWAY, AwayReason(reason)))

    def action_sign_out(self) -> None:
        # The app's way out: it closes every screen, not just the top one (a form opened a moment
        # before would otherwise stay, with this board, under the sign-in screen).
        self.app.sign_out()

    @work(thread=True, exclusive=True, group="agent-state", exit_on_error=False)
    def set_state(self, target: AgentState, reason: AwayReason | None = None) -> None:
        updated = self.app.change_own_state(target, reason)
        if updated is not None:  # None: signing out began meanwhile
            self.app.call_from_thread(self._state_changed, updated)

    def _state_changed(self, agent: AgentView) -> None:
        if not self.app.agent_refreshed(agent) or not self.is_attached:
            return  # signed out while this change was on its way: it must not sign the agent back in
        self.notify(f"You are {agent.state.label}.")
        self._paint_clocks()
        self.refresh_board()
