"""Text for a spreadsheet cell: exports of the contact log and the audit trail write their cells so."""

from __future__ import annotations

from datetime import datetime

from callcenter.domain.timefmt import line_zone

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A leading =, +, -, @ (or tab, return) is quoted, so a typed note cannot run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(line_zone()).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
