"""The contact log: every channel in one list, the fax form, the TTY session and outbound follow-ups."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from callcenter.domain import contacts as rules
from callcenter.domain.contacts import ContactOutcome, FaxDocument, LogRow
from callcenter.domain.model import Channel
from callcenter.domain.phone import format_phone
from callcenter.domain.privacy import masked_child
from callcenter.domain.timefmt import format_local
from callcenter.store import contacts
from callcenter.store.contacts import ContactDetail
from callcenter.store.errors import ConflictingEdit
from callcenter.ui.callbacks import _FormModal
from callcenter.ui.closing import close_when_on_top
from callcenter.ui.autosave import KeepsTyping, SaveRetry, VersionedDraft
from callcenter.ui.errors import explain
from callcenter.ui.typeahead import after_typed_keys
from callcenter.ui.widgets import ConsoleHeader, ConsoleOptionList, highlighted_id

FILTER_DELAY = 0.25  # seconds after the last keystroke in the filter bar before the log is read again
AUTOSAVE_DELAY = 0.5
EXPORT_DIR_ENV = "CALLCENTER_EXPORT_DIR"
CHANNEL_SHORT = {"voice": "Voice", "tty": "TTY", "fax": "Fax", "web": "Web"}
OUTBOUND_CHANNELS = (("Phone call", "voice"), ("TTY call", "tty"), ("Fax", "fax"))


def _when(moment) -> str:
    return format_local(moment)[:-3] if moment else ""


def _chosen_value(screen, selector: str) -> str:
    """A Select's value as form text: blank when nothing is chosen."""
    value = screen.query_one(selector, Select).value
    return "" if value is Select.NULL else str(value)


def _short_when(moment) -> str:
    """'11/23 09:40' in the line's zone: the list is read by day and time, the year is in the detail."""
    from callcenter.domain.timefmt import LINE_ZONE

    return moment.astimezone(LINE_ZONE).strftime("%m/%d %H:%M") if moment else ""


def _row_cells(row: LogRow) -> list:
    follow = {"open": Text("open", style="bold yellow"), "done": Text("done", style="dim")}.get(row.follow_up or "",
                                                                                             Text(""))
    channel = CHANNEL_SHORT.get(row.channel, row.channel) + (" relay" if row.relay else "")
    # Text, not str: a DataTable reads a str cell as markup, and these are the database's words.
    return [_short_when(row.at), "in" if row.direction == "inbound" else "out", Text(channel), Text(row.party or ""),
            Text(format_phone(row.number)), Text(row.agent or ""), Text(row.child or ""),
            Text(rules.outcome_label(row.outcome)), follow]


def describe(detail: ContactDetail) -> str:
    """The entry and everything it links to, as the detail pane shows it."""
    row = detail.row
    head = (f"#{row.id} · {CHANNEL_SHORT.get(row.channel, row.channel)} {row.direction} · {_when(row.at)}"
            + (" · relay service" if row.relay else "") + (" · SESSION OPEN" if detail.state == "open" else ""))
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
    links = [f"intake #{row.intake_id}" if row.intake_id else "", f"consult #{row.consult_id}" if row.consult_id else "",
             f"call #{detail.call_id}" if detail.call_id else ""]
    if any(links):
        lines.append("Linked: " + ", ".join(link for link in links if link))
    if detail.next_step:
        lines.append(f"Next step: {detail.next_step}")
    if detail.follow_up_task_id:
        due = f", due {_when(row.follow_up_due)}" if row.follow_up == "open" else ""
        lines.append(f"Follow-up #{detail.follow_up_task_id} {row.follow_up}{due}: {detail.follow_up_title}")
    for answer in detail.answered_by:
        lines.append(f"  {_when(answer.at)} {CHANNEL_SHORT.get(answer.channel)} out to {answer.party or ''} "
                     f"{format_phone(answer.number)}: {rules.outcome_label(answer.outcome)}")
    if detail.answers_task_id:
        lines.append(f"Answers follow-up #{detail.answers_task_id}")
    if row.outcome and row.direction == "inbound":
        lines.append(f"Outcome: {rules.outcome_label(row.outcome)}")
    if row.summary:
        lines.append(f"Summary: {row.summary}")
    if detail.transcript:
        lines.append("Transcript:")
        lines.append(detail.transcript)
    return "\n".join(lines)


