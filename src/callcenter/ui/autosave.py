"""Retrying an autosave that failed: the text stays on screen, and tries come back further apart."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from textual.dom import DOMNode
from textual.timer import Timer

from callcenter.store.errors import ConflictingEdit

Content = TypeVar("Content")

FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 15.0  # a database back after a restart is picked up within this


class SaveRetry:
    """One pending retry at a time, 1 s, 2 s, 4 s … up to 15 s apart; reset by the next good save."""

    def __init__(self, owner: DOMNode, save: Callable[[], None]) -> None:
        self._owner = owner
        self._save = save
        self._timer: Timer | None = None
        self.failures = 0

    def failed(self) -> float:
        """Schedule the next try (replacing a pending one); returns its delay in seconds."""
        delay = min(FIRST_RETRY_SECONDS * 2 ** self.failures, LONGEST_RETRY_SECONDS)
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


class KeepsTyping:
    """A screen whose typing is saved a moment after the last key.

    Signing out or quitting closes screens before their next autosave would run, so first the app
    asks each of these for the write of whatever is not saved yet, and runs it.
    """

    def final_save(self, agent_id: int) -> Callable[[], None] | None:
        """Stop the pending autosave; return the write of unsaved text (run in a worker thread,
        raising when it fails), or None when everything is saved."""
        raise NotImplementedError


class VersionedDraft(Generic[Content]):
    """The bookkeeping of a draft saved as it is typed, against its row's version column.

    Writes go one at a time (each against the newest version the screen knows); a text numbered
    before the last one saved is never written over it; after another rep's edit conflicts (or the
    draft is closed) nothing more is written.
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

    def final_write(self, content: Content, write: Callable[[], None],
                    conflicted: Callable[[str], None]) -> Callable[[], None] | None:
        """For KeepsTyping.final_save: the write of `content` when it is not what is saved (None
        when it is, or when it can no longer be saved). A conflict is told through `conflicted`,
        once: the next sign-out goes ahead without it."""
        if self.conflict or content == self.saved:
            return None
        number = self.number()

        def save() -> None:
            try:
                self.write(number, content, write)
            except ConflictingEdit as error:
                conflicted(error.message)
                raise

        return save
