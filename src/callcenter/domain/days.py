"""Days as people type them in a filter ('11/1', 'today'), and the moments a range of days covers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from dateutil import parser as date_parser

from callcenter.domain.errors import ValidationError


def parse_day(text: str, field: str, today: date) -> date | None:
    """A filter's day: blank for none, 'today', or a date; never in the future (a log holds the past)."""
    raw = (text or "").strip()
    if not raw:
        return None
    if raw.lower() == "today":
        return today
    try:
        parsed = date_parser.parse(raw, default=datetime(today.year, today.month, today.day)).date()
    except (ValueError, OverflowError):
        raise ValidationError(
            f"{field.capitalize()}: {raw[:30]!r} is not a date; type e.g. 11/1 or 11/1/2026.", field
        ) from None
    if parsed > today:
        raise ValidationError(
            f"{field.capitalize()}: {parsed:%b %d %Y} is in the future; the log holds what already happened.", field
        )
    return parsed


def day_range(since: date | None, until: date | None, zone: tzinfo) -> tuple[datetime | None, datetime | None]:
    """The UTC moments the days cover: from midnight of `since` to midnight after `until` (either open)."""
    start = datetime.combine(since, datetime.min.time(), zone).astimezone(UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC) if until else None
    return start, end


_RELATIVE_DAYS = (("yesterday", -1), ("today", 0), ("tomorrow", 1))


def read_local_time(text: str, local_now: datetime) -> datetime:
    """A date and time as people type them ('11/23 9:40am', 'yesterday 4pm', '2:30pm'), read on the
    line's calendar: a missing date is today, a missing year this year, and an hour without minutes
    is on the hour ('9am' is 09:00, never the minutes of the moment it is typed). Naive local time;
    raises ValueError when it is not a date and time."""
    raw = " ".join((text or "").split())
    for word, days in _RELATIVE_DAYS:  # how people say it at the fax machine
        day = (local_now + timedelta(days=days)).strftime("%m/%d/%Y")
        raw = re.sub(rf"\b{word}\b", day, raw, flags=re.IGNORECASE)
    default = local_now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        parsed = date_parser.parse(raw.replace(".", ""), default=default)
    except OverflowError:
        raise ValueError(raw) from None
    return parsed.replace(tzinfo=None)
