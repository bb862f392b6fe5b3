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


def crash_report(error: BaseException | None) -> str:
    """What is printed if the console ever stops on an unexpected error: where, never what.

    Textual's own report shows the exception's message and every local variable, which here can be
    a child's record; this one names the error type and the frames (file, line, function) only.
    """
    import traceback
    from pathlib import Path

    lines = [
        "The console stopped on an unexpected error. Intake drafts and TTY transcripts are saved as",
        "they are typed: start it again to carry on. Give this report to whoever runs the console.",
    ]
    if error is None:
        return "\n".join(lines)
    lines.append(
        f"{type(error).__name__} (its message and the values in play are left out: they may hold a child's details)"
    )
    for frame in traceback.extract_tb(error.__traceback__)[-10:]:
        path = Path(frame.filename)
        shown = "/".join(path.parts[-3:]) if "callcenter" in path.parts else "/".join(path.parts[-2:])
        lines.append(f"  {shown}:{frame.lineno} in {frame.name}")
    return "\n".join(lines)
