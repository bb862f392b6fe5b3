"""A PCP's medication question for the psychiatrist; everything is checked before the promise is made."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, Static, TextArea

from callcenter.domain import consults as consult_rules
from callcenter.domain import examples
from callcenter.domain.consults import ConsultForm
from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store import consults
from callcenter.store.consults import ConsultView
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.closing import close_when_on_top
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.typeahead import after_typed_keys
from callcenter.ui.shared.widgets import ConsoleHeader

FORM_FIELDS = (
    ("pcp_name", "Requesting PCP", examples.DOCTOR),
    ("practice", "Practice", examples.PRACTICE),
    ("callback_number", "Callback number", examples.PHONE),
    ("npi", "NPI (optional)", "ten digits"),
    ("child_first_name", "Child's first name or initials", examples.CHILD_FIRST_NAME),
    ("child_last_name", "Child's last name (optional)", ""),
    ("child_dob", "Child's date of birth", examples.DATE_OF_BIRTH),
)


class ConsultFormScreen(ConsoleScreen[None]):
    CSS_PATH = styles_dir() / "consults.tcss"
    KEY_HELP = {"submit": "submit; every problem is listed next to its field and nothing is saved until all are fixed"}
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
            yield Select(
                [(label, value) for value, label in consult_rules.QUESTION_TYPES],
                id="c-question_type",
                prompt="choose",
                compact=True,
            )
            yield Label("", id="e-question_type", classes="field-error", markup=False)
            yield Label("The question, for the psychiatrist", classes="field-label")
            yield TextArea(id="c-question", soft_wrap=True, tab_behavior="focus")
            yield Label("", id="e-question", classes="field-error", markup=False)
            yield Label("Urgency", classes="field-label")
            yield Select(
                [(label, value) for value, label in consult_rules.CONSULT_URGENCIES],
                value="routine",
                allow_blank=False,
                id="c-urgency",
                compact=True,
            )
            yield Label("Psychiatrist", classes="field-label")
            yield Select([], prompt="the least busy one", id="c-psychiatrist", compact=True)
            yield Label("", id="e-urgency", classes="field-error", markup=False)
        yield Static("", id="consult-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#c-pcp_name").focus()
        self.load_psychiatrists()

    @work(thread=True, exit_on_error=False)
    def load_psychiatrists(self) -> None:
        doctors = consults.psychiatrists(self.app.db)
        self.app.call_from_thread(
            self.query_one("#c-psychiatrist", Select).set_options,
            [(Text(name), agent_id) for agent_id, name in doctors],
        )  # a name, not markup

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
        for label in self.query(".field-error").results(Label):
            message = errors.get((label.id or "").removeprefix("e-"), "")
            label.update(message)
            label.display = bool(message)
        if errors or form is None:
            first = next(iter(errors))
            self.query_one(f"#c-{first}").focus()
            self.query_one("#consult-status", Static).update(f"{len(errors)} field(s) to fix; nothing was saved yet.")
            return
        doctor = self.query_one("#c-psychiatrist", Select).value
        self.save(form, None if doctor is Select.NULL else int(str(doctor)))

    @work(thread=True, group="consult-save", exit_on_error=False)
    def save(self, form: ConsultForm, psychiatrist_id: int | None) -> None:
        # A refusal is said by the app; the form stays as typed.
        view = consults.create(
            self.app.db,
            self.app.signed_in_agent().id,
            form,
            self.app.clock(),
            self.app.policy,
            call_id=self.call_id,
            psychiatrist_id=psychiatrist_id,
        )
        self.app.call_from_thread(self._saved, view)

    def _saved(self, view: ConsultView) -> None:
        self.notify(
            f"Callback promised by {format_local(view.due_at)[:-3]} ({view.psychiatrist_name or 'unassigned'}).",
            title=f"Consult #{view.id} requested",
            timeout=8,
            markup=False,
        )
        close_when_on_top(self)

    def action_back(self) -> None:
        self.dismiss(None)
