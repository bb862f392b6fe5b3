"""The access-line console: its keys, its shared styles, and what it shows first.

What it is made of, from the bottom: ``console`` (the database, the clock, failures), ``session``
(who is signed in), ``navigation`` (opening screens). Screens live in ``ui/screens/<area>/``; what
several of them use lives in ``ui/shared/``.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from callcenter.resources import styles_dir
from callcenter.ui.console import system_clock
from callcenter.ui.navigation import NavigationApp

__all__ = ["CallCenterApp", "system_clock"]


class CallCenterApp(NavigationApp):
    TITLE = "Access line"
    SUB_TITLE = "children's behavioral health"
    # The classes several screens use; each screen area loads its own file through its CSS_PATH.
    CSS_PATH = styles_dir() / "app.tcss"
    KEY_NOTES = ((f"`{App.COMMAND_PALETTE_BINDING}`", "command palette: every screen and action by name"),)
    KEY_HELP = {
        "help": "help: this key map",
        "lookup": "(signed in) provider lookup; from the intake, prefilled from the child's details",
        "quit": "quit: what you typed is saved and you go offline (during a call, a second `ctrl+q` quits anyway)",
        "lock": "(signed in) lock the console now; it {idle_lock}",
    }
    # Screens lay out differently by the room they have (styles select on these classes): a
    # narrow terminal (80 columns) stacks what sits side by side, a wide one (160+) shows more.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (160, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("f3", "lookup", "Lookup"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+l", "lock", "Lock", show=False),
        # Priority, so a key typed right after Tab lands in the next field, not the one being left.
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def on_mount(self) -> None:
        self.start_session()

    def screen_types(self) -> list[type[Screen[Any]]]:
        from callcenter.ui.keymap import AREAS  # every screen (importing each one's module)

        return [screen_type for _area, screen_type in AREAS]
