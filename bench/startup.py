"""Start-up: the console on a seeded SQLite database until the queue board has painted its data,
against a bare Textual app (header, label, footer) started the same way in the same run.

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
import time
from pathlib import Path

BARE = """
from textual.app import App
from textual.widgets import Footer, Header, Label

class Bare(App):
    def compose(self):
        yield Header()
        yield Label("Access line")
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(self.exit)

Bare().run(headless=True)
"""

CONSOLE = """
import sys
from datetime import UTC, datetime
from callcenter.cli import open_database
from callcenter.store import seed
from callcenter.ui.app import CallCenterApp
from callcenter.ui.board import QueueBoardScreen

painted = QueueBoardScreen._apply

def apply_then_exit(self, snapshot):
    painted(self, snapshot)
    self.app.call_after_refresh(self.app.exit)

QueueBoardScreen._apply = apply_then_exit
db = open_database(sys.argv[1], prepare=True)
seed.seed_demo(db, datetime.now(UTC))
CallCenterApp(db, agent_username="alex").run(headless=True)
"""


def run_once(code: str, *args: str) -> tuple[float, int]:
    """Wall time from spawn to exit, and the child's peak RSS in KiB."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child failed: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        subprocess.run([sys.executable, "-m", "callcenter", "--database-url", url, "seed", "--demo"],
                       check=True, stdout=subprocess.DEVNULL)
        run_once(BARE)  # warm the file cache for both
        run_once(CONSOLE, url)
        bare, console, bare_mem, console_mem = [], [], [], []
        for _ in range(args.runs):  # interleaved so machine noise hits both alike
            seconds, rss = run_once(BARE)
            bare.append(seconds)
            bare_mem.append(rss)
            seconds, rss = run_once(CONSOLE, url)
            console.append(seconds)
            console_mem.append(rss)
    bare_median = statistics.median(bare)
    console_median = statistics.median(console)
    print(f"startup_bare_textual_median: {bare_median * 1000:.0f} ms (baseline)")
    print(f"startup_console_to_board_median: {console_median * 1000:.0f} ms (target: <= 2.0 x baseline)")
    print(f"startup_ratio: {console_median / bare_median:.2f} x (target: <= 2.0)")
    print(f"peak_rss_bare: {max(bare_mem) / 1024:.1f} MiB (baseline)")
    print(f"peak_rss_console: {max(console_mem) / 1024:.1f} MiB (target: report)")


if __name__ == "__main__":
    main()
