"""Several processes press "take next" at the same moment: nobody is served twice or skipped."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy import select

from callcenter.domain.model import CallState
from callcenter.store import calls
from callcenter.store.models import Agent, Call
from tests.dbutil import FIXED_NOW

pytestmark = [pytest.mark.slow, pytest.mark.pgbouncer]
WORKERS = 8
CALLERS = 240


def _claim_until_empty(url: str, agent_id: int, start, results) -> None:
    """One rep's terminal: take, end, ready again, until the queue is empty."""
    from callcenter.domain.model import AgentState, Disposition
    from callcenter.store import agents
    from callcenter.store.db import Database

    db = Database(url)
    taken: list[int] = []
    start.wait()
    while True:
        call = calls.claim_next(db, agent_id, FIXED_NOW)
        if call is None:
            break
        taken.append(call.id)
        calls.end_call(db, agent_id, call.id, Disposition.INFORMATION_ONLY, FIXED_NOW)
        agents.change_state(db, agent_id, agent_id, AgentState.AVAILABLE, FIXED_NOW)
    results.put((agent_id, taken))
    db.dispose()


def _make_reps(db, count: int) -> list[int]:
    with db.write() as session:
        reps = [
            Agent(
                username=f"load{i}",
                display_name=f"Load Rep {i}",
                role="rep",
                state="available",
                state_since=FIXED_NOW,
                created_at=FIXED_NOW,
            )
            for i in range(count)
        ]
        session.add_all(reps)
        session.flush()
        return [rep.id for rep in reps]


def _run_claimers(db, rep_ids: list[int]) -> dict[int, list[int]]:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    processes = [context.Process(target=_claim_until_empty, args=(db.url, rep, start, results)) for rep in rep_ids]
    for process in processes:
        process.start()
    start.set()  # everyone claims at once
    by_rep = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return by_rep


def test_every_caller_is_claimed_exactly_once(db):
    for index in range(CALLERS):
        calls.arrive(db, "877", f"(203) 555-01{index % 100:02d}", FIXED_NOW - timedelta(seconds=CALLERS - index))
    rep_ids = _make_reps(db, WORKERS)
    by_rep = _run_claimers(db, rep_ids)
    claimed = [call_id for taken in by_rep.values() for call_id in taken]
    assert len(claimed) == len(set(claimed)) == CALLERS  # no duplicates, nobody skipped
    assert sum(1 for taken in by_rep.values() if taken) > 1  # the work really was shared
    with db.read() as session:
        rows = session.execute(select(Call.id, Call.state, Call.agent_id)).all()
    owner = {call_id: rep for rep, taken in by_rep.items() for call_id in taken}
    assert all(state == CallState.ENDED for _, state, _ in rows)
    assert all(owner[call_id] == agent_id for call_id, _, agent_id in rows)
    for taken in by_rep.values():  # each rep took callers oldest first
        assert taken == sorted(taken)


def test_one_caller_two_reps_exactly_one_gets_it(db):
    only = calls.arrive(db, "877", "(860) 555-0100", FIXED_NOW)
    by_rep = _run_claimers(db, _make_reps(db, 2))
    assert sorted(call_id for taken in by_rep.values() for call_id in taken) == [only]
