"""Small questions the intake asks: which safety concern (and a known child: ui.shared.known_child)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callcenter.domain.intake_form import CRISIS_REASONS
from callcenter.resources import styles_dir
from callcenter.ui.shared.base import ConsoleModal
from callcenter.ui.shared.widgets import ConsoleOptionList


class CrisisReasonScreen(ConsoleModal[str | None]):
    CSS_PATH = styles_dir() / "intake.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box crisis-box"):
            yield Static("SAFETY CONCERN — what is happening?", classes="modal-title")
            yield ConsoleOptionList(
                *(Option(f"{n}  {label}", id=value) for n, (value, label) in enumerate(CRISIS_REASONS, start=1))
            )
            yield Static("Enter to switch this intake to the crisis path · Esc to cancel", classes="modal-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
