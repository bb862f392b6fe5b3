"""Keys typed ahead of a priority key must land before the priority key's action reads the form."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen


def after_typed_keys(screen: Screen, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the focused widget has handled the keys already queued for it.

    A priority binding (F10, ctrl+s, Enter on a modal) runs as soon as its key arrives, while the
    printable keys before it still wait in the focused widget's queue: a fast typist's last
    letters, or the space that ticked a checkbox, would be missing from what gets saved. A call
    queued on that same widget runs after the keys it handles itself (letters in an Input); keys
    handled by bindings (space on a checkbox, backspace) bubble up through the parents' queues
    first, which a short timer after that covers.
    """
    target = screen.focused or screen
    target.call_later(lambda: screen.set_timer(SETTLE_SECONDS, callback))


SETTLE_SECONDS = 0.05  # far longer than a queued key takes, far shorter than a person notices
