"""Attach a provider to the referral: offered, appointment scheduled (when), or declined (why)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from callcenter.domain import examples
from callcenter.domain.errors import ValidationError
from callcenter.domain.referrals import ReferralChoice, ReferralOutcome, check_choice
from callcenter.resources import styles_dir
from callcenter.ui.shared.dialogs import FormModal
from callcenter.ui.shared.widgets import DropDown


class AttachProviderScreen(FormModal[ReferralChoice | None]):
    CSS_PATH = styles_dir() / "lookup.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Attach", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self, provider_name: str, outcome: str = ReferralOutcome.OFFERED.value, appointment: str = "", note: str = ""
    ) -> None:
        super().__init__()
        self.provider_name = provider_name
        self._initial = (outcome, appointment, note)

    def compose(self) -> ComposeResult:
        outcome, appointment, note = self._initial
        with Vertical(classes="modal-box attach-box"):
            yield Static(f"Attach to the referral: {self.provider_name}", classes="modal-title", markup=False)
            yield Label("Outcome", classes="field-label")
            yield DropDown(
                [(o.label, o.value) for o in ReferralOutcome],
                value=outcome,
                allow_blank=False,
                id="attach-outcome",
            )
            yield Label("Appointment date and time (when scheduled)", classes="field-label")
            yield Input(
                appointment, placeholder=examples.a_later_moment(self.app.line_today()), id="attach-appointment"
            )
            yield Label("Note (why declined, who to ask for…)", classes="field-label")
            yield Input(note, placeholder="optional unless declined", id="attach-note", max_length=800)
            yield Label("", id="attach-error", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: attach · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#attach-outcome", Select).focus()

    def action_save(self) -> None:
        outcome = self.query_one("#attach-outcome", Select).value
        try:
            choice = check_choice(
                str(outcome),
                self.query_one("#attach-appointment", Input).value,
                self.query_one("#attach-note", Input).value,
                self.app.clock(),
            )
        except ValidationError as error:
            self.show_error(error, {"appointment": "#attach-appointment", "note": "#attach-note"})
            return
        self.dismiss(choice)
