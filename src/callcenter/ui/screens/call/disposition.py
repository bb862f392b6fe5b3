"""Pick how a call ended."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callcenter.domain.model import Disposition
from callcenter.resources import styles_dir
from callcenter.ui.shared.base import ConsoleModal
from callcenter.ui.shared.widgets import ConsoleOptionList

SHORTCUTS = {d: str(i) for i, d in enumerate(Disposition, start=1)}


class DispositionScreen(ConsoleModal[Disposition | None]):
    CSS_PATH = styles_dir() / "call.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Keep the call open"),
        *(Binding(key, f"choose('{d.value}')", d.label, show=False) for d, key in SHORTCUTS.items()),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="disposition-box"):
            yield Static("How did the call end?", id="disposition-title")
            yield ConsoleOptionList(
                *(Option(f"{SHORTCUTS[d]}  {d.label}", id=d.value) for d in Disposition),
                id="dispositions",
            )
            yield Static("Enter or 1–6 to choose · Esc to keep the call open", id="disposition-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(Disposition(str(event.option.id)))

    def action_choose(self, value: str) -> None:
        self.dismiss(Disposition(value))

    def action_cancel(self) -> None:
        self.dismiss(None)
