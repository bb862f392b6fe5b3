"""The call panel: who is calling, what happened before, notes, and ending the call."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static, TextArea

from callcenter.domain.model import Disposition, Priority
from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local, format_wait
from callcenter.resources import styles_dir
from callcenter.store import calls
from callcenter.store.views import CallView, HistoryEntry
from callcenter.ui.screens.call.disposition import DispositionScreen
from callcenter.ui.shared.autosave import Autosave, KeepsTyping
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.closing import close_when_on_top
from callcenter.ui.shared.formatting import when
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.table import Column, FittedTable
from callcenter.ui.shared.widgets import ConsoleHeader

HISTORY_COLUMNS = (
    Column("When", "when", 16),
    Column("Line", "line", 4),
    Column("Outcome", "outcome", 14, min_width=10),
    Column("Rep", "rep", 12, grow=1, min_width=8, max_width=24),
    Column("Notes", "notes", 20, grow=4, min_width=10, max_width=120),
)


class CallScreen(KeepsTyping, ConsoleScreen[None]):
    CSS_PATH = styles_dir() / "call.tcss"
    KEY_NOTES = (("type", "call notes, saved to the database as you type"),)
    KEY_HELP = {
        "intake": "guided intake for this call (reopens the same draft)",
        "end_call": "end the call: pick a disposition with `1`–`6` or `Enter`",
        "relay": "(TTY calls) mark or unmark a relay-service call; the notes are the TTY transcript",
        "back": "back to the board; the call stays open (`c` returns to it)",
    }
    BINDINGS = [
        Binding("ctrl+g", "intake", "Guided intake", priority=True),
        Binding("ctrl+e", "end_call", "End call", priority=True),
        Binding("ctrl+y", "relay", "Relay call", priority=True),
        Binding("escape", "back", "Board (call stays open)"),
    ]

    def __init__(self, call: CallView) -> None:
        super().__init__()
        self.call = call
        app, call_id = self.app, call.id

        def write(notes: str, version: int, agent_id: int) -> int:
            return calls.save_notes(app.db, agent_id, call_id, notes)  # a call's notes are its rep's alone

        self.autosave: Autosave[str] = Autosave(
            self,
            key=("call", call.id),
            label=f"the notes of call #{call.id}",
            saved=call.notes or "",
            version=0,
            read=self._notes,
            write=write,
        )

    def compose(self) -> ComposeResult:
        call = self.call
        yield ConsoleHeader()
        with Vertical(id="call-head"):
            yield Static("", id="call-title", markup=False)
            yield Static("", id="call-times", markup=False)
        if call.priority == Priority.EMERGENCY:
            yield Static(
                "EMERGENCY CALLER — follow the crisis path first: Mobile Crisis (211, press 1) "
                "or 911 for immediate danger.",
                id="call-emergency",
                markup=False,
            )
        yield Static("Earlier contacts from this number", classes="section-title", id="history-title")
        yield FittedTable(HISTORY_COLUMNS, id="history")
        notes_title = (
            "TTY transcript and notes (saved as you type)"
            if call.channel == "tty"
            else "Call notes (saved as you type)"
        )
        yield Static(notes_title, classes="section-title")
        yield TextArea(self.autosave.current, id="call-notes", soft_wrap=True)
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "relay":
            return self.call.channel == "tty"  # only TTY calls come through a relay service
        return True

    def _paint_title(self) -> None:
        number = format_phone(self.call.caller_number) or "web referral (no number)"
        relay = " · RELAY SERVICE" if self.call.relay else ""
        self.query_one("#call-title", Static).update(
            f"On call · {self.call.line_name} ({self.call.line_code}) · caller {number}{relay}"
        )

    def action_relay(self) -> None:
        self.mark_relay(not self.call.relay)

    @work(thread=True, exclusive=True, group="call-relay", exit_on_error=False)
    def mark_relay(self, relay: bool) -> None:
        call = calls.mark_relay(self.app.db, self.app.signed_in_agent().id, self.call.id, relay, self.app.clock())
        self.call = call
        self.app.call_from_thread(self._paint_title)

    def on_mount(self) -> None:
        self._paint_title()
        self._paint_times()
        self.set_interval(1.0, self._paint_times)
        self.load_history()
        self.query_one("#call-notes", TextArea).focus()

    def _paint_times(self) -> None:
        now = self.app.clock()
        call = self.call
        waited = format_wait((call.answered_at or now) - call.arrived_at)
        talking = format_wait(now - call.answered_at) if call.answered_at else "—"
        self.query_one("#call-times", Static).update(
            f"Arrived {format_local(call.arrived_at, with_date=False)} · waited {waited} · "
            f"talking {talking} · priority {call.priority.label}"
        )

    @work(thread=True, exclusive=True, group="call-history", exit_on_error=False)
    def load_history(self) -> None:
        entries = calls.caller_history(self.app.db, self.call.caller_number, exclude_call_id=self.call.id)
        self.app.call_from_thread(self._show_history, entries)

    def _show_history(self, entries: list[HistoryEntry]) -> None:
        table = self.query_one("#history", DataTable)
        title = self.query_one("#history-title", Static)
        if not entries:
            title.update("Earlier contacts from this number: none — first contact")
            table.display = False
            return
        title.update(f"Earlier contacts from this number: {len(entries)} — repeat caller")
        title.add_class("repeat")
        for entry in entries:
            outcome = Disposition(entry.disposition).label if entry.disposition else entry.state.value.replace("_", " ")
            table.add_row(
                when(entry.at),
                Text(entry.line_code),
                Text(outcome, style="bold red" if entry.state.value == "abandoned" else ""),
                Text(entry.agent_name or "—"),
                Text((entry.notes or "").replace("\n", " ")),
                key=str(entry.call_id),
            )

    # -- notes: never lose what the rep typed ---------------------------------------------

    def _notes(self) -> str:
        return self.query_one("#call-notes", TextArea).text

    @on(TextArea.Changed, "#call-notes")
    def _notes_changed(self) -> None:
        self.autosave.changed()

    # -- ending -----------------------------------------------------------------------------

    def action_intake(self) -> None:
        self.autosave.save_now()
        self.app.open_intake(self.call.id)

    def action_back(self) -> None:
        self.autosave.save_now()
        self.dismiss(None)

    def action_end_call(self) -> None:
        self.app.push_screen(DispositionScreen(), self._disposition_chosen)

    def _disposition_chosen(self, disposition: Disposition | None) -> None:
        if disposition is not None:
            self.end_call(disposition, self.query_one("#call-notes", TextArea).text)

    @work(thread=True, exclusive=True, group="end-call", exit_on_error=False)
    def end_call(self, disposition: Disposition, notes: str) -> None:
        # A refusal is said by the app; the panel stays open with the notes intact.
        with self.autosave.lock:  # the notes go with the ending; no autosave lands after it
            ended = calls.end_call(
                self.app.db,
                self.app.signed_in_agent().id,
                self.call.id,
                disposition,
                self.app.clock(),
                notes,
                policy=self.app.policy,
            )
            self.autosave.closed()
        self.app.call_from_thread(self._ended, ended)

    def _ended(self, call: CallView) -> None:
        self.notify(
            f"Call ended: {Disposition(str(call.disposition)).label.lower()}. You are in wrap-up; press r when ready.",
            title="Call ended",
        )
        close_when_on_top(self)  # F3 or F1 may have opened over the panel while the call was ending;
        # the board below reads the database again as it comes back.