def describe_intake(draft) -> str:
    """An intake as read-only text: every field that has a value, in the form's order and words."""
    from callcenter.domain.intake_form import FIELDS

    lines = [f"Intake #{draft.id} · {draft.status.value}" + (f" · crisis path {_when(draft.crisis_at)}"
                                                              if draft.crisis_at else "")]
    for spec in FIELDS:
        value = draft.fields.get(spec.key)
        if value:
            shown = dict(spec.choices).get(value, value) if spec.choices else value
            lines.append(f"{spec.label}: {shown}")
    return "\n".join(lines)


def describe_consult(consult) -> str:
    lines = [f"Consult request #{consult.id} · {consult.state}", f"PCP: {consult.pcp_name} {consult.practice or ''}",
             f"Callback: {format_phone(consult.callback_number)}", f"Child: {consult.child}",
             f"Question ({consult.question_type}): {consult.question}",
             f"Psychiatrist: {consult.psychiatrist_name or 'unassigned'}"]
    if consult.returned_at:
        lines.append(f"Returned {_when(consult.returned_at)}, {consult.minutes_spent} min")
    return "\n".join(lines)


class LinkedRecordScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-box linked-box"):
            yield Static(self.text, markup=False)
            yield Static("Esc: close", classes="modal-hint")

    def action_close(self) -> None:
        self.dismiss(None)


