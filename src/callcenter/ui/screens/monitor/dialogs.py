"""A supervisor resets an agent's password: typed twice, checked as it is typed."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from callcenter.domain.errors import ValidationError
from callcenter.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, check_new_password
from callcenter.resources import styles_dir
from callcenter.ui.shared.dialogs import FormModal


class ResetPasswordScreen(FormModal[str | None]):
    """A new password typed twice, checked as it is typed; the agent's failed sign-ins are cleared."""

    CSS_PATH = styles_dir() / "monitor.tcss"

    def __init__(self, name: str, username: str) -> None:
        super().__init__(name)
        self.username = username

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"New password for {self.title_text}", classes="modal-title", markup=False)
            yield Label("New password", classes="field-label")
            yield Input(
                placeholder=f"at least {MIN_PASSWORD_LENGTH} characters",
                id="new-password",
                password=True,
                max_length=MAX_PASSWORD_LENGTH,
            )
            yield Label("Same password again", classes="field-label")
            yield Input(id="confirm-password", password=True, max_length=MAX_PASSWORD_LENGTH)
            yield Label("", id="reset-error", classes="form-error", markup=False)
            yield Static("Enter or ctrl+s: set it (it also unlocks the account) · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#new-password").focus()

    def _problem(self) -> ValidationError | None:
        first = self.query_one("#new-password", Input).value
        second = self.query_one("#confirm-password", Input).value
        try:
            check_new_password(first, self.username)
        except ValidationError as error:
            return error
        if second and second != first:
            return ValidationError("The two passwords differ: type the same one in both.", "confirm")
        return None

    @on(Input.Changed)
    def _live_check(self) -> None:
        problem = self._problem()
        self.query_one("#reset-error", Label).update(problem.message if problem else "")

    @on(Input.Submitted, "#new-password")
    def _first_done(self, event: Input.Submitted) -> None:
        # Enter in the first field moves on rather than saving half the form (the base class saves).
        event.prevent_default()
        event.stop()
        problem = self._problem()
        if problem is not None and problem.field == "password":
            self.show_error(problem, {"password": "#new-password"})
            return
        self.query_one("#confirm-password").focus()

    def action_save(self) -> None:
        problem = self._problem()
        second = self.query_one("#confirm-password", Input).value
        if problem is None and not second:
            problem = ValidationError("Type the password again in the second box to confirm it.", "confirm")
        if problem is not None:
            self.show_error(problem, {"password": "#new-password", "confirm": "#confirm-password"})
            return
        self.dismiss(self.query_one("#new-password", Input).value)
