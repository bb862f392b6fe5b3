"""My promises: every promise the rep owns, counting down in business time, soonest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding

from callcenter.domain.phone import format_phone
from callcenter.domain.promises import BOOKED_KINDS, KIND_LABELS, AttemptOutcome, PromiseCountdown, PromiseStatus
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store import contacts, promises
from callcenter.store.db import Database
from callcenter.store.promises import PromiseView
from callcenter.ui.screens.promises.dialogs import AttemptScreen, BookingScreen, ClosePromiseScreen, RescheduleScreen
from callcenter.ui.shared.list_detail import ListDetailScreen
from callcenter.ui.shared.outbound import OutboundScreen
from callcenter.ui.shared.promise_status import STATUS_LABEL, STATUS_STYLE, PromiseBoard
from callcenter.ui.shared.table import Column

RELOAD_EVERY = 5  # ticks between reads of the database; countdowns repaint every tick
SWEEP_EVERY = 30  # ticks between escalation sweeps

# A change to a promise, run in a worker: (database, acting agent, now).
Change = Callable[[Database, int, datetime], object]


class PromisesScreen(ListDetailScreen[PromiseView, None]):
    CSS_PATH = styles_dir() / "promises.tcss"
    KEY_HELP = {
        "attempt": "log an attempt: reached, voicemail, no answer, wrong number",
        "close_promise": "done: the promise is kept (a fax or TTY follow-up closes through `o`)",
        "reschedule": "reschedule: a new due time and why; the original stays on record",
        "outbound": "outbound contact for the promise; reached or fax sent keeps it",
        "booked": "a ride or an interpreter booked: its booking reference (the promise stays open to confirm it)",
    }
    BINDINGS = [
        Binding("a", "attempt", "Log attempt"),
        Binding("d", "close_promise", "Done"),
        Binding("s", "reschedule", "Reschedule"),
        Binding("o", "outbound", "Outbound contact"),
        Binding("b", "booked", "Booked"),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "My promises"
    TABLE_ID = "promises"
    TITLE_ID = "promises-title"
    DETAIL_ID = "promise-detail"
    DETAIL_BOX_ID = None
    RELOAD_TICKS = RELOAD_EVERY
    COLUMNS: ClassVar = (
        Column("State", "state", 10),
        Column("Left", "left", 12),
        Column("Clock", "clock", 8, shown_from=100),  # narrower, the detail line says which clock
        Column("Due", "due", 16),
        Column("Kind", "kind", 16, shown_from=100),  # narrower, the detail line names the kind
        Column("What", "title", 40, grow=4, min_width=14, max_width=110),
        Column("Tries", "tries", 5, shown_from=100),
    )

    @property
    def board(self) -> PromiseBoard:
        return self.app.promise_board

    # -- reading and painting ----------------------------------------------------------------------

    def fetch(self, query: None) -> list[PromiseView]:
        return promises.open_for(self.app.db, self.app.signed_in_agent().id)

    def after_load(self) -> None:
        self.board.rows = self.rows
        self.board.announce(self.app, self.app.clock())

    def tick(self) -> None:
        if self.ticks % SWEEP_EVERY == 0:
            self.sweep()
        if self.ticks % RELOAD_EVERY:  # a reload repaints by itself
            self.paint_rows(self.selected_key())
            self.set_title(self.title_for(self.rows, None))
            self.show_selected()

    @work(thread=True, exclusive=True, group="promises-sweep", exit_on_error=False)
    def sweep(self) -> None:
        promises.sweep(self.app.db, self.app.clock(), self.app.policy)

    def worker_failed(self, worker, error: BaseException) -> bool:
        if worker.group == "promises-sweep":
            return True  # another terminal's sweep does the same; the next one retries
        return super().worker_failed(worker, error)

    def _states(self) -> list[tuple[PromiseView, PromiseCountdown]]:
        now = self.app.clock()
        return [(row, self.app.policy.state(row.kind.value, now, row.created_at, row.due_at)) for row in self.rows]

    def paint_rows(self, keep: str | None) -> None:
        table = self.table
        if [key.value for key in table.rows] != [self.row_key(row) for row in self.rows]:
            super().paint_rows(keep)
            return
        # Only the visible rows' countdowns change on a tick.
        start, end = table.scroll_offset.y, table.scroll_offset.y + table.size.height + 1
        for row, state in self._states()[start:end]:
            cells = self._cells(row, state)
            table.update_cell(str(row.id), "state", cells[0])
            table.update_cell(str(row.id), "left", cells[1])

    def cells(self, row: PromiseView) -> list:
        now = self.app.clock()
        return self._cells(row, self.app.policy.state(row.kind.value, now, row.created_at, row.due_at))

    def _cells(self, row: PromiseView, state: PromiseCountdown) -> list:
        style = STATUS_STYLE[state.status]
        return [
            Text(STATUS_LABEL[state.status], style=style),
            Text(state.countdown, style=style),
            Text(self.app.policy.counts_in(row.kind.value), style="dim"),
            format_local(row.due_at)[:-3],
            KIND_LABELS[row.kind],
            Text(row.title),
            str(row.attempts),
        ]

    def title_for(self, rows: list[PromiseView], query: None) -> str:
        counts = dict.fromkeys(PromiseStatus, 0)
        for _, state in self._states():
            counts[state.status] += 1
        return (
            f"My promises: {len(rows)} open — {counts[PromiseStatus.OVERDUE]} overdue, "
            f"{counts[PromiseStatus.DUE_SOON]} due soon · each counts the clock it shows"
        )

    def describe(self, row: PromiseView | None) -> str:
        if row is None:
            return "Nothing open: every promise is kept." if not self.rows else ""
        lines = [
            f"{KIND_LABELS[row.kind]} #{row.id}: {row.title}",
            f"Started {format_local(row.created_at)[:-3]} · due {format_local(row.due_at)[:-3]}",
            self.app.policy.clock_words(row.kind.value),
        ]
        if row.original_due_at != row.due_at:
            lines.append(f"Originally due {format_local(row.original_due_at)[:-3]} (rescheduled)")
        if row.breached_at is not None:
            lines.append(f"BREACH recorded: due {format_local(row.breached_at)[:-3]}")
        elif row.escalated_at is not None:
            lines.append("Flagged for supervisors: due soon with no attempt yet")
        if row.last_outcome:
            lines.append(f"{row.attempts} attempt(s); last: {AttemptOutcome(row.last_outcome).label.lower()}")
        if row.booking_ref:
            lines.append(f"Booked: reference {row.booking_ref}")
        elif row.kind in BOOKED_KINDS:
            lines.append("Not booked yet: b records the booking reference")
        if row.notes:
            lines.append(row.notes)
        return "\n".join(lines)

    # -- actions -----------------------------------------------------------------------------------

    def _need_row(self) -> PromiseView | None:
        row = self.selected()
        if row is None:
            self.notify("Pick a promise first.")
        return row

    def action_attempt(self) -> None:
        row = self._need_row()
        if row is None:
            return
        self.ask(
            AttemptScreen(row.title),
            lambda result: self.change(
                lambda db, me, now: promises.log_attempt(db, me, row.id, result[0], result[1], now), "Attempt logged."
            ),
        )

    def action_close_promise(self) -> None:
        row = self._need_row()
        if row is None:
            return
        if row.consult_id is not None:
            self.notify("A consult closes when the psychiatrist records the returned call.", severity="warning")
            return
        if row.contact_id is not None:  # a fax or TTY follow-up is closed by the contact that answers it
            self.action_outbound()
            return
        policy = self.app.policy
        self.ask(
            ClosePromiseScreen(row.title),
            lambda note: self.change(
                lambda db, me, now: promises.close(
                    db, me, row.id, now, policy, note or None, expected_version=row.version
                ),
                "Promise kept: closed.",
            ),
        )

    def action_reschedule(self) -> None:
        row = self._need_row()
        if row is None:
            return
        self.ask(
            RescheduleScreen(row.title),
            lambda result: self.change(
                lambda db, me, now: promises.reschedule(db, me, row.id, result[0], result[1], now),
                "New due time saved; the original stays on record.",
            ),
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "booked":
            row = self.selected()
            return row is not None and row.kind in BOOKED_KINDS
        return True

    def show_selected(self) -> None:
        super().show_selected()
        self.refresh_bindings()  # the booking key is there only for a ride or an interpreter

    def action_booked(self) -> None:
        row = self._need_row()
        if row is None or row.kind not in BOOKED_KINDS:
            return
        self.ask(
            BookingScreen(row.title, row.kind, row.booking_ref),
            lambda ref: self.change(
                lambda db, me, now: promises.record_booking(db, me, row.id, ref, now),
                f"Booked: reference {ref}. The promise stays open until the booking is confirmed.",
            ),
        )

    def action_outbound(self) -> None:
        row = self._need_row()
        if row is not None:
            self.open_outbound(row)

    @work(thread=True, exclusive=True, group="promises-outbound", exit_on_error=False)
    def open_outbound(self, row: PromiseView) -> None:
        """Prefilled from the fax or TTY contact the follow-up came from, when there is one."""
        party = number = ""
        channel = "voice"
        if row.contact_id is not None:
            origin = contacts.get(self.app.db, row.contact_id).row
            party, number = origin.party or "", format_phone(origin.number)
            channel = "tty" if origin.channel == "tty" else "voice"  # most follow-ups are a call back
        self.app.call_from_thread(self._ask_outbound, row, party, number, channel)

    def _ask_outbound(self, row: PromiseView, party: str, number: str, channel: str) -> None:
        policy = self.app.policy

        def logged(entry) -> None:
            if entry is None:
                return
            kept = "; promise kept: closed." if entry.outcome.completes else "; the promise stays open."
            self.change(
                lambda db, me, now: contacts.log_outbound(db, me, entry, now, policy, answers_promise_id=row.id),
                "Outbound contact logged" + kept,
            )

        self.app.push_screen(OutboundScreen(party, number, channel, row.id, row.title), logged)

    @work(thread=True, group="promises-change", exit_on_error=False)
    def change(self, change: Change, done: str) -> None:
        """Run one change against a promise; a refusal is said by the app and the rep can do it again."""
        change(self.app.db, self.app.signed_in_agent().id, self.app.clock())
        self.app.call_from_thread(self.notify, done)
        self.app.call_from_thread(self.reload)
