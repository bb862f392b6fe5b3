"""The keys a screen offers, along its bottom edge, wrapped onto a second line rather than cut off.

Textual's Footer is one line: at 80 columns the board's footer stopped at "p Promises" and the keys
after it could not be seen. This bar lays the same keys (the screen's active bindings that are shown)
out in as many lines as the width needs, whole entries only, so every key offered can be read.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

SEPARATOR = "  "


@dataclass(frozen=True)
class KeyEntry:
    key: str  # as shown: "t", "^q", "f3"
    description: str
    enabled: bool

    @property
    def width(self) -> int:
        return len(self.key) + 1 + len(self.description)


def wrap_entries(entries: list[KeyEntry], width: int) -> list[list[KeyEntry]]:
    """Whole entries per line, as many as fit in `width` columns; a lone entry wider than the line
    gets a line of its own."""
    lines: list[list[KeyEntry]] = [[]]
    used = 0
    for entry in entries:
        needed = entry.width + (len(SEPARATOR) if lines[-1] else 0)
        if lines[-1] and used + needed > width:
            lines.append([])
            used, needed = 0, entry.width
        lines[-1].append(entry)
        used += needed
    return [line for line in lines if line]


class KeyBar(Widget, can_focus=False):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        padding: 0 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .keybar--key { color: $footer-key-foreground; text-style: bold; }
    KeyBar > .keybar--description { color: $footer-description-foreground; }
    KeyBar > .keybar--disabled { color: $footer-foreground 40%; }
    """
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--disabled"}
    ALLOW_SELECT = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh(layout=True)

    def entries(self) -> list[KeyEntry]:
        """The screen's shown bindings, one entry per action (the first key bound to it)."""
        seen: set[str] = set()
        entries = []
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entries.append(KeyEntry(self.app.get_key_display(binding), binding.description, enabled))
        return entries

    def _lines(self, width: int) -> list[list[KeyEntry]]:
        return wrap_entries(self.entries(), max(width, 1))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._lines(width)))

    def render(self) -> RenderResult:
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        disabled_style = self.get_component_rich_style("keybar--disabled")
        text = Text(no_wrap=True, overflow="crop", end="")
        for number, line in enumerate(self._lines(self.content_region.width or self.size.width)):
            if number:
                text.append("\n")
            for index, entry in enumerate(line):
                if index:
                    text.append(SEPARATOR)
                text.append(entry.key, disabled_style if not entry.enabled else key_style)
                text.append(" " + entry.description, disabled_style if not entry.enabled else description_style)
        return text
