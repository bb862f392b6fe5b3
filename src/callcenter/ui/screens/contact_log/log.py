"""The contact log: every call, TTY session and fax in one list, filtered, with the entry in full below."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import DataTable, Input, Select, Static

from callcenter.domain import contacts as rules
from callcenter.domain import examples
from callcenter.domain.contacts import ContactFilter, FaxDocument, LogRow, OutboundEntry
from callcenter.domain.model import Channel
from callcenter.domain.phone import format_phone
from callcenter.domain.privacy import masked_child
from callcenter.domain.timefmt import line_zone
from callcenter.resources import styles_dir
from callcenter.store import consults, contacts, intakes
from callcenter.store.contacts import ContactDetail
from callcenter.store.views import KnownChild
from callcenter.ui.screens.contact_log.child_picker import ChildPickerScreen
from callcenter.ui.screens.contact_log.fax import FaxFormScreen
from callcenter.ui.screens.contact_log.tty import TtySessionScreen, TtyStartScreen
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.formatting import when
from callcenter.ui.shared.list_detail import ListDetailScreen
from callcenter.ui.shared.outbound import OutboundScreen
from callcenter.ui.shared.records import LinkedRecordScreen, describe_consult, describe_intake
from callcenter.ui.shared.table import Column
from callcenter.ui.shared.widgets import DropDown, chosen_value, compact

EXPORT_DIR_ENV = "CALLCENTER_EXPORT_DIR"
CHANNEL_SHORT = {"voice": "Voice", "tty": "TTY", "fax": "Fax", "web": "Web"}
SHOWN_AT_MOST = 500  # the store's limit: the title says when the filter should be narrowed


def _short_when(row: LogRow) -> str:
    """'11/23 09:40' in the line's zone: the list is read by day and time, the year is in the detail."""
    return row.at.astimezone(line_zone()).strftime("%m/%d %H:%M") if row.at else ""


def describe(detail: ContactDetail) -> str:
    """The entry and everything it links to, as the detail pane shows it."""
    row = detail.row
    head = (
        f"#{row.id} · {CHANNEL_SHORT.get(row.channel, row.channel)} {row.direction} · {when(row.at)}"
        + (" · relay service" if row.relay else "")
        + (" · SESSION OPEN" if detail.state == "open" else "")
    )
    lines = [head, f"{row.party or 'unknown party'} {format_phone(row.number)}".strip()]
    if row.agent:
        lines.append(f"Logged by {row.agent}")
    if row.pages is not None:
        kind = FaxDocument(row.document_type).label if row.document_type else "fax"
        lines.append(f"{kind}, {row.pages} page{'s' if row.pages != 1 else ''}")
    if detail.child:
        lines.append(f"Child: {detail.child} (v opens the full record)")
    else:
        lines.append("Child: not matched yet (c to match)")
    links = [
        f"intake #{row.intake_id}" if row.intake_id else "",
        f"consult #{row.consult_id}" if row.consult_id else "",
        f"call #{detail.call_id}" if detail.call_id else "",
    ]
    if any(links):
        lines.append("Linked: " + ", ".join(link for link in links if link))
    if detail.next_step:
        lines.append(f"Next step: {detail.next_step}")
    if detail.follow_up_promise_id:
        due = f", due {when(row.follow_up_due)}" if row.follow_up == "open" else ""
        lines.append(f"Follow-up #{detail.follow_up_promise_id} {row.follow_up}{due}: {detail.follow_up_title}")
    for answer in detail.answered_by:
        lines.append(
            f"  {when(answer.at)} {CHANNEL_SHORT.get(answer.channel)} out to {answer.party or ''} "
            f"{format_phone(answer.number)}: {rules.outcome_label(answer.outcome)}"
        )
    if detail.answers_promise_id:
        lines.append(f"Answers follow-up #{detail.answers_promise_id}")
    if row.outcome and row.direction == "inbound":
        lines.append(f"Outcome: {rules.outcome_label(row.outcome)}")
    if row.summary:
        lines.append(f"Summary: {row.summary}")
    if detail.transcript:
        lines.append("Transcript:")
        lines.append(detail.transcript)
    return "\n".join(lines)


