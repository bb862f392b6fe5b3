"""Database failures turned into messages a rep can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class StoreError(Exception):
    """A failure the UI shows as a message; ``retry`` says whether trying again may help."""

    retry = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatabaseUnavailable(StoreError):
    retry = True


class DatabaseBusy(StoreError):
    retry = True


class ConflictingEdit(StoreError):
    """Someone else saved the record since it was read (optimistic locking)."""


class NotFound(StoreError):
    pass


class SchemaMismatch(StoreError):
    """The database's tables are not the ones this version of the console writes."""


class SessionEnded(StoreError):
    """The console acting is no longer the agent's signed-in session (signed out, or taken over)."""


class InvalidOperation(StoreError):
    """The record is not in a state that allows the operation (e.g. ending a call already ended)."""


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise driver errors as StoreError subclasses with a plain message."""
    # Here, not at the top: the console paints its sign-in screen before SQLAlchemy is loaded,
    # and the UI imports these error classes.
    from sqlalchemy import exc

    try:
        yield
    except exc.OperationalError as error:
        text = str(error.orig or error).lower()
        if "locked" in text or "busy" in text:
            raise DatabaseBusy("The database is busy with another terminal's work; trying again.") from error
        if "no such column" in text or "has no column" in text or "no such table" in text:
            raise SchemaMismatch(
                "The database is older than this console: run `callcenter db upgrade`, then try again."
            ) from error
        raise DatabaseUnavailable(
            "Cannot reach the database; your work is kept on screen and will be retried."
        ) from error
    except exc.InterfaceError as error:
        raise DatabaseUnavailable(
            "The database connection dropped; your work is kept on screen and will be retried."
        ) from error
