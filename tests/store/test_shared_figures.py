"""The monitor's figures are computed by one console a second and read by every other supervisor
and wallboard; ages are the database's clock; the figures travel as JSON, never as code."""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

import pytest
from sqlalchemy import select, update

from callcenter.domain.errors import PermissionDenied
from callcenter.store import calls, monitor, shared
from callcenter.store.models import Agent, SharedFigures
from tests.dbutil import FIXED_NOW

pytestmark = pytest.mark.pgbouncer
NOW = FIXED_NOW


def _id(db, username: str) -> int:
    with db.read() as session:
        return session.scalar(select(Agent.id).where(Agent.username == username))


def _age_stored_figures(db, seconds: float, computing_for: float | None = None) -> None:
    """As if the stored figures were taken ``seconds`` ago by the database's clock (and, with
    ``computing_for``, another console had taken the turn to compute them for that long yet)."""
    with db.write() as session:
        epoch = session.scalar(select(shared.database_seconds(db)))
        session.execute(
            update(SharedFigures).values(
                computed_epoch=epoch - seconds,
                computing_until=None if computing_for is None else epoch + computing_for,
            )
        )


def test_one_console_computes_and_every_other_reads_its_figures(demo_db):
    sam, dana = _id(demo_db, "sam"), _id(demo_db, "dana")
    calls.arrive(demo_db, "877", "(860) 555-0100", NOW - timedelta(minutes=3))
    first = monitor.shared_snapshot(demo_db, sam, NOW)
    assert first == monitor.snapshot(demo_db, sam, NOW)  # everything survived the trip through JSON
    later = monitor.shared_snapshot(demo_db, dana, NOW + timedelta(milliseconds=500))
    assert later == first and later.at == NOW  # read, not computed again


def test_figures_older_than_a_second_are_computed_again(demo_db):
    sam = _id(demo_db, "sam")
    monitor.shared_snapshot(demo_db, sam, NOW)
    _age_stored_figures(demo_db, 1.5)
    calls.arrive(demo_db, "877", "(860) 555-0100", NOW)
    again = monitor.shared_snapshot(demo_db, sam, NOW + timedelta(seconds=1))
    assert again.at == NOW + timedelta(seconds=1)
    assert again == monitor.snapshot(demo_db, sam, NOW + timedelta(seconds=1))


def test_while_another_console_computes_a_console_shows_the_stored_figures(demo_db, monkeypatch):
    sam = _id(demo_db, "sam")
    stored = monitor.shared_snapshot(demo_db, sam, NOW)
    _age_stored_figures(demo_db, 2, computing_for=3)
    computed = []
    real = monitor.snapshot
    monkeypatch.setattr(monitor, "snapshot", lambda *args: computed.append(args) or real(*args))
    assert monitor.shared_snapshot(demo_db, sam, NOW + timedelta(seconds=2)) == stored
    assert computed == []


def test_figures_too_old_to_show_are_computed_by_the_console_itself(demo_db):
    sam = _id(demo_db, "sam")
    monitor.shared_snapshot(demo_db, sam, NOW)
    _age_stored_figures(demo_db, shared.STALE_SECONDS + 5, computing_for=3)  # a console computing, slowly
    own = monitor.shared_snapshot(demo_db, sam, NOW + timedelta(seconds=10))
    assert own.at == NOW + timedelta(seconds=10)


def test_a_turn_left_by_a_console_that_died_passes_to_the_next(demo_db):
    sam = _id(demo_db, "sam")
    monitor.shared_snapshot(demo_db, sam, NOW)
    _age_stored_figures(demo_db, 3, computing_for=-0.5)  # its turn ran out half a second ago
    taken = monitor.shared_snapshot(demo_db, sam, NOW + timedelta(seconds=3))
    assert taken.at == NOW + timedelta(seconds=3)
    with demo_db.read() as session:
        row = session.scalars(select(SharedFigures)).one()
    assert row.computing_until is None and shared.decode(monitor.Snapshot, row.payload) == taken


