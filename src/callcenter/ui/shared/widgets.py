"""Textual widgets with one failure each taken out, and small readings of widgets, used across the console."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.geometry import Size
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Button, DataTable, Header, OptionList, Select
from textual.widgets._header import HeaderTitle
from textual.widgets._select import NoSelection, SelectCurrent, SelectOverlay
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


def set_quietly(widget: CompactWidget, reactive: Any, value: object, css_class: str) -> CompactWidget:
    """A reactive that toggles a class (``compact``, a button's ``variant``) set on a widget not yet
    mounted, without the restyle Textual does there and then: its styles are worked out as it mounts
    anyway. A form of a dozen fields paid several milliseconds to open for it."""
    widget.set_reactive(reactive, value)
    widget.add_class(css_class, update=False)
    return widget


def compact(widget: CompactWidget) -> CompactWidget:
    """The widget in Textual's compact style (no border), as ``compact=True`` makes it (see ``set_quietly``)."""
    return set_quietly(widget, type(widget).compact, True, COMPACT_CLASS)  # type: ignore[attr-defined]


def success_button(label: str, id: str) -> Button:
    """Textual's success-variant button, as ``variant="success"`` makes it (see ``set_quietly``)."""
    return set_quietly(Button(label, id=id), Button.variant, "success", "-success")


class CurrentChoice(SelectCurrent):
    """A drop-down's chosen value (or its prompt) and its arrow drawn by one widget, the picture of
    Textual's own: that one lays them out as three widgets (the value, a down arrow, a hidden up arrow),
    and a filter row of four drop-downs built and styled a dozen widgets more for it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"current-choice--prompt", "current-choice--arrow"}
    DEFAULT_CSS = """
    CurrentChoice {
        & > .current-choice--prompt { color: $foreground 50%; }
        & > .current-choice--arrow { color: $foreground 50%; }
    }
    """
    ARROW_WIDTH = 2  # a space, then the arrow

    def compose(self) -> ComposeResult:
        yield from ()

    def update(self, label: RenderableType | NoSelection) -> None:
        self.label = label
        self.has_value = label is not Select.NULL
        self.refresh(layout=True)

    def _watch_has_value(self, has_value: bool) -> None:
        super()._watch_has_value(has_value)
        self.refresh()

    def _shown_label(self) -> Content:
        label = self.placeholder if isinstance(self.label, NoSelection) else self.label
        if isinstance(label, Content):
            return label
        if isinstance(label, (str, Text)):
            return Content.from_text(label, markup=False)  # the words as written, never read as markup
        return Content(str(label))

    def _lines(self, width: int) -> list[Content]:
        return self._shown_label().wrap(max(1, width - self.ARROW_WIDTH)) or [Content("")]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._shown_label().cell_length + self.ARROW_WIDTH

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        # The words alone, wrapped clear of the arrow; Textual pads the lines as it does the Static's.
        shown = Content("\n").join(self._lines(self.content_size.width))
        return shown if self.has_value else shown.stylize_before(".current-choice--prompt")

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        if y != 0:  # a line of content (the padding is drawn around it)
            return line
        # The arrow on the first line, right of the words, as Textual's arrow widget draws it there.
        parent = self.parent
        arrow = "▲" if isinstance(parent, Select) and parent.expanded else "▼"
        width = self.content_size.width
        at = max(1, width - self.ARROW_WIDTH)
        style = self.get_visual_style("current-choice--arrow")
        background = RichStyle(bgcolor=style.background.rich_color if style.background else None)
        line = line.adjust_cell_length(width, background)  # the words' line is only as long as they are
        drawn = Strip([Segment(" ", background), Segment(arrow, style.rich_style)])
        return Strip.join([line.crop(0, at), drawn, line.crop(at + self.ARROW_WIDTH, line.cell_length)])


class DropDown(Select):
    """Textual's Select, compact (see ``compact``), its chosen value drawn by one widget
    (``CurrentChoice``). Its list of options is bound to the Select's own ``compact`` and takes it as
    it mounts, restyling the whole list then; made compact before, the binding finds nothing to change."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        compact(self)

    def compose(self) -> ComposeResult:
        # Select's own parts, its chosen value drawn by one widget and both made compact as they are made.
        yield CurrentChoice(self.prompt)
        yield compact(SelectOverlay(type_to_search=self._type_to_search)).data_bind(compact=Select.compact)

    def _watch_expanded(self, expanded: bool) -> None:
        super()._watch_expanded(expanded)
        for current in self.query(CurrentChoice):
            current.refresh()  # its arrow turns


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
