"""Dialogs several screens use: a small form, one choice from a list, a yes-or-no question."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from callcenter.domain.errors import ValidationError
from callcenter.ui.shared.base import ConsoleModal, ResultType
from callcenter.ui.shared.typeahead import after_typed_keys


class FormModal(ConsoleModal[ResultType]):
    """A few fields over the screen: Enter in a field or ctrl+s saves, Esc cancels.

    Subclasses compose a ``.modal-box`` holding their fields and one ``.form-error`` label, and
    implement ``action_save``, dismissing with what was typed once it is right.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, title: str = "") -> None:
        super().__init__()
        self.title_text = title

    def show_error(self, error: ValidationError, targets: dict[str, str] | None = None) -> None:
        """The message under the fields, and the focus on the field it is about."""
        label = self.query_one(".form-error", Label)
        label.update(error.message)
        label.add_class("shown")  # .field-error is hidden until there is something to say
        target = (targets or {}).get(error.field or "")
        if target:
            self.query_one(target).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonDialog(FormModal[str | None]):
    """One line saying why (a hand-off, a case closing), checked by ``check`` before it is given back."""

    def __init__(self, record: str, heading: str, placeholder: str, done: str, check: Callable[[str], object]) -> None:
        super().__init__(record)
        self.heading, self.placeholder, self.done, self.check = heading, placeholder, done, check

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(self.heading, classes="modal-title", markup=False)
            yield Input(placeholder=self.placeholder, id="reason", max_length=300)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static(f"Enter or ctrl+s: {self.done} · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        reason = self.query_one("#reason", Input).value
        try:
            self.check(reason)
        except ValidationError as error:
            self.show_error(error, {"reason": "#reason"})
            return
        self.dismiss(reason)


class PickScreen(ConsoleModal[str | None]):
    """One choice from a short list: arrows and Enter, Esc to cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(self.title_text, classes="modal-title", markup=False)
            yield OptionList(*[Option(Text(label), id=value) for label, value in self.choices], id="pick")
            yield Static("↑/↓ and Enter: choose · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#pick").focus()

    @on(OptionList.OptionSelected, "#pick")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ConsoleModal[bool | None]):
    """A yes-or-no question before a change that matters: y or Enter, n or Esc."""

    BINDINGS = [Binding("y,enter", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(self.question, classes="modal-title", markup=False)
            yield Static("y or Enter: yes · n or Esc: no", classes="modal-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(True if yes else None)  # no answers nothing: the change is not made