class ContactLogScreen(Screen[None]):
    """Filter by channel, dates, agent, follow-up and any text; open an entry and act on it."""

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

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[LogRow] = []
        self.detail: ContactDetail | None = None
        self._filter_timer: Timer | None = None
        self._query = None
        self._wanted_id: int | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with Horizontal(id="log-filters"):
            yield Select([("Voice", "voice"), ("TTY", "tty"), ("Fax", "fax"), ("Web", "web")], prompt="any channel",
                         id="flt-channel", compact=True)
            yield Select([("Inbound", "inbound"), ("Outbound", "outbound")], prompt="in & out", id="flt-direction",
                         compact=True)
            yield Input(placeholder="from 11/1", id="flt-since", max_length=20, compact=True)
            yield Input(placeholder="to today", id="flt-until", max_length=20, compact=True)
            yield Select([], prompt="any agent", id="flt-agent", compact=True)
            yield Select([("Open follow-up", "open"), ("Follow-up done", "done")], prompt="any follow-up",
                         id="flt-status", compact=True)
            yield Input(placeholder="number, child or words", id="flt-search", max_length=rules.MAX_SEARCH,
                        compact=True)
        yield Label("", id="log-filter-error", classes="field-error", markup=False)
        yield Static("", id="log-title", classes="section-title", markup=False)
        yield DataTable(id="log", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="log-detail-box"):
            yield Static("", id="log-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#log", DataTable)
        for label, key, width in (("When", "when", 11), ("Dir", "dir", 3), ("Channel", "channel", 9),
                                  ("Party", "party", 15), ("Number", "number", 14), ("Agent", "agent", 10),
                                  ("Child", "child", 11), ("Outcome", "outcome", 16), ("Follow-up", "follow", 9)):
            table.add_column(label, key=key, width=width)
        table.focus()
        self.load_agents()
        self._apply_filter()

    # -- reading -----------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        """Back from an intake, a session or another screen: what it changed shows at once."""
        self.load(self._wanted_id or self._selected_id())

    @work(thread=True, exit_on_error=False)
    def load_agents(self) -> None:
        from callcenter.store import agents

        people = agents.list_agents(self.app.db, active_only=False)
        self.app.call_from_thread(self.query_one("#flt-agent", Select).set_options,
                                  [(Text(person.display_name), person.id) for person in people])

    def _filter_fields(self) -> dict[str, str]:
        return {"channel": _chosen_value(self, "#flt-channel"),
                "direction": _chosen_value(self, "#flt-direction"),
                "agent_id": _chosen_value(self, "#flt-agent"), "status": _chosen_value(self, "#flt-status"),
                "since": self.query_one("#flt-since", Input).value, "until": self.query_one("#flt-until", Input).value,
                "search": self.query_one("#flt-search", Input).value}

    @on(Select.Changed)
    @on(Input.Changed)
    def _filters_changed(self, event) -> None:
        if not (event.control.id or "").startswith("flt-"):
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._apply_filter)

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if (event.input.id or "").startswith("flt-"):
            self._apply_filter()
            self.query_one("#log", DataTable).focus()

    def _apply_filter(self) -> None:
        today = self.app.clock().astimezone(self.app.policy.hours.zone).date()
        query, errors = rules.build_filter(self._filter_fields(), today, self.app.policy.hours.zone)
        self.query_one("#log-filter-error", Label).update(" ".join(errors.values()))
        self.query_one("#log-filter-error", Label).display = bool(errors)
        if query is not None:
            self._query = query
            self.load()

    def reload(self, select_id: int | None = None) -> None:
        self._wanted_id = select_id  # a resume reload racing this one must not move the cursor back
        self.load(select_id)

    @work(thread=True, exclusive=True, group="log-load", exit_on_error=False)
    def load(self, select_id: int | None = None) -> None:
        if self._query is None:
            return
        from textual.worker import get_current_worker

        try:
            rows = contacts.search(self.app.db, self._query)
        except Exception as error:  # noqa: BLE001 - the old rows stay; the title says why
            self.app.call_from_thread(self._title, f"Contact log — not refreshed: {explain(error)[0]}")
            return
        if not get_current_worker().is_cancelled:  # a newer read replaced this one: it paints instead
            self.app.call_from_thread(self._loaded, rows, select_id)

    def _title(self, text: str) -> None:
        self.query_one("#log-title", Static).update(text)

    def _loaded(self, rows: list[LogRow], select_id: int | None) -> None:
        keep = select_id if select_id is not None else self._selected_id()
        if select_id is not None and select_id == self._wanted_id:
            self._wanted_id = None
        self.rows = rows
        table = self.query_one("#log", DataTable)
        table.clear()
        for row in rows:
            table.add_row(*_row_cells(row), key=str(row.id))
        keys = [str(row.id) for row in rows]
        if keep is not None and str(keep) in keys:
            table.move_cursor(row=keys.index(str(keep)))
        open_count = sum(row.follow_up == "open" for row in rows)
        more = " (the newest 500; narrow the filter)" if len(rows) >= 500 else ""
        self._title(f"Contact log: {len(rows)} entries{more}, {open_count} with an open follow-up")
        self.show_selected()

    def _selected_id(self) -> int | None:
        return highlighted_id(self.query_one("#log", DataTable))

    @on(DataTable.RowHighlighted, "#log")
    def show_selected(self) -> None:
        entry = self._selected_id()
        if entry is None:
            self.detail = None
            self.query_one("#log-detail", Static).update("No entries match. f logs a fax, y starts a TTY session.")
            return
        self.load_detail(entry)

    @work(thread=True, exclusive=True, group="log-detail", exit_on_error=False)
    def load_detail(self, contact_id: int) -> None:
        try:
            detail = contacts.get(self.app.db, contact_id)
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.query_one("#log-detail", Static).update, explain(error)[0])
            return
        self.app.call_from_thread(self._detail_loaded, detail)

    def _detail_loaded(self, detail: ContactDetail) -> None:
        if detail.row.id != self._selected_id():
            return  # the rep moved on while it loaded
        self.detail = detail
        self.query_one("#log-detail", Static).update(describe(detail))

    # -- actions -----------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#flt-search", Input).focus()

    def _need_detail(self) -> ContactDetail | None:
        if self.detail is None or self.detail.row.id != self._selected_id():
            self.notify("Pick an entry first (arrows, then the key).")
            return None
        return self.detail

    def action_log_fax(self) -> None:
        self.app.push_screen(FaxFormScreen(), self._after_write)

    def action_tty_session(self) -> None:
        self.app.push_screen(TtyStartScreen(), self._tty_started)

    def _tty_started(self, detail: ContactDetail | None) -> None:
        if detail is not None:
            self.reload(detail.row.id)
            self.app.push_screen(TtySessionScreen(detail), lambda _: self.reload(detail.row.id))

    @on(DataTable.RowSelected, "#log")
    def action_open_entry(self) -> None:
        detail = self._need_detail()
        if detail is None:
            return
        if detail.state == "open" and detail.row.channel == Channel.TTY.value:
            if detail.agent_id != self.app.agent.id:
                self.notify("This TTY session is another rep's and still open.", severity="warning")
                return
            self.app.push_screen(TtySessionScreen(detail), lambda _: self.reload(detail.row.id))
            return
        if detail.row.intake_id or detail.row.consult_id:
            self.open_linked(detail)
            return
        self.query_one("#log-detail-box").focus()

    @work(thread=True, exclusive=True, group="log-linked", exit_on_error=False)
    def open_linked(self, detail: ContactDetail) -> None:
        """The intake the entry led to (your own draft reopens to keep working), or its consult request."""
        from callcenter.store import consults, intakes

        try:
            if detail.row.intake_id:
                draft = intakes.open_record(self.app.db, self.app.signed_in_agent().id, detail.row.intake_id,
                                            "contact log", self.app.clock())
                if draft.status.value == "draft" and draft.agent_id == self.app.signed_in_agent().id:
                    self.app.call_from_thread(self.app.show_intake, draft)
                    return
                text = describe_intake(draft)
            else:
                text = describe_consult(consults.get(self.app.db, detail.row.consult_id))
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.app.report_failure, error)
            return
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
        answering = detail.follow_up_task_id if detail.row.follow_up == "open" else None
        channel = "tty" if detail.row.channel == "tty" else "voice"
        self.app.push_screen(
            OutboundScreen(detail.row.party or "", format_phone(detail.row.number), channel, answering,
                           detail.follow_up_title),
            lambda entry: entry is not None and self.save_outbound(entry, answering))

    @work(thread=True, group="log-write", exit_on_error=False)
    def save_outbound(self, entry, task_id: int | None) -> None:
        try:
            saved = contacts.log_outbound(self.app.db, self.app.signed_in_agent().id, entry, self.app.clock(),
                                          self.app.policy, answers_task_id=task_id)
        except Exception as error:  # noqa: BLE001 - the rep can log it again
            self.app.call_from_thread(self.app.report_failure, error)
            return
        closed = task_id is not None and entry.outcome.completes
        message = ("Outbound contact logged; the follow-up is closed." if closed else
                   "Outbound contact logged; the follow-up stays open." if task_id else "Outbound contact logged.")
        self.app.call_from_thread(self.notify, message)
        self.app.call_from_thread(self.reload, saved.row.id)

    def action_match_child(self) -> None:
        detail = self._need_detail()
        if detail is not None:
            self.app.push_screen(ChildPickerScreen(), lambda child: child is not None and self.link(detail, child))

    @work(thread=True, group="log-write", exit_on_error=False)
    def link(self, detail: ContactDetail, child) -> None:
        try:
            contacts.link_child(self.app.db, self.app.signed_in_agent().id, detail.row.id, child.id, self.app.clock())
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.app.report_failure, error)
            return
        self.app.call_from_thread(self.notify, f"Matched to {masked_child(child.first_name, child.last_name, child.date_of_birth)}.",
                                  markup=False)
        self.app.call_from_thread(self.reload, detail.row.id)

    def action_intake(self) -> None:
        detail = self._need_detail()
        if detail is not None:
            self.app.open_intake(contact_id=detail.row.id)

    def action_export(self) -> None:
        if self._query is None:
            self.notify("Fix the filter first; the export writes what the log shows.", severity="warning")
            return
        self.export(self._query)

    @work(thread=True, exclusive=True, group="log-export", exit_on_error=False)
    def export(self, query) -> None:
        import os

        folder = Path(os.environ.get(EXPORT_DIR_ENV) or Path.home())
        stamp = self.app.clock().astimezone(self.app.policy.hours.zone).strftime("%Y%m%d-%H%M%S")
        target = folder / f"contact-log-{stamp}.csv"
        try:
            text = contacts.export_csv(self.app.db, query)
            target.write_text(text, encoding="utf-8")
            target.chmod(0o600)  # the log names children: readable by the rep alone
        except OSError as error:
            self.app.call_from_thread(self.notify, f"Could not write {target}: {error.strerror}. Set "
                                      f"{EXPORT_DIR_ENV} to a folder you can write to.", severity="error",
                                      markup=False)
            return
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.app.report_failure, error)
            return
        count = text.count("\n") - 1
        self.app.call_from_thread(self.notify, f"{count} entries written to {target}", title="Exported", timeout=10,
                                  markup=False)

    def _after_write(self, detail: ContactDetail | None) -> None:
        if detail is not None:
            self.reload(detail.row.id)

    def action_back(self) -> None:
        self.dismiss(None)


