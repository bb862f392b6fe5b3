"""The supervisor's live monitor: every line, every agent, every promise about to break."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static
from textual.worker import Worker

from callcenter.config import alert_settings
from callcenter.domain.actor import Actor
from callcenter.domain.model import AgentState, Disposition, Priority
from callcenter.domain.phone import format_phone
from callcenter.domain.promises import KIND_LABELS, PromiseStatus
from callcenter.domain.timefmt import format_local, format_wait
from callcenter.resources import styles_dir
from callcenter.store import agents, alerts, calls, monitor, promises
from callcenter.store.alerts import AlertView
from callcenter.store.db import Database
from callcenter.store.monitor import AgentRow, Snapshot
from callcenter.store.views import WaitingCall
from callcenter.ui.screens.monitor.chart import hourly_chart
from callcenter.ui.screens.monitor.dialogs import ResetPasswordScreen
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.dialogs import ConfirmScreen, PickScreen
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.promise_status import STATUS_LABEL, STATUS_STYLE
from callcenter.ui.shared.table import Column, FittedTable
from callcenter.ui.shared.widgets import ConsoleHeader, highlighted_id

REFRESH_SECONDS = 1.0
SHARED_FIGURES_MAX_AGE = 1.0  # seconds: older shared figures are computed afresh by this console
FIRST_FIGURES_MAX_AGE = 5.0  # seconds, for the figures the screen opens with (refreshed a second later)
REFRESH_GROUP = "monitor"

# A supervisor's change, run in a worker: (database, acting supervisor, now).
Change = Callable[[Database, Actor, datetime], object]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _span(value: timedelta | None) -> str:
    return "—" if value is None else format_wait(value)


def _state_words(agent: AgentRow) -> str:
    """An agent's state as a picker says it: a lost console is said, not hidden behind "available"."""
    if agent.silent_for is not None:
        return f"console silent {_span(agent.silent_for)}"
    return AgentState(agent.state).label


