"""A monkey for the console: random keys, typing and pastes of nasty text across every screen.

Shared by tests/ui/test_monkey.py (a short run in CI) and bench/monkey.py (a long run). The keys
come from the bindings active at that moment, so the monkey presses what a person could press
there; every so often it walks to a chosen screen on purpose so each one gets its share.
"""

from __future__ import annotations

import asyncio
import random
import time
import traceback
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass, field

from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key

from callcenter.domain.actor import Actor

ROLES = {"rep": "alex", "supervisor": "sam", "psychiatrist": "okafor"}
SEED_ENV = "CALLCENTER_MONKEY_SEED"
DEFAULT_SEED = 20261123

# ctrl+q and ctrl+c quit; the command palette (ctrl+p) offers "Quit" too, which a random Enter could pick.
NEVER = frozenset({"ctrl+q", "ctrl+c", "ctrl+p"})

NASTY = [
    "[bold]Sam[/bold] [red]x",
    "[bold]x[/bold]",
    "[red",
    "[/]",
    "[/bold]",
    "[@click=app.quit]quit[/]",
    "[link=https://example.org]link[/link]",
    "[on red]",
    "[b]",
    "\\[escaped]",
    "[]",
    "[[",
    "]]",
    "[=]",
    "[#ff0000]hex",
    "'; DROP TABLE agent; --",
    "Robert'); DROP TABLE call;--",
    "1 OR 1=1",
    "%s%n%x %d {0} {} ${x}",
    "${jndi:ldap://x/a}",
    "<script>alert(1)</script>",
    "<b>bold</b> &amp; &lt;",
    "😀👨‍👩‍👧‍👦🏳️‍🌈👍🏽",
    "🚑☎️",
    "日本語のテキスト",
    "한국어",
    "Zalgo Z̴̡͎a̷̗l̸̞g̶̼o̵̺",
    "مرحبا بالعالم",
    "שלום עולם",
    "abc\u202edcba\u202c",
    "\u200b\u200d\ufeff\u2060",
    "\x00",
    "a\x00b",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x07\x08\x0b\x0c",
    "\x7f",
    "\x1b",
    "\t\ttabs",
    "line one\nline two\r\nline three",
    "\r",
    "\u2028\u2029\x85",
    "\x1c\x1d\x1e",
    " ",
    "   leading and trailing   ",
    "",
    "0",
    "-1",
    "00000",
    "99999999999999999999",
    "1e308",
    "NaN",
    "inf",
    "2/30/2019",
    "13/45/2020",
    "0/0/0",
    "12/31/9999",
    "1/1/1900",
    "yesterday 4pm",
    "25:99",
    "11/23 9:40am",
    "(860) 555-0199",
    "+1 860 555 0199 ext 12",
    "555",
    "06106",
    "6106",
    "ZIP 99999",
    "2y6m",
    "30m",
    "999y",
    "Mary-Kate O'Brien",
    "José Núñez",
    "X Æ A-12",
    "a" * 64,
    "A" * 5000,
    "long " * 800,
    "x\n" * 400,
]

WORDS = [
    "Sam",
    "anxiety",
    "Hartford",
    "(203) 555-0143",
    "4/5/2015",
    "7",
    "mother",
    "ADHD",
    "Pat",
    "yes",
    "spanish",
    "06510",
    "unknown caller",
    "2",
    "call back Monday",
]

GENERIC_KEYS = [
    "tab",
    "shift+tab",
    "enter",
    "escape",
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "pageup",
    "pagedown",
    "backspace",
    "delete",
    "space",
    "insert",
    *[f"f{n}" for n in range(1, 13)],
    *[f"ctrl+{letter}" for letter in "abdefghijklmnorstuvwxyz"],
    *[f"alt+{n}" for n in range(1, 6)],
    "shift+up",
    "shift+down",
    "ctrl+left",
    "ctrl+right",
    "ctrl+home",
    "ctrl+end",
]

CONTROL_KEYS = {
    "\t": "tab",
    "\n": "enter",
    "\r": "enter",
    "\x1b": "escape",
    "\x7f": "backspace",
    "\x08": "backspace",
    "\x00": "ctrl+@",
}

# Screens a role reaches from the queue board, and the keys that get there.
ROUTES: dict[str, dict[str, list[str]]] = {
    "rep": {
        "QueueBoardScreen": [],
        "HelpScreen": ["question_mark"],
        "LookupScreen": ["f3"],
        "PromisesScreen": ["p"],
        "ContactLogScreen": ["g"],
        "FaxFormScreen": ["g", "f"],
        "TtySessionScreen": ["g", "y", "text:Pat", "enter"],
        "IntakeScreen": ["n"],
        "CallScreen": ["c|t"],
        "DispositionScreen": ["c|t", "ctrl+e"],
        "ConsultFormScreen": ["k"],
    },
    "supervisor": {
        "QueueBoardScreen": [],
        "MonitorScreen": ["s"],
        "AuditScreen": ["s", "t"],
        "HelpScreen": ["f1"],
        "LookupScreen": ["f3"],
        "PromisesScreen": ["p"],
        "ContactLogScreen": ["g"],
        "IntakeScreen": ["n"],
        "CallScreen": ["c|t"],
        "ConsultFormScreen": ["k"],
    },
    "psychiatrist": {
        "QueueBoardScreen": [],
        "ConsultsScreen": ["m"],
        "HelpScreen": ["question_mark"],
        "LookupScreen": ["f3"],
        "PromisesScreen": ["p"],
    },
}

