"""The key map, one key away. The app builds it from the screens' bindings and its settings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from callcenter.ui.shared.base import ConsoleModal

CLOSING_NOTE = """
Wait times tick every second; the board reads the database every second, so other
terminals' claims and new callers show up within two seconds.
"""


class HelpScreen(ConsoleModal[None]):
    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close")]

    def __init__(self, key_table: str) -> None:
        super().__init__()
        self.key_table = key_table

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(f"# Keys\n\n{self.key_table}\n{CLOSING_NOTE}")

    def action_close(self) -> None:
        self.dismiss(None)
