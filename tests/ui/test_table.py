"""The fitted table draws its one-line cells itself: the picture must be DataTable's own, segment for
segment, whatever the cell holds (styled words, spans, wide characters, text cut with an ellipsis,
markup-looking text) and however the row is drawn (cursor, hover, zebra stripe, fixed column)."""

from __future__ import annotations

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from callcenter.ui.shared.table import Column, FittedTable

COLUMNS = (
    Column("When", "when", 11),
    Column("Party", "party", 12, grow=1, min_width=6, max_width=14),
    Column("Number", "number", 5),
    Column("Note", "note", 8),
)

ROWS = [
    ["11/23 09:40", "Maria Lopez", "0199", "plain"],
    [Text("late", style="bold red"), Text("Dr. Ada Okafor, MD, PhD"), "", Text("[x] not markup")],
    [Text.assemble(("due ", "yellow"), ("today", "bold")), "名前のある子供", Text("12345678"), "é" * 20],
    ["", Text("two\nlines"), Text("tab\there"), Text("right", justify="right")],
    [Text(" padded "), Text("a" * 40, style="italic"), "😀😀😀", Text("ok", style=Style(bgcolor="blue"))],
]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        table = FittedTable(COLUMNS, id="table")
        table.fixed_columns = 1
        yield table

    def on_mount(self) -> None:
        table = self.query_one(FittedTable)
        for index, row in enumerate(ROWS):
            table.add_row(*row, key=str(index))


@pytest.mark.parametrize("size", [(50, 12), (120, 12)])
async def test_cells_are_drawn_as_datatable_draws_them(size) -> None:
    app = TableApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = app.query_one(FittedTable)
        compared = 0
        for row_index in range(len(ROWS)):
            for column_index, column in enumerate(table.ordered_columns):
                width = column.get_render_width(table)
                for base_style in (table.rich_style, table.rich_style + Style(bgcolor="grey11")):
                    for cursor, hover in ((False, False), (True, False), (False, True)):
                        table._cell_render_cache.clear()
                        quick = table._render_cell(row_index, column_index, base_style, width, cursor, hover)
                        table._cell_render_cache.clear()
                        reference = DataTable._render_cell(
                            table, row_index, column_index, base_style, width, cursor, hover
                        )
                        assert quick == reference, (row_index, column_index, cursor, hover)
                        compared += 1
        assert compared == len(ROWS) * len(COLUMNS) * 6


async def test_the_quick_drawing_is_what_the_terminal_shows() -> None:
    """The cut name ends with an ellipsis and markup-looking text shows as typed."""
    app = TableApp()
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(FittedTable)
        lines = ["".join(segment.text for segment in strip) for strip in table.render_lines(table.region.reset_offset)]
        assert lines[2] == " late         Dr. Ada Okafo…         [x] not…     "
        assert lines[3] == " due today    名前のある子供  1234…  ééééééé…     "