def _lost_label(silence: timedelta) -> str:
    """Fits the state column: how long an agent's console has been silent."""
    minutes = int(silence.total_seconds() // 60)
    return f"lost {minutes}m" if minutes < 60 else f"lost {minutes // 60}h"


WIDE_ENOUGH = 100  # narrower, the lines table leaves out the day's counts and times; the rates stay
LINE_COLUMNS = (
    Column("Line", "line", 24, grow=2, min_width=12, max_width=36),
    Column("Waiting", "waiting", 7),
    Column("Longest", "longest", 7),
    Column("On call", "on_call", 7),
    Column("Answered", "answered", 8, shown_from=WIDE_ENOUGH),
    Column("Abandoned", "abandoned", 9, shown_from=WIDE_ENOUGH),
    Column("Service level", "sl", 13),
    Column("ASA", "asa", 6, shown_from=WIDE_ENOUGH),
    Column("Abandon", "abandon_rate", 7),
    Column("AHT", "aht", 7, shown_from=WIDE_ENOUGH),
)
AGENT_COLUMNS = (
    Column("Agent", "agent", 15, grow=2, min_width=10, max_width=30),
    Column("State", "state", 9),
    Column("For", "for", 7),
    Column("Call", "call", 9, shown_from=50),  # side by side at 80 columns, the lists keep what matters most
    Column("Today", "handled", 5, shown_from=50),
)
PROMISE_COLUMNS = (
    Column("State", "state", 9),
    Column("Due", "due", 12),
    Column("Owner", "owner", 12, grow=1, min_width=8, max_width=24, shown_from=60),
    Column("What", "what", 30, grow=3, min_width=12, max_width=90),
)
ALERT_COLUMNS = (
    Column("State", "state", 8),
    Column("Raised", "raised", 8),
    Column("Cleared", "cleared", 8, shown_from=60),
    Column("What", "what", 40, grow=3, min_width=14, max_width=110),
)
WAITING_COLUMNS = (
    Column("Line", "line", 5),
    Column("Caller", "caller", 15, grow=1, max_width=24),
    Column("Waiting", "wait", 8),
    Column("Priority", "priority", 9),
)


def _as_made(cells: list[object]) -> list[object]:
    return cells  # the monitor's rows come with their cells made


class MonitorScreen(ConsoleScreen[None]):
    """Refreshes by itself every second in a worker; the screen never waits on the database."""

    CSS_PATH = styles_dir() / "monitor.tcss"
    KEY_NOTES = (("`Tab`", "between the lines, agents and promises lists"),)
    KEY_HELP = {
        "agent_state": "set the highlighted agent's state (audited)",
        "reassign": "reassign the highlighted promise to a rep (audited)",
        "toggle_waiting": "show waiting callers instead of promises (and back)",
        "toggle_alerts": "show the alerts list (what went wrong, since when, cleared when) instead of promises",
        "acknowledge": "in the alerts list: acknowledge the highlighted alert, you are on it (audited)",
        "assign_caller": "give the highlighted waiting caller to an available rep (audited)",
        "raise_priority": "raise the highlighted waiting caller's priority (audited)",
        "end_lost_call": "end the call of the highlighted agent whose console was lost mid-call, with how it ended; "
        "their saved notes stay (audited)",
        "app.audit_trail": 'audit trail (also "Audit trail" in the command palette, for supervisors)',
        "reset_password": "reset the highlighted agent's password: typed twice, checked as you type; unlocks a "
        "locked account (audited)",
        "toggle_enabled": "disable the highlighted agent (no more sign-ins; their history stays) or enable them "
        "again, after a `y` (audited)",
    }
    BINDINGS = [
        Binding("s", "agent_state", "Agent state"),
        Binding("r", "reassign", "Reassign"),
        Binding("w", "toggle_waiting", "Waiting"),
        Binding("l", "toggle_alerts", "Alerts"),
        Binding("k", "acknowledge", "Acknowledge"),
        Binding("a", "assign_caller", "Give caller"),
        Binding("plus", "raise_priority", "Raise priority"),
        Binding("e", "end_lost_call", "End lost call"),
        Binding("t", "app.audit_trail", "Audit trail"),  # the app checks the role
        Binding("p", "reset_password", "Password"),
        Binding("x", "toggle_enabled", "Enable/disable"),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "Live monitor"  # the screen's own; the app's stays the agent's name and role
    HOLD_PAINT_SECONDS = 0.25  # first painted with its figures (see FirstPaintWithData)

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: Snapshot | None = None
        # Refreshes are numbered; a slow one never replaces a newer picture, and the interval timer does not
        # start another while one is still reading (cancelling it instead would starve the screen
        # whenever a refresh takes longer than the interval).
        self._requested = 0
        self._shown = 0
        self._reading = False
        self.waiting: list[WaitingCall] = []
        self._waiting_version: int | None = None  # the board's change stamp the waiting list was read at
        self.alerts: list[AlertView] = []
        self._alerts_seen: set[int] | None = None  # None until the first list: those are not news
        self.alert_settings = alert_settings()

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static("", id="mon-title", classes="section-title", markup=False)
        yield Static("", id="mon-alert-line", markup=False)
        yield FittedTable(LINE_COLUMNS, id="mon-lines")
        yield Static("", id="mon-sl-note", markup=False)
        with Horizontal(id="mon-middle"):
            with Vertical(id="mon-chart-box"):
                yield Static("Calls per hour: today █, usual for the weekday ·", classes="mon-caption")
                yield Static("", id="mon-chart")
            with Vertical(id="mon-staffing-box"):
                yield Static("Staffing (Erlang C, last hour)", classes="mon-caption")
                yield Static("", id="mon-staffing", markup=False)
        with Horizontal(id="mon-bottom"):
            yield FittedTable(AGENT_COLUMNS, id="mon-agents")
            yield FittedTable(PROMISE_COLUMNS, id="mon-promises")
            yield FittedTable(WAITING_COLUMNS, id="mon-waiting")
            yield FittedTable(ALERT_COLUMNS, id="mon-alerts")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#mon-waiting", DataTable).display = False
        self.query_one("#mon-alerts", DataTable).display = False
        self.query_one("#mon-agents", DataTable).focus()
        self._requested += 1  # the first figures: read before the screen was built, or now
        self._reading = True
        first = self._requested
        self.with_first_read(lambda read: self._arrived(first, *read), lambda: self._read_snapshot(first))
        self.set_interval(REFRESH_SECONDS, self._tick)

    def _tick(self) -> None:
        if not self._reading:
            self.refresh_snapshot()

    def refresh_snapshot(self, own: bool = False) -> None:
        """``own``: figures computed for this screen now (after this supervisor's change), not the
        ones shared by every monitor, which may be a second old."""
        self._requested += 1
        self._reading = True
        self._read_snapshot(self._requested, own)

    def _read_snapshot(self, number: int, own: bool = False) -> None:
        self.run_worker(
            lambda: self._read_in_thread(number, own),
            thread=True,
            group=REFRESH_GROUP,
            name=str(number),
            exit_on_error=False,
        )

    def read_first(self) -> tuple[Snapshot, list[WaitingCall], list[AlertView], int]:
        # The figures another monitor shared in the last few seconds open the screen at once (the
        # title says when they were taken); the first refresh, a second later, brings them up to date.
        return self._read(own=False, max_age_seconds=FIRST_FIGURES_MAX_AGE)

    def _read_in_thread(self, number: int, own: bool) -> None:
        self.app.call_from_thread(self._arrived, number, *self._read(own))

    def _read(
        self, own: bool, max_age_seconds: float = SHARED_FIGURES_MAX_AGE
    ) -> tuple[Snapshot, list[WaitingCall], list[AlertView], int]:
        """The figures, the waiting callers and the alerts (in a thread)."""
        _ = self.app.policy  # built here, off the UI thread, the first time
        me = self.app.signed_in_agent()
        if own:
            taken = monitor.snapshot(self.app.db, me.id, self.app.clock())
        else:
            taken = monitor.shared_snapshot(self.app.db, me.id, self.app.clock(), max_age_seconds)
        seen = None if own else self._waiting_version
        version, queue = calls.board_if_changed(self.app.db, None, seen, waiting_limit=200)
        waiting = self.waiting if queue is None else list(queue.waiting)
        board = alerts.refresh(self.app.db, me.actor, taken, self.alert_settings)
        return taken, waiting, board, version

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        if worker.group != REFRESH_GROUP:
            return False
        if worker.name == str(self._requested):
            self._reading = False
        self.data_shown()
        # The last figures stay; the title says why they are not fresh.
        self.query_one("#mon-title", Static).update(f"Live monitor — not refreshed: {explain(error)[0]}")
        return True

    def _arrived(
        self, number: int, taken: Snapshot, waiting: list[WaitingCall], board: list[AlertView], version: int
    ) -> None:
        if number == self._requested:
            self._reading = False
        if number > self._shown:
            self._shown = number
            self._waiting_version = version
            self._show(taken, waiting)
            self._show_alerts(board)
            self.data_shown()

    def _show_alerts(self, board: list[AlertView]) -> None:
        self.alerts = board
        open_ones = [alert for alert in board if alert.open]
        news = [alert for alert in open_ones if self._alerts_seen is not None and alert.id not in self._alerts_seen]
        self._alerts_seen = (self._alerts_seen or set()) | {alert.id for alert in open_ones}
        for alert in news:  # once per alert, on every supervisor's monitor
            self.notify(alert.now or alert.what, title="Alert", severity="error", markup=False)
        if news and self.alert_settings.bell:
            self.app.bell()
        self._paint_alert_line()
        rows = []
        for alert in board:
            if alert.acknowledged_at is not None:
                state = Text("ack'd" if alert.open else "cleared", style="yellow" if alert.open else "dim")
            else:
                state = Text("OPEN" if alert.open else "cleared", style="bold red" if alert.open else "dim")
            rows.append(
                (
                    str(alert.id),
                    [
                        state,
                        format_local(alert.raised_at, with_date=False)[:5],
                        format_local(alert.cleared_at, with_date=False)[:5] if alert.cleared_at else "",
                        Text(alert.now or alert.what, style="" if alert.open else "dim"),
                    ],
                )
            )
        self._fill(self.query_one("#mon-alerts", FittedTable), rows)

    # -- painting ----------------------------------------------------------------------------

    def _show(self, taken: Snapshot, waiting: list[WaitingCall]) -> None:
        self.snapshot = taken
        self.waiting = waiting
        self._paint_waiting(taken, waiting)
        self.query_one("#mon-title", Static).update(
            f"Today {taken.day:%a %b %d} (resets at midnight, line time) · as of "
            f"{format_local(taken.at, with_date=False)}"
        )
        self._paint_lines(taken)
        self._paint_agents(taken)
        self._paint_promises(taken)
        hour = taken.at.astimezone(self.app.policy.hours.zone).hour
        self.query_one("#mon-chart", Static).update(hourly_chart(taken.calls_per_hour, taken.weekday_average, hour))
        self.query_one("#mon-staffing", Static).update(
            "\n".join([*self._staffing_lines(taken), *self._care_team_lines(taken)])
        )

    @staticmethod
    def _fill(table: FittedTable, rows: list[tuple[str, list[object]]]) -> None:
        """Update cells in place when the rows are the same ones, so the cursor and scroll stay put
        (rebuilt, the rows in sight paint first: ``FittedTable.fill``)."""
        keys = [key for key, _ in rows]
        before = [key.value for key in table.rows]
        if before != keys:
            selected = table.cursor_row
            # The cursor stays on the same caller or agent when the rows move (a raised priority
            # sorts a caller up); on the same row number only when that one is gone.
            was = before[selected] if 0 <= selected < len(before) else None
            at = keys.index(was) if was in keys else min(selected, len(rows) - 1)
            table.fill(rows, _as_made, at if rows else None)
            return
        columns = [column.key for column in table.specs]  # every column's cells, shown or not
        for key, cells in rows:
            for column, value in zip(columns, cells, strict=True):
                table.update_cell(key, column, value)

    def _paint_lines(self, taken: Snapshot) -> None:
        rows = []
        note = ""
        for line in taken.lines:
            figures = line.figures
            met = figures.meets_target
            sl_style = "" if met is None else ("green" if met else "bold red")
            rows.append(
                (
                    line.code,
                    [
                        Text(f"{line.code:<4}{line.name}"),
                        str(figures.waiting_now),
                        Text(
                            _span(figures.longest_wait),
                            style="bold red"
                            if figures.longest_wait and figures.longest_wait.total_seconds() > 120
                            else "",
                        ),
                        str(figures.on_call_now),
                        str(figures.answered),
                        str(figures.abandoned),
                        Text(f"{_pct(figures.service_level)} / {figures.service_level_target:.0%}", style=sl_style),
                        _span(figures.average_speed_of_answer),
                        _pct(figures.abandonment_rate),
                        _span(figures.average_handle_time),
                    ],
                )
            )
        if taken.lines:
            note = (
                f"Service level and abandon rate: out of the calls answered or abandoned today; callers "
                f"still waiting and those who hung up within the short-abandon limit "
                f"({sum(line.figures.short_abandons for line in taken.lines)} today) are left out."
            )
        self._fill(self.query_one("#mon-lines", FittedTable), rows)
        self.query_one("#mon-sl-note", Static).update(note)

    def _paint_agents(self, taken: Snapshot) -> None:
        rows = []
        for agent in taken.agents:
            since = _span(taken.at - agent.state_since) if agent.state_since else "—"
            state = AgentState(agent.state)
            style = {"available": "green", "on_call": "cyan", "wrap_up": "yellow", "away": "dim", "offline": "dim"}.get(
                agent.state, ""
            )
            label = state.label
            if not agent.active:
                label, style = "disabled", "dim strike"
            elif agent.locked:  # sign-ins refused until a password reset (p)
                label, style = "locked", "bold red"
            elif agent.silent_for is not None:  # a killed terminal or a dropped network: not really there
                label, style = _lost_label(agent.silent_for), "bold red"
            call = f"{agent.current_line} {_span(agent.current_call)}" if agent.current_call_id else ""
            rows.append(
                (str(agent.id), [Text(agent.name), Text(label, style=style), since, call, str(agent.calls_handled)])
            )
        self._fill(self.query_one("#mon-agents", FittedTable), rows)

    def _paint_promises(self, taken: Snapshot) -> None:
        rows = []
        for promise in taken.promises:
            state = self.app.policy.state(promise.kind.value, taken.at, promise.created_at, promise.due_at)
            style = STATUS_STYLE[state.status]
            label = "BREACHED" if promise.breached_at else STATUS_LABEL[state.status]
            if promise.escalated_at and state.status is not PromiseStatus.OVERDUE and not promise.breached_at:
                label = "flagged"
            rows.append(
                (
                    str(promise.id),
                    [
                        Text(label, style=style),
                        format_local(promise.due_at)[4:-3],
                        Text(promise.owner_name or "unassigned"),
                        Text(f"{KIND_LABELS[promise.kind]}: {promise.title}"),
                    ],
                )
            )
        self._fill(self.query_one("#mon-promises", FittedTable), rows)

    def _paint_waiting(self, taken: Snapshot, waiting: list[WaitingCall]) -> None:
        rows = []
        for call in waiting:
            style = {"emergency": "bold reverse red", "high": "bold yellow"}.get(call.priority.label, "")
            rows.append(
                (
                    str(call.id),
                    [
                        call.line_code,
                        format_phone(call.caller_number) or "web referral",
                        format_wait(taken.at - call.arrived_at),
                        Text(call.priority.label, style=style),
                    ],
                )
            )
        self._fill(self.query_one("#mon-waiting", FittedTable), rows)

    @staticmethod
    def _care_team_lines(taken: Snapshot) -> list[str]:
        return [
            f"{row.team.label.capitalize()}: {row.on_shift} on shift, {row.open_cases} open, "
            f"{row.waiting} waiting, {row.overdue_first_contacts} overdue"
            for row in taken.care_teams
        ]

    @staticmethod
    def _staffing_lines(taken: Snapshot) -> list[str]:
        lines = []
        for staffing in taken.staffing:
            if not staffing.arrivals_last_hour:
                lines.append(f"{staffing.line_code}: no calls in the last hour")
                continue
            if not staffing.aht_seconds:
                lines.append(f"{staffing.line_code}: {staffing.arrivals_last_hour}/h · no handle time yet today")
                continue
            aht = f"{staffing.aht_seconds / 60:.1f} min"
            needed = "—" if staffing.agents_needed is None else str(staffing.agents_needed)
            predicted = (
                "queue would grow"
                if staffing.predicted_service_level is None
                else f"SL {staffing.predicted_service_level:.0%}, ASA {(staffing.predicted_asa_seconds or 0):.0f} s"
            )
            lines.append(
                f"{staffing.line_code}: {staffing.arrivals_last_hour}/h, AHT {aht} · need {needed}, "
                f"on shift {staffing.agents_on_shift} → {predicted}"
            )
        if taken.staffing:
            counted = ", ".join(taken.staffing_counted) or "none (no rep available, on a call or in wrap-up)"
            lines.append(f"Reps counted on shift: {counted}")
        return lines

    # -- actions -----------------------------------------------------------------------------

    def _selected(self, table_id: str) -> int | None:
        return highlighted_id(self.query_one(table_id, DataTable))

    def action_agent_state(self) -> None:
        agent = self._selected_agent()
        if agent is None:
            return
        choices = [(state.label.capitalize(), state.value) for state in AgentState if state is not AgentState.ON_CALL]
        self.ask(
            PickScreen(f"Set {agent.name}'s state", choices),
            lambda chosen: self.change(
                lambda db, me, now: monitor.set_agent_state(db, me, agent.id, AgentState(chosen), now)
            ),
        )

    def action_reassign(self) -> None:
        promise_id = self._selected("#mon-promises")
        if promise_id is None or self.snapshot is None:
            self.notify("Pick a promise first (Tab to the promises list).")
            return
        reps = sorted(
            (agent for agent in self.snapshot.agents if agent.role == "rep" and agent.active),
            key=lambda agent: (agent.state == AgentState.OFFLINE.value or agent.silent_for is not None, agent.name),
        )
        choices = [(f"{agent.name} ({_state_words(agent)})", str(agent.id)) for agent in reps]
        self.ask(
            PickScreen("Reassign the promise to", choices),
            lambda chosen: self.change(lambda db, me, now: promises.reassign(db, me, promise_id, int(chosen), now)),
        )

    def _selected_agent(self) -> AgentRow | None:
        agent_id = self._selected("#mon-agents")
        if agent_id is None or self.snapshot is None:
            self.notify("Pick an agent first (Tab to the agents list).")
            return None
        return next((a for a in self.snapshot.agents if a.id == agent_id), None)

    def action_end_lost_call(self) -> None:
        agent = self._selected_agent()
        if agent is None:
            return
        if not agent.current_call_id:
            self.notify(f"{agent.name} is not on a call.")
            return
        if agent.silent_for is None:
            self.notify(f"{agent.name}'s console is still there: they end their own call.", severity="warning")
            return
        call = f"{agent.current_line} call, {_span(agent.current_call)} long, console silent {_span(agent.silent_for)}"
        choices = [(disposition.label, disposition.value) for disposition in Disposition]
        policy = self.app.policy
        self.ask(
            PickScreen(
                f"End {agent.name}'s {call} (console silent {_span(agent.silent_for)}): how did it end?", choices
            ),
            lambda chosen: self.change(
                lambda db, me, now: monitor.end_lost_call(db, me, agent.id, Disposition(chosen), now, policy)
            ),
        )

    def action_reset_password(self) -> None:
        agent = self._selected_agent()
        if agent is None:
            return
        self.ask(
            ResetPasswordScreen(agent.name, agent.username),
            lambda password: self.change(lambda db, me, now: agents.reset_password(db, me, agent.id, password, now)),
        )

    def action_toggle_enabled(self) -> None:
        agent = self._selected_agent()
        if agent is None:
            return
        if agent.active and agent.id == self.app.signed_in_agent().id:
            self.notify("You cannot disable your own account: ask another supervisor.", severity="warning")
            return
        if agent.active:
            question = (
                f"Disable {agent.name}? They are signed out of the queue and cannot sign in until "
                f"enabled again; their history stays."
            )
        else:
            question = f"Enable {agent.name} again? They sign in with the password they had."
        toggle = agents.disable_agent if agent.active else agents.enable_agent

        def answered(yes: bool) -> None:
            if yes:
                self.change(lambda db, me, now: toggle(db, me, agent.id, now))

        self.ask(ConfirmScreen(question), answered)

    @work(thread=True, group="monitor-change", exit_on_error=False)
    def change(self, change: Change) -> None:
        """Run one supervisor's change; a refusal is said by the app, and the change can be made again."""
        change(self.app.db, self.app.signed_in_agent().actor, self.app.clock())
        self.app.call_from_thread(self.notify, "Done; recorded in the audit trail.")
        self.app.call_from_thread(self.refresh_snapshot, True)

    def _paint_alert_line(self) -> None:
        """Over the lines: the alerts now, or, while the alerts list has the focus, the highlighted
        one in full (a narrow list cuts its words)."""
        line = self.query_one("#mon-alert-line", Static)
        table = self.query_one("#mon-alerts", DataTable)
        open_ones = [alert for alert in self.alerts if alert.open]
        chosen = (
            next((a for a in self.alerts if a.id == self._selected("#mon-alerts")), None) if table.has_focus else None
        )
        if chosen is not None:
            when = format_local(chosen.raised_at, with_date=False)[:5]
            cleared = f", cleared {format_local(chosen.cleared_at, with_date=False)[:5]}" if chosen.cleared_at else ""
            ack = f" · acknowledged by {chosen.acknowledged_by}" if chosen.acknowledged_by else " · k: acknowledge"
            line.update(f"Alert {when}{cleared}: {chosen.now or chosen.what}{ack}")
        elif open_ones:
            # The count and the key first: a narrow screen cuts the end of the line, not them.
            unacknowledged = sum(1 for alert in open_ones if alert.acknowledged_at is None)
            to_acknowledge = f", {unacknowledged} to acknowledge" if unacknowledged else ""
            count = f"{len(open_ones)} alert{'s' if len(open_ones) > 1 else ''}"
            line.update(f"⚠ {count}{to_acknowledge} · l: list · {open_ones[0].now or open_ones[0].what}")
        else:
            line.update("No alerts now." + (" l: what happened today" if self.alerts else ""))
        line.set_class(bool(open_ones), "-alerting")

    @on(DataTable.RowHighlighted, "#mon-alerts")
    def _alert_highlighted(self) -> None:
        self._paint_alert_line()

    def on_descendant_focus(self) -> None:
        self._paint_alert_line()

    def on_descendant_blur(self) -> None:
        self._paint_alert_line()

    def action_toggle_waiting(self) -> None:
        """The right-hand list: promises about to break, or the callers waiting now."""
        self._show_right("#mon-promises" if self.query_one("#mon-waiting").display else "#mon-waiting")

    def action_toggle_alerts(self) -> None:
        """The right-hand list: the alerts of the last hours, or back to the promises."""
        self._show_right("#mon-promises" if self.query_one("#mon-alerts").display else "#mon-alerts")

    def _show_right(self, shown: str) -> None:
        for table_id in ("#mon-promises", "#mon-waiting", "#mon-alerts"):
            self.query_one(table_id, DataTable).display = table_id == shown
        self.query_one(shown, DataTable).focus()

    def action_acknowledge(self) -> None:
        alert_id = self._selected("#mon-alerts") if self.query_one("#mon-alerts").display else None
        alert = next((a for a in self.alerts if a.id == alert_id), None)
        if alert is None:
            self.notify("Pick an alert first (l shows them).")
            return
        if alert.acknowledged_at is not None:
            self.notify(f"Already acknowledged by {alert.acknowledged_by}.")
            return
        self.change(lambda db, me, now: alerts.acknowledge(db, me, alert.id, now))

    def _available_reps(self) -> list[tuple[str, str]]:
        # Those whose console went quiet are left out: the store would refuse them anyway.
        if self.snapshot is None:
            return []
        return [
            (f"{agent.name} ({AgentState(agent.state).label})", str(agent.id))
            for agent in self.snapshot.agents
            if agent.role == "rep"
            and agent.state in (AgentState.AVAILABLE.value, AgentState.WRAP_UP.value)
            and agent.silent_for is None
        ]

    def action_assign_caller(self) -> None:
        call_id = self._selected("#mon-waiting") if self.query_one("#mon-waiting").display else None
        if call_id is None or self.snapshot is None:
            self.notify("Pick a waiting caller first (w shows them).")
            return
        reps = self._available_reps()
        if not reps:
            self.notify(
                "No rep is available or in wrap-up (with a console that is still there) to take the caller.",
                severity="warning",
            )
            return
        caller = next((call for call in self.waiting if call.id == call_id), None)
        who = (
            f"{caller.line_code} caller {format_phone(caller.caller_number) or 'from the web'}, waiting "
            f"{format_wait(self.snapshot.at - caller.arrived_at)}"
            if caller is not None
            else "the caller"
        )
        self.ask(
            PickScreen(f"Give the {who} to", reps),
            lambda chosen: self.change(
                lambda db, me, now: monitor.reassign_waiting_call(db, me, call_id, int(chosen), now)
            ),
        )

    def action_raise_priority(self) -> None:
        call_id = self._selected("#mon-waiting") if self.query_one("#mon-waiting").display else None
        if call_id is None:
            self.notify("Pick a waiting caller first (w shows them).")
            return
        choices = [
            (priority.label.capitalize(), str(priority.value))
            for priority in Priority
            if priority is not Priority.NORMAL
        ]
        self.ask(
            PickScreen("Raise the caller's priority to", choices),
            lambda chosen: self.change(
                lambda db, me, now: monitor.raise_priority(db, me, call_id, Priority(int(chosen)), now)
            ),
        )

    def action_back(self) -> None:
        self.dismiss(None)
