"""The monkey at length: random keys, typing and nasty pastes across one role's screens (Pilot, headless).

    .venv/bin/python bench/monkey.py [--events 20000] [--seed N] [--role rep|supervisor|psychiatrist]

The same monkey as tests/ui/test_monkey.py (tests/ui/monkey.py), run for longer on a fresh demo
database in SQLite: keys from the bindings active at each moment, generic keys, typed text and
pastes of markup, SQL, emoji, right-to-left text, control bytes and very long strings, with a
walk to each of the role's screens every burst. A crash, an unexpected error in a worker or an
exit ends the run; its message names the seed and the last keys, to replay it with --seed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the monkey lives with the UI tests


async def run(events: int, seed: int, role: str, folder: Path) -> tuple[int, float, int, list[str], str | None]:
    from callcenter.store.db import Database
    from callcenter.ui.app import CallCenterApp
    from tests.dbutil import FIXED_NOW, prepare
    from tests.ui.monkey import ROLES, Monkey, MonkeyFailure

    db = Database(f"sqlite:///{folder / 'monkey.db'}")
    prepare(db, with_demo=True)
    app = CallCenterApp(db, clock=lambda: FIXED_NOW, agent_username=ROLES[role], refresh_seconds=0.5)
    failure: str | None = None
    monkey = None
    started = time.perf_counter()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            monkey = Monkey(pilot, role, seed)
            try:
                await monkey.run(events)
            except MonkeyFailure as error:
                failure = str(error)
    except Exception as error:  # noqa: BLE001 - the app's own crash, re-raised as the test harness closes
        failure = failure or f"{type(error).__name__}: {error}"
    elapsed = time.perf_counter() - started
    db.dispose()
    sent = monkey.events_sent if monkey else 0
    screens = sorted(monkey.screens) if monkey else []
    return sent, elapsed, 1 if failure else 0, screens, failure


def main() -> None:
    from tests.ui.monkey import DEFAULT_SEED, ROLES, ROUTES, SEED_ENV

    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=int(os.environ.get(SEED_ENV, DEFAULT_SEED)))
    parser.add_argument("--role", choices=sorted(ROLES), default="rep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["CALLCENTER_EXPORT_DIR"] = folder  # the contact log's `e` writes its CSV here
        sent, elapsed, crashes, screens, failure = asyncio.run(run(args.events, args.seed, args.role, Path(folder)))
    prefix = f"monkey_{args.role}"
    print(f"{prefix}_seed: {args.seed} (replay with --seed {args.seed} --role {args.role})")
    print(f"{prefix}_events_sent: {sent} events (target: {args.events})")
    print(f"{prefix}_events_per_s: {sent / elapsed:.1f} events/s (target: report; {elapsed:.0f} s in all)")
    print(f"{prefix}_crashes: {crashes} crashes (target: 0)")
    wanted = set(ROUTES[args.role])
    print(
        f"{prefix}_screens_visited: {len(screens)} screens (target: report; {len(wanted & set(screens))} of the "
        f"{len(wanted)} walked to; {', '.join(screens)})"
    )
    if failure:
        print(failure, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
