"""Days as people type them in a filter ('11/1', 'today'), and the moments a range of days covers."""

from __future__ import annotations

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
