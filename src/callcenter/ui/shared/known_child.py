"""A child who may already be on file: offered to the rep, never attached without their say."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from callcenter.resources import styles_dir
from callcenter.store.views import KnownChild
from callcenter.ui.shared.base import ConsoleModal


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
