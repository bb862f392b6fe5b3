"""Drive the real console on a seeded database with a frozen clock."""

from __future__ import annotations

import asyncio
import contextlib
import gc

from callcenter.ui.app import CallCenterApp
from tests.dbutil import FIXED_NOW

TERMINAL = (120, 36)


@contextlib.asynccontextmanager
async def command_line_console(db, agent: str = "alex"):
    """A console made as the command line makes it (its heap frozen once signed in), run headless;
    the collector is left as it was found for the tests after it."""
    from callcenter.ui.session import restore_collector

    gc.unfreeze()
    app = CallCenterApp(db, clock=lambda: FIXED_NOW, agent_username=agent, refresh_seconds=0.25, freeze_heap=True)
    try:
        async with app.run_test(size=TERMINAL) as pilot:
            yield app, pilot
    finally:
        gc.unfreeze()
        restore_collector()


def make_app(
    db, *, agent: str | None = None, now=FIXED_NOW, refresh_seconds: float = 0.25, show_roster: bool = False
) -> CallCenterApp:
    return CallCenterApp(
        db, clock=lambda: now, agent_username=agent, refresh_seconds=refresh_seconds, show_roster=show_roster
    )


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and their results paint."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for _ in range(rounds):
        for worker in list(pilot.app.workers):
            try:
                await worker.wait()
            except WorkerCancelled:  # an exclusive worker replaced by a newer one: that one is waited on next round
                pass
            except WorkerFailed:
                # A worker that may fail (a busy database on a loaded machine) reports it to its screen,
                # which says so and tries again; only one that would end the app is the test's failure.
                if worker.exit_on_error:
                    raise
        await pilot.pause()


async def wait_until(pilot, predicate, timeout: float = 3.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if predicate():
            return True
        await pilot.pause(0.05)
    return predicate()


async def still_cursors(pilot) -> None:
    """A blinking cursor makes pictures differ by when they were taken: hold every cursor on."""
    from textual.widgets import Input, TextArea

    widgets = [*pilot.app.screen.query(Input), *pilot.app.screen.query(TextArea)]
    for widget in widgets:
        widget.cursor_blink = False
        # And its blink timer stopped for good: a loaded machine can run a tick queued before the pause.
        timer = getattr(widget, "blink_timer", None) or getattr(widget, "_blink_timer", None)
        if timer is not None:
            timer.stop()
    await pilot.pause()
    await pilot.pause()
    # A blink tick already queued when the blinking stopped may have hidden a cursor: show the focused one.
    for widget in widgets:
        widget._cursor_visible = widget.has_focus
        # A TextArea caches its lines under a key that, once blinking stops, is the same for a line
        # drawn in a blink's "off" half: that line, cursor hidden, would be drawn again. Clear it.
        cache = getattr(widget, "_line_cache", None)
        if cache is not None:
            cache.clear()
        widget.refresh()
    await pilot.pause()


# Pilot presses keys by name: the characters whose key name is not the character itself.
KEY_NAMES = {
    " ": "space",
    ".": "full_stop",
    "/": "slash",
    "-": "minus",
    "?": "question_mark",
    "(": "left_parenthesis",
    ")": "right_parenthesis",
    ",": "comma",
    "'": "apostrophe",
    ":": "colon",
}


async def type_text(pilot, text: str) -> None:
    """Type into whatever has the focus, key by key."""
    await pilot.press(*[KEY_NAMES.get(ch, ch) for ch in text])
