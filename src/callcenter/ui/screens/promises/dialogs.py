"""What a rep records against a promise: an attempt, that it is done, a new due time."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from callcenter.domain import examples
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import PromiseKind
from callcenter.domain.promises import AttemptOutcome, check_attempt, check_booking_ref, check_reschedule
from callcenter.resources import styles_dir
from callcenter.ui.shared.dialogs import FormModal
from callcenter.ui.shared.widgets import DropDown


class AttemptScreen(FormModal[tuple[AttemptOutcome, str | None] | None]):
    CSS_PATH = styles_dir() / "promises.tcss"

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"Attempt: {self.title_text}", classes="modal-title", markup=False)
            yield DropDown([(o.label, o.value) for o in AttemptOutcome], allow_blank=False, id="outcome")
            yield Input(placeholder="notes (optional)", id="notes", max_length=1200)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: save · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#outcome").focus()

    def action_save(self) -> None:
        try:
            result = check_attempt(str(self.query_one("#outcome", Select).value), self.query_one("#notes", Input).value)
        except ValidationError as error:
            self.show_error(error, {"notes": "#notes"})
            return
        self.dismiss(result)


class ClosePromiseScreen(FormModal[str | None]):
    CSS_PATH = styles_dir() / "promises.tcss"

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
            self.show_error(ValidationError("Note: keep it under 1,000 characters.", "note"), {"note": "#note"})
            return
        self.dismiss(note)


class RescheduleScreen(FormModal[tuple[datetime, str] | None]):
    CSS_PATH = styles_dir() / "promises.tcss"

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"Reschedule: {self.title_text}", classes="modal-title", markup=False)
            yield Label("New due date and time", classes="field-label")
            yield Input(placeholder=examples.a_later_moment(self.app.line_today()), id="new-due")
            yield Label("Reason (kept on record with the original due time)", classes="field-label")
            yield Input(placeholder="e.g. family asked for Monday", id="reason", max_length=600)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: save · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#new-due").focus()

    def action_save(self) -> None:
        try:
            result = check_reschedule(
                self.query_one("#new-due", Input).value, self.query_one("#reason", Input).value, self.app.clock()
            )
        except ValidationError as error:
            self.show_error(error, {"new_due": "#new-due", "reason": "#reason"})
            return
        self.dismiss(result)


class BookingScreen(FormModal[str | None]):
    """The ride or the interpreter is booked: the reference the service gave."""

    CSS_PATH = styles_dir() / "promises.tcss"

    def __init__(self, title: str, kind: PromiseKind, ref: str | None) -> None:
        super().__init__(title)
        self.kind = kind
        self.ref = ref or ""

    def compose(self) -> ComposeResult:
        what = "Ride" if self.kind is PromiseKind.TRANSPORTATION else "Interpreter"
        with Vertical(classes="modal-box"):
            yield Static(f"{what} booked: {self.title_text}", classes="modal-title", markup=False)
            yield Label("Booking reference (as the service gave it)", classes="field-label")
            yield Input(self.ref, placeholder=examples.BOOKING_REF, id="ref", max_length=60)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: save · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#ref").focus()

    def action_save(self) -> None:
        try:
            ref = check_booking_ref(self.query_one("#ref", Input).value, self.kind)
        except ValidationError as error:
            self.show_error(error, {"ref": "#ref"})
            return
        self.dismiss(ref)
