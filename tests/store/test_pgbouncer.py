"""Consoles behind PgBouncer in transaction pooling mode: `?pgbouncer=on` on the URL, no statement
prepared on a server connection another console may get next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from callcenter.store import calls
from callcenter.store.db import Database
from callcenter.store.errors import DatabaseUnavailable
from callcenter.store.models import Call

URL = "postgresql+psycopg://console@db.example.org:6432/callcenter"


@pytest.mark.parametrize("flag", ["on", "true", "1", "yes", "ON"])
def test_the_url_says_pgbouncer_and_the_driver_never_sees_the_word(flag):
    db = Database(f"{URL}?pgbouncer={flag}")
    assert db.pgbouncer
    assert "pgbouncer" not in db.engine.url.render_as_string()
    assert db.engine.pool.size() == 2  # the pooler shares the server's connections: a console keeps few
    assert db.url.endswith(f"pgbouncer={flag}")  # handed on whole (web workers, `serve`'s consoles)


def test_without_the_flag_or_with_off_it_is_a_direct_connection():
    assert not Database(URL).pgbouncer
    assert not Database(f"{URL}?pgbouncer=off").pgbouncer
    assert Database(URL).engine.pool.size() == 5
    assert Database(URL, pgbouncer=True).pgbouncer


def test_a_bad_flag_or_sqlite_behind_pgbouncer_is_refused_saying_what_works(tmp_path):
    with pytest.raises(DatabaseUnavailable, match="on or off"):
        Database(f"{URL}?pgbouncer=maybe")
    with pytest.raises(DatabaseUnavailable, match="postgresql://"):
        Database(f"sqlite:///{tmp_path / 'x.db'}?pgbouncer=on")


@pytest.mark.pgbouncer
def test_many_writes_from_several_consoles_through_the_same_server_connections(pgbouncer, templates, now):
    """Every write runs the same advisory-lock statement first: psycopg would prepare it after five,
    and the next console on that server connection would find it prepared already (or missing)."""
    direct = templates.postgres(with_demo=False)
    consoles = [Database(pgbouncer.url(direct.url)) for _ in range(3)]
    try:
        for turn in range(8):
            for index, console in enumerate(consoles):
                calls.arrive(console, "877", f"(860) 555-0{index}{turn:02d}", now + timedelta(seconds=turn))
        with consoles[0].read() as session:
            assert session.scalar(select(func.count()).select_from(Call)) == 24
    finally:
        for console in consoles:
            console.dispose()
        direct.dispose()
