"""What a killed terminal loses: the console is killed (kill -9) at random moments while a rep types.

    .venv/bin/python bench/kill.py [--runs 15] [--engines sqlite,postgres]

The real `callcenter` command runs on a pseudo-terminal; after signing in it opens an intake and
keys arrive every 40 ms (a quick typist) until the kill. Loss is the typing the database did not
have when the process died: from the first key missing from the saved draft to the kill, in
milliseconds (0 when every key was saved). Keys are counted as shown once sent, so the figure also
holds the moment the console takes to read a key. Baseline, same run: one draft save on the same
database, from this process.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import percentile, temporary_postgres, timed  # noqa: E402
from callcenter.store import agents, intakes  # noqa: E402
from callcenter.store.db import Database  # noqa: E402
from tests.dbutil import prepare, stored_intake  # noqa: E402
from tests.ptyconsole import PASSWORD, PtyConsole, wait_for  # noqa: E402

KEY_EVERY = 0.040
TARGET_MAX_MS = 100.0
TEXT = "abcdefghijklmnopqrstuvwxyz0123456789" * 4


def _seen(db: Database, agent_id: int) -> bool:
    from callcenter.store.models import Agent

    with db.read() as session:
        return session.get(Agent, agent_id).seen_at is not None


def one_kill(db: Database, rng: random.Random) -> tuple[float, bool]:
    """(milliseconds of typing lost, whether what was saved is what was typed, in order)."""
    alex = agents.get_by_username(db, "alex")
    before = {draft.id for draft in intakes.open_drafts(db, alex.id)}
    console = PtyConsole(db.url)
    try:
        wait_for(lambda: b"Password" in console.output, 60)
        time.sleep(0.5)
        console.type(PASSWORD)
        console.key("enter")
        wait_for(lambda: _seen(db, alex.id), 60)
        time.sleep(1.0)
        console.key("escape")  # "resume your unfinished intake?" (an earlier run's): later
        time.sleep(0.5)
        console.type("n")
        draft = wait_for(lambda: next((d for d in intakes.open_drafts(db, alex.id) if d.id not in before), None), 30)
        time.sleep(0.8)
        console.key("tab")
        time.sleep(0.3)
        kill_after = rng.uniform(0.3, 2.0)  # a moment anywhere between two keys, not just after one
        sent: list[float] = []
        killed: list[float] = []
        killer = threading.Timer(kill_after, lambda: killed.append(console.kill()))
        started = time.perf_counter()
        killer.start()
        for char in TEXT:
            if killed or time.perf_counter() - started >= kill_after:
                break
            try:
                console.type(char)
            except OSError:  # the terminal went with the process
                break
            sent.append(time.perf_counter())
            time.sleep(KEY_EVERY)
        killer.join()
        killed_at = killed[0]
    finally:
        console.close()
    saved = max(stored_intake(db, draft.id).fields.values(), key=len, default="")
    in_order = TEXT.startswith(saved)
    shown = [at for at in sent if at < killed_at]  # keys sent after the kill were never on screen
    if len(saved) >= len(shown):
        return 0.0, in_order
    return (killed_at - shown[len(saved)]) * 1000, in_order


def baseline_write_ms(db: Database) -> float:
    alex = agents.get_by_username(db, "alex")
    draft = intakes.start(db, alex.id, datetime.now(UTC))
    version = draft.version

    def save() -> None:
        nonlocal version
        version = intakes.save_draft(db, alex.id, draft.id, {"caller_name": f"x{version}"}, version, datetime.now(UTC))

    return percentile(timed(save, 30), 0.5)


def run(engine: str, url: str, runs: int, rng: random.Random) -> None:
    db = Database(url)
    prepare(db, with_demo=True)
    write_ms = baseline_write_ms(db)
    losses, disorder = [], 0
    for _ in range(runs):
        loss, in_order = one_kill(db, rng)
        losses.append(loss)
        disorder += not in_order
    db.dispose()
    worst = max(losses)
    print(f"{engine}.kill_loss_p50: {percentile(losses, 0.5):.0f} ms (target max <= {TARGET_MAX_MS:.0f})")
    print(f"{engine}.kill_loss_p95: {percentile(losses, 0.95):.0f} ms (target max <= {TARGET_MAX_MS:.0f})")
    print(
        f"{engine}.kill_loss_max: {worst:.0f} ms (target <= {TARGET_MAX_MS:.0f}) "
        f"{'MET' if worst <= TARGET_MAX_MS else 'NOT MET'}"
    )
    print(f"{engine}.kills_with_keys_out_of_order: {disorder} of {runs} (target 0)")
    print(
        f"{engine}.baseline_one_draft_write_p50: {write_ms:.1f} ms (ratio max loss / one write "
        f"{worst / write_ms if write_ms else 0:.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"typing: one key every {KEY_EVERY * 1000:.0f} ms; {args.runs} kills per engine at random moments")
    for engine in args.engines.split(","):
        with ExitStack() as stack:
            if engine == "sqlite":
                folder = stack.enter_context(tempfile.TemporaryDirectory())
                url = f"sqlite:///{Path(folder) / 'kill.db'}"
            else:
                url = stack.enter_context(temporary_postgres("cc_bench_kill"))
            run(engine, url, args.runs, rng)


if __name__ == "__main__":
    main()