class ContactLogScreen(ListDetailScreen[LogRow, ContactFilter]):
    """Filter by channel, dates, agent, follow-up and any text; open an entry and act on it."""

    CSS_PATH = styles_dir() / "contact_log.tcss"
    KEY_NOTES = (
        (
            "filter bar",
            "channel, in/out, from and to dates (`11/1`, `today`), agent, follow-up open/done, and a "
            "search box: a number in any format (`(860) 555-0199`, `860.555.0199`, or just `0199`), the "
            "child's name, or any words",
        ),
        (
            "`Enter`",
            "open what the entry leads to: your open TTY session or intake draft reopens; a submitted "
            "intake or a consult request is shown read-only",
        ),
    )
    KEY_HELP = {
        "focus_search": "to the search box; `Enter` there returns to the list",
        "log_fax": "log a fax, received or sent",
        "tty_session": "start a TTY session",
        "outbound": "outbound contact (call, TTY or fax) for the entry: reached or fax sent closes its follow-up, "
        "other outcomes log an attempt",
        "match_child": "match the entry to a known child",
        "view_record": "the matched child's full record (lists show initials, birth year, Medicaid's last four); "
        "the opening is audited",
        "intake": "start an intake from the entry (prefilled with the sender)",
        "export": "export what the filter shows as CSV (to `CALLCENTER_EXPORT_DIR` or the home folder)",
    }
    BINDINGS = [
        Binding("ctrl+f", "focus_search", "Search", priority=True),
        Binding("f", "log_fax", "Log fax"),
        Binding("y", "tty_session", "TTY session"),
        Binding("o", "outbound", "Outbound"),
        Binding("c", "match_child", "Match child"),
        Binding("v", "view_record", "Child's record"),
        Binding("i", "intake", "Intake"),
        Binding("e", "export", "Export CSV"),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "Contact log"
    TABLE_ID = "log"
    TITLE_ID = "log-title"
    DETAIL_ID = "log-detail"
    DETAIL_BOX_ID = "log-detail-box"
    FILTER_ERROR_ID = "log-filter-error"
    FILTER_PREFIX = "flt-"
    COLUMNS: ClassVar = (
        # Narrower than 100 columns the detail pane says the direction, the agent and the outcome.
        Column("When", "when", 11),
        Column("Dir", "dir", 3, shown_from=100),
        Column("Channel", "channel", 9),
        Column("Party", "party", 15, grow=2, min_width=10, max_width=36),
        Column("Number", "number", 14),
        Column("Agent", "agent", 10, grow=1, min_width=8, max_width=22, shown_from=100),
        Column("Child", "child", 11, grow=1, min_width=9, max_width=28),
        Column("Outcome", "outcome", 16, grow=2, min_width=10, max_width=50, shown_from=100),
        Column("Follow-up", "follow", 9),
    )

    def __init__(self) -> None:
        super().__init__()
        self.detail: ContactDetail | None = None

    def compose_filters(self) -> ComposeResult:
        with Grid(id="log-filters"):
            yield DropDown(
                [("Voice", "voice"), ("TTY", "tty"), ("Fax", "fax"), ("Web", "web")],
                prompt="any channel",
                id="flt-channel",
            )
            yield DropDown([("Inbound", "inbound"), ("Outbound", "outbound")], prompt="in & out", id="flt-direction")
            yield compact(
                Input(
                    placeholder=examples.a_start_this_month(self.app.line_today(), "from"),
                    id="flt-since",
                    max_length=20,
                )
            )
            yield compact(Input(placeholder="to today", id="flt-until", max_length=20))
            yield DropDown([], prompt="any agent", id="flt-agent")
            yield DropDown(
                [("Open follow-up", "open"), ("Follow-up done", "done")],
                prompt="any follow-up",
                id="flt-status",
            )
            yield compact(Input(placeholder="number, child or words", id="flt-search", max_length=rules.MAX_SEARCH))

    def on_mount(self) -> None:  # the list's own set-up runs too: Textual calls every class's on_mount
        self.load_agents()

    def on_screen_resume(self) -> None:
        """Back from an intake, a session or another screen: what it changed shows at once."""
        if self.coming_back:  # not on first showing: the first read is already under way
            self.reload()

    @work(thread=True, exit_on_error=False)
    def load_agents(self) -> None:
        from callcenter.store import agents

        people = agents.list_agents(self.app.db, active_only=False)
        self.app.call_from_thread(
            self.query_one("#flt-agent", Select).set_options,
            [(Text(person.display_name), person.id) for person in people],
        )

    # -- the list ------------------------------------------------------------------------------------

    def read_filter(self) -> tuple[ContactFilter | None, dict[str, str]]:
        fields = {
            "channel": chosen_value(self, "#flt-channel"),
            "direction": chosen_value(self, "#flt-direction"),
            "agent_id": chosen_value(self, "#flt-agent"),
            "status": chosen_value(self, "#flt-status"),
            "since": self.query_one("#flt-since", Input).value,
            "until": self.query_one("#flt-until", Input).value,
            "search": self.query_one("#flt-search", Input).value,
        }
        today = self.app.clock().astimezone(self.app.policy.hours.zone).date()
        return rules.build_filter(fields, today, self.app.policy.hours.zone)

    def first_query(self) -> ContactFilter | None:
        """Every filter at its default: the newest entries."""
        today = self.app.clock().astimezone(self.app.policy.hours.zone).date()
        fields = dict.fromkeys(("channel", "direction", "agent_id", "status", "since", "until", "search"), "")
        query, _ = rules.build_filter(fields, today, self.app.policy.hours.zone)
        return query

    def fetch(self, query: ContactFilter | None) -> list[LogRow]:
        assert query is not None
        return contacts.search(self.app.db, query)

    def cells(self, row: LogRow) -> list:
        follow = {"open": Text("open", style="bold yellow"), "done": Text("done", style="dim")}.get(
            row.follow_up or "", Text("")
        )
        channel = CHANNEL_SHORT.get(row.channel, row.channel) + (" relay" if row.relay else "")
        # Text, not str: a DataTable reads a str cell as markup, and these are the database's words.
        return [
            _short_when(row),
            "in" if row.direction == "inbound" else "out",
            Text(channel),
            Text(row.party or ""),
            Text(format_phone(row.number)),
            Text(row.agent or ""),
            Text(row.child or ""),
            Text(rules.outcome_label(row.outcome)),
            follow,
        ]

    def title_for(self, rows: list[LogRow], query: ContactFilter | None) -> str:
        open_count = sum(row.follow_up == "open" for row in rows)
        more = f" (the newest {SHOWN_AT_MOST}; narrow the filter)" if len(rows) >= SHOWN_AT_MOST else ""
        entries = f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}"
        return f"Contact log: {entries}{more}, {open_count} with an open follow-up"

    # -- the entry in full: read for the highlighted row --------------------------------------------

    def show_selected(self) -> None:
        row = self.selected()
        if row is None:
            self.detail = None
            self.query_one("#log-detail", Static).update("No entries match. f logs a fax, y starts a TTY session.")
            return
        if self.loads == 0:  # the list's first painting: its entry is read after, not alongside it
            self.call_after_refresh(self.load_detail, row.id)
        else:
            self.load_detail(row.id)

    @work(thread=True, exclusive=True, group="log-detail", exit_on_error=False)
    def load_detail(self, contact_id: int) -> None:
        detail = contacts.get(self.app.db, contact_id)
        self.app.call_from_thread(self._detail_loaded, detail)

    def worker_failed(self, worker, error: BaseException) -> bool:
        if worker.group == "log-detail":
            self.query_one("#log-detail", Static).update(explain(error)[0])
            return True
        return super().worker_failed(worker, error)

    def _detail_loaded(self, detail: ContactDetail) -> None:
        if str(detail.row.id) != self.selected_key():
            return  # the rep moved on while it loaded
        self.detail = detail
        self.query_one("#log-detail", Static).update(describe(detail))

    def _need_detail(self) -> ContactDetail | None:
        if self.detail is None or str(self.detail.row.id) != self.selected_key():
            self.notify("Pick an entry first (arrows, then the key).")
            return None
        return self.detail

    # -- actions ---------------------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        # At once, not queued as focus() is: the keys typed right after it (a burst) go to the box.
        self.set_focus(self.query_one("#flt-search", Input))

    def action_log_fax(self) -> None:
        self.app.push_screen(FaxFormScreen(), self._after_write)

    def action_tty_session(self) -> None:
        self.app.push_screen(TtyStartScreen(), self._tty_started)

    def _tty_started(self, detail: ContactDetail | None) -> None:
        if detail is not None:
            self.reload(str(detail.row.id))
            self.app.push_screen(TtySessionScreen(detail), lambda _: self.reload(str(detail.row.id)))

    @on(DataTable.RowSelected, "#log")
    def action_open_entry(self) -> None:
        detail = self._need_detail()
        if detail is None:
            return
        if detail.state == "open" and detail.row.channel == Channel.TTY.value:
            if detail.agent_id != self.app.signed_in_agent().id:
                self.notify("This TTY session is another rep's and still open.", severity="warning")
                return
            self.app.push_screen(TtySessionScreen(detail), lambda _: self.reload(str(detail.row.id)))
            return
        if detail.row.intake_id or detail.row.consult_id:
            self.open_linked(detail)
            return
        self.query_one("#log-detail-box").focus()

    @work(thread=True, exclusive=True, group="log-linked", exit_on_error=False)
    def open_linked(self, detail: ContactDetail) -> None:
        """The intake the entry led to (your own draft reopens to keep working), or its consult request."""
        me = self.app.signed_in_agent()
        if detail.row.intake_id:
            draft = intakes.open_record(self.app.db, me.actor, detail.row.intake_id, "contact log", self.app.clock())
            if draft.status.value == "draft" and draft.agent_id == me.id:
                self.app.call_from_thread(self.app.show_intake, draft)
                return
            text = describe_intake(draft)
        else:
            assert detail.row.consult_id is not None
            text = describe_consult(consults.get(self.app.db, detail.row.consult_id))
        self.app.call_from_thread(self.app.push_screen, LinkedRecordScreen(text))

    def action_view_record(self) -> None:
        detail = self._need_detail()
        if detail is None:
            return
        if detail.child_id is None:
            self.notify("No child is matched to this entry yet: c matches one.")
            return
        self.app.open_child_record(detail.child_id, "contact log")

    def action_outbound(self) -> None:
        detail = self._need_detail()
        if detail is None:
            return
        answering = detail.follow_up_promise_id if detail.row.follow_up == "open" else None
        channel = "tty" if detail.row.channel == "tty" else "voice"
        self.ask(
            OutboundScreen(
                detail.row.party or "", format_phone(detail.row.number), channel, answering, detail.follow_up_title
            ),
            lambda entry: self.save_outbound(entry, answering),
        )

    @work(thread=True, group="log-write", exit_on_error=False)
    def save_outbound(self, entry: OutboundEntry, promise_id: int | None) -> None:
        saved = contacts.log_outbound(
            self.app.db,
            self.app.signed_in_agent().id,
            entry,
            self.app.clock(),
            self.app.policy,
            answers_promise_id=promise_id,
        )
        closed = promise_id is not None and entry.outcome.completes
        message = (
            "Outbound contact logged; the follow-up is closed."
            if closed
            else "Outbound contact logged; the follow-up stays open."
            if promise_id
            else "Outbound contact logged."
        )
        self.app.call_from_thread(self.notify, message)
        self.app.call_from_thread(self.reload, str(saved.row.id))

    def action_match_child(self) -> None:
        detail = self._need_detail()
        if detail is not None:
            self.ask(ChildPickerScreen(), lambda child: self.link(detail, child))

    @work(thread=True, group="log-write", exit_on_error=False)
    def link(self, detail: ContactDetail, child: KnownChild) -> None:
        contacts.link_child(self.app.db, self.app.signed_in_agent().id, detail.row.id, child.id, self.app.clock())
        self.app.call_from_thread(
            self.notify,
            f"Matched to {masked_child(child.first_name, child.last_name, child.date_of_birth)}.",
            markup=False,
        )
        self.app.call_from_thread(self.reload, str(detail.row.id))

    def action_intake(self) -> None:
        detail = self._need_detail()
        if detail is not None:
            self.app.open_intake(contact_id=detail.row.id)

    def action_export(self) -> None:
        if self.query_used is None or not self._filter_ok:
            self.notify("Fix the filter first; the export writes what the log shows.", severity="warning")
            return
        self.export(self.query_used)

    @work(thread=True, exclusive=True, group="log-export", exit_on_error=False)
    def export(self, query: ContactFilter) -> None:
        folder = Path(os.environ.get(EXPORT_DIR_ENV) or Path.home())
        stamp = self.app.clock().astimezone(self.app.policy.hours.zone).strftime("%Y%m%d-%H%M%S")
        target = folder / f"contact-log-{stamp}.csv"
        text, _count = contacts.export_csv(
            self.app.db, query, actor=self.app.signed_in_agent().actor, now=self.app.clock(), screen="contact_log"
        )
        try:
            target.write_text(text, encoding="utf-8")
            target.chmod(0o600)  # the log names children: readable by the rep alone
        except OSError as error:
            self.app.call_from_thread(
                self.notify,
                f"Could not write {target}: {error.strerror}. Set {EXPORT_DIR_ENV} to a folder you can write to.",
                severity="error",
                markup=False,
            )
            return
        count = text.count("\n") - 1
        self.app.call_from_thread(
            self.notify, f"{count} entries written to {target}", title="Exported", timeout=10, markup=False
        )

    def _after_write(self, detail: ContactDetail | None) -> None:
        if detail is not None:
            self.reload(str(detail.row.id))
