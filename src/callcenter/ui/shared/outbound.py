"""An outbound call, TTY call or fax: logged from the contact log or against one of my promises."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from callcenter.domain import contacts as rules
from callcenter.domain import examples
from callcenter.domain.contacts import ContactOutcome, OutboundEntry
from callcenter.domain.errors import ValidationError
from callcenter.ui.shared.closing import close_when_on_top
from callcenter.ui.shared.dialogs import FormModal
from callcenter.ui.shared.typeahead import after_typed_keys
from callcenter.ui.shared.widgets import DropDown, chosen_value, compact

OUTBOUND_CHANNELS = (("Phone call", "voice"), ("TTY call", "tty"), ("Fax", "fax"))


class OutboundScreen(FormModal[OutboundEntry | None]):
    """Against a follow-up, a completing outcome (reached, fax sent) closes it."""

    def __init__(
        self,
        party: str = "",
        number: str = "",
        channel: str = "voice",
        promise_id: int | None = None,
        promise_title: str | None = None,
    ) -> None:
        super().__init__()
        self._initial = (party, number, channel)
        self.promise_id = promise_id
        self.promise_title = promise_title

    def compose(self) -> ComposeResult:
        party, number, channel = self._initial
        with Vertical(classes="modal-box"):
            title = (
                f"Outbound contact for follow-up #{self.promise_id}: {self.promise_title}"
                if self.promise_id
                else "Outbound contact"
            )
            yield Static(title, classes="modal-title", markup=False)
            yield Label("How", classes="field-label")
            yield DropDown(OUTBOUND_CHANNELS, value=channel, allow_blank=False, id="out-channel")
            yield Label("Number", classes="field-label")
            yield compact(Input(number, placeholder="e.g. (860) 555-0199", id="out-number", max_length=40))
            yield Label("Who (office or person)", classes="field-label")
            yield compact(Input(party, placeholder=examples.PERSON, id="out-party", max_length=120))
            yield Label("Outcome", classes="field-label")
            yield DropDown(
                [(outcome.label, outcome.value) for outcome in ContactOutcome],
                prompt="choose",
                id="out-outcome",
            )
            yield Label("Summary", classes="field-label")
            yield compact(Input(placeholder="what was said or sent", id="out-summary", max_length=2000))
            yield Label("", id="out-error", classes="form-error field-error", markup=False)
            hint = (
                "Reached or fax sent closes the follow-up; other outcomes log an attempt. " if self.promise_id else ""
            )
            yield Static(f"{hint}ctrl+s: save · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#out-outcome").focus()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        entry, errors = rules.check_outbound(
            {
                "channel": chosen_value(self, "#out-channel"),
                "outcome": chosen_value(self, "#out-outcome"),
                "number": self.query_one("#out-number", Input).value,
                "party": self.query_one("#out-party", Input).value,
                "summary": self.query_one("#out-summary", Input).value,
            }
        )
        if errors:
            field, message = next(iter(errors.items()))
            self.show_error(ValidationError(message, field), {field: f"#out-{field}"})
            return
        close_when_on_top(self, entry)