def test_a_rep_is_refused_even_when_figures_are_stored(demo_db):
    monitor.shared_snapshot(demo_db, _id(demo_db, "sam"), NOW)
    with pytest.raises(PermissionDenied):
        monitor.shared_snapshot(demo_db, _id(demo_db, "alex"), NOW)


# -- several consoles at once ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Taken:
    by: int
    at: float


def _ask(url: str, ready, start, results) -> None:
    from callcenter.store.db import Database

    db = Database(url)
    db.check_connection()
    mine = []

    def compute() -> Taken:
        time.sleep(0.3)  # long enough for every other console to ask meanwhile
        mine.append(True)
        return Taken(os.getpid(), time.time())

    ready.put(os.getpid())
    start.wait()
    got = shared.figures(db, "test", Taken, 1.0, compute)
    results.put((os.getpid(), bool(mine), got))
    db.dispose()


@pytest.mark.slow
def test_of_several_consoles_asking_at_once_exactly_one_computes(db):
    shared.figures(db, "test", Taken, 1.0, lambda: Taken(0, 0.0))
    context = multiprocessing.get_context("spawn")
    ready, start, results = context.Queue(), context.Event(), context.Queue()
    processes = [context.Process(target=_ask, args=(db.url, ready, start, results)) for _ in range(6)]
    for process in processes:
        process.start()
    for _ in processes:  # every console imported and connected
        ready.get(timeout=60)
    _age_stored_figures(db, 2)
    start.set()
    answers = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    computed = [pid for pid, did, _ in answers if did]
    assert len(computed) == 1
    assert all(got.by == 0 or (did and got.by == pid) for pid, did, got in answers)
    assert sum(1 for _, _, got in answers if got.by == 0) == 5  # the others showed what was stored


# -- the JSON they travel as -----------------------------------------------------------------------


class Colour(Enum):
    RED = "red"


@dataclass(frozen=True, slots=True)
class Inner:
    when: datetime | None
    long: timedelta


@dataclass(frozen=True, slots=True)
class Outer:
    day: date
    items: tuple[Inner, ...]
    pair: tuple[int, str]
    colour: Colour
    ratio: float | None
    maybe: Inner | None = None


def test_dataclasses_come_back_equal():
    value = Outer(
        day=date(2026, 12, 6),
        items=(Inner(NOW, timedelta(minutes=3, microseconds=5)), Inner(None, timedelta(0))),
        pair=(3, "x"),
        colour=Colour.RED,
        ratio=1,  # an int where a float is typed comes back a float
        maybe=None,
    )
    back = shared.decode(Outer, shared.encode(value))
    assert back == value and isinstance(back.ratio, float) and back.items[0].when.utcoffset() == timedelta(0)


def test_another_shape_of_the_figures_uses_a_row_of_its_own():
    @dataclass(frozen=True)
    class Renamed:
        when: datetime | None
        length: timedelta

    @dataclass(frozen=True)
    class Retyped:
        when: datetime | None
        long: float

    shapes = {shared.fingerprint(kind) for kind in (Inner, Renamed, Retyped)}
    assert len(shapes) == 3


def test_what_json_cannot_carry_is_refused():
    @dataclass(frozen=True)
    class Odd:
        value: object

    with pytest.raises(TypeError):
        shared.encode(Odd({1, 2}))


def test_damaged_stored_figures_are_computed_again(demo_db):
    sam = _id(demo_db, "sam")
    monitor.shared_snapshot(demo_db, sam, NOW)
    with demo_db.write() as session:
        session.execute(update(SharedFigures).values(payload="[1, 2"))
    again = monitor.shared_snapshot(demo_db, sam, NOW + timedelta(milliseconds=200))
    assert again == monitor.snapshot(demo_db, sam, NOW + timedelta(milliseconds=200))
