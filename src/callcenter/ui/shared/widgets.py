"""Textual widgets with one failure each taken out, and small readings of widgets, used across the console."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header, OptionList, Select
from textual.widgets._header import HeaderTitle
from textual.widgets.data_table import CellDoesNotExist

CompactWidget = TypeVar("CompactWidget", bound=Widget)
COMPACT_CLASS = "-textual-compact"  # what Textual's own `compact` reactive toggles


class ConsoleHeader(Header):
    """Textual's Header follows the app's and its screen's titles through watchers. A title that
    changes while the screen is being closed reaches a header whose title widget is already gone,
    and Textual's own update then fails (NoMatches) and ends the app. This one skips that repaint:
    the header is on its way out."""

    def __init__(self) -> None:
        super().__init__(show_clock=False, icon="☎")

    def _on_mount(self, event: Mount) -> None:
        event.prevent_default()  # in place of Header._on_mount, which registers the failing update

        def set_title() -> None:
            try:
                self.query_one(HeaderTitle).update(self.format_title())
            except (NoMatches, NoScreen):
                pass  # closing: nothing left to paint

        screen: Screen = self.screen
        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(screen, "title", set_title)
        self.watch(screen, "sub_title", set_title)


def compact(widget: CompactWidget) -> CompactWidget:
    """The widget in Textual's compact style (no border), as ``compact=True`` makes it, without the
    restyle: setting that reactive restyles the widget there and then, before it is mounted, where its
    styles are worked out anyway. A form of a dozen fields paid several milliseconds to open for it."""
    widget.set_reactive(type(widget).compact, True)  # type: ignore[attr-defined]  # every widget given here has one
    widget.add_class(COMPACT_CLASS, update=False)
    return widget


class DropDown(Select):
    """Textual's Select, compact (see ``compact``). Its list of options is bound to the Select's own
    ``compact`` and takes it as it mounts, restyling the whole list then; made compact before, the
    binding finds nothing to change."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        compact(self)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield compact(widget) if isinstance(widget, OptionList) else widget


class ConsoleOptionList(OptionList):
    """Textual's OptionList pages by its laid-out lines; PageUp or PageDown before the list is laid
    out (a key typed as its screen opens) finds none and fails (KeyError). This one waits for them."""

    def action_page_up(self) -> None:
        if self.scrollable_content_region:
            super().action_page_up()

    def action_page_down(self) -> None:
        if self.scrollable_content_region:
            super().action_page_down()


def highlighted_key(table: DataTable) -> str | None:
    """The row key under a DataTable's cursor; None for an empty table or no cursor yet."""
    if not table.row_count:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except CellDoesNotExist:  # no cursor yet
        return None


def highlighted_id(table: DataTable) -> int | None:
    """The numeric row key under a DataTable's cursor."""
    key = highlighted_key(table)
    return None if key is None else int(key)


def chosen_value(screen: Screen, selector: str) -> str:
    """A Select's value as form text: blank when nothing is chosen."""
    value = screen.query_one(selector, Select).value
    return "" if value is Select.NULL else str(value)
