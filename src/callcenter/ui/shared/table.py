"""Tables whose columns fit the room they have.

Each column says its usual width, how far it may shrink and how much of any spare room it takes.
When the table is resized the widths are worked out again: at 80 columns text columns give way
first, at 200 they grow to show whole names and questions. Text that still does not fit ends with
an ellipsis, so a cut value never passes for a whole one. Cells are shown as the text they are
(never read as markup: a note with "[x]" in it shows "[x]").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

Item = TypeVar("Item")  # what a row is made from (see FittedTable.fill)
FIRST_ROWS = 60  # a list's rows painted with its screen: more than the tallest terminal shows at once; the rest follow

_LINE_JOINER = Text("\n")
_NO_STYLE = Style.null()


@dataclass(frozen=True)
class Column:
    label: str
    key: str
    width: int  # its usual width
    grow: int = 0  # its share of room to spare (0: keeps its width)
    min_width: int | None = None  # how narrow it may get before the text is cut (None: its width, or its
    # label's if it grows)
    max_width: int | None = None  # how wide it may grow (None: three times its width)
    shown_from: int = 0  # the table's narrowest width that shows it (what it says is in the detail too)

    @property
    def narrowest(self) -> int:
        if self.min_width is not None:
            return self.min_width
        return min(self.width, max(len(self.label), 6)) if self.grow else self.width

    @property
    def widest(self) -> int:
        return self.max_width if self.max_width is not None else self.width * 3


def fit_widths(columns: Sequence[Column], room: int, padding: int = 1, needs: Sequence[int] | None = None) -> list[int]:
    """Each column's width for a table `room` cells wide (each column also takes `padding` on both
    sides). Too little room: the columns that may shrink give way in proportion to how far they can,
    down to their narrowest. Room to spare: the growing columns share it by their `grow`, up to their
    widest or to what their longest value needs (`needs`, when known), whichever is less."""
    widths = [column.width for column in columns]
    caps = [
        column.widest if needs is None else max(column.width, min(column.widest, need))
        for column, need in zip(columns, needs or [0] * len(columns), strict=True)
    ]
    room -= 2 * padding * len(columns)
    over = sum(widths) - room
    if over > 0:
        slack = [column.width - column.narrowest for column in columns]
        total_slack = sum(slack)
        if total_slack:
            give = min(over, total_slack)
            cuts = [give * s // total_slack for s in slack]
            remainder = give - sum(cuts)
            for index in sorted(range(len(columns)), key=lambda i: -slack[i]):  # rounding: widest slack first
                if remainder <= 0:
                    break
                if slack[index] > cuts[index]:
                    cuts[index] += 1
                    remainder -= 1
            widths = [width - cut for width, cut in zip(widths, cuts, strict=True)]
        return widths
    spare = -over
    growing = [index for index, column in enumerate(columns) if column.grow and caps[index] > widths[index]]
    while spare > 0 and growing:
        shares = sum(columns[index].grow for index in growing)
        handed = 0
        for index in list(growing):
            extra = max(1, spare * columns[index].grow // shares)
            extra = min(extra, caps[index] - widths[index], spare - handed)
            widths[index] += extra
            handed += extra
            if widths[index] >= caps[index]:
                growing.remove(index)
        if handed == 0:
            break
        spare -= handed
    return widths


def fitted_cell(value: Any) -> Any:
    """A cell that ends with an ellipsis when cut, and is never read as markup."""
    if isinstance(value, Text):
        text = value.copy()
    elif isinstance(value, str):
        text = Text(value)
    else:
        return value
    text.no_wrap = True
    text.overflow = "ellipsis"
    text.end = ""
    return text


class FittedTable(DataTable[Any]):
    """A DataTable of declared columns that re-fits them to its width (see the module's note).

    A column may be left out below a width (``shown_from``): the table keeps every row's cells, so the
    column comes back, filled, when there is room again, and ``get_cell`` reads it either way."""

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        # A cell's own colour (a red breach, a late wait) stays on the highlighted row: the cursor
        # gives the row its background, not a foreground that would hide the alert.
        kwargs.setdefault("cursor_foreground_priority", "renderable")
        super().__init__(**kwargs)
        self.specs = tuple(columns)
        self._cells: dict[RowKey, dict[str, Any]] = {}  # every row's cells, shown or not
        self._needs = {column.key: len(column.label) for column in self.specs}  # its longest value
        self._refit_pending = False
        self._shown = tuple(column for column in self.specs if not column.shown_from)
        for column in self._shown:
            self.add_column(column.label, key=column.key, width=column.width)

    @property
    def shown_columns(self) -> tuple[Column, ...]:
        return self._shown

    def on_resize(self, event: events.Resize) -> None:
        self.fit_columns(event.size.width)

    def fit_columns(self, width: int | None = None) -> None:
        width = width if width is not None else self.size.width
        room = width - self.styles.scrollbar_size_vertical
        if room <= 0:
            return
        shown = tuple(column for column in self.specs if width >= column.shown_from)
        if shown != self._shown:
            self._show(shown)
        changed = False
        needs = [self._needs[column.key] for column in shown]
        for column, fitted in zip(shown, fit_widths(shown, room, self.cell_padding, needs), strict=True):
            on_screen = self.columns[ColumnKey(column.key)]
            if on_screen.width != fitted:
                on_screen.width = fitted
                changed = True
        if changed:
            # DataTable has no public way to set a column's width after adding it: these two are
            # what its own add_column does (the dimensions are worked out again when idle).
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()

    def _show(self, shown: tuple[Column, ...]) -> None:
        """Lay the table out again with these columns, the same rows in the same order, the cursor
        on the same row."""
        order = [row.key for row in self.ordered_rows]
        heights = {key: self.rows[key].height for key in order}
        cursor_row = self.cursor_row if self.row_count else None
        self._shown = shown
        super().clear(columns=True)
        for column in shown:
            self.add_column(column.label, key=column.key, width=column.width)
        for key in order:
            cells = self._cells[key]
            super().add_row(*(cells[column.key] for column in shown), key=key.value, height=heights[key])
        if cursor_row is not None and self.row_count:
            self.move_cursor(row=min(cursor_row, self.row_count - 1), animate=False)

    def add_row(self, *cells: Any, key: str | None = None, **kwargs: Any) -> RowKey:
        fitted = {column.key: fitted_cell(cell) for column, cell in zip(self.specs, cells, strict=True)}
        row_key = super().add_row(*(fitted[column.key] for column in self._shown), key=key, **kwargs)
        self._cells[row_key] = fitted
        for column_key, cell in fitted.items():
            self._note_need(column_key, cell)
        return row_key

    def _note_need(self, column_key: str, cell: Any) -> None:
        """A longer value than any before: the widths are worked out again once the rows are in."""
        length = cell.cell_len if isinstance(cell, Text) else len(str(cell))
        if length > self._needs[column_key]:
            self._needs[column_key] = length
            if not self._refit_pending and self.is_mounted:
                self._refit_pending = True
                self.call_later(self._refit)

    def _refit(self) -> None:
        self._refit_pending = False
        self.fit_columns()

    # -- drawing: the same picture as DataTable's, for a fraction of the work -------------------------

    _style_this_pass: Style | None = None

    @property
    def rich_style(self) -> Style:
        """The table's base style; worked out once per drawing, not once per line (it walks every
        widget up to the screen, a quarter of the time a table took to draw)."""
        if self._style_this_pass is not None:
            return self._style_this_pass
        return super().rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._style_this_pass = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._style_this_pass = None

    def _update_dimensions(self, new_rows: Any) -> None:
        """DataTable measures every new row's cells to size auto-width columns and auto-height rows;
        a fitted table has neither (every column is given its width, every row is one line high), so
        only the table's size is worked out."""
        super()._update_dimensions(() if all(not column.auto_width for column in self.columns.values()) else new_rows)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """A one-line text cell drawn straight to its segments. DataTable draws every cell through
        Rich's general layout (padding, wrapping, cropping, each a pass over the segments), which is
        most of the time a table takes to show; the segments are the same (a test compares them)."""
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_index < 0 or column_index < 0 or row_key is None or column_key is None:  # the header
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cell = self._get_row_renderables(row_index).cells[column_index]
        padding = self.cell_padding
        if not _one_line(cell) or self.rows[row_key].height != 1 or width <= 2 * padding:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            row_index < self.fixed_rows or column_index < self.fixed_columns,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        inner = width - 2 * padding
        line = cell
        if cell.cell_len > inner:
            line = cell.copy()
            line.truncate(inner, overflow=cell.overflow)
        # Rich lays a text out by joining its lines, which makes the text's own style a span: a text
        # with no style of its own renders the same without that step.
        laid_out = _LINE_JOINER.join([line]) if line.style else line
        segments = Segment.adjust_line_length(list(laid_out.render(self.app.console, end="")), inner, style=_NO_STYLE)
        if padding:
            edge = Segment(" " * padding, _NO_STYLE)
            segments = [edge, *segments, edge]
        lines = [list(Segment.apply_style(segments, style=pre_style, post_style=post_style))]
        self._cell_render_cache[cache_key] = lines
        return lines

    def update_cell(self, row_key: Any, column_key: Any, value: Any, *, update_width: bool = False) -> None:
        fitted = fitted_cell(value)
        self._cells[RowKey(row_key) if isinstance(row_key, str) else row_key][_key_text(column_key)] = fitted
        self._note_need(_key_text(column_key), fitted)
        if any(column.key == _key_text(column_key) for column in self._shown):
            super().update_cell(row_key, column_key, fitted, update_width=update_width)

    def get_cell(self, row_key: Any, column_key: Any) -> Any:
        return self._cells[RowKey(row_key) if isinstance(row_key, str) else row_key][_key_text(column_key)]

    def remove_row(self, row_key: Any) -> None:
        super().remove_row(row_key)
        self._cells.pop(RowKey(row_key) if isinstance(row_key, str) else row_key, None)

    def fill(
        self, rows: Sequence[tuple[str, Item]], cells: Callable[[Item], Sequence[Any]], cursor_at: int | None = None
    ) -> None:
        """Every row replaced (``cells`` makes a row's cells from its item), the cursor on row number
        ``cursor_at``. The rows a screen can show go in first and paint with it; the rest follow just
        after, so a list of hundreds opens as fast as a short one."""
        self.clear()
        first = max(FIRST_ROWS, (cursor_at or 0) + 1)
        for key, item in rows[:first]:
            self.add_row(*cells(item), key=key)
        if cursor_at is not None and self.row_count:
            self.move_cursor(row=cursor_at)
        if len(rows) > first:
            self.call_after_refresh(self._fill_rest, rows, cells, first, self._clears)

    def _fill_rest(
        self, rows: Sequence[tuple[str, Item]], cells: Callable[[Item], Sequence[Any]], start: int, clears: int
    ) -> None:
        if clears != self._clears:
            return  # filled (or cleared) again since: the rows shown now are newer
        for key, item in rows[start:]:
            self.add_row(*cells(item), key=key)

    _clears = 0  # times the rows were all removed (a later part of a fill checks it)

    def clear(self, columns: bool = False) -> FittedTable:
        if columns:
            raise ValueError("a fitted table's columns are declared once")
        self._clears += 1
        super().clear()
        self._cells.clear()
        self._needs = {column.key: len(column.label) for column in self.specs}
        return self


def _one_line(cell: object) -> TypeGuard[Text]:
    """A cell the quick drawing draws exactly as Rich would: one line of text, left to right."""
    if isinstance(cell, Text) and not cell.plain and not cell.spans:
        return True  # an empty cell (DataTable stands one shared blank text in for it)
    return (
        isinstance(cell, Text)
        and cell.no_wrap is True
        and cell.justify in (None, "default", "left")
        and cell.overflow in ("ellipsis", "crop", "fold")
        and cell.end == ""
        and "\n" not in cell.plain
        and "\t" not in cell.plain
    )


def _key_text(key: Any) -> str:
    return key if isinstance(key, str) else str(key.value)