EXPECTED_ERRORS = ("ValidationError", "PermissionDenied")  # refusals the console words for the person


class MonkeyFailure(AssertionError):
    pass


def key_for(char: str) -> str | None:
    """The key a terminal reports for a typed character: printable ones as themselves, control bytes
    as their keys; None for other unprintables, which a terminal sends only inside a paste."""
    if char == " ":
        return "space"
    if char.isprintable():
        return _character_to_key(char)
    if char in CONTROL_KEYS:
        return CONTROL_KEYS[char]
    if 1 <= ord(char) <= 26:
        return f"ctrl+{chr(ord(char) + 96)}"
    return None


async def type_text(pilot, text: str) -> None:
    """Type as a person does, any character (Pilot's ``press`` cannot type some, such as '/')."""
    for char in text:
        key = key_for(char)
        if key is None or key in NEVER:
            continue
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        pilot.app._driver.send_message(event)
        await asyncio.sleep(0)
        await pilot._wait_for_screen()
    await pilot.pause()  # and what the keys set off (Input.Changed and its handlers)


@dataclass
class Monkey:
    """Drives one running app (inside ``app.run_test``) with a seeded random stream of events."""

    pilot: object
    role: str
    seed: int
    burst: int = 25
    events_sent: int = 0
    screens: Counter = field(default_factory=Counter)
    history: deque = field(default_factory=lambda: deque(maxlen=60))
    worker_errors: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = self.pilot.app
        self.rng = random.Random(f"{self.seed}:{self.role}")
        self.username = ROLES[self.role]
        self._watch_failures()

    # -- what counts as a crash --------------------------------------------------------------

    def _watch_failures(self) -> None:
        """An error the console only reports as 'Something went wrong' is a bug too: keep it."""
        from callcenter.store.errors import StoreError

        report = self.app.report_failure

        def recording(error: BaseException) -> None:
            if not isinstance(error, StoreError) and type(error).__name__ not in EXPECTED_ERRORS:
                self.worker_errors.append("".join(traceback.format_exception(error)))
            report(error)

        self.app.report_failure = recording

    def check(self) -> None:
        app = self.app
        problems = []
        if app._exception is not None:
            problems.append("".join(traceback.format_exception(app._exception)))
        if app.return_code is not None or app._exit_renderables:
            problems.append(f"the app exited (return code {app.return_code})")
        if not app.screen_stack:
            problems.append("the screen stack is empty")
        if self.worker_errors:
            problems.append("unexpected error in a worker:\n" + self.worker_errors[0])
        if problems:
            raise MonkeyFailure(self.explain("\n".join(problems)))

    def explain(self, what: str) -> str:
        recent = " ".join(self.history)
        return (
            f"{what}\n\nReplay: {SEED_ENV}={self.seed} role={self.role} (event {self.events_sent})\n"
            f"Last events: {recent}"
        )

    # -- sending -----------------------------------------------------------------------------

    async def _key(self, key: str, char: str | None = None) -> None:
        if key in NEVER:
            return
        self.history.append(repr(char) if char and char != key else key)
        event = events.Key(key, char)
        event.set_sender(self.app)
        self.app._driver.send_message(event)
        await self._handled()

    async def press(self, key: str) -> None:
        """A named key, with the character a terminal sends along (as Pilot works it out)."""
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        char = {"space": " ", "enter": "\r", "tab": "\t", "escape": "\x1b"}.get(key)
        if char is None:
            try:
                char = unicodedata.lookup(_get_unicode_name_from_key(key))
            except KeyError:
                char = key if len(key) == 1 else None
        await self._key(key, char)

    async def type_text(self, text: str) -> None:
        for char in text:
            key = key_for(char)
            if key is not None:
                await self._key(key, char)

    async def paste(self, text: str) -> None:
        self.history.append(f"paste({text[:24]!r}{'…' if len(text) > 24 else ''})")
        self.app.post_message(events.Paste(text))
        await self._handled()

    async def _handled(self) -> None:
        """Wait until the screen has handled what is queued, not for the CPU to go idle: on a busy
        machine an idle CPU may never come, and a person types on regardless."""
        await asyncio.sleep(0)
        await self.pilot._wait_for_screen()
        self.events_sent += 1
        if self.events_sent % 10 == 0:  # now and then a breath, so promises and workers interleave
            await asyncio.sleep(0.01)
        self._note_screen()

    async def _breathe(self) -> None:
        await self.pilot._wait_for_screen()
        await asyncio.sleep(0.02)

    def _note_screen(self) -> None:
        if self.app.screen_stack:
            self.screens[type(self.app.screen).__name__] += 1

    # -- random events -----------------------------------------------------------------------

    def _binding_keys(self) -> list[str]:
        try:
            keys = list(self.app.active_bindings)
        except Exception:  # noqa: BLE001 - mid screen switch: fall back to the generic keys
            return []
        return [key for key in keys if key not in NEVER]

    def _nasty(self) -> str:
        return self.rng.choice(NASTY) if self.rng.random() < 0.75 else self.rng.choice(WORDS)

    async def random_event(self) -> None:
        roll = self.rng.random()
        for screen, fields in (("LockScreen", (None, "#lock-password")), ("SignInScreen", ("#username", "#password"))):
            if self._on(screen) and roll < 0.8:  # mostly back to work: a burst typed at a password covers little
                await self._sign_in(*fields)
                return
        if roll < 0.5:
            keys = self._binding_keys() or GENERIC_KEYS
            await self.press(self.rng.choice(keys))
        elif roll < 0.72:
            await self.press(self.rng.choice(GENERIC_KEYS))
        elif roll < 0.9:
            text = self._nasty()
            if len(text) > 40:  # long strings arrive by paste; typed ones stay a person's length
                text = text[:40]
            await self.type_text(text)
        else:
            await self.paste(self._nasty())

    async def run_burst(self, events_count: int | None = None) -> None:
        target = self.events_sent + (events_count or self.burst)
        while self.events_sent < target:
            await self.random_event()
            if self.app._exception is not None or self.app.return_code is not None:
                break
        await self._breathe()
        self.check()

    # -- deliberate navigation ---------------------------------------------------------------

    async def _wait(self, predicate, timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            await asyncio.sleep(0.02)
        return predicate()

    def _on(self, name: str) -> bool:
        return bool(self.app.screen_stack) and type(self.app.screen).__name__ == name

    async def go_home(self) -> None:
        """Back to the queue board: Escape like a person; signed out or locked, the password."""
        for _ in range(10):
            if self._on("QueueBoardScreen"):
                break
            if self._on("SignInScreen"):
                await self._sign_in("#username", "#password")
            elif self._on("LockScreen"):
                await self._sign_in(None, "#lock-password")
            else:
                await self.press("escape")
                await self._breathe()
        if not self._on("QueueBoardScreen") and self.app.board_screen() is not None:
            self.app.action_show_board()
            await self._wait(lambda: self._on("QueueBoardScreen"))
        self.check()

    async def _sign_in(self, username_field: str | None, password_field: str) -> None:
        """The monkey's wrong guesses may have locked the account (or, as a supervisor, disabled or
        re-keyed it): put it back as the demo had it, then sign in with keys like a person."""
        from textual.widgets import Input

        from callcenter.store import agents
        from callcenter.store.seed import DEMO_PASSWORD

        screen = self.app.screen
        await self._wait(lambda: screen.is_mounted)  # it may have opened a moment ago
        for attempt in range(2):
            if attempt:  # refused: the account is as the monkey left it, not as the demo had it
                db, now = self.app.db, self.app.clock()
                me = agents.get_by_username(db, self.username)
                if not me.active:
                    agents.enable_agent(db, Actor.shell("agent enable"), me.id, now)
                agents.reset_password(db, Actor.shell("agent reset-password"), me.id, DEMO_PASSWORD, now)
            if username_field is not None:
                screen.query_one(username_field, Input).value = self.username
            password = screen.query_one(password_field, Input)
            password.value = ""
            screen.set_focus(password)
            await self._breathe()
            await self.type_text(DEMO_PASSWORD)
            await self.press("enter")
            if await self._wait(lambda: self.app.screen is not screen, 3.0):
                return

    async def visit(self, name: str) -> None:
        await self.go_home()
        for step in ROUTES[self.role][name]:
            if step.startswith("text:"):
                await self.type_text(step[5:])
            elif step == "c|t":  # the call you are on, or the next caller
                board = self.app.screen
                on_call = getattr(getattr(board, "snapshot", None), "my_call", None) is not None
                await self.press("c" if on_call else "t")
                await self._wait(lambda: self._on("CallScreen"), timeout=2.0)
            else:
                await self.press(step)
                await self._breathe()
        await self._wait(lambda: self._on(name), timeout=2.0)
        self.check()

    async def run(self, total_events: int) -> None:
        """Visit the role's screens in a seeded order, a burst on each, until enough events are sent."""
        targets = list(ROUTES[self.role])
        await self._wait(lambda: self._on("QueueBoardScreen"), timeout=10.0)
        self.check()
        while self.events_sent < total_events:
            order = targets[:]
            self.rng.shuffle(order)
            for name in order:
                if self.events_sent >= total_events:
                    break
                await self.visit(name)
                await self.run_burst(min(self.burst, max(1, total_events - self.events_sent)))
        await self.settle()
        self.check()

    async def settle(self) -> None:
        from textual.worker import WorkerCancelled

        for _ in range(3):
            try:
                await self.app.workers.wait_for_complete()
            except WorkerCancelled:
                pass
            except Exception:  # noqa: BLE001 - a failed worker is reported through report_failure
                pass
            await self.pilot.pause()
