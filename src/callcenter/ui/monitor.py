"""The supervisor's live monitor: every line, every agent, every promise about to break."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from callcenter.domain.model import AgentState, Priority
from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local, format_wait
from callcenter.domain.timers import KIND_LABELS, TimerStatus
from callcenter.store import calls, monitor
from callcenter.store.monitor import Snapshot
from callcenter.ui.callbacks import STATUS_LABEL, STATUS_STYLE
from callcenter.ui.errors import explain

REFRESH_SECONDS = 1.0
CHART_ROWS = 5
BLOCKS = " ▁▂▃▄▅▆▇█"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _span(value: timedelta | None) -> str:
    return "—" if value is None else format_wait(value)


def hourly_chart(today: Sequence[int], average: Sequence[float], now_hour: int) -> Text:
    """Today's calls per hour as bars, the same weekday's average as a dot above or on each bar.

    Both share one scale, so the shape of today reads against the usual shape at a glance.
    """
    top = max([*today, *average, 1])
    levels = CHART_ROWS * (len(BLOCKS) - 1)
    text = Text()
    for row in range(CHART_ROWS, 0, -1):
        floor = (row - 1) * (len(BLOCKS) - 1)
        for hour in range(24):
            filled = round(today[hour] / top * levels) if hour <= now_hour else 0
            usual_row = min(CHART_ROWS, int(average[hour] / top * CHART_ROWS) + 1) if average[hour] else 0
            part = min(max(filled - floor, 0), len(BLOCKS) - 1)
            cell = BLOCKS[part]
            if usual_row == row and part < len(BLOCKS) - 1:
                text.append("·", style="bold yellow")
            else:
                text.append(cell, style="cyan")
            text.append(" ")
        text.append("\n")
    text.append("".join(f"{hour % 12 or 12:<2}" if hour % 3 == 0 else "  " for hour in range(24)), style="dim")
    return text


class MonitorScreen(Screen[None]):
    """Refreshes by itself every second in a worker; the screen never waits on the database."""

    BINDINGS = [
        Binding("s", "agent_state", "Agent state"),
        Binding("r", "reassign", "Reassign promise"),
        Binding("w", "toggle_waiting", "Waiting callers"),
        Binding("a", "assign_caller", "Give caller to rep"),
        Binding("plus", "raise_priority", "Raise priority"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: Snapshot | None = None
        self.waiting = ()

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="☎")
        yield Static("", id="mon-title", classes="section-title", markup=False)
        yield DataTable(id="mon-lines", cursor_type="row", zebra_stripes=True)
        yield Static("", id="mon-sl-note", markup=False)
        with Horizontal(id="mon-middle"):
            with Vertical(id="mon-chart-box"):
                yield Static("Calls per hour: today █, usual for the weekday ·", classes="mon-caption")
                yield Static("", id="mon-chart")
            with Vertical(id="mon-staffing-box"):
                yield Static("Staffing (Erlang C, last hour)", classes="mon-caption")
                yield Static("", id="mon-staffing", markup=False)
        with Horizontal(id="mon-bottom"):
            yield DataTable(id="mon-agents", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="mon-promises", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="mon-waiting", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.app.sub_title = "Live monitor"
        lines = self.query_one("#mon-lines", DataTable)
        for label, key, width in (("Line", "line", 24), ("Waiting", "waiting", 7), ("Longest", "longest", 7),
                                  ("On call", "on_call", 7), ("Answered", "answered", 8), ("Abandoned", "abandoned", 9),
                                  ("Service level", "sl", 13), ("ASA", "asa", 6), ("Abandon", "abandon_rate", 7),
                                  ("AHT", "aht", 7)):
            lines.add_column(label, key=key, width=width)
        agents = self.query_one("#mon-agents", DataTable)
        for label, key, width in (("Agent", "agent", 15), ("State", "state", 9), ("For", "for", 7),
                                  ("Call", "call", 9), ("Today", "handled", 5)):
            agents.add_column(label, key=key, width=width)
        promises = self.query_one("#mon-promises", DataTable)
        for label, key, width in (("State", "state", 9), ("Due", "due", 11), ("Owner", "owner", 12),
                                  ("What", "what", 30)):
            promises.add_column(label, key=key, width=width)
        waiting = self.query_one("#mon-waiting", DataTable)
        for label, key, width in (("Line", "line", 5), ("Caller", "caller", 15), ("Waiting", "wait", 8),
                                  ("Priority", "priority", 9)):
            waiting.add_column(label, key=key, width=width)
        waiting.display = False
        agents.focus()
        self.refresh_snapshot()
        self.set_interval(REFRESH_SECONDS, self.refresh_snapshot)

    @work(thread=True, exclusive=True, group="monitor", exit_on_error=False)
    def refresh_snapshot(self) -> None:
        try:
            self.app.policy  # noqa: B018 - built here, off the UI thread, the first time
            taken = monitor.snapshot(self.app.db, self.app.agent.id, self.app.clock())
            waiting = calls.board(self.app.db, None, waiting_limit=200).waiting
        except Exception as error:  # noqa: BLE001 - the last figures stay; the title says why
            message = explain(error)[0]
            self.app.call_from_thread(self.query_one("#mon-title", Static).update,
                                      f"Live monitor — not refreshed: {message}")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, taken, waiting)

    # -- painting ----------------------------------------------------------------------------

    def _show(self, taken: Snapshot, waiting=()) -> None:
        self.snapshot = taken
        self.waiting = waiting
        self._paint_waiting(taken, waiting)
        self.query_one("#mon-title", Static).update(
            f"Today {taken.day:%a %b %d} (resets at midnight, line time) · as of "
            f"{format_local(taken.at, with_date=False)}")
        self._paint_lines(taken)
        self._paint_agents(taken)
        self._paint_promises(taken)
        hour = taken.at.astimezone(self.app.policy.hours.zone).hour
        self.query_one("#mon-chart", Static).update(hourly_chart(taken.calls_per_hour, taken.weekday_average, hour))
        self.query_one("#mon-staffing", Static).update("\n".join(self._staffing_lines(taken)))

    @staticmethod
    def _fill(table: DataTable, rows: list[tuple[str, list]]) -> None:
        """Update cells in place when the rows are the same ones, so the cursor and scroll stay put."""
        keys = [key for key, _ in rows]
        if [key.value for key in table.rows] != keys:
            selected = table.cursor_row
            table.clear()
            for key, cells in rows:
                table.add_row(*cells, key=key)
            if rows:
                table.move_cursor(row=min(selected, len(rows) - 1))
            return
        columns = [column.key for column in table.ordered_columns]
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
            rows.append((line.code, [
                Text(f"{line.code:<4}{line.name}"), str(figures.waiting_now),
                Text(_span(figures.longest_wait), style="bold red" if figures.longest_wait and
                     figures.longest_wait.total_seconds() > 120 else ""),
                str(figures.on_call_now), str(figures.answered), str(figures.abandoned),
                Text(f"{_pct(figures.service_level)} / {figures.service_level_target:.0%}", style=sl_style),
                _span(figures.average_speed_of_answer), _pct(figures.abandonment_rate),
                _span(figures.average_handle_time)]))
        if taken.lines:
            note = (f"Service level: calls answered within the line's threshold out of calls offered; callers "
                    f"who hung up within the short-abandon limit are left out "
                    f"({sum(line.figures.short_abandons for line in taken.lines)} today).")
        self._fill(self.query_one("#mon-lines", DataTable), rows)
        self.query_one("#mon-sl-note", Static).update(note)

    def _paint_agents(self, taken: Snapshot) -> None:
        rows = []
        for agent in taken.agents:
            since = _span(taken.at - agent.state_since) if agent.state_since else "—"
            state = AgentState(agent.state)
            style = {"available": "green", "on_call": "cyan", "wrap_up": "yellow", "away": "dim",
                     "offline": "dim"}.get(agent.state, "")
            call = f"{agent.current_line} {_span(agent.current_call)}" if agent.current_call_id else ""
            rows.append((str(agent.id), [Text(agent.name), Text(state.label, style=style), since, call,
                                         str(agent.calls_handled)]))
        self._fill(self.query_one("#mon-agents", DataTable), rows)

    def _paint_promises(self, taken: Snapshot) -> None:
        rows = []
        for timer in taken.promises:
            state = self.app.policy.state(timer.kind.value, taken.at, timer.created_at, timer.due_at)
            style = STATUS_STYLE[state.status]
            label = "BREACHED" if timer.breached_at else STATUS_LABEL[state.status]
            if timer.escalated_at and state.status is not TimerStatus.OVERDUE and not timer.breached_at:
                label = "flagged"
            rows.append((str(timer.id), [Text(label, style=style), format_local(timer.due_at)[4:-3],
                                         Text(timer.owner_name or "unassigned"),
                                         Text(f"{KIND_LABELS[timer.kind]}: {timer.title}")]))
        self._fill(self.query_one("#mon-promises", DataTable), rows)

    def _paint_waiting(self, taken: Snapshot, waiting) -> None:
        rows = []
        for call in waiting:
            style = {"emergency": "bold reverse red", "high": "bold yellow"}.get(call.priority.label, "")
            rows.append((str(call.id), [call.line_code, format_phone(call.caller_number) or "web referral",
                                        format_wait(taken.at - call.arrived_at),
                                        Text(call.priority.label, style=style)]))
        self._fill(self.query_one("#mon-waiting", DataTable), rows)

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
            predicted = ("queue would grow" if staffing.predicted_service_level is None else
                         f"SL {staffing.predicted_service_level:.0%}, ASA "
                         f"{(staffing.predicted_asa_seconds or 0):.0f} s")
            lines.append(f"{staffing.line_code}: {staffing.arrivals_last_hour}/h, AHT {aht} · need {needed}, "
                         f"on shift {staffing.agents_on_shift} → {predicted}")
        return lines

    # -- actions -----------------------------------------------------------------------------

    def _selected(self, table_id: str) -> str | None:
        table = self.query_one(table_id, DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_agent_state(self) -> None:
        agent_id = self._selected("#mon-agents")
        if agent_id is None or self.snapshot is None:
            self.notify("Pick an agent first (Tab to the agents list).")
            return
        agent = next(a for a in self.snapshot.agents if str(a.id) == agent_id)
        choices = [(state.label.capitalize(), state.value) for state in AgentState if state is not AgentState.ON_CALL]
        self.app.push_screen(PickScreen(f"Set {agent.name}'s state", choices),
                             lambda chosen: chosen and self.act("state", int(agent_id), chosen))

    def action_reassign(self) -> None:
        timer_id = self._selected("#mon-promises")
        if timer_id is None or self.snapshot is None:
            self.notify("Pick a promise first (Tab to the promises list).")
            return
        reps = [(agent.name, str(agent.id)) for agent in self.snapshot.agents if agent.role == "rep"]
        self.app.push_screen(PickScreen("Reassign the promise to", reps),
                             lambda chosen: chosen and self.act("reassign", int(timer_id), chosen))

    @work(thread=True, group="monitor-act", exit_on_error=False)
    def act(self, what: str, target: int, chosen: str) -> None:
        from callcenter.store import timers

        db, me, now = self.app.db, self.app.agent.id, self.app.clock()
        try:
            if what == "state":
                monitor.set_agent_state(db, me, target, AgentState(chosen), now)
            elif what == "assign":
                monitor.reassign_waiting_call(db, me, target, int(chosen), now)
            elif what == "priority":
                monitor.raise_priority(db, me, target, Priority(int(chosen)), now)
            else:
                timers.reassign(db, me, target, int(chosen), now)
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.app.report_failure, error)
            return
        self.app.call_from_thread(self.notify, "Done; recorded in the audit trail.")
        self.refresh_snapshot()

    def action_toggle_waiting(self) -> None:
        """The right-hand list: promises about to break, or the callers waiting now."""
        promises = self.query_one("#mon-promises", DataTable)
        waiting = self.query_one("#mon-waiting", DataTable)
        show_waiting = not waiting.display
        waiting.display, promises.display = show_waiting, not show_waiting
        (waiting if show_waiting else promises).focus()

    def _available_reps(self) -> list[tuple[str, str]]:
        return [(f"{agent.name} ({AgentState(agent.state).label})", str(agent.id)) for agent in self.snapshot.agents
                if agent.role == "rep" and agent.state in (AgentState.AVAILABLE.value, AgentState.WRAP_UP.value)]

    def action_assign_caller(self) -> None:
        call_id = self._selected("#mon-waiting") if self.query_one("#mon-waiting").display else None
        if call_id is None or self.snapshot is None:
            self.notify("Pick a waiting caller first (w shows them).")
            return
        reps = self._available_reps()
        if not reps:
            self.notify("No rep is available or in wrap-up to take the caller.", severity="warning")
            return
        self.app.push_screen(PickScreen("Give the caller to", reps),
                             lambda chosen: chosen and self.act("assign", int(call_id), chosen))

    def action_raise_priority(self) -> None:
        call_id = self._selected("#mon-waiting") if self.query_one("#mon-waiting").display else None
        if call_id is None:
            self.notify("Pick a waiting caller first (w shows them).")
            return
        choices = [(priority.label.capitalize(), str(priority.value)) for priority in Priority
                   if priority is not Priority.NORMAL]
        self.app.push_screen(PickScreen("Raise the caller's priority to", choices),
                             lambda chosen: chosen and self.act("priority", int(call_id), chosen))

    def action_back(self) -> None:
        self.app.sub_title = ""
        self.dismiss(None)


class PickScreen(ModalScreen[str | None]):
    """One choice from a short list: arrows and Enter, Esc to cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(self.title_text, classes="modal-title", markup=False)
            yield OptionList(*[Option(Text(label), id=value) for label, value in self.choices], id="pick")
            yield Static("↑/↓ and Enter: choose · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#pick").focus()

    @on(OptionList.OptionSelected, "#pick")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
