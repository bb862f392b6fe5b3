"""Log one fax, in or out; an inbound fax always leaves a follow-up with the rep."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, Static
from textual.worker import Worker

from callcenter.domain import contacts as rules
from callcenter.domain import examples
from callcenter.domain.contacts import FaxDocument, FaxEntry
from callcenter.domain.privacy import masked_child
from callcenter.resources import styles_dir
from callcenter.store import contacts
from callcenter.store.contacts import ContactDetail
from callcenter.store.views import KnownChild
from callcenter.ui.screens.contact_log.child_picker import ChildPickerScreen
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.closing import close_when_on_top
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.formatting import when
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.typeahead import after_typed_keys
from callcenter.ui.shared.widgets import ConsoleHeader, DropDown, chosen_value, compact

FAX_FIELDS = (
    ("number", "Fax number", examples.PHONE),
    ("party", "Sender (office or person)", examples.PRACTICE),
    ("pages", "Pages", "e.g. 4"),
    ("at", "Received at (blank = now)", "e.g. yesterday 4pm, or blank for now"),
)


class FaxFormScreen(ConsoleScreen[ContactDetail | None]):
    CSS_PATH = styles_dir() / "contact_log.tcss"
    KEY_NOTES = (("type", "number, sender, pages, when it came or went, document, next step"),)
    KEY_HELP = {
        "save": "save the fax (an inbound fax leaves you a follow-up)",
        "match_child": "match the fax to a known child",
    }
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
        self.child: KnownChild | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        with VerticalScroll(id="fax-form", classes="contact-form"):
            yield Static("Log a fax", classes="step-title")
            yield Label("Direction", classes="field-label")
            yield DropDown(
                [("Received (inbound)", "inbound"), ("Sent (outbound)", "outbound")],
                value="inbound",
                allow_blank=False,
                id="x-direction",
            )
            yield Label("", id="e-direction", classes="field-error", markup=False)
            for key, label, placeholder in FAX_FIELDS:
                yield Label(label, id=f"l-{key}", classes="field-label")
                yield compact(Input(placeholder=placeholder, id=f"x-{key}", max_length=120))
                yield Label("", id=f"e-{key}", classes="field-error", markup=False)
            yield Label("Document", classes="field-label")
            yield DropDown(
                [(document.label, document.value) for document in FaxDocument],
                prompt="choose",
                id="x-document_type",
            )
            yield Label("", id="e-document_type", classes="field-error", markup=False)
            yield Label("Child (F4 to match a known child)", classes="field-label")
            yield Static("not matched: the follow-up can match it later", id="x-child", markup=False)
            yield Label(
                "Next step (becomes your follow-up, due in 1 business day)",
                id="l-next_step",
                classes="field-label",
                markup=False,
            )
            yield compact(
                Input(placeholder="e.g. call the family to schedule an intake", id="x-next_step", max_length=400)
            )
            yield Label("", id="e-next_step", classes="field-error", markup=False)
        yield Static("", id="fax-status", classes="form-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#x-number").focus()
        promise = self.app.policy.follow_up_promise
        self.query_one("#l-next_step", Label).update(f"Next step (becomes your follow-up, due in {promise})")

    @on(Select.Changed, "#x-direction")
    def _direction(self, event: Select.Changed) -> None:
        inbound = event.value != "outbound"
        self.query_one("#l-party", Label).update(
            "Sender (office or person)" if inbound else "Recipient (office or person)"
        )
        self.query_one("#l-at", Label).update("Received at (blank = now)" if inbound else "Sent at (blank = now)")

    def fields(self) -> dict[str, str]:
        fields = {key: self.query_one(f"#x-{key}", Input).value for key, _, _ in FAX_FIELDS}
        fields["next_step"] = self.query_one("#x-next_step", Input).value
        for key in ("direction", "document_type"):
            fields[key] = chosen_value(self, f"#x-{key}")
        fields["child_id"] = str(self.child.id) if self.child else ""
        return fields

    def action_match_child(self) -> None:
        self.app.push_screen(ChildPickerScreen(), self._child_chosen)

    def _child_chosen(self, child: KnownChild | None) -> None:
        if child is not None:
            self.child = child
            self.query_one("#x-child", Static).update(
                masked_child(child.first_name, child.last_name, child.date_of_birth, child.medicaid_last4) or ""
            )

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.app.action_focus_next()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        entry, errors = rules.check_fax(self.fields(), self.app.clock(), self.app.policy.hours.zone)
        for label in self.query(".field-error").results(Label):
            message = errors.get((label.id or "").removeprefix("e-"), "")
            label.update(message)
            label.display = bool(message)
        if errors or entry is None:
            self.query_one(f"#x-{next(iter(errors))}").focus()
            self.query_one("#fax-status", Static).update(f"{len(errors)} field(s) to fix; nothing was saved yet.")
            return
        self.query_one("#fax-status", Static).update("Saving…")
        self.save(entry)

    @work(thread=True, exclusive=True, group="fax-save", exit_on_error=False)
    def save(self, entry: FaxEntry) -> None:
        detail = contacts.log_fax(self.app.db, self.app.signed_in_agent().id, entry, self.app.clock(), self.app.policy)
        self.app.call_from_thread(self._saved, detail)

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        if worker.group == "fax-save":  # the form stays as typed
            self.query_one("#fax-status", Static).update(f"Not saved: {explain(error)[0]}")
        return False  # and the app says so too

    def _saved(self, detail: ContactDetail) -> None:
        due = f"; follow-up due {when(detail.row.follow_up_due)}" if detail.follow_up_promise_id else ""
        self.notify(f"Fax #{detail.row.id} logged{due}.", title="Fax logged", timeout=8)
        close_when_on_top(self, detail)

    def action_cancel(self) -> None:
        self.dismiss(None)
