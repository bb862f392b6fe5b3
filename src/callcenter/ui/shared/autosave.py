"""The screen's side of keeping what a person types: the intake, the TTY transcript and the call notes.

The writing itself is the app's outbox (``ui/shared/outbox.py``): every change goes to it as it is
typed, and it writes, retries and keeps the text even after the screen has closed. A screen reopened
on the same record gets back whatever the outbox still holds for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.widgets import Static, TextArea

from callcenter.ui.shared.conflict import ConflictScreen
from callcenter.ui.shared.outbox import Draft, Reader, StatusPainter, Writer

if TYPE_CHECKING:
    from callcenter.ui.shared.base import ConsoleScreen

Content = TypeVar("Content")


class Autosave(Generic[Content]):
    """Keeps one screen's typing: ``read`` returns what is on screen now; every change is handed to
    the outbox. A screen with no save line of its own (``status`` None) hears of problems as notices."""

    def __init__(
        self,
        screen: ConsoleScreen,
        *,
        key: tuple[str, int],
        label: str,
        saved: Content,
        version: int,
        read: Callable[[], Content],
        write: Writer[Content],
        read_theirs: Reader[Content] | None = None,
        status: StatusPainter | None = None,
    ) -> None:
        self._read = read
        self._painter: StatusPainter = status or self._notify_problems(screen)
        self.draft: Draft[Content] = screen.app.outbox.track(key, label, saved, version, write, read_theirs)
        self.draft.listen(self._painter)

    @staticmethod
    def _notify_problems(screen: ConsoleScreen) -> StatusPainter:
        def paint(text: str, problem: bool) -> None:
            if problem:
                screen.notify(text, title="Not saved yet", severity="warning", markup=False)

        return paint

    @property
    def current(self) -> Content:
        """What to show: the text the outbox still holds for this record, else the saved one."""
        return self.draft.current

    @property
    def lock(self) -> threading.Lock:
        return self.draft.lock

    @property
    def conflict(self) -> bool:
        return self.draft.conflict is not None

    def changed(self) -> None:
        """An edit: on its way to the database now."""
        self.draft.put(self._read())

    def save_now(self) -> None:
        self.draft.put(self._read())
        self.draft.try_now()

    def closed(self) -> None:
        """The record is finished: call from the worker that finished it, with ``lock`` held."""
        self.draft.finish()

    def detach(self) -> None:
        """The screen is gone; unsaved text stays in the outbox, which keeps trying."""
        self.draft.forget(self._painter)


class SaveStatus(Static):
    """The line that says truthfully whether what was typed is in the database."""

    def __init__(self) -> None:
        super().__init__("", id="save-status", markup=False)

    def show(self, text: str, problem: bool = False) -> None:
        self.update(text)
        self.set_class(problem, "error")


class KeepsTyping:
    """A screen whose typing is kept by an Autosave: when it closes, its text stays in the outbox."""

    autosave: Autosave

    def on_unmount(self) -> None:
        self.autosave.detach()

    def paint_save_status(self, text: str, problem: bool = False) -> None:
        for line in self.query(SaveStatus):  # type: ignore[attr-defined]  # none while built or closed
            line.show(text, problem)

    def compare_typed(self, area: TextArea, record: str, label: str) -> None:
        """After a conflicting save: this console's text in ``area`` beside the one saved elsewhere;
        the person keeps one, and the outbox saves it over the newer version."""
        screen: Any = self  # a mixin: self is a ConsoleScreen
        conflict = self.autosave.draft.conflict
        if conflict is None:
            screen.notify(f"Nothing to compare: no one else has saved this {label.lower()}.")
            return
        mine = area.text

        def keep(keep_mine: set[str]) -> None:
            chosen = mine if keep_mine else conflict.theirs
            if area.text != chosen:
                area.text = chosen
            self.autosave.draft.resolve(chosen)

        screen.ask(ConflictScreen(record, conflict.message, [(label, label.lower(), mine, conflict.theirs)]), keep)


def leaving_words(draft: Draft, reopen: str) -> str:
    """What a screen says as it closes, truthfully: saved, on its way, or kept but not saved (and why)."""
    if draft.conflict is not None:
        return (
            f"Not saved: {draft.conflict.message} Your text is kept in this console until you sign out: "
            f"{reopen}, then ctrl+r to choose, field by field."
        )
    if draft.problem:
        return f"Not saved yet: {draft.problem} Your text is kept and saved as soon as the database answers; {reopen}."
    if draft.pending is not None:
        return f"Saving what you typed; {reopen}."
    return f"Saved; {reopen}."
