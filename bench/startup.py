"""Start-up on a seeded SQLite database, against a bare Textual app (header, label, footer) started
the same way in the same run: until the sign-in screen has painted (what a person first sees; the
data layer then loads behind it), and, signed in without a password, until the queue board has
painted its data.

    .venv/bin/python bench/startup.py [--runs 7]

Prints one `name: value unit (target: ...)` line per figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Each child prints the wall-clock time at which its target screen had painted, then leaves at once
# (a console still loading its data layer in a thread would otherwise finish that first).
BARE = """
import os, sys, time
from textual.app import App
from textual.widgets import Footer, Header, Label

class Bare(App):
    def compose(self):
        yield Header()
        yield Label("Access line")
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(self.painted)

    def painted(self):
        print("painted", time.time(), flush=True)
        os._exit(0)

Bare().run(headless=True)
"""

# The floor under any board that reads the database through the models: the bare app above, after
# importing SQLModel and the table classes (SQLAlchemy's ORM and pydantic come with them).
BARE_WITH_MODELS = "import callcenter.store.models\n" + BARE

# What `callcenter` does: the sign-in screen first, the database opened behind it.
CONSOLE_SIGN_IN = """
import os, sys, time
from callcenter.cli import open_database
from callcenter.ui.app import CallCenterApp
from callcenter.ui.screens.signin.signin import SignInScreen

mounted = SignInScreen.on_mount

def mount_then_report(self):
    mounted(self)
    self.app.call_after_refresh(lambda: (print("painted", time.time(), flush=True), os._exit(0)))

SignInScreen.on_mount = mount_then_report
CallCenterApp(open_database=lambda: open_database(sys.argv[1], prepare=True)).run(headless=True)
"""

# The figure: signed in without a password (as tests do) until the board shows its data.
CONSOLE_BOARD = """
import os, sys, time
from callcenter.cli import open_database
from callcenter.ui.app import CallCenterApp
from callcenter.ui.screens.board.board import QueueBoardScreen

painted = QueueBoardScreen._apply

def apply_then_report(self, *read):
    painted(self, *read)
    self.app.call_after_refresh(lambda: (print("painted", time.time(), flush=True), os._exit(0)))

QueueBoardScreen._apply = apply_then_report
CallCenterApp(open_database=lambda: open_database(sys.argv[1], prepare=True), agent_username="alex").run(headless=True)
"""


# What a rep waits after pressing Enter on the password, typed (say) a second after the database
# had opened behind the sign-in screen: the password check (scrypt, deliberately slow), the board's
# first query and paint.
SIGN_IN_TO_BOARD = """
import os, sys, time
from callcenter.cli import open_database
from callcenter.store.seed import DEMO_PASSWORD
from callcenter.ui.app import CallCenterApp
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.signin.signin import SignInScreen

entered, opened = [], []
painted = QueueBoardScreen._apply

def apply_then_report(self, *read):
    painted(self, *read)
    self.app.call_after_refresh(lambda: (print("waited", time.time() - entered[0], flush=True), os._exit(0)))

mounted = SignInScreen.on_mount

def mount_then_sign_in(self):
    mounted(self)

    def when_open():
        if not self.app.database_open:
            return
        if not opened:
            opened.append(time.time())
        if time.time() - opened[0] < 1.0:
            return
        entered.append(time.time())
        self.sign_in("alex", DEMO_PASSWORD)
        timer.stop()

    timer = self.set_interval(0.02, when_open)

QueueBoardScreen._apply = apply_then_report
SignInScreen.on_mount = mount_then_sign_in
CallCenterApp(open_database=lambda: open_database(sys.argv[1], prepare=True)).run(headless=True)
"""


CHILD_SECONDS = 60


def run_once(code: str, *args: str) -> tuple[float, int]:
    """Wall time from spawn until the child's screen had painted (or the wait the child measured
    itself), and the child's peak RSS in KiB."""
    start = time.time()
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watchdog = threading.Timer(CHILD_SECONDS, process.kill)  # a console that never paints is a failure, not a hang
    watchdog.start()
    _, status, usage = os.wait4(process.pid, 0)
    watchdog.cancel()
    out = process.stdout.read().decode().split()
    if os.waitstatus_to_exitcode(status) != 0 or not out:
        raise SystemExit(f"child failed: {process.stderr.read().decode()[-2000:]}")
    kind, value = out[0], float(out[1])
    return (value - start if kind == "painted" else value), usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    kinds = {
        "bare": (BARE,),
        "bare_with_models": (BARE_WITH_MODELS,),
        "sign_in": (CONSOLE_SIGN_IN,),
        "board": (CONSOLE_BOARD,),
        "enter_to_board": (SIGN_IN_TO_BOARD,),
    }
    seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    memory: dict[str, list[int]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        subprocess.run(
            [sys.executable, "-m", "callcenter", "--database-url", url, "seed", "--demo"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for (code,) in kinds.values():  # warm the file cache for all
            run_once(code, url)
        for _ in range(args.runs):  # interleaved so machine noise hits each alike
            for kind, (code,) in kinds.items():
                elapsed, rss = run_once(code, url)
                seconds[kind].append(elapsed)
                memory[kind].append(rss)
    bare = statistics.median(seconds["bare"])
    sign_in = statistics.median(seconds["sign_in"])
    board = statistics.median(seconds["board"])
    print(f"startup_bare_textual_median: {bare * 1000:.0f} ms (baseline)")
    floor = statistics.median(seconds["bare_with_models"])
    print(
        f"startup_bare_textual_with_models_median: {floor * 1000:.0f} ms "
        f"({floor / bare:.2f} x baseline; the floor for a board read through the models)"
    )
    print(f"startup_console_to_sign_in_median: {sign_in * 1000:.0f} ms (target: <= 1.5 x baseline)")
    print(f"startup_sign_in_ratio: {sign_in / bare:.2f} x (target: <= 1.5)")
    print(f"startup_console_to_board_median: {board * 1000:.0f} ms (target: <= 2.0 x baseline)")
    print(f"startup_board_ratio: {board / bare:.2f} x (target: <= 2.0)")
    enter = statistics.median(seconds["enter_to_board"])
    print(f"startup_enter_password_to_board_median: {enter * 1000:.0f} ms (target: report)")
    print(f"peak_rss_bare: {max(memory['bare']) / 1024:.1f} MiB (baseline)")
    print(f"peak_rss_console: {max(memory['board']) / 1024:.1f} MiB (target: report)")


if __name__ == "__main__":
    main()
