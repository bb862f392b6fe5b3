"""Small questions the intake asks: which safety concern, reuse a known child."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callcenter.domain.intake_form import CRISIS_REASONS
from callcenter.resources import styles_dir
from callcenter.store.views import KnownChild
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


class KnownChildScreen(ConsoleModal[bool]):
    CSS_PATH = styles_dir() / "intake.tcss"
    BINDINGS = [Binding("y", "answer(True)", "Use it"), Binding("n,escape", "answer(False)", "New child")]

    def __init__(self, child: KnownChild) -> None:
        super().__init__()
        self.child = child

    def compose(self) -> ComposeResult:
        child = self.child
        born = child.date_of_birth.year if child.date_of_birth else "year unknown"
        medicaid = f", Medicaid …{child.medicaid_last4}" if child.medicaid_last4 else ""
        with Vertical(classes="modal-box"):
            yield Static("This child may already be on file", classes="modal-title")
            yield Static(
                f"{child.first_name} {child.last_name[:1]}., born {born}, {child.town or 'town unknown'}{medicaid} "
                f"(matched on {child.matched_on}).",
                markup=False,
            )
            yield Static("y: use this record · n: it is a different child", classes="modal-hint")

    def action_answer(self, reuse: bool) -> None:
        self.dismiss(reuse)
