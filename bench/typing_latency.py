"""Keystroke-to-screen latency in the intake form with autosave on (Pilot, headless).

    .venv/bin/python bench/typing_latency.py [--keys 600]

(Not bench/typing.py: a script of that name would shadow the standard typing module for
every script in bench/.)

Types into the intake's text fields like a rep: bursts of keys with short pauses. Every change is
written to SQLite as it is typed, in a worker thread (one write at a time, the newest text next), so
keystrokes land while saves run. Each keystroke is timed from the key press until the app has handled it and repainted.
Baseline, same run: the same keystrokes into a bare Textual Input on an otherwise empty app.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App
from textual.widgets import Input

from _common import percentile

TEXT = "Mother reports her son hits, yells and runs from her in public; never listens at home. "
FIELDS = ["caller_name", "guardian_name", "symptoms", "diagnosis", "duration"]


def watch_paints(app) -> list[float]:
    """Record when the app hands each finished frame to the terminal driver."""
    painted: list[float] = []
    display = app._display

    def timed_display(screen, renderable):
        display(screen, renderable)
        if renderable is not None:
            painted.append(time.perf_counter())

    app._display = timed_display
    return painted


async def type_keys(pilot, keys: int, burst: int = 25) -> list[float]:
    """Each key's latency: from the press until the first frame painted after it."""
    painted = pilot.app._bench_paints
    timings: list[float] = []
    index = 0
    while len(timings) < keys:
        if index > 3 * keys:  # keys that paint nothing: not typing into a field
            raise RuntimeError(f"only {len(timings)} of {index} keys repainted the screen")
        char = TEXT[index % len(TEXT)]
        index += 1
        key = (
            "space"
            if char == " "
            else ("full_stop" if char == "." else ("comma" if char == "," else ("semicolon" if char == ";" else char)))
        )
        start = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        after = [moment for moment in painted[-20:] if moment >= start]
        if after:
            timings.append((after[0] - start) * 1000)
        if len(timings) % burst == 0:
            await asyncio.sleep(0.6)  # a breath between bursts, as a rep listens
    return timings


class Bare(App):
    def compose(self):
        yield Input(id="bare")


async def bare_run(keys: int) -> list[float]:
    app = Bare()
    async with app.run_test(size=(120, 36)) as pilot:
        app._bench_paints = watch_paints(app)
        app.query_one(Input).focus()
        return await type_keys(pilot, keys)


async def console_run(keys: int) -> tuple[list[float], int]:
    from callcenter.cli import open_database
    from callcenter.store import intakes, seed
    from callcenter.ui.app import CallCenterApp
    from callcenter.ui.screens.board.board import QueueBoardScreen
    from callcenter.ui.screens.intake.screen import IntakeScreen

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'typing.db'}"
        db = open_database(url, prepare=True)
        seed.seed_demo(db, datetime.now(UTC))
        app = CallCenterApp(db, agent_username="alex")
        async with app.run_test(size=(120, 36)) as pilot:
            app._bench_paints = watch_paints(app)
            while not isinstance(app.screen, QueueBoardScreen):
                await pilot.pause(0.05)
            await pilot.press("n")
            while not isinstance(app.screen, IntakeScreen):
                await pilot.pause(0.05)
            screen = app.screen
            per_field = keys // len(FIELDS) + 1
            timings: list[float] = []
            for key in FIELDS:
                await screen.jump_to_field(key)  # waits for the step to be built
                await pilot.pause()
                timings += await type_keys(pilot, min(per_field, keys - len(timings)))
            await asyncio.sleep(1.0)
            await app.workers.wait_for_complete()
            saved = intakes.get(db, app.signed_in_agent().actor, screen.intake_id, app.clock())
        return timings, saved.version


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=600)
    args = parser.parse_args()
    bare = asyncio.run(bare_run(args.keys))
    console, version = asyncio.run(console_run(args.keys))
    print(f"typing_bare_input_median: {statistics.median(bare):.2f} ms (baseline)")
    print(f"typing_bare_input_p99: {percentile(bare, 0.99):.2f} ms (baseline)")
    print(f"typing_intake_median: {statistics.median(console):.2f} ms (target: report)")
    print(f"typing_intake_p99: {percentile(console, 0.99):.2f} ms (target: < 16.7)")
    print(f"typing_intake_p99_ratio: {percentile(console, 0.99) / percentile(bare, 0.99):.2f} x (target: report)")
    print(f"typing_keystrokes: {len(console)} keys (target: >= 500)")
    print(f"typing_autosaves: {version - 1} saves (target: > 0, saves ran while typing)")


if __name__ == "__main__":
    main()
