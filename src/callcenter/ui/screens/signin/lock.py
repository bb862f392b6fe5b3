"""The idle lock: after a quiet spell the console hides everything until its agent types the password.

It is a whole screen, not a modal, so nothing below it shows through; the screens below it are
kept as they were (a half-typed intake included) and come back when it is unlocked.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static
from textual.worker import Worker

from callcenter.resources import styles_dir
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.keybar import KeyBar


class LockScreen(ConsoleScreen[bool]):
    """Dismissed with True once the right password is typed."""

    CSS_PATH = styles_dir() / "signin.tcss"

    KEY_NOTES = (("password, `Enter`", "unlock: everything comes back as it was"),)
    KEY_HELP = {"sign_out": "sign out instead (drafts are saved)"}
    BINDINGS = [
        Binding("ctrl+o", "sign_out", "Sign out instead"),
    ]

    def __init__(self, display_name: str, username: str, reason: str) -> None:
        super().__init__()
        self._display_name = display_name
        self._username = username
        self._reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield Static("Console locked", id="lock-title")
            yield Static(self._reason, id="lock-reason", markup=False)
            yield Label(f"Password for {self._display_name} ({self._username})", id="lock-label", markup=False)
            yield Input(password=True, id="lock-password", max_length=128, placeholder="your password")
            yield Label("", id="lock-error", markup=False)
            yield Static(
                "Your work is kept as it was. Not you? ctrl+o signs this agent out; drafts are saved.",
                id="lock-hint",
                markup=False,
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#lock-password", Input).focus()

    @on(Input.Submitted, "#lock-password")
    def _submitted(self, event: Input.Submitted) -> None:
        self.unlock(event.value)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def unlock(self, password: str) -> None:
        from callcenter.store import agents  # not at the top: the app asks this module if it is locked at start-up

        agents.verify_password(self.app.db, self.app.signed_in_agent().id, password, self.app.clock())
        self.app.call_from_thread(self.dismiss, True)

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        self._refused(explain(error)[0])  # under the field: nothing behind the lock may show it
        return True

    def _refused(self, message: str) -> None:
        field = self.query_one("#lock-password", Input)
        field.value = ""
        field.focus()
        error = self.query_one("#lock-error", Label)
        error.update(message)
        error.add_class("visible")

    def action_sign_out(self) -> None:
        self.app.sign_out()
