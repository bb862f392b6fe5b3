"""The board's change stamp: it moves whenever anything a board shows changes, whoever changed it,
and stays put for what no board shows, so an idle console's second is one primary-key read."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from callcenter.domain.model import AgentState, Disposition, Priority
from callcenter.store import agents, calls, monitor, seed
from callcenter.store.db import Database
from callcenter.store.models import Agent, Call, Line
from tests.dbutil import FIXED_NOW
from tests.store.test_monitor import acting, add_agent
from tests.store.test_web_referrals import send

pytestmark = pytest.mark.pgbouncer
NOW = FIXED_NOW


def _rep(db) -> int:
    return add_agent(db, "stamps")


def _moves(db, change) -> bool:
    before = calls.board_version(db)
    change()
    return calls.board_version(db) > before


def test_every_change_a_board_shows_moves_the_stamp(db):
    rep = _rep(db)
    assert _moves(db, lambda: calls.arrive(db, "877", "(860) 555-0100", NOW))
    waiting = calls.board(db, None).waiting[0].id
    assert _moves(db, lambda: calls.claim_next(db, rep, NOW))
    assert _moves(db, lambda: calls.end_call(db, rep, waiting, Disposition.INFORMATION_ONLY, NOW))
    assert _moves(db, lambda: agents.change_state(db, rep, rep, AgentState.AVAILABLE, NOW + timedelta(minutes=1)))
    second = calls.arrive(db, "866", "(860) 555-0101", NOW)
    supervisor = _supervisor(db)
    assert _moves(db, lambda: monitor.raise_priority(db, supervisor, second, Priority.HIGH, NOW))

    def rename_line() -> None:
        with db.write() as session:
            session.execute(update(Line).where(Line.code == "877").values(name="Families' line"))

    assert _moves(db, rename_line)


def test_typing_on_a_call_and_presence_leave_the_stamp_alone(db):
    rep = _rep(db)
    calls.arrive(db, "877", "(860) 555-0100", NOW)
    call = calls.claim_next(db, rep, NOW)
    before = calls.board_version(db)
    for typed in ("Mother", "Mother calling", "Mother calling about her son"):
        calls.save_notes(db, rep, call.id, typed)
    agents.report_presence(db, rep, NOW + timedelta(seconds=15))
    assert calls.board_version(db) == before


def test_a_referral_sent_from_the_public_site_moves_it(db):
    seed.ensure_lines(db)
    assert _moves(db, lambda: send(db, NOW))


def test_the_board_is_read_only_when_the_stamp_moved(db):
    version, board = calls.board_if_changed(db, None, None)
    assert board is not None and board.waiting_total == 0
    assert calls.board_if_changed(db, None, version) == (version, None)
    calls.arrive(db, "877", "(860) 555-0100", NOW)
    moved, board = calls.board_if_changed(db, None, version)
    assert moved > version and board is not None and board.waiting_total == 1
    assert calls.board_if_changed(db, None, moved) == (moved, None)


def _supervisor(db):
    return acting(db, add_agent(db, "stampsup", role="supervisor"))


@pytest.fixture
def postgres_db(postgres_ready, templates):
    """PostgreSQL alone: its triggers are deferred to commit (SQLite has one writer at a time)."""
    db = templates.postgres(False)
    yield db
    db.dispose()


def test_on_postgres_a_transaction_moves_it_once_and_only_when_it_commits(postgres_db):
    db = postgres_db
    for index in range(3):
        calls.arrive(db, "877", f"(860) 555-010{index}", NOW)
    before = calls.board_version(db)
    with db.write() as session:
        session.execute(update(Call).values(priority=Priority.HIGH.value))
        assert calls.board_version(db) == before  # another connection: nothing committed yet
    assert calls.board_version(db) == before + 1


def test_on_postgres_two_writers_crossing_tables_never_deadlock_on_the_stamp(postgres_db):
    """Writer A changes a call, then an agent; writer B changes that agent, then another call. Had
    the stamp been raised at once, A would hold it waiting for B's agent row while B waits for it."""
    db = postgres_db
    rep = _rep(db)
    first = calls.arrive(db, "877", "(860) 555-0100", NOW)
    second = calls.arrive(db, "877", "(860) 555-0101", NOW)
    before = calls.board_version(db)
    engine = Database(db.url).engine
    errors: list[BaseException] = []
    b_has_agent = threading.Event()

    def writer_b() -> None:
        try:
            with engine.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '5s'"))
                connection.execute(update(Agent).where(Agent.id == rep).values(state="away"))
                b_has_agent.set()
                connection.execute(update(Call).where(Call.id == second).values(priority=2))
        except BaseException as error:  # noqa: BLE001 (reported to the test below)
            errors.append(error)
            b_has_agent.set()

    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '5s'"))
        connection.execute(update(Call).where(Call.id == first).values(priority=1))
        other = threading.Thread(target=writer_b)
        other.start()
        assert b_has_agent.wait(10)
        other.join(2)  # B finishes and commits: it needs nothing A holds
        connection.execute(update(Agent).where(Agent.id == rep).values(state="available"))
    other.join(10)
    engine.dispose()
    assert not errors
    assert calls.board_version(db) == before + 2
    with db.read() as session:
        assert session.scalar(select(Agent.state).where(Agent.id == rep)) == "available"


