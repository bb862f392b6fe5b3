"""Small questions the intake asks: which safety concern, reuse a known child, resume a draft."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callcenter.domain.intake_form import CRISIS_REASONS
from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local
from callcenter.store.intakes import DraftView, KnownChild
from callcenter.ui.widgets import ConsoleOptionList


class CrisisReasonScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box crisis-box"):
            yield Static("SAFETY CONCERN — what is happening?", classes="modal-title")
            yield ConsoleOptionList(*(Option(f"{n}  {label}", id=value) for n, (value, label)
                               in enumerate(CRISIS_REASONS, start=1)))
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


class KnownChildScreen(ModalScreen[bool]):
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


class ResumeDraftScreen(ModalScreen[bool]):
    BINDINGS = [Binding("enter,y", "answer(True)", "Resume"), Binding("escape,n", "answer(False)", "Later")]

    def __init__(self, draft: DraftView, others: int) -> None:
        super().__init__()
        self.draft = draft
        self.others = others

    def compose(self) -> ComposeResult:
        draft = self.draft
        caller = format_phone(draft.caller_number) if draft.caller_number else "an intake started by hand"
        filled = sum(1 for value in draft.fields.values() if value)
        more = f" ({self.others} more unfinished)" if self.others else ""
        with Vertical(classes="modal-box"):
            yield Static("You have an unfinished intake", classes="modal-title")
            yield Static(
                f"Intake #{draft.id} for {caller}, last saved {format_local(draft.updated_at)}, "
                f"{filled} field(s) filled{more}.",
                markup=False,
            )
            yield Static("Enter: resume it now · Esc: later (it stays saved)", classes="modal-hint")

    def action_answer(self, resume: bool) -> None:
        self.dismiss(resume)
