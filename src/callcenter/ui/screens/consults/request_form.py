"""A PCP's medication question for the psychiatrist; everything is checked before the promise is made."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from callcenter.domain import consults as consult_rules
from callcenter.domain import examples
from callcenter.domain.consults import ConsultForm
from callcenter.domain.intake_rules import CRISIS_SCRIPT
from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store import consults, intakes
from callcenter.store.consults import ConsultView
from callcenter.store.views import KnownChild
from callcenter.ui.shared.base import ConsoleModal, ConsoleScreen
from callcenter.ui.shared.closing import close_when_on_top
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.known_child import KnownChildScreen
from callcenter.ui.shared.typeahead import after_typed_keys
from callcenter.ui.shared.widgets import ConsoleHeader, DropDown, compact

FORM_FIELDS = (
    ("pcp_name", "Requesting PCP", examples.DOCTOR),
    ("practice", "Practice", examples.PRACTICE),
    ("callback_number", "Callback number", examples.PHONE),
    ("npi", "NPI (optional)", examples.NPI),
    ("child_first_name", "Child's first name or initials", examples.CHILD_FIRST_NAME),
    ("child_last_name", "Child's last name (optional)", ""),
    ("child_dob", "Child's date of birth", examples.DATE_OF_BIRTH),
    ("medicaid_number", "Child's Medicaid number (optional: finds the child on file)", examples.MEDICAID_NUMBER),
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
                yield compact(Input(value, placeholder=placeholder, id=f"c-{key}", max_length=400))
                yield Label("", id=f"e-{key}", classes="field-error", markup=False)
            yield Label("Question about", classes="field-label")
            yield DropDown(
                [(label, value) for value, label in consult_rules.QUESTION_TYPES],
                id="c-question_type",
                prompt="choose",
            )
            yield Label("", id="e-question_type", classes="field-error", markup=False)
            yield Label("The question, for the psychiatrist", classes="field-label")
            yield TextArea(id="c-question", soft_wrap=True, tab_behavior="focus")
            yield Label("", id="e-question", classes="field-error", markup=False)
            yield compact(Checkbox(consult_rules.DANGER_NOW, id="c-danger_now"))
            yield Label("Urgency", classes="field-label")
            yield DropDown(
                [(label, value) for value, label in consult_rules.CONSULT_URGENCIES],
                value="routine",
                allow_blank=False,
                id="c-urgency",
            )
            yield Label("Psychiatrist on shift", classes="field-label")
            yield DropDown([], prompt="the least busy on shift", id="c-psychiatrist")
            yield Label("", id="e-urgency", classes="field-error", markup=False)
        yield Static("", id="consult-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#c-pcp_name").focus()
        self.load_psychiatrists()

    @work(thread=True, exit_on_error=False)
    def load_psychiatrists(self) -> None:
        doctors = consults.psychiatrists_on_shift(self.app.db, self.app.clock())
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
        fields["danger_now"] = "yes" if self.query_one("#c-danger_now", Checkbox).value else ""
        return fields

    @on(Checkbox.Changed, "#c-danger_now")
    def _danger_ticked(self, event: Checkbox.Changed) -> None:
        if event.value:  # danger now is never routine: the form shows what will be filed
            self.query_one("#c-urgency", Select).value = "urgent"

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
        self.query_one("#consult-status", Static).update("")
        if form.danger_now:  # the crisis steps come first; the consult is filed after them
            self.app.push_screen(DangerNowScreen(), lambda done: self._after_crisis_steps(form) if done else None)
            return
        self._after_crisis_steps(form)

    def _after_crisis_steps(self, form: ConsultForm) -> None:
        self.find_child_on_file(form)

    @work(thread=True, exclusive=True, group="consult-match", exit_on_error=False)
    def find_child_on_file(self, form: ConsultForm) -> None:
        today = self.app.clock().astimezone(self.app.policy.hours.zone).date()
        known = intakes.find_known_children(self.app.db, consult_rules.matching_fields(form), today)
        self.app.call_from_thread(self._offer_child_on_file, form, known)

    def _offer_child_on_file(self, form: ConsultForm, known: list[KnownChild]) -> None:
        if len(known) != 1:  # none, or several: nothing is guessed; the rep can say more next time
            self._file(form, None)
            return
        child = known[0]
        self.app.push_screen(KnownChildScreen(child), lambda reuse: self._file(form, child.id if reuse else None))

    def _file(self, form: ConsultForm, child_id: int | None) -> None:
        doctor = self.query_one("#c-psychiatrist", Select).value
        self.save(form, None if doctor is Select.NULL else int(str(doctor)), child_id)

    @work(thread=True, group="consult-save", exit_on_error=False)
    def save(self, form: ConsultForm, psychiatrist_id: int | None, child_id: int | None = None) -> None:
        # A refusal is said by the app; the form stays as typed.
        view = consults.create(
            self.app.db,
            self.app.signed_in_agent().id,
            form,
            self.app.clock(),
            self.app.policy,
            call_id=self.call_id,
            psychiatrist_id=psychiatrist_id,
            reuse_child_id=child_id,
        )
        self.app.call_from_thread(self._saved, view)

    def _saved(self, view: ConsultView) -> None:
        who = view.psychiatrist_name or "unassigned: no psychiatrist is on shift; the next one sees it first"
        self.notify(
            f"{'URGENT · ' if view.urgency == 'urgent' else ''}Callback promised by "
            f"{format_local(view.due_at)[:-3]} ({who}).",
            title=f"Consult #{view.id} requested",
            severity="warning" if view.psychiatrist_id is None else "information",
            timeout=8,
            markup=False,
        )
        close_when_on_top(self)

    def action_back(self) -> None:
        self.dismiss(None)


class DangerNowScreen(ConsoleModal[bool]):
    """A child in danger now: the steps a rep walks with the PCP's office before the consult is filed."""

    CSS_PATH = styles_dir() / "consults.tcss"
    BINDINGS = [
        Binding("enter", "answer(True)", "Steps done: file it", priority=True),
        Binding("escape", "answer(False)", "Back to the form"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box crisis-box", id="danger-box"):
            yield Static("DANGER NOW — before the consult is filed", classes="modal-title")
            yield Static(CRISIS_SCRIPT, markup=False)
            yield Static("")
            yield Static(
                "Tell the office: the consult goes in as urgent, to the psychiatrist on shift first; "
                "it does not replace 911 or Mobile Crisis.",
                markup=False,
            )
            yield Static("Enter: the steps are done, file the consult · Esc: back to the form", classes="modal-hint")

    def action_answer(self, done: bool) -> None:
        self.dismiss(done)
