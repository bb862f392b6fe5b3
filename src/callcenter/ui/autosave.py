"""Retrying an autosave that failed: the text stays on screen, and tries come back further apart."""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode
from textual.timer import Timer

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
