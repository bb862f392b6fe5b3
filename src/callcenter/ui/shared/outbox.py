"""What a person typed that the database has not confirmed yet: one outbox for the whole console.

Each record being typed into (an intake draft, a TTY transcript, a call's notes) has one ``Draft``
here, owned by the app rather than by the screen showing it, so it outlives that screen being
closed, locked over or reopened. Every change is written as it is typed: one write at a time per
record, the newest text written next (changes made while a write is under way are folded into one).
A failed write stays in the outbox and is tried again 1 s, 2 s, 4 s … up to 15 s later, with nothing
pressed, until the database confirms it. When another rep saved the record meanwhile, the text is
kept beside theirs until the person chooses, field by field. Nothing is written to local files:
children's details live only in the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.timer import Timer

from callcenter.domain.timefmt import format_local
from callcenter.store.errors import ConflictingEdit
from callcenter.ui.shared.errors import explain

if TYPE_CHECKING:
    from callcenter.ui.console import ConsoleApp

Content = TypeVar("Content")

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 15.0  # a database back after a restart is picked up within this

# (content, the version it was read at, the acting agent) → the record's new version. Raises when it
# cannot: ConflictingEdit when another rep saved since that version.
Writer = Callable[[Content, int, int], int]
# The record as the database has it now: (content, version).
Reader = Callable[[], tuple[Content, int]]
# What a screen shows about its typing: (text, is it a problem).
StatusPainter = Callable[[str, bool], None]


@dataclass(frozen=True)
class Conflict(Generic[Content]):
    """Another rep's save that this draft's changes were refused against."""

    theirs: Content
    their_version: int
    message: str


class Draft(Generic[Content]):
    """One record's typing on its way to the database."""

    def __init__(
        self,
        outbox: Outbox,
        key: tuple[str, int],
        label: str,
        saved: Content,
        version: int,
        write: Writer[Content],
        read_theirs: Reader[Content] | None,
    ) -> None:
        self.outbox = outbox
        self.key = key
        self.label = label  # "intake #12": how messages name it
        self.saved = saved  # what the database has, as far as this console knows
        self.version = version  # changed only under `lock`, by the thread that wrote
        self.pending: Content | None = None  # typed, not yet confirmed
        self.conflict: Conflict[Content] | None = None
        self.problem = ""  # why the last write failed, while it is failing
        self.finished = False  # submitted or ended: nothing more is written
        # Held by a write; a screen's own last act on the record (submit, end) holds it too, so no
        # write lands after that, and each write sees the version the one before it left.
        self.lock = threading.Lock()
        self._write = write
        self._read_theirs = read_theirs
        self._writing = False
        self._failures = 0
        self._retry: Timer | None = None
        self._painters: list[StatusPainter] = []

    # -- what screens ask -------------------------------------------------------------------------

    @property
    def current(self) -> Content:
        """What the person last typed: the unconfirmed text, else what is saved."""
        return self.pending if self.pending is not None else self.saved

    @property
    def unsaved(self) -> bool:
        return not self.finished and (self.pending is not None or self.conflict is not None)

    def put(self, content: Content) -> None:
        """A change as typed: written now, or right after the write under way."""
        if self.finished or content == self.current:
            return
        self.pending = content
        self._start()

    def try_now(self) -> None:
        """Skip the wait before the next try (ctrl+s, leaving the screen)."""
        if self._retry is not None:
            self._retry.stop()
            self._retry = None
        self._start()

    def listen(self, paint: StatusPainter) -> None:
        self._painters.append(paint)

    def forget(self, paint: StatusPainter) -> None:
        """The screen showing this draft closed; the draft stays in the outbox while unsaved."""
        if paint in self._painters:
            self._painters.remove(paint)
        self.outbox.release(self)

    def resolve(self, chosen: Content) -> None:
        """After a conflict: the person chose what to keep; it is written over the other rep's save."""
        if self.conflict is None:
            return
        with self.lock:
            self.version = self.conflict.their_version
        self.saved = self.conflict.theirs
        self.conflict = None
        self.pending = None
        if chosen != self.saved:
            self.pending = chosen
        self._start()
        self._paint("Your choice is being saved…" if self.pending is not None else "Saved: you took theirs.")

    def finish(self) -> None:
        """The record is finished (submitted, ended). Called by the worker that finished it, with the
        lock held, so no write slips in between."""
        self.finished = True
        self.pending = None

    # -- writing ------------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._writing or self.conflict is not None or self.finished or self.pending is None:
            return
        if self._retry is not None:  # a failed write waits for its retry
            return
        self._writing = True
        content = self.pending
        self.outbox.app.run_worker(
            lambda: self._write_in_thread(content), thread=True, group="outbox", exit_on_error=False
        )

    def _write_in_thread(self, content: Content) -> None:
        app = self.outbox.app
        try:
            agent_id = app.signed_in_agent().id
            with self.lock:
                if self.finished:
                    app.call_from_thread(self._done)
                    return
                self.version = self._write(content, self.version, agent_id)
        except ConflictingEdit as error:
            theirs = None
            if self._read_theirs is not None:
                try:
                    theirs = self._read_theirs()
                except Exception:  # noqa: BLE001 - shown as a conflict without their text; compared later
                    theirs = None
            app.call_from_thread(self._conflicted, error.message, theirs)
            return
        except Exception as error:  # noqa: BLE001 - the text stays in the outbox and is tried again
            app.call_from_thread(self._failed, error)
            return
        app.call_from_thread(self._written, content)

    def _done(self) -> None:
        self._writing = False

    def _written(self, content: Content) -> None:
        self._writing = False
        self.saved = content
        if self.pending == content:
            self.pending = None
        recovered = self._failures > 0
        self._failures = 0
        self.problem = ""
        self._paint(f"Saved {format_local(self.outbox.app.clock(), with_date=False)}")
        if self.pending is not None:
            self._start()
        else:
            self.outbox.settled(self, recovered)

    def _failed(self, error: BaseException) -> None:
        self._writing = False
        message, _ = explain(error)
        delay = min(FIRST_RETRY_SECONDS * 2**self._failures, LONGEST_RETRY_SECONDS)
        self._failures += 1
        self.problem = message
        self._retry = self.outbox.app.set_timer(delay, self._retry_due)
        self._paint(f"Not saved yet: {message} Retrying in {delay:.0f} s; what you type is kept.", problem=True)
        self.outbox.changed(self)

    def _retry_due(self) -> None:
        self._retry = None
        self._start()

    def _conflicted(self, message: str, theirs: tuple[Content, int] | None) -> None:
        self._writing = False
        if theirs is None:  # their copy could not be read: try the write again later, as for a failure
            self._failed(ConflictingEdit(message))
            return
        self.conflict = Conflict(theirs[0], theirs[1], message)
        self._paint(f"Not saved: {message} Your text is kept: ctrl+r compares it with theirs.", problem=True)
        self.outbox.changed(self)

    def _paint(self, text: str, problem: bool = False) -> None:
        for paint in list(self._painters):
            paint(text, problem)


