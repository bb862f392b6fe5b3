"""What the consoles' presence reports cost the database: each signed-in console writes one row
every PRESENCE_SECONDS (agent.seen_at), so many terminals mean a steady trickle of writes.

    .venv/bin/python bench/presence.py [--terminals 50] [--runs 300]

Per engine: median and p95 of one report, against a baseline measured in the same run (reading
one agent by id), and the share of time the reports of that many terminals keep the database
busy (SQLite has one writer at a time, so this share is what other terminals' writes may wait on).
Target: under 1 % at 50 terminals.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from _common import percentile, temporary_postgres, timed

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def measure(url: str, engine: str, terminals: int, runs: int) -> None:
    from callcenter.domain.agent_states import PRESENCE_SECONDS
    from callcenter.store import agents, migrate
    from callcenter.store.db import Database
    from callcenter.store.models import Agent

    db = Database(url)
    migrate.upgrade(db)
    with db.write() as session:
        session.add_all(
            Agent(username=f"rep{n}", display_name=f"Rep {n}", role="rep", state="available") for n in range(terminals)
        )
    ids = [agent.id for agent in agents.list_agents(db, active_only=True)]
    baseline = timed(lambda: agents.get_agent(db, ids[0]), runs)
    turn = iter(range(10**9))
    reports = timed(lambda: agents.report_presence(db, ids[next(turn) % len(ids)], NOW), runs)
    median, p95 = statistics.median(reports), percentile(reports, 0.95)
    base = statistics.median(baseline)
    busy = terminals / PRESENCE_SECONDS * median / 1000 * 100
    print(f"presence_{engine}_baseline_get_agent_median: {base:.2f} ms (baseline)")
    print(f"presence_{engine}_report_median: {median:.2f} ms (target: report; {median / base:.1f} x baseline)")
    print(f"presence_{engine}_report_p95: {p95:.2f} ms (target: report)")
    print(f"presence_{engine}_busy_share_{terminals}_terminals: {busy:.3f} % (target: < 1)")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--terminals", type=int, default=50)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{Path(folder) / 'presence.db'}", "sqlite", args.terminals, args.runs)
    with temporary_postgres("cc_presence") as url:
        measure(url, "postgres", args.terminals, args.runs)


if __name__ == "__main__":
    main()
