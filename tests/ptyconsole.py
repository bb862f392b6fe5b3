"""The real `callcenter` command in a pseudo-terminal: keys typed as bytes, the process killed outright.

For what only a whole process shows: what a killed terminal loses (tests/ui/test_kill.py and
bench/kill.py). The screen's output is read and thrown away, as a terminal would show it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

PASSWORD = "demo-password-1"
ROOT = Path(__file__).resolve().parents[1]


class PtyConsole:
    """`callcenter --agent USERNAME` on its own terminal of `columns` x `lines`."""

    def __init__(self, database_url: str, username: str = "alex", columns: int = 120, lines: int = 36) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "CALLCENTER_DATABASE_URL": database_url,
            "CALLCENTER_IDLE_LOCK_MINUTES": "0",
        }
        env.pop("CALLCENTER_EXPORT_DIR", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "callcenter", "--agent", username],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        """Read the screen as it is drawn (a terminal that stopped reading would stall the console)."""
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk
            del self.output[:-200_000]

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def key(self, name: str) -> None:
        os.write(self.master, {"enter": b"\r", "tab": b"\t", "escape": b"\x1b", "backspace": b"\x7f"}[name])

    def kill(self) -> float:
        """kill -9, as a closed laptop lid or a dead SSH link ends it; returns when (perf_counter)."""
        at = time.perf_counter()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        return at

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        os.close(self.master)


def wait_for(condition, seconds: float = 30.0, every: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError("gave up waiting")