class Outbox:
    """Every draft of this console that is being typed into or is not saved yet."""

    def __init__(self, app: ConsoleApp) -> None:
        self.app = app
        self._drafts: dict[tuple[str, int], Draft] = {}
        self._on_change: list[Callable[[], None]] = []

    def track(
        self,
        key: tuple[str, int],
        label: str,
        saved: Content,
        version: int,
        write: Writer[Content],
        read_theirs: Reader[Content] | None = None,
    ) -> Draft[Content]:
        """The record's draft: the one already here (its unsaved text comes back with it), or a new one."""
        draft = self._drafts.get(key)
        if draft is None:
            draft = Draft(self, key, label, saved, version, write, read_theirs)
            self._drafts[key] = draft
        return draft

    def release(self, draft: Draft) -> None:
        """Nothing shows the draft any more: it leaves the outbox once saved."""
        if not draft._painters and not draft.unsaved and self._drafts.get(draft.key) is draft:
            del self._drafts[draft.key]
        self.changed(draft)

    def settled(self, draft: Draft, recovered: bool) -> None:
        if recovered and not draft._painters:  # saved after its screen closed: say so
            self.app.notify(f"{draft.label.capitalize()}: what you typed is saved now.", title="Saved")
        self.release(draft)

    def changed(self, draft: Draft) -> None:
        for listener in list(self._on_change):
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._on_change.append(listener)

    def off_change(self, listener: Callable[[], None]) -> None:
        if listener in self._on_change:
            self._on_change.remove(listener)

    @property
    def unsaved(self) -> list[Draft]:
        return [draft for draft in self._drafts.values() if draft.unsaved]

    def summary(self) -> str:
        """'intake #12 (the database is busy …)': what is not saved yet, for a banner or a refusal."""
        reasons = (
            (draft, draft.conflict.message if draft.conflict else draft.problem or "saving") for draft in self.unsaved
        )
        return "; ".join(f"{draft.label} ({reason.rstrip('.')})" for draft, reason in reasons)

    def flush(self, agent_id: int, *, on_app_thread: bool = True) -> list[Draft]:
        """Write every draft's unsaved text now (in a worker thread, for signing out or quitting);
        returns the drafts still not saved (a conflict, or the database still away). With
        `on_app_thread` False (the app is closing) the screens are not told."""
        left = []
        for draft in list(self._drafts.values()):
            if draft.finished or draft.pending is None or draft.conflict is not None:
                if draft.unsaved:
                    left.append(draft)
                continue
            content = draft.pending
            try:
                with draft.lock:
                    draft.version = draft._write(content, draft.version, agent_id)
            except Exception:  # noqa: BLE001 - left for the caller to say; the outbox keeps trying
                left.append(draft)
                continue
            if on_app_thread:
                self.app.call_from_thread(draft._written, content)
        return left

    def drop_all(self) -> None:
        """Signed out: what was not saved (and was said to be lost) goes with the session."""
        self._drafts.clear()


def changed_fields(mine: Mapping[str, str], theirs: Mapping[str, str]) -> list[str]:
    """The fields two versions of a form disagree on, in a stable order."""
    return sorted(key for key in set(mine) | set(theirs) if (mine.get(key) or "") != (theirs.get(key) or ""))
