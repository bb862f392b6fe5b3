"""Figures every console that shows them would compute alike, computed by one console at a time.

Each supervisor's monitor and each wallboard shows the same figures, refreshed every second. Rather
than each computing them, the first console to find the stored figures older than a second takes
the turn (one short write), computes them and stores them; the others read the stored ones (one
row). A console that finds another one's turn in progress reads what is stored unless it is too
old; if nothing usable is stored it computes for itself and stores nothing. A console whose turn
failed (killed, lost its connection) holds it for a few seconds at most.

Figures travel as JSON, rebuilt into their dataclasses from the type hints: a database row never
becomes code (no pickle), and consoles of another version, whose dataclasses differ, use a row of
their own (the name carries a fingerprint of the fields).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Float, cast, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from callcenter.store.db import Database
from callcenter.store.models import SharedFigures

T = TypeVar("T")

TURN_SECONDS = 10.0  # a console whose turn failed blocks the others this long at most
# While another console computes, stored figures up to this old are shown (with their time) rather
# than every screen computing its own at once, which would come exactly when the line is busiest.
STALE_SECONDS = 30.0


def figures(
    db: Database,
    name: str,
    kind: type[T],
    max_age_seconds: float,
    compute: Callable[[], T],
    check: Callable[[Session], None] | None = None,
) -> T:
    """The figures called ``name`` (a ``kind`` dataclass), computed at most ``max_age_seconds`` ago.

    Ages are the database's clock, the one clock every console shares (theirs may differ, or be a
    test's frozen one). ``check`` runs in the same read as the stored row (may this console see them)."""
    key = key_of(name, kind)
    with db.read() as session:
        if check is not None:
            check(session)
        row = session.execute(
            select(SharedFigures.payload, database_seconds(db) - SharedFigures.computed_epoch).where(
                SharedFigures.name == key
            )
        ).first()
    payload, age = (row[0], row[1]) if row is not None else (None, None)
    stored = decode_or_none(kind, payload) if age is not None and age <= STALE_SECONDS else None
    if stored is not None and age <= max_age_seconds:
        return stored
    started = _take_turn(db, key)
    if started is not None:
        computed = compute()
        _store(db, key, started, encode(computed))
        return computed
    return stored if stored is not None else compute()


def at_stamp(db: Database, name: str, kind: type[T], stamp: int, compute: Callable[[], T]) -> T:
    """Figures that change only when a change stamp moves, computed for ``stamp`` (``compute`` reads
    the database after the stamp was read, so they are at least that new). The console that takes
    the turn stores them with the stamp; one finding another's turn in progress keeps its own.
    Readers show only figures stored with the stamp they read (a console that saw a turn in
    progress when it read the row reads for itself and need not ask)."""
    key = key_of(name, kind)
    started = _take_turn(db, key)
    computed = compute()
    if started is not None:
        _store(db, key, started, encode(computed), stamp)
    return computed


def key_of(name: str, kind: type) -> str:
    """The row of figures ``name`` in the shape of ``kind``: consoles of another version use their own."""
    return f"{name}:{fingerprint(kind)}"


def database_seconds(db: Database):
    """Seconds since 1970 by the database server's clock, as an SQL expression."""
    if db.is_postgres:
        return cast(func.extract("epoch", func.clock_timestamp()), Float)
    return (func.julianday("now") - 2440587.5) * 86400.0


def _take_turn(db: Database, key: str) -> float | None:
    """For the one console that may compute now, when its turn started; None for the others."""
    with db.write() as session:
        started = float(session.scalar(select(database_seconds(db))))
        taken = session.execute(
            update(SharedFigures)
            .where(
                SharedFigures.name == key,
                or_(SharedFigures.computing_until.is_(None), SharedFigures.computing_until <= started),
            )
            .values(computing_until=started + TURN_SECONDS)
        ).rowcount
        if taken:
            return started
        if session.get(SharedFigures, key) is not None:
            return None
        # The first time these figures are asked for anywhere: of two consoles inserting at once, one wins.
        dialect_insert = postgres_insert if db.is_postgres else sqlite_insert
        first = dialect_insert(SharedFigures).values(name=key, computing_until=started + TURN_SECONDS)
        inserted = session.execute(first.on_conflict_do_nothing(index_elements=["name"])).rowcount
        return started if inserted else None


def _store(db: Database, key: str, started: float, payload: str, stamp: int | None = None) -> None:
    """The figures as of when the turn started: a read after that is at least as new."""
    with db.write() as session:
        session.execute(
            update(SharedFigures)
            .where(SharedFigures.name == key)
            .values(computed_epoch=started, computing_until=None, payload=payload, stamp=stamp)
        )


# -- JSON for frozen dataclasses ------------------------------------------------------------------


def encode(value: Any) -> str:
    return json.dumps(_plain(value), separators=(",", ":"))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [_plain(getattr(value, field.name)) for field in dataclasses.fields(value)]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot share a {type(value).__name__}")


def decode(kind: type[T], payload: str) -> T:
    return _reader(kind)(json.loads(payload))


def decode_or_none(kind: type[T], payload: str | None) -> T | None:
    """None for a row that is missing or cannot be read back (damaged): the caller computes its own."""
    if payload is None:
        return None
    try:
        return decode(kind, payload)
    except (ValueError, TypeError, IndexError, KeyError):
        return None


@cache
def fingerprint(kind: type) -> str:
    """Changes whenever any dataclass inside ``kind`` gains, loses, renames or retypes a field."""
    return hashlib.sha256(_shape(kind).encode()).hexdigest()[:12]


def _shape(hint: Any) -> str:
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return (
            f"{hint.__name__}(" + ",".join(f"{f.name}:{_shape(hints[f.name])}" for f in dataclasses.fields(hint)) + ")"
        )
    arguments = typing.get_args(hint)
    if arguments:
        return f"{typing.get_origin(hint)}[" + ",".join(_shape(argument) for argument in arguments) + "]"
    return getattr(hint, "__name__", repr(hint))


@cache
def _reader(hint: Any) -> Callable[[Any], Any]:
    """A function rebuilding a value of type ``hint`` from its JSON form, made once per type."""
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        readers = [_reader(hints[field.name]) for field in dataclasses.fields(hint)]
        return lambda items: hint(*(read(item) for read, item in zip(readers, items, strict=True)))
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        present = [argument for argument in arguments if argument is not type(None)]
        if len(present) != 1:
            raise TypeError(f"cannot share a {hint}")
        inner = _reader(present[0])
        return lambda item: None if item is None else inner(item)
    if origin is tuple:
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            each = _reader(arguments[0])
            return lambda items: tuple(each(item) for item in items)
        readers = [_reader(argument) for argument in arguments]
        return lambda items: tuple(read(item) for read, item in zip(readers, items, strict=True))
    if origin is list:
        each = _reader(arguments[0])
        return lambda items: [each(item) for item in items]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if hint is datetime:
        return datetime.fromisoformat
    if hint is date:
        return date.fromisoformat
    if hint is timedelta:
        return lambda seconds: timedelta(seconds=seconds)
    if hint in (int, str, bool):
        return lambda item: item
    if hint is float:
        return float
    raise TypeError(f"cannot share a {hint}")
