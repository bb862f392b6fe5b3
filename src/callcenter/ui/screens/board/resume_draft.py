"""After a crash or a closed terminal, the rep's unfinished intake is offered first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store.intakes import DraftView
from callcenter.ui.shared.base import ConsoleModal


class ResumeDraftScreen(ConsoleModal[bool]):
    CSS_PATH = styles_dir() / "board.tcss"
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
