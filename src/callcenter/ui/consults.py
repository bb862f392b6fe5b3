"""Medication consults: the rep takes the PCP's question; the psychiatrist returns the call and closes it."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, Select, Static, TextArea

from callcenter.domain import consults as consult_rules
from callcenter.domain.errors import ValidationError
from callcenter.domain.phone import format_phone
from callcenter.domain.referrals import parse_appointment
from callcenter.domain.timefmt import format_local
from callcenter.domain.timers import TimerStatus
from callcenter.store import consults
from callcenter.store.consults import ConsultView
from callcenter.ui.callbacks import STATUS_LABEL, STATUS_STYLE, _FormModal
from callcenter.ui.closing import close_when_on_top
from callcenter.ui.typeahead import after_typed_keys
from callcenter.ui.widgets import ConsoleHeader

FORM_FIELDS = (
    ("pcp_name", "Requesting PCP", "Dr. Ada Okoro"),
    ("practice", "Practice", "Elm Street Pediatrics"),
    ("callback_number", "Callback number", "(860) 555-0182"),
    ("npi", "NPI (optional)", "10 digits"),
    ("child_first_name", "Child's first name or initials", "Sam"),
    ("child_last_name", "Child's last name (optional)", ""),
    ("child_dob", "Child's date of birth", "4/5/2015"),
)


class ConsultFormScreen(Screen[None]):
    """A PCP's question for the psychiatrist; everything is checked before the promise is made."""

    BINDINGS = [
        Binding("f10", "submit", "Submit", priority=True),
        Binding("ctrl+s", "submit", "Submit", show=False, priority=True),
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
        Binding("escape", "back", "Cancel"),
    ]
    SUB_TITLE = "Consult request"

    def __init__(self, call_id: int | None = None, callback_number: str | None = None) -> None:
        super().__init__()
        self.call_id = call_id
        self.callback_number = callback_number

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with VerticalScroll(id="consult-form"):
            yield Static("Medication consult request", classes="step-title")
            for key, label, placeholder in FORM_FIELDS:
                yield Label(label, classes="field-label")
                value = format_phone(self.callback_number) if key == "callback_number" and self.callback_number else ""
                yield Input(value, placeholder=placeholder, id=f"c-{key}", max_length=400, compact=True)
                yield Label("", id=f"e-{key}", classes="field-error", markup=False)
            yield Label("Question about", classes="field-label")
            yield Select(list((label, value) for value, label in consult_rules.QUESTION_TYPES), id="c-question_type",
                         prompt="choose", compact=True)
            yield Label("", id="e-question_type", classes="field-error", markup=False)
            yield Label("The question, for the psychiatrist", classes="field-label")
            yield TextArea(id="c-question", soft_wrap=True, tab_behavior="focus")
            yield Label("", id="e-question", classes="field-error", markup=False)
            yield Label("Urgency", classes="field-label")
            yield Select([(label, value) for value, label in consult_rules.CONSULT_URGENCIES], value="routine",
                         allow_blank=False, id="c-urgency", compact=True)
            yield Label("Psychiatrist", classes="field-label")
            yield Select([], prompt="the least busy one", id="c-psychiatrist", compact=True)
            yield Label("", id="e-urgency", classes="field-error", markup=False)
        yield Static("", id="consult-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#c-pcp_name").focus()
        self.load_psychiatrists()

    @work(thread=True, exit_on_error=False)
    def load_psychiatrists(self) -> None:
        doctors = consults.psychiatrists(self.app.db)
        self.app.call_from_thread(self.query_one("#c-psychiatrist", Select).set_options,
                                  [(Text(name), agent_id) for agent_id, name in doctors])  # a name, not markup

    def _fields(self) -> dict[str, str]:
        fields = {key: self.query_one(f"#c-{key}", Input).value for key, _, _ in FORM_FIELDS}
        question_type = self.query_one("#c-question_type", Select).value
        fields["question_type"] = "" if question_type is Select.NULL else str(question_type)
        fields["question"] = self.query_one("#c-question", TextArea).text
        fields["urgency"] = str(self.query_one("#c-urgency", Select).value)
        return fields

    def action_submit(self) -> None:
        after_typed_keys(self, self._submit_form)

    def _submit_form(self) -> None:
        today = self.app.clock().astimezone(self.app.policy.hours.zone).date()
        form, errors = consult_rules.validate(self._fields(), today)
        for label in self.query(".field-error"):
            message = errors.get((label.id or "").removeprefix("e-"), "")
            label.update(message)
            label.display = bool(message)
        if errors:
            first = next(iter(errors))
            self.query_one(f"#c-{first}").focus()
            self.query_one("#consult-status", Static).update(
                f"{len(errors)} field(s) to fix; nothing was saved yet.")
            return
        doctor = self.query_one("#c-psychiatrist", Select).value
        self.save(form, None if doctor is Select.NULL else int(doctor))

    @work(thread=True, group="consult-save", exit_on_error=False)
    def save(self, form, psychiatrist_id: int | None) -> None:
        try:
            view = consults.create(self.app.db, self.app.signed_in_agent().id, form, self.app.clock(), self.app.policy,
                                   call_id=self.call_id, psychiatrist_id=psychiatrist_id)
        except Exception as error:  # noqa: BLE001 - the form stays as typed
            self.app.call_from_thread(self.app.report_failure, error)
            return
        self.app.call_from_thread(self._saved, view)

    def _saved(self, view: ConsultView) -> None:
        self.notify(f"Callback promised by {format_local(view.due_at)[:-3]} ({view.psychiatrist_name or 'unassigned'}).",
                    title=f"Consult #{view.id} requested", timeout=8, markup=False)
        close_when_on_top(self)

    def action_back(self) -> None:
        self.dismiss(None)


