"""The audit trail for supervisors: who did what to which record, filtered by child, agent, days and action."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Label, Static

from callcenter.domain import audit as rules
from callcenter.domain.audit import AuditFilter, AuditRow
from callcenter.store import audit
from callcenter.ui.errors import explain
from callcenter.ui.widgets import ConsoleHeader, highlighted_id

FILTER_DELAY = 0.25  # seconds after the last keystroke in the filter row before the trail is read again
FILTERS = (  # (key in the filter, input id, placeholder, max length)
    ("child_id", "aud-child", "child id", 12),
    ("agent", "aud-agent", "agent username", 40),
    ("since", "aud-since", "since 11/1", 20),
    ("until", "aud-until", "until today", 20),
    ("action", "aud-action", "action, e.g. submit", 40),
)


def _plain(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value) or "—"
    return str(value)


def _short_when(row: AuditRow, zone) -> str:
    """'11/23 10:00:05': the list is read by day and second; the year is in the detail pane."""
    return row.at.astimezone(zone).strftime("%m/%d %H:%M:%S")


def describe(row: AuditRow, zone) -> str:
    """The highlighted entry in full: every detail on its own line."""
    who = f"{row.agent_username} ({row.agent_name})" if row.agent_username else "system (nobody signed in)"
    lines = [f"Entry #{row.id} · {rules.local_time(row.at, zone)}", f"Who: {who}",
             f"Did: {row.action} on {row.record}",
             f"Child: #{row.child_id}" if row.child_id is not None else "Child: —",
             f"Screen: {row.screen or '—'}"]
    if row.detail:
        lines.append("Detail:")
        lines += [f"  {key}: {_plain(row.detail[key])}" for key in sorted(row.detail)]
    return "\n".join(lines)


class AuditScreen(Screen[None]):
    """Reads the trail in a worker whenever the filter changes; the screen never waits on the database."""

    BINDINGS = [
        Binding("ctrl+f", "focus_filters", "Filter", priority=True),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "Audit trail"  # the screen's own; the app's stays the agent's name and role

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[AuditRow] = []
        self.query_used: AuditFilter | None = None
        self._filter_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with Horizontal(id="audit-filters"):
            for _, widget_id, placeholder, length in FILTERS:
                yield Input(placeholder=placeholder, id=widget_id, max_length=length, compact=True)
        yield Label("", id="audit-filter-error", classes="field-error", markup=False)
        yield Static("", id="audit-title", classes="section-title", markup=False)
        with Horizontal(id="audit-body"):
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="audit-detail-box"):
                yield Static("", id="audit-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        for label, key, width in (("When", "when", 14), ("Agent", "agent", 10), ("Action", "action", 14),
                                  ("Record", "record", 13), ("Child", "child", 6), ("Screen", "screen", 11)):
            table.add_column(label, key=key, width=width)
        table.focus()
        self._apply_filter()

    @property
    def zone(self):
        return self.app.policy.hours.zone

    # -- the filter --------------------------------------------------------------------------

    def _filter_fields(self) -> dict[str, str]:
        return {key: self.query_one(f"#{widget_id}", Input).value for key, widget_id, _, _ in FILTERS}

    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        if not (event.input.id or "").startswith("aud-"):
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._apply_filter)

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if (event.input.id or "").startswith("aud-"):
            self._apply_filter()
            self.query_one("#audit-table", DataTable).focus()

    def _apply_filter(self) -> None:
        today = self.app.clock().astimezone(self.zone).date()
        query, errors = rules.build_filter(self._filter_fields(), today, self.zone)
        self._show_error(" ".join(errors.values()))
        if query is not None:
            self.load(query)

    def _show_error(self, message: str) -> None:
        label = self.query_one("#audit-filter-error", Label)
        label.update(message)
        label.display = bool(message)

    # -- reading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="audit-load", exit_on_error=False)
    def load(self, query: AuditFilter) -> None:
        from textual.worker import get_current_worker

        since, until = query.bounds()
        try:
            rows = audit.search(self.app.db, self.app.agent.id, child_id=query.child_id,
                                agent_username=query.agent_username, since=since, until=until, action=query.action,
                                limit=query.limit)
        except Exception as error:  # noqa: BLE001 - said on screen; a filter that cannot match empties the list
            message, retry = explain(error)
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._failed, message, retry)
            return
        if not get_current_worker().is_cancelled:  # a newer filter replaced this read: it paints instead
            self.app.call_from_thread(self._loaded, query, rows)

    def _failed(self, message: str, retry: bool) -> None:
        if retry:  # the database hiccuped: the entries already shown stay
            self._title(f"Audit trail — not refreshed: {message}")
            return
        self._show_error(message)  # e.g. no such agent: say so where the filter is typed
        self._loaded(None, [])

    def _title(self, text: str) -> None:
        self.query_one("#audit-title", Static).update(text)

    def _loaded(self, query: AuditFilter | None, rows: list[AuditRow]) -> None:
        self.query_used = query
        keep = self._selected_id()
        self.rows = rows
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        for row in rows:
            table.add_row(_short_when(row, self.zone), Text(row.who), row.action, row.record,
                          "" if row.child_id is None else str(row.child_id), row.screen or "", key=str(row.id))
        keys = [str(row.id) for row in rows]
        if keep is not None and str(keep) in keys:
            table.move_cursor(row=keys.index(str(keep)))
        more = ""
        if query is not None and len(rows) >= query.limit:
            more = f" (the newest {query.limit}; narrow the filter)"
        self._title(f"Audit trail: {len(rows)} {'entry' if len(rows) == 1 else 'entries'}{more}, newest first")
        self.show_selected()

    def _selected_id(self) -> int | None:
        return highlighted_id(self.query_one("#audit-table", DataTable))

    @on(DataTable.RowHighlighted, "#audit-table")
    def show_selected(self) -> None:
        selected = self._selected_id()
        row = next((row for row in self.rows if row.id == selected), None)
        self.query_one("#audit-detail", Static).update(
            describe(row, self.zone) if row else "No entries match the filter.")

    # -- actions -----------------------------------------------------------------------------

    def action_focus_filters(self) -> None:
        self.query_one("#aud-child", Input).focus()

    def action_back(self) -> None:
        self.dismiss(None)
