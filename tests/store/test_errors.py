"""Driver errors become messages that say what to do."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import exc

from callcenter.store.errors import DatabaseBusy, DatabaseUnavailable, SchemaMismatch, translated_errors


@pytest.mark.parametrize(
    ("driver_message", "expected", "retry"),
    [
        ("database is locked", DatabaseBusy, True),
        ("table call has no column named relay", SchemaMismatch, False),
        ("no such table: contact", SchemaMismatch, False),
        ("unable to open database file", DatabaseUnavailable, True),
    ],
)
def test_operational_errors_are_told_apart(driver_message, expected, retry):
    with pytest.raises(expected) as caught, translated_errors():
        raise exc.OperationalError("INSERT ...", {}, sqlite3.OperationalError(driver_message))
    assert caught.value.retry is retry
    assert "INSERT" not in caught.value.message  # never a statement on screen
    if expected is SchemaMismatch:
        assert "callcenter db upgrade" in caught.value.message
