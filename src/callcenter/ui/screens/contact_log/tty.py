"""A TTY session: who is on the line, the running transcript (saved as it is typed), and its end."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Static, TextArea
from textual.worker import Worker

from callcenter.domain import contacts as rules
from callcenter.domain import validation
from callcenter.domain.contacts import TtyStart
from callcenter.domain.errors import ValidationError
from callcenter.domain.phone import format_phone
from callcenter.resources import styles_dir
from callcenter.store import contacts
from callcenter.store.contacts import ContactDetail
from callcenter.ui.shared.autosave import Autosave, KeepsTyping, SaveStatus, leaving_words
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.closing import close_when_on_top
from callcenter.ui.shared.dialogs import FormModal
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.formatting import when
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.typeahead import after_typed_keys
from callcenter.ui.shared.widgets import ConsoleHeader, compact


class TtyStartScreen(FormModal[ContactDetail | None]):
    """Who is on the TTY; the session (and its transcript) is on record from the first key."""

    CSS_PATH = styles_dir() / "contact_log.tcss"
    # Enter starts from any field, the relay checkbox included (space ticks it).
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s,enter", "save", "Start", priority=True)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static("Start a TTY session", classes="modal-title")
            yield Label("Caller", classes="field-label")
            yield compact(Input(placeholder="a name, or 'unknown caller'", id="tty-party", max_length=120))
            yield Label("TTY number", classes="field-label")
            yield compact(Input(placeholder="e.g. (203) 555-0143, or blank if none", id="tty-number", max_length=40))
            yield compact(Checkbox("Relay service call", id="tty-relay"))
            yield Label("", id="tty-error", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: start · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#tty-party").focus()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        start, errors = rules.check_tty_start(
            {
                "party": self.query_one("#tty-party", Input).value,
                "number": self.query_one("#tty-number", Input).value,
                "relay": "yes" if self.query_one("#tty-relay", Checkbox).value else "",
            }
        )
        if errors or start is None:
            field, message = next(iter(errors.items()))
            self.show_error(ValidationError(message, field), {field: f"#tty-{field}"})
            return
        self.start(start)

    @work(thread=True, exclusive=True, group="tty-start", exit_on_error=False)
    def start(self, start: TtyStart) -> None:
        detail = contacts.start_tty(self.app.db, self.app.signed_in_agent().id, start, self.app.clock())
        self.app.call_from_thread(close_when_on_top, self, detail)

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        self.show_error(ValidationError(explain(error)[0]))
        return True


class TtySessionScreen(KeepsTyping, ConsoleScreen[None]):
    """The running transcript, saved as it is typed."""

    CSS_PATH = styles_dir() / "contact_log.tcss"
    KEY_NOTES = (("type", "the transcript, saved as you type"),)
    KEY_HELP = {
        "intake": "guided intake from the session",
        "end_session": "end the session: a summary, and a next step that becomes your follow-up",
        "save_now": "save now",
        "relay": "mark or unmark the session as a relay-service call",
        "compare": "after a conflicting edit: your transcript beside the one saved elsewhere; keep one",
        "leave": "leave the session open; `Enter` on it in the contact log returns to it",
    }
    BINDINGS = [
        Binding("ctrl+g", "intake", "Guided intake", priority=True),
        Binding("ctrl+e", "end_session", "End session", priority=True),
        Binding("ctrl+s", "save_now", "Save", priority=True),
        Binding("ctrl+y", "relay", "Relay call", priority=True),
        Binding("ctrl+r", "compare", "Compare", show=False, priority=True),
        Binding("escape", "leave", "Leave (kept open)"),
    ]
    SUB_TITLE = "TTY session"

    def __init__(self, detail: ContactDetail) -> None:
        super().__init__()
        self.detail = detail
        app, contact_id = self.app, detail.row.id

        def write(text: str, version: int, agent_id: int) -> int:
            return contacts.save_transcript(
                app.db, agent_id, contact_id, rules.check_transcript(text), version, app.clock()
            )

        def theirs() -> tuple[str, int]:
            saved = contacts.get(app.db, contact_id)
            return saved.transcript or "", saved.version

        self.autosave: Autosave[str] = Autosave(
            self,
            key=("tty", contact_id),
            label=f"TTY session #{contact_id}",
            saved=detail.transcript or "",
            version=detail.version,
            read=self._transcript,
            write=write,
            read_theirs=theirs,
            status=self.paint_save_status,
        )

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static("", id="tty-title", classes="section-title", markup=False)
        yield Label("Transcript and notes: type as the conversation goes", classes="field-label")
        yield TextArea(self.autosave.current, id="tty-transcript", soft_wrap=True, tab_behavior="focus")
        yield SaveStatus()
        yield KeyBar()

    def _paint_title(self) -> None:
        row = self.detail.row
        relay = " · RELAY SERVICE" if row.relay else ""
        who = f"{row.party or 'unknown caller'} {format_phone(row.number)}".strip()
        self.query_one("#tty-title", Static).update(f"TTY session #{row.id} with {who}{relay} · started {when(row.at)}")

    def action_relay(self) -> None:
        self.mark_relay(not self.detail.row.relay)

    @work(thread=True, exclusive=True, group="tty-relay", exit_on_error=False)
    def mark_relay(self, relay: bool) -> None:
        detail = contacts.mark_relay(
            self.app.db, self.app.signed_in_agent().id, self.detail.row.id, relay, self.app.clock()
        )
        with self.autosave.lock:  # the session's version moved on: the next transcript save starts from it
            self.autosave.draft.version = detail.version
        self.detail = detail
        self.app.call_from_thread(self._paint_title)
        self.app.call_from_thread(self.notify, "Marked as a relay-service call." if relay else "Relay mark removed.")

    def on_mount(self) -> None:
        self._paint_title()
        area = self.query_one("#tty-transcript", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        if not self.autosave.draft.unsaved:
            self.paint_save_status("Saved" if self.autosave.current else "Nothing typed yet")

    def _transcript(self) -> str:
        return self.query_one("#tty-transcript", TextArea).text

    @on(TextArea.Changed, "#tty-transcript")
    def _typed(self) -> None:
        self.autosave.changed()

    def action_compare(self) -> None:
        """After a conflict: this console's transcript beside the one saved elsewhere; keep one."""
        area = self.query_one("#tty-transcript", TextArea)
        self.compare_typed(area, f"TTY session #{self.detail.row.id}", "Transcript")

    def action_save_now(self) -> None:
        self.autosave.save_now()

    def action_intake(self) -> None:
        self.autosave.save_now()
        self.app.open_intake(contact_id=self.detail.row.id)

    def action_end_session(self) -> None:
        self.ask(EndTtyScreen(), lambda result: self.end(*result))

    @work(thread=True, exclusive=True, group="tty-end", exit_on_error=False)
    def end(self, summary: str | None, next_step: str | None) -> None:
        text = self.app.call_from_thread(self._transcript)
        db, agent, contact_id = self.app.db, self.app.signed_in_agent().id, self.detail.row.id
        with self.autosave.lock:  # the last words typed are saved before the session closes, never after
            # A failure leaves the session open and the text on screen; the app says why.
            self.autosave.draft.version = contacts.save_transcript(
                db, agent, contact_id, rules.check_transcript(text), self.autosave.draft.version, self.app.clock()
            )
            contacts.end_tty(db, agent, contact_id, summary, next_step, self.app.clock(), self.app.policy)
            self.autosave.closed()
        self.app.call_from_thread(self._ended, next_step)

    def _ended(self, next_step: str | None) -> None:
        self.notify("TTY session ended" + ("; follow-up set." if next_step else "."), title="Logged")
        close_when_on_top(self)

    def action_leave(self) -> None:
        self.autosave.save_now()
        draft = self.autosave.draft
        self.notify(
            leaving_words(draft, "the session stays open: Enter on it in the contact log reopens it"),
            severity="warning" if draft.problem or draft.conflict else "information",
            markup=False,
        )
        self.dismiss(None)


class EndTtyScreen(FormModal[tuple[str | None, str | None] | None]):
    CSS_PATH = styles_dir() / "contact_log.tcss"

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static("End the TTY session", classes="modal-title")
            yield Label("Summary", classes="field-label")
            yield compact(Input(placeholder="what the caller needed", id="end-summary", max_length=2000))
            yield Label("Next step (optional; becomes your follow-up)", classes="field-label")
            yield compact(Input(placeholder="e.g. send the provider list by TTY", id="end-next_step", max_length=400))
            yield Label("", id="end-error", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: end · Esc: back to the session", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#end-summary").focus()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        try:
            summary = (
                validation.clean_text(self.query_one("#end-summary", Input).value, rules.MAX_SUMMARY, "summary") or None
            )
            next_step = (
                validation.clean_text(self.query_one("#end-next_step", Input).value, rules.MAX_NEXT_STEP, "next_step")
                or None
            )
        except ValidationError as error:
            self.show_error(error, {"summary": "#end-summary", "next_step": "#end-next_step"})
            return
        close_when_on_top(self, (summary, next_step))
