"""Claims per second with N processes taking callers from one queue, on SQLite and PostgreSQL.

    .venv/bin/python bench/claims.py [--workers 16] [--calls 8000]

Two figures per engine:
- claim: each process claims as fast as it can, each claim by a different (available) rep of
  that process's share, so only the claim transaction is measured, under full contention;
- cycle: each process is one rep doing the whole per-caller cycle: take next, end the call,
  ready again (three transactions).
Baseline, same run: one process doing the same on the same engine.
Prints one `name: value unit (target: ...)` line per figure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from _common import temporary_postgres

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def worker(url: str, agent_ids: list[int], mode: str, start, results) -> None:
    from callcenter.domain.model import AgentState, Disposition
    from callcenter.store import agents, calls
    from callcenter.store.db import Database

    db = Database(url)
    calls.claim_next(db, agent_ids.pop(), NOW, ["web"])  # connect and warm caches (web is empty)
    taken: list[int] = []
    start.wait()
    began = time.perf_counter()
    if mode == "claim":
        for agent_id in agent_ids:
            call = calls.claim_next(db, agent_id, NOW)
            if call is None:
                break
            taken.append(call.id)
    else:
        agent_id = agent_ids[0]
        while (call := calls.claim_next(db, agent_id, NOW)) is not None:
            taken.append(call.id)
            calls.end_call(db, agent_id, call.id, Disposition.INFORMATION_ONLY, NOW)
            agents.change_state(db, agent_id, agent_id, AgentState.AVAILABLE, NOW)
    results.put((taken, began, time.perf_counter()))


def prepare(url: str, callers: int, agents_needed: int) -> list[int]:
    from callcenter.store import migrate, seed
    from callcenter.store.db import Database
    from callcenter.store.models import Agent, Call

    db = Database(url)
    migrate.upgrade(db)
    seed.ensure_lines(db)
    with db.write() as session:
        line_id = session.execute(text("SELECT id FROM line WHERE code = '877'")).scalar_one()
        session.execute(
            insert(Call),
            [
                {
                    "line_id": line_id,
                    "caller_number": f"+1203555{i % 10000:04d}",
                    "channel": "voice",
                    "state": "waiting",
                    "priority": 0,
                    "arrived_at": NOW - timedelta(seconds=callers - i),
                    "version": 1,
                }
                for i in range(callers)
            ],
        )
        session.execute(
            insert(Agent),
            [
                {
                    "username": f"bench{i}",
                    "display_name": "Bench Rep",
                    "role": "rep",
                    "state": "available",
                    "state_since": NOW,
                    "created_at": NOW,
                    "active": True,
                    "failed_logins": 0,
                    "version": 1,
                }
                for i in range(agents_needed)
            ],
        )
        ids = list(session.execute(text("SELECT id FROM agent ORDER BY id")).scalars())
    db.dispose()
    return ids


def run(url: str, callers: int, workers: int, mode: str) -> tuple[float, int, int]:
    """(claims per second, duplicates, missing)."""
    per_worker = (callers // workers + 2) if mode == "claim" else 2
    rep_ids = prepare(url, callers, per_worker * workers)
    shares = [rep_ids[i * per_worker : (i + 1) * per_worker] for i in range(workers)]
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    processes = [context.Process(target=worker, args=(url, share, mode, start, results)) for share in shares]
    for process in processes:
        process.start()
    time.sleep(1.0)  # let every worker import and connect before the gun
    start.set()
    outcomes = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    claimed = [call_id for taken, _, _ in outcomes for call_id in taken]
    elapsed = max(end for _, _, end in outcomes) - min(began for _, began, _ in outcomes)
    return len(claimed) / elapsed, len(claimed) - len(set(claimed)), callers - len(set(claimed))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--calls", type=int, default=8000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for engine in ("sqlite", "postgres"):
            for mode in ("claim", "cycle"):
                figures = {}
                callers = args.calls if mode == "claim" else args.calls // 4
                for workers, count in ((1, max(callers // 8, 200)), (args.workers, callers)):
                    if engine == "sqlite":
                        figures[workers] = run(
                            f"sqlite:///{Path(folder) / f'{mode}-{workers}.db'}", count, workers, mode
                        )
                    else:
                        with temporary_postgres("cc_bench") as url:
                            figures[workers] = run(url, count, workers, mode)
                single, many = figures[1], figures[args.workers]
                target = " (target: >= 1000)" if (engine, mode) == ("postgres", "claim") else " (target: report)"
                unit = "claims/s" if mode == "claim" else "callers/s"
                print(f"{mode}_per_s_{engine}_1w: {single[0]:.0f} {unit} (baseline)")
                print(f"{mode}_per_s_{engine}_{args.workers}w: {many[0]:.0f} {unit}{target}")
                print(f"{mode}_ratio_{engine}: {many[0] / single[0]:.2f} x (target: report)")
                print(f"{mode}_duplicates_{engine}: {single[1] + many[1]} calls (target: 0)")
                print(f"{mode}_missing_{engine}: {single[2] + many[2]} calls (target: 0)")


if __name__ == "__main__":
    main()