class ConsultsScreen(Screen[None]):
    """The psychiatrist's requests, soonest deadline first, with a countdown in business time."""

    BINDINGS = [
        Binding("x", "close_consult", "Returned: close"),
        Binding("v", "view_record", "Child's record"),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "My consults"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ConsultView] = []

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static("", id="consults-title", classes="section-title", markup=False)
        with Horizontal(id="consults-body"):
            yield DataTable(id="consults", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="consult-detail-box"):
                yield Static("", id="consult-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#consults", DataTable)
        table.add_column("State", key="state", width=9)
        table.add_column("Left", key="left", width=13)
        table.add_column("PCP", key="pcp", width=22)
        table.add_column("Child", key="child", width=14)
        table.add_column("About", key="about", width=14)
        self.load()
        self.set_interval(self.app.refresh_seconds * 5, self.load)

    @work(thread=True, exclusive=True, group="consults-load", exit_on_error=False)
    def load(self) -> None:
        try:
            self.app.policy  # noqa: B018 - built off the UI thread the first time
            rows = consults.for_psychiatrist(self.app.db, self.app.signed_in_agent().id)
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.app.report_failure, error)
            return
        self.app.call_from_thread(self._loaded, rows)

    def _loaded(self, rows: list[ConsultView]) -> None:
        self.rows = rows
        now = self.app.clock()
        table = self.query_one("#consults", DataTable)
        table.clear()
        overdue = 0
        for row in rows:
            state = self.app.policy.state("consult_callback", now, row.received_at, row.due_at)
            overdue += state.status is TimerStatus.OVERDUE
            style = STATUS_STYLE[state.status]
            table.add_row(Text(STATUS_LABEL[state.status], style=style), Text(state.countdown, style=style),
                          Text(row.pcp_name), Text(row.child), dict(consult_rules.QUESTION_TYPES)[row.question_type],
                          key=str(row.id))
        self.query_one("#consults-title", Static).update(
            f"My consults: {len(rows)} open, {overdue} overdue · promise: call back within "
            f"{self.app.policy.consult_promise}")
        self._detail()

    def selected(self) -> ConsultView | None:
        table = self.query_one("#consults", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((row for row in self.rows if str(row.id) == key), None)

    @on(DataTable.RowHighlighted, "#consults")
    def _detail(self) -> None:
        row = self.selected()
        box = self.query_one("#consult-detail", Static)
        if row is None:
            box.update("No open consults.")
            return
        box.update("\n".join([
            f"Consult #{row.id} · {row.urgency}",
            f"{row.pcp_name}, {row.practice or 'practice not given'}",
            f"Call back: {format_phone(row.callback_number)}" + (f" · NPI {row.npi}" if row.npi else ""),
            f"Child: {row.child}" + (" (v opens the full record)" if row.child_id else ""),
            f"Received {format_local(row.received_at)[:-3]} · due {format_local(row.due_at)[:-3]}",
            "",
            row.question,
        ]))

    def action_view_record(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No consult selected.")
            return
        if row.child_id is None:
            self.notify("This consult is not matched to a child's record; the PCP's office has the details.")
            return
        self.app.open_child_record(row.child_id, "consults")

    def action_close_consult(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No consult selected.")
            return
        self.app.push_screen(CloseConsultScreen(row), lambda result: result and self.close_consult(row, result))

    @work(thread=True, group="consult-close", exit_on_error=False)
    def close_consult(self, row: ConsultView, result) -> None:
        returned_at, minutes, written = result
        try:
            consults.close(self.app.db, self.app.signed_in_agent().id, row.id, returned_at, minutes, written,
                           self.app.clock(), self.app.policy)
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self.app.report_failure, error)
            return
        codes = consult_rules.interprofessional_codes(minutes, written)
        self.app.call_from_thread(self.notify, f"Consult #{row.id} closed: {minutes} min"
                                  + (f", supports {' / '.join(codes)}" if codes else ""), title="Returned")
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)


class CloseConsultScreen(_FormModal):
    def __init__(self, consult: ConsultView) -> None:
        super().__init__(consult.pcp_name)
        self.consult = consult

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"Returned call: {self.consult.pcp_name} about {self.consult.child}", classes="modal-title",
                         markup=False)
            yield Label("When was the call returned? (blank: now)", classes="field-label")
            yield Input(placeholder="11/23 2:40pm", id="returned")
            yield Label("Minutes spent", classes="field-label")
            yield Input(placeholder="15", id="minutes", type="integer")
            yield Checkbox("Written report sent to the PCP", id="written")
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("ctrl+s: close the consult · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#minutes").focus()

    def action_save(self) -> None:
        now = self.app.clock()
        written = self.query_one("#written", Checkbox).value
        try:
            minutes = consult_rules.check_closing(self.query_one("#minutes", Input).value, written)
            typed = self.query_one("#returned", Input).value.strip()
            returned = now if not typed else parse_appointment(typed, self.consult.received_at)
            if returned > now:
                raise ValidationError("Returned: that is in the future; leave it blank for now.", "returned")
        except ValidationError as error:
            self._error(ValidationError(error.message.replace("Appointment", "Returned"), error.field),
                        {"minutes": "#minutes", "appointment": "#returned", "returned": "#returned"})
            return
        self.dismiss((returned, minutes, written))
