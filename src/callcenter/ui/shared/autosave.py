"""One way to keep what a person types: the intake, the TTY transcript and the call notes all use it.

Text is saved a moment after the last key; a failed save stays on screen and is tried again 1 s,
2 s, 4 s … up to 15 s later; an older text is never written over a newer one; after another rep's
edit conflicts nothing more is written; and when the console signs out or quits, the app asks every
screen that keeps typing for the write of whatever is still unsaved, and runs it first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.timer import Timer
from textual.widgets import Static

from callcenter.domain.timefmt import format_local
from callcenter.store.errors import ConflictingEdit
from callcenter.ui.shared.errors import explain

if TYPE_CHECKING:
    from callcenter.ui.shared.base import ConsoleScreen

Content = TypeVar("Content")

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 15.0  # a database back after a restart is picked up within this

# What a screen shows about its typing: (text, is it a problem).
StatusPainter = Callable[[str, bool], None]


class SaveRetry:
    """One pending retry at a time, 1 s, 2 s, 4 s … up to 15 s apart; reset by the next good save."""

    def __init__(self, owner: ConsoleScreen, save: Callable[[], None]) -> None:
        self._owner = owner
        self._save = save
        self._timer: Timer | None = None
        self.failures = 0

    def failed(self) -> float:
        """Schedule the next try (replacing a pending one); returns its delay in seconds."""
        delay = min(FIRST_RETRY_SECONDS * 2**self.failures, LONGEST_RETRY_SECONDS)
        self.failures += 1
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._owner.set_timer(delay, self._save)
        return delay

    def succeeded(self) -> None:
        self.failures = 0
        if self._timer is not None:
            self._timer.stop()
            self._timer = None


class VersionedDraft(Generic[Content]):
    """The bookkeeping of a text saved as it is typed.

    Writes go one at a time; a text numbered before the last one saved is never written over it;
    after another rep's edit conflicts (or the record is closed) nothing more is written.
    """

    def __init__(self, saved: Content) -> None:
        self.lock = threading.Lock()
        self.saved = saved  # the content the database has
        self.conflict = False
        self._numbered = 0
        self._saved_number = 0

    def number(self) -> int:
        """A number for the content about to be written: later texts get higher numbers."""
        self._numbered += 1
        return self._numbered

    def write(self, number: int, content: Content, write: Callable[[], None]) -> bool:
        """Run `write`, which saves `content`, unless a later text is saved or an edit conflicts.
        True when it ran; a ConflictingEdit marks the conflict and goes on to the caller."""
        with self.lock:
            if number <= self._saved_number or self.conflict:
                return False
            try:
                write()
            except ConflictingEdit:
                self.conflict = True
                raise
            self._saved_number = number
            self.saved = content
            return True


class Autosave(Generic[Content]):
    """Keeps one screen's typing in the database.

    ``read`` returns what is on screen (UI thread); ``write(content, agent_id)`` saves it (a worker
    thread; it raises when it cannot); ``status`` paints the screen's save line, if it has one.
    Screens call ``changed()`` on every edit and ``save_now()`` before leaving or acting on the text.
    """

    def __init__(
        self,
        screen: ConsoleScreen,
        *,
        saved: Content,
        read: Callable[[], Content],
        write: Callable[[Content, int], None],
        delay: float,
        status: StatusPainter | None = None,
    ) -> None:
        self._screen = screen
        self._read = read
        self._write = write
        self._delay = delay
        self._status = status
        self._timer: Timer | None = None
        self._retry = SaveRetry(screen, self.save_now)
        self._draft: VersionedDraft[Content] = VersionedDraft(saved)

    # -- what the screen asks ------------------------------------------------------------------

    @property
    def lock(self) -> threading.Lock:
        """Held by a write; a screen's own final act on the record (submit, end) holds it too, so no
        autosave lands after it."""
        return self._draft.lock

    @property
    def conflict(self) -> bool:
        return self._draft.conflict

    @property
    def unsaved(self) -> bool:
        return self._read() != self._draft.saved

    def changed(self) -> None:
        """An edit: save a moment after the last one."""
        self._stop_timer()
        self._timer = self._screen.set_timer(self._delay, self.save_now)
        self._paint("Editing…")

    def save_now(self) -> None:
        self._stop_timer()
        content = self._read()
        if content == self._draft.saved and not self._retry.failures:
            return
        number = self._draft.number()
        self._screen.run_worker(
            lambda: self._save_in_thread(content, number), thread=True, group="autosave", exit_on_error=False
        )

    def closed(self) -> None:
        """The record is finished (submitted, ended): nothing more is written to it. Called from the
        worker that finished it, with the lock held, so no save slips in between."""
        self._draft.conflict = True

    def reloaded(self, saved: Content) -> None:
        """The screen took the database's version after a conflict: saving goes on from it."""
        with self._draft.lock:
            self._draft.conflict = False
            self._draft.saved = saved

    def final_save(self, agent_id: int) -> Callable[[], None] | None:
        """For signing out and quitting: the write of what is not saved yet (run in a worker thread,
        raising when it fails), or None when everything is saved or can no longer be. A conflict is
        said on the screen, once: the next sign-out goes ahead without it."""
        self._stop_timer()
        content = self._read()
        if self._draft.conflict or content == self._draft.saved:
            return None
        number = self._draft.number()

        def save() -> None:
            try:
                self._draft.write(number, content, lambda: self._write(content, agent_id))
            except ConflictingEdit as error:
                self._screen.app.call_from_thread(self._conflicted, error.message)
                raise

        return save

    # -- inside -----------------------------------------------------------------------------------

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _save_in_thread(self, content: Content, number: int) -> None:
        app = self._screen.app
        try:
            agent_id = app.signed_in_agent().id
            written = self._draft.write(number, content, lambda: self._write(content, agent_id))
        except ConflictingEdit as error:
            app.call_from_thread(self._conflicted, error.message)
            return
        except Exception as error:  # noqa: BLE001 - the text stays on screen and is tried again
            app.call_from_thread(self._failed, error)
            return
        if written:
            app.call_from_thread(self._saved)

    def _saved(self) -> None:
        self._retry.succeeded()
        self._paint(f"Saved {format_local(self._screen.app.clock(), with_date=False)}")

    def _failed(self, error: BaseException) -> None:
        message, _ = explain(error)
        delay = self._retry.failed()
        if self._status is None:  # no save line on this screen: the app says it
            self._screen.app.report_failure(error)
        self._paint(f"Not saved yet: {message} Retrying in {delay:.0f} s; what you type is kept.", problem=True)

    def _conflicted(self, message: str) -> None:
        self._paint(f"Not saved: {message}", problem=True)
        self._screen.notify(message, title="Conflicting edit", severity="error", timeout=10, markup=False)

    def _paint(self, text: str, problem: bool = False) -> None:
        if self._status is not None:
            self._status(text, problem)


class SaveStatus(Static):
    """The line that says truthfully whether what was typed is in the database."""

    def __init__(self) -> None:
        super().__init__("", id="save-status", markup=False)

    def show(self, text: str, problem: bool = False) -> None:
        self.update(text)
        self.set_class(problem, "error")


class KeepsTyping:
    """A screen whose typing is kept by an Autosave; the app asks it for the last write before it
    signs out or quits."""

    autosave: Autosave

    def final_save(self, agent_id: int) -> Callable[[], None] | None:
        return self.autosave.final_save(agent_id)