# -- the part every board shows alike, read once per stamp -------------------------------------------


def _counting_queue_reads(monkeypatch) -> list[int]:
    reads: list[int] = []
    real = calls._queue
    monkeypatch.setattr(calls, "_queue", lambda *args: reads.append(1) or real(*args))
    return reads


def test_one_console_reads_the_lines_and_callers_for_a_stamp_and_the_others_read_its_row(db, monkeypatch):
    first, second = _rep(db), add_agent(db, "stamps2", state="away")
    calls.arrive(db, "877", "(860) 555-0100", NOW)
    reads = _counting_queue_reads(monkeypatch)
    version, mine = calls.board_if_changed(db, first, None)
    same, theirs = calls.board_if_changed(db, second, None)
    assert reads == [1] and same == version  # read once, for the first console
    assert theirs.waiting == mine.waiting and theirs.lines == mine.lines and theirs.waiting_total == 1
    assert (mine.me.id, theirs.me.id) == (first, second) and theirs.me.state == AgentState.AWAY


def test_lines_and_callers_stored_for_an_older_stamp_are_never_shown(db):
    rep = _rep(db)
    calls.board_if_changed(db, rep, None)  # stored for this stamp
    calls.arrive(db, "877", "(860) 555-0100", NOW)
    _, board = calls.board_if_changed(db, rep, None)
    assert board.waiting_total == 1 and [call.caller_number for call in board.waiting] == ["+18605550100"]


def test_while_another_console_reads_them_a_console_reads_its_own(db, monkeypatch):
    from callcenter.store.models import SharedFigures

    rep = _rep(db)
    calls.board_if_changed(db, rep, None)
    with db.write() as session:  # another console took the turn and is still reading
        session.execute(update(SharedFigures).values(computing_until=10.0**12))
    calls.arrive(db, "877", "(860) 555-0100", NOW)
    reads = _counting_queue_reads(monkeypatch)
    _, board = calls.board_if_changed(db, rep, None)
    assert board.waiting_total == 1 and reads == [1]
    with db.read() as session:
        assert session.scalar(select(SharedFigures.stamp)) < calls.board_version(db)  # not stored over theirs


def test_a_damaged_stored_row_is_read_past(db):
    from callcenter.store.models import SharedFigures

    rep = _rep(db)
    calls.arrive(db, "877", "(860) 555-0100", NOW)
    calls.board_if_changed(db, rep, None)
    with db.write() as session:
        session.execute(update(SharedFigures).values(payload='{"not": "the board"'))
    _, board = calls.board_if_changed(db, rep, None)
    assert board.waiting_total == 1 and len(board.waiting) == 1