# -- the fax form ------------------------------------------------------------------------------

FAX_FIELDS = (
    ("number", "Fax number", "e.g. (860) 555-0199"),
    ("party", "Sender (office or person)", "e.g. Elm Street Pediatrics"),
    ("pages", "Pages", "e.g. 4"),
    ("at", "Received at (blank = now)", "blank for now, or e.g. 11/23 9:40am, yesterday 4pm"),
)


class FaxFormScreen(Screen[ContactDetail | None]):
    """Log one fax, in or out; an inbound fax always leaves a follow-up with the rep."""

    BINDINGS = [
        Binding("f10", "save", "Save", priority=True),
        Binding("ctrl+s", "save", "Save", show=False, priority=True),
        Binding("f4", "match_child", "Match child", priority=True),
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]
    SUB_TITLE = "Log a fax"

    def __init__(self) -> None:
        super().__init__()
        self.child = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with VerticalScroll(id="fax-form", classes="contact-form"):
            yield Static("Log a fax", classes="step-title")
            yield Label("Direction", classes="field-label")
            yield Select([("Received (inbound)", "inbound"), ("Sent (outbound)", "outbound")], value="inbound",
                         allow_blank=False, id="x-direction", compact=True)
            yield Label("", id="e-direction", classes="field-error", markup=False)
            for key, label, placeholder in FAX_FIELDS:
                yield Label(label, id=f"l-{key}", classes="field-label")
                yield Input(placeholder=placeholder, id=f"x-{key}", max_length=120, compact=True)
                yield Label("", id=f"e-{key}", classes="field-error", markup=False)
            yield Label("Document", classes="field-label")
            yield Select([(document.label, document.value) for document in FaxDocument], prompt="choose",
                         id="x-document_type", compact=True)
            yield Label("", id="e-document_type", classes="field-error", markup=False)
            yield Label("Child (F4 to match a known child)", classes="field-label")
            yield Static("not matched: the follow-up can match it later", id="x-child", markup=False)
            yield Label("Next step (becomes your follow-up, due in 1 business day)", id="l-next_step",
                        classes="field-label", markup=False)
            yield Input(placeholder="e.g. call the family to schedule an intake", id="x-next_step", max_length=400,
                        compact=True)
            yield Label("", id="e-next_step", classes="field-error", markup=False)
        yield Static("", id="fax-status", classes="form-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#x-number").focus()
        promise = self.app.policy.follow_up_promise
        self.query_one("#l-next_step", Label).update(f"Next step (becomes your follow-up, due in {promise})")

    @on(Select.Changed, "#x-direction")
    def _direction(self, event: Select.Changed) -> None:
        inbound = event.value != "outbound"
        self.query_one("#l-party", Label).update("Sender (office or person)" if inbound else
                                                 "Recipient (office or person)")
        self.query_one("#l-at", Label).update("Received at (blank = now)" if inbound else "Sent at (blank = now)")

    def fields(self) -> dict[str, str]:
        fields = {key: self.query_one(f"#x-{key}", Input).value for key, _, _ in FAX_FIELDS}
        fields["next_step"] = self.query_one("#x-next_step", Input).value
        for key in ("direction", "document_type"):
            fields[key] = _chosen_value(self, f"#x-{key}")
        fields["child_id"] = str(self.child.id) if self.child else ""
        return fields

    def action_match_child(self) -> None:
        self.app.push_screen(ChildPickerScreen(), self._child_chosen)

    def _child_chosen(self, child) -> None:
        if child is not None:
            self.child = child
            self.query_one("#x-child", Static).update(
                masked_child(child.first_name, child.last_name, child.date_of_birth, child.medicaid_last4) or "")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.app.action_focus_next()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        entry, errors = rules.check_fax(self.fields(), self.app.clock(), self.app.policy.hours.zone)
        for label in self.query(".field-error"):
            message = errors.get((label.id or "").removeprefix("e-"), "")
            label.update(message)
            label.display = bool(message)
        if errors:
            self.query_one(f"#x-{next(iter(errors))}").focus()
            self.query_one("#fax-status", Static).update(f"{len(errors)} field(s) to fix; nothing was saved yet.")
            return
        self.query_one("#fax-status", Static).update("Saving…")
        self.save(entry)

    @work(thread=True, exclusive=True, group="fax-save", exit_on_error=False)
    def save(self, entry) -> None:
        try:
            detail = contacts.log_fax(self.app.db, self.app.signed_in_agent().id, entry, self.app.clock(),
                                      self.app.policy)
        except Exception as error:  # noqa: BLE001 - the form stays as typed
            message, _ = explain(error)
            self.app.call_from_thread(self.query_one("#fax-status", Static).update, f"Not saved: {message}")
            self.app.call_from_thread(self.app.report_failure, error)
            return
        self.app.call_from_thread(self._saved, detail)

    def _saved(self, detail: ContactDetail) -> None:
        due = f"; follow-up due {_when(detail.row.follow_up_due)}" if detail.follow_up_task_id else ""
        self.notify(f"Fax #{detail.row.id} logged{due}.", title="Fax logged", timeout=8)
        close_when_on_top(self, detail)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- finding a known child ---------------------------------------------------------------------


