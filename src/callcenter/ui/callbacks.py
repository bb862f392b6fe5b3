"""My promises: every timer the rep owns, counting down in business time, soonest first."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, Select, Static

from callcenter.domain.errors import ValidationError
from callcenter.domain.timefmt import format_local
from callcenter.domain.timers import (
    KIND_LABELS,
    AttemptOutcome,
    TimerStatus,
    check_attempt,
    check_reschedule,
)
from callcenter.store import timers
from callcenter.store.timers import TimerView
from callcenter.ui.errors import explain
from callcenter.ui.widgets import ConsoleHeader

STATUS_STYLE = {TimerStatus.ON_TRACK: "green", TimerStatus.DUE_SOON: "bold yellow",
                TimerStatus.OVERDUE: "bold reverse red", TimerStatus.DONE: "dim"}
STATUS_LABEL = {TimerStatus.ON_TRACK: "on track", TimerStatus.DUE_SOON: "due soon", TimerStatus.OVERDUE: "OVERDUE",
                TimerStatus.DONE: "done"}
RELOAD_EVERY = 5  # ticks between reads of the database; countdowns repaint every tick
SWEEP_EVERY = 30  # ticks between escalation sweeps


class TimerBoard:
    """What the callbacks screen and the home panel share: the rows, their states, notify-once."""

    def __init__(self) -> None:
        self.rows: list[TimerView] = []
        self.announced: set[tuple[int, TimerStatus]] = set()

    def states(self, app, now: datetime):
        return [(row, app.policy.state(row.kind.value, now, row.created_at, row.due_at)) for row in self.rows]

    def announce(self, app, now: datetime) -> None:
        """Due soon and overdue raise one notification each, not one per tick."""
        for row, state in self.states(app, now):
            if state.status in (TimerStatus.DUE_SOON, TimerStatus.OVERDUE) and (row.id, state.status) not in \
                    self.announced:
                self.announced.add((row.id, state.status))
                app.notify(f"{KIND_LABELS[row.kind]}: {row.title} — {state.countdown}",
                           title="Overdue" if state.status is TimerStatus.OVERDUE else "Due soon",
                           severity="error" if state.status is TimerStatus.OVERDUE else "warning", timeout=8,
                           markup=False)


class CallbacksScreen(Screen[None]):
    BINDINGS = [
        Binding("a", "attempt", "Log attempt"),
        Binding("d", "close_timer", "Done"),
        Binding("s", "reschedule", "Reschedule"),
        Binding("o", "outbound", "Outbound contact"),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "My promises"

    def __init__(self) -> None:
        super().__init__()
        self._ticks = 0
        self._loading = False

    @property
    def board(self) -> TimerBoard:
        return self.app.timer_board

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static("", id="timers-title", classes="section-title", markup=False)
        yield DataTable(id="timers", cursor_type="row", zebra_stripes=True)
        yield Static("", id="timer-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#timers", DataTable)
        table.add_column("State", key="state", width=10)
        table.add_column("Left", key="left", width=14)
        table.add_column("Due", key="due", width=17)
        table.add_column("Kind", key="kind", width=17)
        table.add_column("What", key="title", width=40)
        table.add_column("Tries", key="tries", width=5)
        self.load()
        self.set_interval(self.app.refresh_seconds, self._tick)

    def _tick(self) -> None:
        self._ticks += 1
        if self._ticks % SWEEP_EVERY == 0:
            self.sweep()
        if self._ticks % RELOAD_EVERY == 0:
            self.load()
        else:
            self._paint()

    @work(thread=True, exclusive=True, group="timers-sweep", exit_on_error=False)
    def sweep(self) -> None:
        try:
            timers.sweep(self.app.db, self.app.clock(), self.app.policy)
        except Exception:  # noqa: BLE001 - another terminal's sweep does the same; next one retries
            return

    @work(thread=True, exclusive=True, group="timers-load", exit_on_error=False)
    def load(self) -> None:
        try:
            self.app.policy  # noqa: B018 - build it here, off the UI thread, the first time
            rows = timers.open_for(self.app.db, self.app.signed_in_agent().id)
        except Exception as error:  # noqa: BLE001 - stale rows stay; the message says why
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._loaded, rows)

    def _failed(self, error: BaseException) -> None:
        self.query_one("#timers-title", Static).update(f"My promises — not refreshed: {explain(error)[0]}")

    def _loaded(self, rows: list[TimerView]) -> None:
        self.board.rows = rows
        self._paint()
        self.board.announce(self.app, self.app.clock())

    def _paint(self) -> None:
        now = self.app.clock()
        table = self.query_one("#timers", DataTable)
        selected = self._selected_id()
        wanted = [str(row.id) for row in self.board.rows]
        if [key.value for key in table.rows] != wanted:
            table.clear()
            for row, state in self.board.states(self.app, now):
                table.add_row(*self._cells(row, state), key=str(row.id))
            if selected in wanted:
                table.move_cursor(row=wanted.index(selected))
        else:
            # Only the visible rows' countdowns change on a tick.
            start, end = table.scroll_offset.y, table.scroll_offset.y + table.size.height + 1
            for row, state in self.board.states(self.app, now)[start:end]:
                cells = self._cells(row, state)
                table.update_cell(str(row.id), "state", cells[0])
                table.update_cell(str(row.id), "left", cells[1])
        counts = {status: 0 for status in TimerStatus}
        for _, state in self.board.states(self.app, now):
            counts[state.status] += 1
        self.query_one("#timers-title", Static).update(
            f"My promises: {len(self.board.rows)} open — {counts[TimerStatus.OVERDUE]} overdue, "
            f"{counts[TimerStatus.DUE_SOON]} due soon · times left are business time"
        )
        self._show_detail()

    @staticmethod
    def _cells(row: TimerView, state) -> list:
        style = STATUS_STYLE[state.status]
        return [Text(STATUS_LABEL[state.status], style=style), Text(state.countdown, style=style),
                format_local(row.due_at)[:-3], KIND_LABELS[row.kind], Text(row.title), str(row.attempts)]

    def _selected_id(self) -> str | None:
        table = self.query_one("#timers", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - no cursor yet
            return None

    def selected(self) -> TimerView | None:
        key = self._selected_id()
        return next((row for row in self.board.rows if str(row.id) == key), None)

    @on(DataTable.RowHighlighted, "#timers")
    def _show_detail(self) -> None:
        row = self.selected()
        detail = self.query_one("#timer-detail", Static)
        if row is None:
            detail.update("Nothing open: every promise is kept." if not self.board.rows else "")
            return
        lines = [f"{KIND_LABELS[row.kind]} #{row.id}: {row.title}",
                 f"Started {format_local(row.created_at)[:-3]} · due {format_local(row.due_at)[:-3]}"]
        if row.original_due_at != row.due_at:
            lines.append(f"Originally due {format_local(row.original_due_at)[:-3]} (rescheduled)")
        if row.breached_at is not None:
            lines.append(f"BREACH recorded: due {format_local(row.breached_at)[:-3]}")
        elif row.escalated_at is not None:
            lines.append("Flagged for supervisors: due soon with no attempt yet")
        if row.last_outcome:
            lines.append(f"{row.attempts} attempt(s); last: {AttemptOutcome(row.last_outcome).label.lower()}")
        if row.notes:
            lines.append(row.notes)
        detail.update("\n".join(lines))

    # -- actions ---------------------------------------------------------------------------

    def _need_row(self) -> TimerView | None:
        row = self.selected()
        if row is None:
            self.notify("Pick a promise first.")
        return row

    def action_attempt(self) -> None:
        row = self._need_row()
        if row is not None:
            self.app.push_screen(AttemptScreen(row.title), lambda result: result and self.save(
                "attempt", row, result))

    def action_close_timer(self) -> None:
        row = self._need_row()
        if row is None:
            return
        if row.consult_id is not None:
            self.notify("A consult closes when the psychiatrist records the returned call.", severity="warning")
            return
        if row.contact_id is not None:  # a fax or TTY follow-up is closed by the contact that answers it
            self.action_outbound()
            return
        self.app.push_screen(CloseTimerScreen(row.title), lambda note: note is not None and self.save(
            "close", row, note))

    def action_reschedule(self) -> None:
        row = self._need_row()
        if row is not None:
            self.app.push_screen(RescheduleScreen(row.title), lambda result: result and self.save(
                "reschedule", row, result))

    def action_outbound(self) -> None:
        row = self._need_row()
        if row is not None:
            self.open_outbound(row)

    @work(thread=True, exclusive=True, group="timers-outbound", exit_on_error=False)
    def open_outbound(self, row: TimerView) -> None:
        """Prefilled from the fax or TTY contact the follow-up came from, when there is one."""
        from callcenter.domain.phone import format_phone
        from callcenter.store import contacts

        party = number = ""
        channel = "voice"
        if row.contact_id is not None:
            try:
                origin = contacts.get(self.app.db, row.contact_id).row
            except Exception as error:  # noqa: BLE001
                self.app.call_from_thread(self.app.report_failure, error)
                return
            party, number = origin.party or "", format_phone(origin.number)
            channel = "tty" if origin.channel == "tty" else "voice"  # most follow-ups are a call back
        self.app.call_from_thread(self._ask_outbound, row, party, number, channel)

    def _ask_outbound(self, row: TimerView, party: str, number: str, channel: str) -> None:
        from callcenter.ui.contacts import OutboundScreen

        self.app.push_screen(OutboundScreen(party, number, channel, row.id, row.title),
                             lambda entry: entry is not None and self.save("outbound", row, entry))

    @work(thread=True, group="timers-save", exit_on_error=False)
    def save(self, what: str, row: TimerView, payload) -> None:
        db, agent, now = self.app.db, self.app.signed_in_agent().id, self.app.clock()
        try:
            if what == "attempt":
                timers.log_attempt(db, agent, row.id, payload[0], payload[1], now)
            elif what == "outbound":
                from callcenter.store import contacts

                contacts.log_outbound(db, agent, payload, now, self.app.policy, answers_task_id=row.id)
            elif what == "close":
                timers.close(db, agent, row.id, now, self.app.policy, payload or None, expected_version=row.version)
            else:
                timers.reschedule(db, agent, row.id, payload[0], payload[1], now)
        except Exception as error:  # noqa: BLE001 - shown; the rep can do it again
            self.app.call_from_thread(self.app.report_failure, error)
            return
        self.app.call_from_thread(self.notify, {"attempt": "Attempt logged.", "close": "Promise kept: closed.",
                                                "outbound": "Outbound contact logged" + (
                                                    "; promise kept: closed." if what == "outbound" and
                                                    payload.outcome.completes else "; the promise stays open."),
                                                "reschedule": "New due time saved; the original stays on record."}[
            what])
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)


class _FormModal(ModalScreen):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, title: str = "") -> None:
        super().__init__()
        self.title_text = title

    def _error(self, error: ValidationError, targets: dict[str, str]) -> None:
        label = self.query_one(".form-error", Label)
        label.update(error.message)
        label.add_class("shown")  # .field-error is hidden until there is something to say
        if error.field in targets:
            self.query_one(targets[error.field]).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)


class AttemptScreen(_FormModal):
    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"Attempt: {self.title_text}", classes="modal-title", markup=False)
            yield Select([(o.label, o.value) for o in AttemptOutcome], allow_blank=False, id="outcome", compact=True)
            yield Input(placeholder="notes (optional)", id="notes", max_length=1200)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: save · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#outcome").focus()

    def action_save(self) -> None:
        try:
            result = check_attempt(str(self.query_one("#outcome", Select).value), self.query_one("#notes", Input).value)
        except ValidationError as error:
            self._error(error, {"notes": "#notes"})
            return
        self.dismiss(result)


class CloseTimerScreen(_FormModal):
    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"Done: {self.title_text}", classes="modal-title", markup=False)
            yield Input(placeholder="what happened (optional)", id="note", max_length=1200)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("Enter: close the promise · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#note").focus()

    def action_save(self) -> None:
        note = " ".join(self.query_one("#note", Input).value.split())
        if len(note) > 1000:
            self._error(ValidationError("Note: keep it under 1,000 characters.", "note"), {"note": "#note"})
            return
        self.dismiss(note)


class RescheduleScreen(_FormModal):
    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"Reschedule: {self.title_text}", classes="modal-title", markup=False)
            yield Label("New due date and time", classes="field-label")
            yield Input(placeholder="12/3 2:30pm", id="new-due")
            yield Label("Reason (kept on record with the original due time)", classes="field-label")
            yield Input(placeholder="e.g. family asked for Monday", id="reason", max_length=600)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: save · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#new-due").focus()

    def action_save(self) -> None:
        try:
            result = check_reschedule(self.query_one("#new-due", Input).value, self.query_one("#reason", Input).value,
                                      self.app.clock())
        except ValidationError as error:
            self._error(error, {"new_due": "#new-due", "reason": "#reason"})
            return
        self.dismiss(result)

