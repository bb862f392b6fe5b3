"""The audit trail's hash chain: sealed in order by any console's sweep and by `audit verify`, which
finds the first entry changed, deleted or inserted out of order, on both engines, even when the
tampering goes around the append-only triggers (the database owner, or whoever can write the file)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from callcenter.domain.audit_chain import Head
from callcenter.store import audit, calls
from callcenter.store.models import AuditEntry, AuditSeal


def _tamper(db, *statements: str) -> None:
    """As the owner (PostgreSQL) or a file writer (SQLite): the triggers are switched off first."""
    if db.is_postgres:
        engine = create_engine(db.owner_url)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE audit_seal DISABLE TRIGGER USER"))
            for statement in statements:
                conn.execute(text(statement))
            conn.execute(text("ALTER TABLE audit ENABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE audit_seal ENABLE TRIGGER USER"))
        engine.dispose()
    else:
        with sqlite3.connect(db.engine.url.database) as conn:
            for trigger in ("audit_no_update", "audit_no_delete", "audit_seal_no_update", "audit_seal_no_delete"):
                conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for statement in statements:
                conn.execute(statement)


def _some_entries(db, now, count: int = 6) -> None:
    for index in range(count):
        calls.arrive(db, "877", f"(860) 555-01{index:02d}", now + timedelta(seconds=index))


def _entry_ids(db) -> list[int]:
    with db.read() as session:
        return list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


@pytest.mark.pgbouncer
def test_an_untouched_trail_verifies_and_seals_only_once(db, now):
    _some_entries(db, now)
    report = audit.verify(db)
    assert report.intact, report.problems
    assert report.sealed == len(_entry_ids(db)) > 0
    assert audit.seal(db) == 0  # nothing new
    _some_entries(db, now + timedelta(minutes=1), 2)
    assert audit.seal(db) == 2
    assert audit.verify(db, report.head).intact


def test_a_changed_entry_is_found(db, now):
    _some_entries(db, now)
    audit.seal_all(db)
    target = _entry_ids(db)[2]
    _tamper(db, f"UPDATE audit SET detail = '{{\"forged\": true}}' WHERE id = {target}")
    report = audit.verify(db)
    assert not report.intact
    assert report.problems[0].startswith(f"entry #{target} was changed")


def test_a_deleted_entry_is_found(db, now):
    _some_entries(db, now)
    audit.seal_all(db)
    target = _entry_ids(db)[1]
    _tamper(db, f"DELETE FROM audit WHERE id = {target}")
    assert audit.verify(db).problems[0].startswith(f"entry #{target} was deleted")


def test_an_entry_slipped_in_behind_the_sealed_ones_is_found(db, now):
    _some_entries(db, now)
    audit.seal_all(db)
    first = _entry_ids(db)[0]
    _tamper(db, f"DELETE FROM audit WHERE id = {first}")
    _tamper(
        db,
        "INSERT INTO audit (id, at, agent_id, action, entity, entity_id) "
        f"VALUES ({first}, '2026-11-23 15:00:00', NULL, 'reset_password', 'agent', 1)",
    )
    problems = audit.verify(db).problems
    assert any(problem.startswith(f"entry #{first} was changed") for problem in problems), problems


def test_an_entry_inserted_below_the_last_sealed_is_found(db, now):
    _some_entries(db, now)
    audit.seal_all(db)
    assert min(_entry_ids(db)) > 0  # id 0 is free, below every sealed entry
    _tamper(
        db,
        "INSERT INTO audit (id, at, agent_id, action, entity, entity_id) "
        "VALUES (0, '2026-11-23 15:00:00', NULL, 'reset_password', 'agent', 1)",
    )
    problems = audit.verify(db).problems
    assert problems == [f"entry #0 was inserted out of order (below sealed entry #{max(_entry_ids(db))})"]


def test_deleting_the_newest_entries_with_their_seals_is_caught_by_the_recorded_head(db, now):
    _some_entries(db, now)
    head = audit.verify(db).head
    assert head is not None
    with db.read() as session:
        last_two = list(session.scalars(select(AuditSeal.entry_id).order_by(AuditSeal.seq.desc()).limit(2)))
    ids = ", ".join(str(entry_id) for entry_id in last_two)
    _tamper(db, f"DELETE FROM audit WHERE id IN ({ids})", f"DELETE FROM audit_seal WHERE entry_id IN ({ids})")
    assert audit.verify(db).intact  # without a head, a shorter chain looks whole
    problems = audit.verify(db, Head.parse(head.text())).problems
    assert problems and "its newest entries were deleted" in problems[-1]


@pytest.mark.pgbouncer
def test_writers_and_sealers_at_once_leave_a_whole_chain(db, now):
    """Writers never wait on one another; sealers running meanwhile never seal past an entry that
    commits later with a smaller id."""
    errors: list[BaseException] = []

    def write(offset: int) -> None:
        try:
            for index in range(15):
                calls.arrive(db, "877", f"(203) 555-0{offset}{index:02d}", now + timedelta(seconds=index))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def keep_sealing(stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                audit.seal(db, batch=7)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    stop = threading.Event()
    sealers = [threading.Thread(target=keep_sealing, args=(stop,)) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(offset,)) for offset in range(1, 5)]
    for thread in sealers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in sealers:
        thread.join()
    assert not errors, errors
    report = audit.verify(db)
    assert report.intact, report.problems
    with db.read() as session:
        assert report.sealed == session.scalar(select(func.count()).select_from(AuditEntry))


def test_a_consoles_sweep_skips_sealing_while_another_console_is_at_it(db, now):
    """On PostgreSQL a sealer waits for the writers in flight, and every new writer queues behind a
    waiting sealer: a sweep that finds another console sealing leaves it to that one."""
    import time

    _some_entries(db, now)
    if not db.is_postgres:
        assert audit.seal(db, only_if_free=True) > 0  # SQLite's write lock takes turns by itself
        return
    with db.engine.connect() as other, other.begin():
        other.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": audit.AUDIT_SEALER_TURN})
        started = time.perf_counter()
        assert audit.seal(db, only_if_free=True) == 0
        assert time.perf_counter() - started < 1.0  # not queued
    assert audit.seal(db, only_if_free=True) == len(_entry_ids(db))  # its turn once the other is done
