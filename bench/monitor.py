"""The supervisor's monitor at a year of history: one refresh on SQLite and PostgreSQL.

    .venv/bin/python bench/monitor.py [--calls 500000] [--waiting 2000] [--agents 200] [--promises 20000] [--runs 20]

A year of ended and abandoned calls, a queue of waiting callers, agents in every state (some on a
call) and open promises. Figures: one ``monitor.snapshot()`` (lines, agents, promises, the hourly
chart against the last four same weekdays, staffing advice), median and p95 over the runs, against
a baseline measured in the same run (a ``SELECT 1`` through the same Database: a session's round
trip and nothing else). Target: p95 < 50 ms, so the board can refresh every second or two.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from _common import percentile, temporary_postgres, timed

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
BATCH = 5000
YEAR_MINUTES = 365 * 24 * 60
LINE_MIX = ("877",) * 14 + ("866",) * 3 + ("tty",) * 1 + ("fax",) * 1 + ("web",) * 1


def fill(url: str, calls: int, waiting: int, agents: int, promises: int) -> int:
    """Build the database; returns the supervisor's id."""
    from callcenter.store import migrate, seed
    from callcenter.store.db import Database
    from callcenter.store.models import Agent, Call, Line, Promise

    db = Database(url)
    migrate.upgrade(db)
    seed.ensure_lines(db)
    rng = random.Random(500)
    with db.write() as session:
        lines = {line.code: (line.id, line.channel) for line in session.scalars(select(Line))}
        roles = ["supervisor"] * max(1, agents // 20) + ["psychiatrist"] * max(1, agents // 40)
        roles += ["rep"] * (agents - len(roles))
        states = ("available", "on_call", "on_call", "wrap_up", "away", "offline")
        session.execute(
            insert(Agent),
            [
                {
                    "username": f"bench{i}",
                    "display_name": f"Bench Agent {i:03d}",
                    "role": role,
                    "state": "available" if role != "rep" else rng.choice(states),
                    "state_since": NOW - timedelta(minutes=rng.randint(1, 240)),
                    "active": True,
                    "failed_logins": 0,
                    "created_at": NOW - timedelta(days=400),
                    "version": 1,
                }
                for i, role in enumerate(roles)
            ],
        )
        people = session.execute(select(Agent.id, Agent.role, Agent.state)).all()
    reps = [p.id for p in people if p.role == "rep"]
    supervisor = next(p.id for p in people if p.role == "supervisor")

    def history_row() -> dict:
        code = rng.choice(LINE_MIX)
        line_id, channel = lines[code]
        arrived = NOW - timedelta(minutes=rng.randint(1, YEAR_MINUTES), seconds=rng.randint(0, 59))
        row = {
            "line_id": line_id,
            "channel": channel,
            "priority": 0,
            "arrived_at": arrived,
            "caller_number": f"+1860555{rng.randint(0, 9999):04d}",
            "version": 1,
            "relay": False,
        }
        if rng.random() < 0.12:  # hung up in the queue
            row.update(
                state="abandoned",
                answered_at=None,
                ended_at=arrived + timedelta(seconds=rng.randint(1, 300)),
                agent_id=None,
            )
        else:
            answered = arrived + timedelta(seconds=rng.randint(0, 120))
            row.update(
                state="ended",
                answered_at=answered,
                agent_id=rng.choice(reps),
                ended_at=answered + timedelta(seconds=rng.randint(60, 1200)),
                disposition="information_only",
            )
        # A call cannot have ended after the moment the board is read.
        if row["ended_at"] > NOW:
            row.update(ended_at=NOW - timedelta(seconds=1))
        if row["answered_at"] is not None and row["answered_at"] > row["ended_at"]:
            row.update(answered_at=row["ended_at"])
        return row

    def waiting_row() -> dict:
        line_id, channel = lines[rng.choice(LINE_MIX)]
        return {
            "line_id": line_id,
            "channel": channel,
            "state": "waiting",
            "priority": rng.choice((0, 0, 0, 1, 2)),
            "arrived_at": NOW - timedelta(seconds=rng.randint(1, 7200)),
            "answered_at": None,
            "ended_at": None,
            "agent_id": None,
            "caller_number": f"+1203555{rng.randint(0, 9999):04d}",
            "version": 1,
            "relay": False,
        }

    on_call = [p.id for p in people if p.state == "on_call"]
    with db.write() as session:
        for start in range(0, calls, BATCH):
            session.execute(insert(Call), [history_row() for _ in range(min(BATCH, calls - start))])
        for start in range(0, waiting, BATCH):
            session.execute(insert(Call), [waiting_row() for _ in range(min(BATCH, waiting - start))])
        talking = []
        for agent_id in on_call:
            arrived = NOW - timedelta(seconds=rng.randint(60, 1800))
            line_id, channel = lines[rng.choice(("877", "866", "tty"))]
            talking.append(
                {
                    "line_id": line_id,
                    "channel": channel,
                    "state": "on_call",
                    "priority": 0,
                    "arrived_at": arrived,
                    "answered_at": arrived + timedelta(seconds=15),
                    "ended_at": None,
                    "agent_id": agent_id,
                    "caller_number": "+18605550100",
                    "version": 1,
                    "relay": False,
                }
            )
        if talking:
            session.execute(insert(Call), talking)
        kinds = ("consult_callback", "linkage_check", "callback_request", "fax_followup", "tty_followup")
        for start in range(0, promises, BATCH):
            rows = []
            for _ in range(min(BATCH, promises - start)):
                due = NOW + timedelta(minutes=rng.randint(-2 * 24 * 60, 30 * 24 * 60))
                rows.append(
                    {
                        "kind": rng.choice(kinds),
                        "title": "Bench promise",
                        "owner_agent_id": rng.choice(reps),
                        "state": "open",
                        "due_at": due,
                        "original_due_at": due,
                        "created_at": due - timedelta(days=1),
                        "version": 1,
                    }
                )
            session.execute(insert(Promise), rows)
    if db.is_postgres:
        # What autovacuum does on a live server: statistics, and the visibility map that lets the
        # arrival and queue indexes answer without visiting the table.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    db.dispose()
    return supervisor


def measure(url: str, supervisor: int, runs: int, engine: str) -> None:
    from callcenter.store import monitor
    from callcenter.store.db import Database

    db = Database(url)

    def trivial_read():
        with db.read() as session:
            session.execute(text("SELECT 1")).scalar()

    baseline = timed(trivial_read, runs)
    base = statistics.median(baseline)
    print(f"monitor_{engine}_baseline_select_1_median: {base:.2f} ms (baseline)")
    board = monitor.snapshot(db, supervisor, NOW)
    samples = timed(lambda: monitor.snapshot(db, supervisor, NOW), runs)
    median, p95 = statistics.median(samples), percentile(samples, 0.95)
    main = board.lines[0].figures
    print(
        f"monitor_{engine}_refresh_median: {median:.1f} ms (target: report; {sum(board.calls_per_hour)} calls "
        f"today, {sum(line.figures.waiting_now for line in board.lines)} waiting, {len(board.agents)} agents, "
        f"{len(board.promises)} promises shown; 877 SL {main.service_level or 0:.0%}, "
        f"{board.staffing[0].agents_needed} agents needed)"
    )
    print(f"monitor_{engine}_refresh_p95: {p95:.1f} ms (target: < 50; {median / base:.1f}x baseline median)")

    # What a supervisor's monitor does each second: the snapshot, then the alerts raised and cleared
    # from it (a write only when something changed: the first refresh raises them, the rest read).
    from callcenter.domain.actor import Actor
    from callcenter.domain.alerts import AlertSettings
    from callcenter.store import alerts
    from callcenter.store.models import Agent

    with db.read() as session:
        token = session.get(Agent, supervisor).console_token
    actor = Actor(supervisor, token) if token else Actor.shell("bench")
    settings = AlertSettings()
    shown = alerts.refresh(db, actor, board, settings)
    # As a signed-in console runs it: its heap frozen after start (ui/session.py), so a full garbage
    # collection pass does not walk the snapshots timed above.
    gc.collect()
    gc.freeze()
    with_alerts = timed(lambda: alerts.refresh(db, actor, monitor.snapshot(db, supervisor, NOW), settings), runs)
    print(
        f"monitor_{engine}_refresh_with_alerts_p95: {percentile(with_alerts, 0.95):.1f} ms (target: < 50; median "
        f"{statistics.median(with_alerts):.1f} ms, {sum(a.open for a in shown)} alerts open; "
        f"{statistics.median(with_alerts) / base:.1f}x baseline median)"
    )

    # The wallboard reads exactly this each second (a snapshot, then the alerts), for no one's console.
    print(
        f"wallboard_{engine}_refresh_p95: {percentile(with_alerts, 0.95):.1f} ms (target: < 20; the monitor's "
        "snapshot and alerts, the same reads: what stands in the way is the snapshot's day of calls)"
    )

    # The month report `callcenter report --month` builds: a year of history, the month of NOW.
    from callcenter.store import reports

    first = NOW.date().replace(day=1)
    month = reports.month(db, Actor.shell("bench"), first, NOW)
    from callcenter import month_html

    # Read and drawn, as the command does (matplotlib's first import included in the first run).
    month_runs = timed(lambda: month_html.html_page(reports.month(db, Actor.shell("bench"), first, NOW)), 3)
    print(
        f"month_report_{engine}_median: {statistics.median(month_runs) / 1000:.2f} s (target: < 2; "
        f"{sum(row.offered for row in month.by_day)} calls in {first:%B %Y})"
    )
    db.dispose()


def measure_in_fresh_process(url: str, supervisor: int, runs: int, engine: str) -> None:
    """Time the refresh in a new process, as a supervisor's console is: the builder's heap, which
    half a million rows just passed through, slowed every refresh by half as much again."""
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            url,
            "--supervisor",
            str(supervisor),
            "--engine",
            engine,
            "--runs",
            str(runs),
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500_000)
    parser.add_argument("--waiting", type=int, default=2_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--promises", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)  # the child's side of the above
    parser.add_argument("--supervisor", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.supervisor, args.runs, args.engine)
        return
    sizes = (args.calls, args.waiting, args.agents, args.promises)
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'monitor.db'}"
        started = time.perf_counter()
        supervisor = fill(sqlite_url, *sizes)
        print(f"monitor_sqlite_build: {time.perf_counter() - started:.0f} s (target: report)", flush=True)
        measure_in_fresh_process(sqlite_url, supervisor, args.runs, "sqlite")
    with temporary_postgres("cc_monitor") as pg_url:
        started = time.perf_counter()
        supervisor = fill(pg_url, *sizes)
        print(f"monitor_postgres_build: {time.perf_counter() - started:.0f} s (target: report)", flush=True)
        measure_in_fresh_process(pg_url, supervisor, args.runs, "postgres")


if __name__ == "__main__":
    main()
