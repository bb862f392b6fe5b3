"""Closing a screen from a worker's result, which may arrive after something was opened over it."""

from __future__ import annotations

from textual.screen import Screen

RECHECK_SECONDS = 0.1


def close_when_on_top(screen: Screen, result: object = None) -> None:
    """Dismiss ``screen`` now if it is on top, else as soon as it is again.

    ``dismiss`` and ``pop_screen`` remove whatever is on top. A save or an ended call finishes in a
    worker; if the person opened help or the provider lookup meanwhile, closing then would close
    that screen instead (even halfway through building it) and leave this one behind.
    """
    if screen.app.screen is screen:
        screen.dismiss(result)
        return

    def when_on_top() -> None:
        if screen.app.screen is screen:
            timer.stop()
            screen.dismiss(result)

    # The screen's own timer: if the screen goes away first (sign-out), the wait goes with it.
    timer = screen.set_interval(RECHECK_SECONDS, when_on_top)