class ChildPickerScreen(ModalScreen):
    """Type a name, a date of birth or a Medicaid number; Enter picks the highlighted child."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "to_list", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.matches = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static("Match a known child", classes="modal-title")
            yield Input(placeholder="name, date of birth or Medicaid number", id="child-search", max_length=60)
            yield ConsoleOptionList(id="child-matches")
            yield Static("Type to search · ↓ then Enter: pick · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#child-search").focus()

    @on(Input.Changed, "#child-search")
    def _search(self, event: Input.Changed) -> None:
        self.find(event.value)

    @on(Input.Submitted, "#child-search")
    def _pick_first(self) -> None:
        if self.matches:
            self.dismiss(self.matches[self.query_one("#child-matches", OptionList).highlighted or 0])

    def action_to_list(self) -> None:
        if self.matches:
            self.query_one("#child-matches", OptionList).focus()

    @work(thread=True, exclusive=True, group="child-find", exit_on_error=False)
    def find(self, text: str) -> None:
        matches = contacts.find_children(self.app.db, text)
        self.app.call_from_thread(self._found, matches)

    def _found(self, matches) -> None:
        self.matches = matches
        options = self.query_one("#child-matches", OptionList)
        options.clear_options()
        for child in matches:
            masked = masked_child(child.first_name, child.last_name, child.date_of_birth, child.medicaid_last4)
            label = Text(f"{masked} · {child.town or 'town unknown'}")
            options.add_option(Option(label))
        if matches:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#child-matches")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.matches[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- outbound contacts -------------------------------------------------------------------------


class OutboundScreen(_FormModal):
    """An outbound call, TTY call or fax; against a follow-up, a completing outcome closes it."""

    def __init__(self, party: str = "", number: str = "", channel: str = "voice", task_id: int | None = None,
                 task_title: str | None = None) -> None:
        super().__init__()
        self._initial = (party, number, channel)
        self.task_id = task_id
        self.task_title = task_title

    def compose(self) -> ComposeResult:
        party, number, channel = self._initial
        with Vertical(classes="modal-box"):
            title = f"Outbound contact for follow-up #{self.task_id}: {self.task_title}" if self.task_id else \
                "Outbound contact"
            yield Static(title, classes="modal-title", markup=False)
            yield Label("How", classes="field-label")
            yield Select(OUTBOUND_CHANNELS, value=channel, allow_blank=False, id="out-channel", compact=True)
            yield Label("Number", classes="field-label")
            yield Input(number, placeholder="e.g. (860) 555-0199", id="out-number", max_length=40, compact=True)
            yield Label("Who (office or person)", classes="field-label")
            yield Input(party, placeholder="e.g. Maria Lopez", id="out-party", max_length=120, compact=True)
            yield Label("Outcome", classes="field-label")
            yield Select([(outcome.label, outcome.value) for outcome in ContactOutcome], prompt="choose",
                         id="out-outcome", compact=True)
            yield Label("Summary", classes="field-label")
            yield Input(placeholder="what was said or sent", id="out-summary", max_length=2000, compact=True)
            yield Label("", id="out-error", classes="form-error field-error", markup=False)
            hint = "Reached or fax sent closes the follow-up; other outcomes log an attempt. " if self.task_id else ""
            yield Static(f"{hint}ctrl+s: save · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#out-outcome").focus()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        entry, errors = rules.check_outbound({
            "channel": _chosen_value(self, "#out-channel"), "outcome": _chosen_value(self, "#out-outcome"),
            "number": self.query_one("#out-number", Input).value, "party": self.query_one("#out-party", Input).value,
            "summary": self.query_one("#out-summary", Input).value})
        if errors:
            field, message = next(iter(errors.items()))
            self.query_one("#out-error", Label).update(message)
            self.query_one(f"#out-{field}").focus()
            return
        close_when_on_top(self, entry)



# -- TTY sessions ------------------------------------------------------------------------------


class TtyStartScreen(_FormModal):
    """Who is on the TTY; the session (and its transcript) is on record from the first key."""

    # Enter starts from any field, the relay checkbox included (space ticks it).
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s,enter", "save", "Start", priority=True)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static("Start a TTY session", classes="modal-title")
            yield Label("Caller", classes="field-label")
            yield Input(placeholder="a name, or 'unknown caller'", id="tty-party", max_length=120, compact=True)
            yield Label("TTY number", classes="field-label")
            yield Input(placeholder="blank if none, e.g. (203) 555-0143", id="tty-number", max_length=40,
                        compact=True)
            yield Checkbox("Relay service call", id="tty-relay", compact=True)
            yield Label("", id="tty-error", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: start · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#tty-party").focus()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        start, errors = rules.check_tty_start({
            "party": self.query_one("#tty-party", Input).value, "number": self.query_one("#tty-number", Input).value,
            "relay": "yes" if self.query_one("#tty-relay", Checkbox).value else ""})
        if errors:
            field, message = next(iter(errors.items()))
            self.query_one("#tty-error", Label).update(message)
            self.query_one(f"#tty-{field}").focus()
            return
        self.start(start)

    @work(thread=True, exclusive=True, group="tty-start", exit_on_error=False)
    def start(self, start) -> None:
        try:
            detail = contacts.start_tty(self.app.db, self.app.signed_in_agent().id, start, self.app.clock())
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.query_one("#tty-error", Label).update, explain(error)[0])
            return
        self.app.call_from_thread(close_when_on_top, self, detail)



class TtySessionScreen(KeepsTyping, Screen[None]):
    """The running transcript, saved half a second after the last key; a killed terminal loses nothing."""

    BINDINGS = [
        Binding("ctrl+g", "intake", "Guided intake", priority=True),
        Binding("ctrl+e", "end_session", "End session", priority=True),
        Binding("ctrl+s", "save_now", "Save", priority=True),
        Binding("escape", "leave", "Leave (kept open)"),
    ]
    SUB_TITLE = "TTY session"

    def __init__(self, detail: ContactDetail) -> None:
        super().__init__()
        self.detail = detail
        self.version = detail.version
        self._save_timer: Timer | None = None
        self._retry = SaveRetry(self, self._save)
        self._draft: VersionedDraft[str] = VersionedDraft(detail.transcript or "")

    def compose(self) -> ComposeResult:
        row = self.detail.row
        yield ConsoleHeader()
        relay = " · RELAY SERVICE" if row.relay else ""
        who = f"{row.party or 'unknown caller'} {format_phone(row.number)}".strip()
        yield Static(f"TTY session #{row.id} with {who}{relay} · started {_when(row.at)}", id="tty-title",
                     classes="section-title", markup=False)
        yield Label("Transcript and notes: type as the conversation goes", classes="field-label")
        yield TextArea(self.detail.transcript or "", id="tty-transcript", soft_wrap=True, tab_behavior="focus")
        yield Static("", id="save-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one("#tty-transcript", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        self._set_status("Saved" if self.detail.transcript else "Nothing typed yet")

    @on(TextArea.Changed, "#tty-transcript")
    def _typed(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(AUTOSAVE_DELAY, self._save)
        self._set_status("Editing…")

    def _save(self) -> None:
        self.save_transcript(self.query_one("#tty-transcript", TextArea).text, self._draft.number())

    def _write_transcript(self, text: str, agent_id: int) -> None:
        self.version = contacts.save_transcript(self.app.db, agent_id, self.detail.row.id, rules.check_transcript(text),
                                                self.version, self.app.clock())

    @work(thread=True, group="tty-save", exit_on_error=False)
    def save_transcript(self, text: str, number: int) -> None:
        try:
            written = self._draft.write(number, text,
                                        lambda: self._write_transcript(text, self.app.signed_in_agent().id))
        except ConflictingEdit as error:
            self.app.call_from_thread(self._set_status, f"Not saved: {error.message}", True)
            return
        except Exception as error:  # noqa: BLE001 - the text stays on screen and is retried
            self.app.call_from_thread(self._save_failed, explain(error)[0])
            return
        if written:
            self.app.call_from_thread(self._saved)

    def final_save(self, agent_id: int) -> Callable[[], None] | None:
        if self._save_timer is not None:
            self._save_timer.stop()
        text = self.query_one("#tty-transcript", TextArea).text
        return self._draft.final_write(
            text, lambda: self._write_transcript(text, agent_id),
            lambda message: self.app.call_from_thread(self._set_status, f"Not saved: {message}", True))

    def _save_failed(self, message: str) -> None:
        delay = self._retry.failed()
        self._set_status(f"Not saved yet: {message} Retrying in {delay:.0f} s; what you type is kept.", True)

    def _saved(self) -> None:
        self._retry.succeeded()
        self._set_status(f"Saved {format_local(self.app.clock(), with_date=False)}")

    def _set_status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#save-status", Static)
        status.update(text)
        status.set_class(error, "error")

    def action_save_now(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save()

    def action_intake(self) -> None:
        self.action_save_now()
        self.app.open_intake(contact_id=self.detail.row.id)

    def action_end_session(self) -> None:
        self.app.push_screen(EndTtyScreen(), lambda result: result is not None and self.end(*result))

    @work(thread=True, exclusive=True, group="tty-end", exit_on_error=False)
    def end(self, summary: str | None, next_step: str | None) -> None:
        text = self.app.call_from_thread(lambda: self.query_one("#tty-transcript", TextArea).text)
        db, agent, contact_id = self.app.db, self.app.signed_in_agent().id, self.detail.row.id
        with self._draft.lock:  # the last words typed are saved before the session closes, never after
            try:
                self.version = contacts.save_transcript(db, agent, contact_id, rules.check_transcript(text),
                                                        self.version, self.app.clock())
                contacts.end_tty(db, agent, contact_id, summary, next_step, self.app.clock(), self.app.policy)
            except Exception as error:  # noqa: BLE001 - the session stays open, the text on screen
                self.app.call_from_thread(self.app.report_failure, error)
                return
            self._draft.conflict = True  # ended: no autosave may write after this
        self.app.call_from_thread(self._ended, next_step)

    def _ended(self, next_step: str | None) -> None:
        self.notify("TTY session ended" + ("; follow-up set." if next_step else "."), title="Logged")
        close_when_on_top(self)

    def action_leave(self) -> None:
        self.action_save_now()
        self.notify("The session stays open; open it again from the contact log (Enter).")
        self.dismiss(None)


class EndTtyScreen(_FormModal):

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static("End the TTY session", classes="modal-title")
            yield Label("Summary", classes="field-label")
            yield Input(placeholder="what the caller needed", id="end-summary", max_length=2000, compact=True)
            yield Label("Next step (optional; becomes your follow-up)", classes="field-label")
            yield Input(placeholder="e.g. send the provider list by TTY", id="end-next_step", max_length=400,
                        compact=True)
            yield Label("", id="end-error", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: end · Esc: back to the session", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#end-summary").focus()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        from callcenter.domain import validation as v
        from callcenter.domain.errors import ValidationError

        try:
            summary = v.clean_text(self.query_one("#end-summary", Input).value, rules.MAX_SUMMARY, "summary") or None
            next_step = v.clean_text(self.query_one("#end-next_step", Input).value, rules.MAX_NEXT_STEP,
                                     "next_step") or None
        except ValidationError as error:
            self.query_one("#end-error", Label).update(error.message)
            return
        close_when_on_top(self, (summary, next_step))

