"""A list with the highlighted row in full beside or below it: the audit trail, the contact log, my
promises and my consults.

The base does what all four did by hand: filters read a moment after the last key (a bad filter is
said under the filter row and nothing is read), one read at a time in a worker (a newer read cancels
an older one, which then never paints), the list rebuilt with the cursor kept on the same row, and the
detail pane following the cursor. A screen says what its rows are, how to read them, how a row looks
and what the detail pane says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Select, Static
from textual.worker import Worker, get_current_worker

from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.table import Column, FittedTable
from callcenter.ui.shared.widgets import ConsoleHeader, highlighted_key

Row = TypeVar("Row")
Query = TypeVar("Query")

LOAD_GROUP = "list-load"
UNKNOWN = object()  # a first query that cannot be known before the filter row is built


class ListDetailScreen(ConsoleScreen[None], Generic[Row, Query]):
    # Widget ids, per screen: its styles and its tests know them.
    TABLE_ID: ClassVar[str] = "list"
    TITLE_ID: ClassVar[str] = "list-title"
    DETAIL_ID: ClassVar[str] = "list-detail"
    DETAIL_BOX_ID: ClassVar[str | None] = "list-detail-box"  # None: the detail is a plain line under the list
    BODY_ID: ClassVar[str | None] = None  # set: list and detail side by side in this container; None: stacked
    FILTER_ERROR_ID: ClassVar[str | None] = None  # set when the screen has a filter row
    FILTER_PREFIX: ClassVar[str] = "\0"  # the ids of the filter row's widgets start with this
    FILTER_DELAY: ClassVar[float] = 0.25  # seconds after the last key in the filter row before reading again
    HOLD_PAINT_SECONDS = 0.25  # the first read is painted with the screen (see FirstPaintWithData)
    RELOAD_TICKS: ClassVar[int | None] = None  # read again every so many ticks of the app's refresh interval
    COLUMNS: ClassVar[Sequence[Column]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The list has the focus from the start: Textual would first give it to the filter row's first
        # widget, then the list takes it, restyling both twice as the screen opens.
        if "AUTO_FOCUS" not in cls.__dict__:
            cls.AUTO_FOCUS = f"#{cls.TABLE_ID}"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.query_used: Query | None = None
        self._filter_ok = False
        self._filter_timer: Timer | None = None
        self._wanted_key: str | None = None  # a row a write asked to show; a racing reload must not move off it
        self.ticks = 0
        self.loads = 0  # how many reads have painted (the first one is the screen shown with its data)
        self._reads = 0  # how many reads were started once built (not counting the one before)

    # -- what a screen says ----------------------------------------------------------------------

    def compose_filters(self) -> ComposeResult:
        """The filter row, if the screen has one."""
        yield from ()

    def read_filter(self) -> tuple[Query | None, dict[str, str]]:
        """The query the filter row asks for, or the problems with it (field → message)."""
        return None, {}

    def first_query(self) -> Query | None | object:
        """The query the filter row will ask for as it is first built, known before it is built: the
        first read then runs before the widgets are (see ``read_first``). UNKNOWN: read once built."""
        return None if type(self).read_filter is ListDetailScreen.read_filter else UNKNOWN

    def fetch(self, query: Query | None) -> list[Row]:
        """Read the rows (in a worker thread)."""
        raise NotImplementedError

    def row_key(self, row: Row) -> str:
        return str(row.id)  # type: ignore[attr-defined]

    def cells(self, row: Row) -> list[Any]:
        raise NotImplementedError

    def title_for(self, rows: list[Row], query: Query | None) -> str:
        raise NotImplementedError

    def describe(self, row: Row | None) -> str:
        """The detail pane's text for the highlighted row (None: nothing highlighted)."""
        raise NotImplementedError

    def tick(self) -> None:
        """Every tick of the app's refresh interval, for screens that repaint countdowns."""

    def after_load(self) -> None:
        """After fresh rows painted."""

    def load_failed(self, error: BaseException) -> None:
        """The rows already shown stay; the title says why they were not refreshed."""
        self.set_title(f"{self.SUB_TITLE} — not refreshed: {explain(error)[0]}")

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield from self.compose_filters()
        if self.FILTER_ERROR_ID is not None:
            yield Label("", id=self.FILTER_ERROR_ID, classes="field-error", markup=False)
        yield Static("", id=self.TITLE_ID, classes="section-title", markup=False)
        if self.BODY_ID is not None:
            with Horizontal(id=self.BODY_ID):
                yield from self._list_and_detail()
        else:
            yield from self._list_and_detail()
        yield KeyBar()

    def _list_and_detail(self) -> ComposeResult:
        yield FittedTable(self.COLUMNS, id=self.TABLE_ID)
        detail = Static("", id=self.DETAIL_ID, markup=False)
        if self.DETAIL_BOX_ID is None:
            yield detail
        else:
            with VerticalScroll(id=self.DETAIL_BOX_ID):
                yield detail

    def on_mount(self) -> None:
        self.table.focus()
        self.apply_filter()
        if self.RELOAD_TICKS is not None:
            self.set_interval(self.app.refresh_seconds, self._tick)

    @property
    def table(self) -> FittedTable:
        return self.query_one(f"#{self.TABLE_ID}", FittedTable)

    def set_title(self, text: str) -> None:
        self.query_one(f"#{self.TITLE_ID}", Static).update(text)

    # -- the filter row ----------------------------------------------------------------------------

    def _is_filter(self, widget_id: str | None) -> bool:
        return (widget_id or "").startswith(self.FILTER_PREFIX)

    @on(Select.Changed)
    @on(Input.Changed)
    def _filter_changed(self, event: Select.Changed | Input.Changed) -> None:
        if not self._is_filter(event.control.id):
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        query, errors = self.read_filter()
        if self._filter_ok and not errors and query == self.query_used:
            return  # the filter row settling as it mounts, or typed back to what is shown: no new read
        self._filter_timer = self.set_timer(self.FILTER_DELAY, self.apply_filter)

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._is_filter(event.input.id):
            self.apply_filter()
            self.table.focus()

    def read_first(self) -> tuple[Query | None, list[Row]] | None:
        query = cast("Query | None", self.first_query())
        if query is UNKNOWN:
            return None
        _ = self.app.policy  # built here, off the UI thread, the first time
        return query, self.fetch(query)

    def apply_filter(self) -> None:
        query, errors = self.read_filter()
        self.show_filter_error(" ".join(errors.values()))
        self._filter_ok = not errors
        if not errors:
            self.query_used = query
            self.with_first_read(lambda first: self._first_landed(first, query), self.reload)

    def _first_landed(self, first: tuple[Query | None, list[Row]], query: Query | None) -> None:
        """The rows read before the screen was built: painted if they answer the filter row, and
        no newer read was asked for while they were on their way."""
        if self._reads:
            return
        if first[0] != query or query != self.query_used:
            self.reload()
            return
        self._loaded(query, first[1], None)

    def show_filter_error(self, message: str) -> None:
        if self.FILTER_ERROR_ID is None:
            return
        label = self.query_one(f"#{self.FILTER_ERROR_ID}", Label)
        label.update(message)
        label.display = bool(message)

    # -- reading -----------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.ticks += 1
        if self.RELOAD_TICKS and self.ticks % self.RELOAD_TICKS == 0:
            self.reload()
        self.tick()

    def reload(self, select_key: str | None = None) -> None:
        """Read the rows again with the filter in use; `select_key` puts the cursor on that row."""
        if not self._filter_ok:
            return
        if select_key is not None:
            self._wanted_key = select_key
        self._reads += 1
        self._load(self.query_used, select_key)

    def _load(self, query: Query | None, select_key: str | None) -> None:
        self.run_worker(
            lambda: self._fetch_in_thread(query, select_key),
            thread=True,
            exclusive=True,
            group=LOAD_GROUP,
            exit_on_error=False,
        )

    def _fetch_in_thread(self, query: Query | None, select_key: str | None) -> None:
        _ = self.app.policy  # built here, off the UI thread, the first time
        rows = self.fetch(query)
        if not get_current_worker().is_cancelled:  # a newer read replaced this one: it paints instead
            self.app.call_from_thread(self._loaded, query, rows, select_key)

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        if worker.group == LOAD_GROUP:
            self.data_shown()
            self.load_failed(error)
            return True
        return False

    def _loaded(self, query: Query | None, rows: list[Row], select_key: str | None) -> None:
        keep = select_key if select_key is not None else self._wanted_key or self.selected_key()
        if select_key is not None and select_key == self._wanted_key:
            self._wanted_key = None
        self.rows = rows
        self.paint_rows(keep)
        self.set_title(self.title_for(rows, query))
        self.show_selected()
        self.loads += 1
        self.after_load()
        self.data_shown()

    def paint_rows(self, keep: str | None) -> None:
        """Rebuild the list, the cursor staying on the row it was on when that row is still there (the
        rows in sight paint first: ``FittedTable.fill``)."""
        keys = [self.row_key(row) for row in self.rows]
        at = keys.index(keep) if keep is not None and keep in keys else None
        self.table.fill(list(zip(keys, self.rows, strict=True)), self.cells, at)

    # -- the highlighted row -----------------------------------------------------------------------

    def selected_key(self) -> str | None:
        return highlighted_key(self.table)

    def selected(self) -> Row | None:
        key = self.selected_key()
        return next((row for row in self.rows if self.row_key(row) == key), None)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == self.TABLE_ID:
            self.show_selected()

    def show_selected(self) -> None:
        self.query_one(f"#{self.DETAIL_ID}", Static).update(self.describe(self.selected()))

    def action_back(self) -> None:
        self.dismiss(None)
