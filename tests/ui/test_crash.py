"""A real console process killed with SIGKILL mid-intake loses nothing the rep typed."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import threading
import time

import pytest

from callcenter.store import agents, intakes
from callcenter.store.seed import DEMO_PASSWORD

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[PX^_].*?\x1b\\|\x1b\][^\x07]*(\x07|\x1b\\)|\x1b[@-Z\\-_]")

pytestmark = pytest.mark.slow


class Terminal:
    """The console in a pseudo-terminal, as a rep's SSH session would run it."""

    def __init__(self, url: str, cols: int = 120, rows: int = 40) -> None:
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        env.pop("TEXTUAL", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.execvpe(
                sys.executable, [sys.executable, "-m", "callcenter", "--database-url", url, "--agent", "alex"], env
            )
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = ""
        self._lock = threading.Lock()
        # Drain the terminal continuously, as a real terminal does: an app whose output is not
        # read blocks on write, which is not what we are testing.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        # --agent only types the username in: the password is still asked, as for a rep.
        # The prefilled name shows once the screen has mounted, which is when the password box takes focus.
        assert self.wait_for_text("Password") and self.wait_for_text("alex"), self.read()
        self.type(DEMO_PASSWORD + "\r")

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.05)
                if ready:
                    chunk = os.read(self.fd, 65536)
                    if not chunk:
                        return
                    with self._lock:
                        self.output += chunk.decode("utf-8", "replace")
            except (OSError, ValueError):
                return

    def read(self, seconds: float = 0.2) -> str:
        time.sleep(seconds)
        with self._lock:
            return ANSI.sub("", self.output)

    def wait_for_text(self, text: str, timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.read(0.2):
                return True
        return False

    def type(self, text: str, pause: float = 0.06) -> None:
        for char in text:
            os.write(self.fd, char.encode())
            time.sleep(pause)

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def _wait(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_killed_terminal_offers_the_draft_back_with_every_field(sqlite_demo_db, now):
    url = sqlite_demo_db.url
    alex = agents.open_session(sqlite_demo_db, "alex", now)
    first = Terminal(url)
    try:
        assert first.wait_for_text("Waiting callers"), first.read()
        first.type("n")  # a new intake by hand (a fax referral)
        assert first.wait_for_text("Who is calling"), first.read()
        time.sleep(0.5)  # keys typed while a screen is still opening can reach the old focus
        first.type("\t")  # to the caller's name
        first.type("Maria Lopez")
        first.type("\t\t")  # past the callback number to the guardian
        first.type("Maria Lopez")
        first.type("\x0e")  # ctrl+n: next step (child)
        first.type("Christopher\tLopez\t3/4/2019\t")
        # Autosave is at most about a second behind: wait for the database, not for a sleep.
        assert _wait(
            lambda: (
                (intakes.open_drafts(sqlite_demo_db, alex.id) or [None])[0] is not None
                and intakes.open_drafts(sqlite_demo_db, alex.id)[0].fields.get("child_dob") == "3/4/2019"
            )
        )
    finally:
        first.kill()  # SIGKILL: no clean-up code runs

    saved = intakes.open_drafts(sqlite_demo_db, alex.id)[0].fields
    assert {k: saved[k] for k in ("caller_name", "guardian_name", "child_first_name", "child_last_name")} == {
        "caller_name": "Maria Lopez",
        "guardian_name": "Maria Lopez",
        "child_first_name": "Christopher",
        "child_last_name": "Lopez",
    }

    second = Terminal(url)
    try:
        assert second.wait_for_text("unfinished intake"), second.read()
        with second._lock:
            second.output = ""
        second.type("\r")  # resume
        assert second.wait_for_text("Maria Lopez"), second.read()
        second.type("\x0e")  # the child step shows what was typed before the kill
        assert second.wait_for_text("Christopher"), second.read()
        screen = second.read(0.5)
        assert "Lopez" in screen and "3/4/2019" in screen
    finally:
        second.kill()


def test_killed_terminal_keeps_the_tty_transcript(sqlite_demo_db, now):
    from callcenter.store import contacts

    url = sqlite_demo_db.url
    alex = agents.open_session(sqlite_demo_db, "alex", now)

    def transcript() -> str:
        sessions = contacts.open_tty_sessions(sqlite_demo_db, alex.id)
        return (sessions[0].transcript or "") if sessions else ""

    first = Terminal(url)
    try:
        assert first.wait_for_text("Waiting callers"), first.read()
        first.type("g")
        assert first.wait_for_text("Contact log:"), first.read()
        first.type("y")
        assert first.wait_for_text("Start a TTY session"), first.read()
        time.sleep(0.5)
        first.type("Dana Whitfield\r")
        assert first.wait_for_text("Transcript and notes"), first.read()
        time.sleep(0.5)
        first.type("GA my son will not go to school SK")
        assert _wait(lambda: transcript() == "GA my son will not go to school SK"), transcript()
    finally:
        first.kill()

    second = Terminal(url)
    try:
        assert second.wait_for_text("Waiting callers"), second.read()
        second.type("g")
        assert second.wait_for_text("SESSION OPEN"), second.read()  # the newest entry, highlighted
        with second._lock:
            second.output = ""
        second.type("\r")
        assert second.wait_for_text("not go to school SK"), second.read()
    finally:
        second.kill()
