"""Finding a known child for a logged contact or a fax: by name, date of birth or Medicaid number."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from callcenter.domain.privacy import masked_child
from callcenter.resources import styles_dir
from callcenter.store import contacts
from callcenter.store.views import KnownChild
from callcenter.ui.shared.base import ConsoleModal
from callcenter.ui.shared.widgets import ConsoleOptionList


class ChildPickerScreen(ConsoleModal[KnownChild | None]):
    """Type a name, a date of birth or a Medicaid number; Enter picks the highlighted child."""

    CSS_PATH = styles_dir() / "contact_log.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "to_list", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.matches: list[KnownChild] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static("Match a known child", classes="modal-title")
            yield Input(placeholder="name, date of birth or Medicaid number", id="child-search", max_length=60)
            yield ConsoleOptionList(id="child-matches")
            yield Static("Type to search · ↓ then Enter: pick · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#child-search").focus()

    @on(Input.Changed, "#child-search")
    def _search(self, event: Input.Changed) -> None:
        self.find(event.value)

    @on(Input.Submitted, "#child-search")
    def _pick_first(self) -> None:
        if self.matches:
            self.dismiss(self.matches[self.query_one("#child-matches", OptionList).highlighted or 0])

    def action_to_list(self) -> None:
        if self.matches:
            self.query_one("#child-matches", OptionList).focus()

    @work(thread=True, exclusive=True, group="child-find", exit_on_error=False)
    def find(self, text: str) -> None:
        matches = contacts.find_children(self.app.db, text)
        self.app.call_from_thread(self._found, matches)

    def _found(self, matches: list[KnownChild]) -> None:
        self.matches = matches
        options = self.query_one("#child-matches", OptionList)
        options.clear_options()
        for child in matches:
            masked = masked_child(child.first_name, child.last_name, child.date_of_birth, child.medicaid_last4)
            options.add_option(Option(Text(f"{masked} · {child.town or 'town unknown'}")))
        if matches:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#child-matches")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.matches[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
