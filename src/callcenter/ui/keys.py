"""Keys land in the order they were typed, even when a terminal delivers several at once.

Over SSH, tmux or the web console a burst of keys reaches the app together. Textual 8.2.8 hands each
key to the focused widget's queue; a key the widget does not take itself (Backspace, an arrow, Esc, a
screen's letter key) then bubbles up through every parent's queue to the app, which runs the
bindings, by which time the keys typed after it have already been handled, and a Tab may have moved
the focus. "Marua", Backspace, Backspace, "ia", Tab, "Lopez" in one burst gave "MaruaiaLop" (Textual
issue #6605; a fix, PR #6631, is proposed, not released).

Here the app takes each key from the terminal in turn: it lets the focused widget finish what is
already queued for it, hands it the key directly, and, if the widget does not take the key, runs the
bindings from the focused widget up, before it looks at the next key. Drop this mixin from the app's
bases once Textual keeps keys in order itself: the tests in tests/ui/test_key_bursts.py say when.
"""

from __future__ import annotations

import asyncio
import contextlib

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

DRAIN_SECONDS = 1.0  # a widget busier than this is not waited for any longer (it never is, in practice)


async def drain(pump: MessagePump) -> None:
    """Wait until `pump` has handled every message queued for it before now."""
    if pump._message_queue.empty():
        return
    done = asyncio.Event()
    if not pump.call_later(done.set):  # not running (closing): nothing to wait for
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), DRAIN_SECONDS)


class KeysInOrder(App[None]):
    """An app whose keys from the terminal are handled one after another, in the order typed."""

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and await self._key_in_order(event):
            return
        await super().on_event(event)

    async def _key_in_order(self, event: events.Key) -> bool:
        """Handle one key from the terminal completely; False leaves it to Textual's own path."""
        screen = self.screen
        if screen.maximized is not None and event.key == "escape" and self.escape_to_minimize:
            return False  # Textual's own special case
        if not screen.is_mounted:  # a screen opened a moment ago: its widgets first, then the key
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(screen._mounted_event.wait(), timeout=2.0)
        self.app_focus = True
        if self.focused is not None:
            with contextlib.suppress(Exception):
                self.screen._clear_tooltip()
        if await self._check_bindings(event.key, priority=True):
            return True
        await drain(self.focused or self.screen)
        target = self.focused or self.screen  # a queued key may have moved the focus
        event._set_forwarded()
        # The bindings up the chain are run below, now, not from the app's queue later.
        event.bubble = False  # type: ignore[misc]  # this one event, not the class
        with target._context():
            await target._dispatch_message(event)
        if event._stop_propagation:  # the widget took it (a letter in a text field, say)
            return True
        await self._check_bindings(event.key)
        return True
