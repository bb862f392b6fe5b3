"""The audit trail for supervisors: who did what to which record, filtered by child, agent, days and action."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input

from callcenter.domain import audit as rules
from callcenter.domain import examples
from callcenter.domain.audit import AuditFilter, AuditRow
from callcenter.resources import styles_dir
from callcenter.store import audit
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.list_detail import ListDetailScreen
from callcenter.ui.shared.table import Column
from callcenter.ui.shared.widgets import compact

FILTERS = (  # (key in the filter, input id, placeholder, max length)
    ("child_id", "aud-child", "child id", 12),
    ("agent", "aud-agent", "agent username", 40),
    ("since", "aud-since", "since", 20),  # the example is dated: see compose_filters
    ("until", "aud-until", "until today", 20),
    ("action", "aud-action", "action e.g. submit", 40),
)


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value) or "—"
    return str(value)


def _short_when(row: AuditRow, zone: tzinfo) -> str:
    """'11/23 10:00:05': the list is read by day and second; the year is in the detail pane."""
    return row.at.astimezone(zone).strftime("%m/%d %H:%M:%S")


def describe(row: AuditRow, zone: tzinfo) -> str:
    """The highlighted entry in full: every detail on its own line."""
    who = f"{row.agent_username} ({row.agent_name})" if row.agent_username else "system (nobody signed in)"
    lines = [
        f"Entry #{row.id} · {rules.local_time(row.at, zone)}",
        f"Who: {who}",
        f"Did: {row.action} on {row.record}",
        f"Child: #{row.child_id}" if row.child_id is not None else "Child: —",
        f"Screen: {row.screen or '—'}",
    ]
    if row.detail:
        lines.append("Detail:")
        lines += [f"  {key}: {_plain(rules.detail_value(row, key))}" for key in sorted(row.detail)]
    return "\n".join(lines)


class AuditScreen(ListDetailScreen[AuditRow, AuditFilter]):
    """Reads the trail in a worker whenever the filter changes; the screen never waits on the database."""

    CSS_PATH = styles_dir() / "audit.tcss"
    KEY_NOTES = (
        (
            "filter row",
            "child id, agent username, since and until days (`11/1`, `today`), action (`submit`, "
            "`link_child`, ...); `Enter` returns to the list",
        ),
        ("`↑` / `↓`", "the entry in full follows on the right: who, what, which record and child, every detail"),
    )
    KEY_HELP = {"focus_filters": "to the filter row"}
    BINDINGS = [
        Binding("ctrl+f", "focus_filters", "Filter", priority=True),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "Audit trail"  # the screen's own; the app's stays the agent's name and role
    TABLE_ID = "audit-table"
    TITLE_ID = "audit-title"
    DETAIL_ID = "audit-detail"
    DETAIL_BOX_ID = "audit-detail-box"
    BODY_ID = "audit-body"
    FILTER_ERROR_ID = "audit-filter-error"
    FILTER_PREFIX = "aud-"
    COLUMNS: ClassVar = (
        Column("When", "when", 14),
        Column("Agent", "agent", 10, grow=1, min_width=8, max_width=24),
        Column("Action", "action", 14, grow=1, min_width=10, max_width=24),
        Column("Record", "record", 13, grow=1, min_width=10, max_width=24),
        Column("Child", "child", 6),
        Column("Screen", "screen", 11, min_width=8),
    )

    @property
    def zone(self) -> tzinfo:
        return self.app.policy.hours.zone

    def compose_filters(self) -> ComposeResult:
        with Horizontal(id="audit-filters"):
            for key, widget_id, placeholder, length in FILTERS:
                if key == "since":
                    placeholder = examples.a_start_this_month(self.app.line_today(), placeholder)
                yield compact(Input(placeholder=placeholder, id=widget_id, max_length=length))

    def read_filter(self) -> tuple[AuditFilter | None, dict[str, str]]:
        fields = {key: self.query_one(f"#{widget_id}", Input).value for key, widget_id, _, _ in FILTERS}
        today = self.app.clock().astimezone(self.zone).date()
        return rules.build_filter(fields, today, self.zone)

    def fetch(self, query: AuditFilter | None) -> list[AuditRow]:
        assert query is not None
        since, until = query.bounds()
        return audit.search(
            self.app.db,
            self.app.signed_in_agent().actor,
            child_id=query.child_id,
            agent_username=query.agent_username,
            since=since,
            until=until,
            action=query.action,
            screen=query.screen,
            limit=query.limit,
        )

    def load_failed(self, error: BaseException) -> None:
        message, retry = explain(error)
        if retry:  # the database hiccuped: the entries already shown stay
            self.set_title(f"Audit trail — not refreshed: {message}")
            return
        self.show_filter_error(message)  # e.g. no such agent: say so where the filter is typed
        self._loaded(None, [], None)

    def cells(self, row: AuditRow) -> list:
        return [
            _short_when(row, self.zone),
            Text(row.who),
            row.action,
            row.record,
            "" if row.child_id is None else str(row.child_id),
            row.screen or "",
        ]

    def title_for(self, rows: list[AuditRow], query: AuditFilter | None) -> str:
        more = ""
        if query is not None and len(rows) >= query.limit:
            more = f" (the newest {query.limit}; narrow the filter)"
        return f"Audit trail: {len(rows)} {'entry' if len(rows) == 1 else 'entries'}{more}, newest first"

    def describe(self, row: AuditRow | None) -> str:
        return describe(row, self.zone) if row else "No entries match the filter."

    def action_focus_filters(self) -> None:
        self.query_one("#aud-child", Input).focus()
