"""One place that turns a failure into words for the rep."""

from __future__ import annotations

from callcenter.domain.errors import PermissionDenied, ValidationError
from callcenter.store.errors import StoreError


def explain(error: BaseException) -> tuple[str, bool]:
    """(message, worth retrying). Never shows a traceback, a SQL statement or record contents."""
    if isinstance(error, ValidationError):
        return error.message, False
    if isinstance(error, StoreError):
        return error.message, error.retry
    if isinstance(error, PermissionDenied):
        return str(error), False
    return f"Something went wrong ({type(error).__name__}); nothing was saved. Try again.", True
