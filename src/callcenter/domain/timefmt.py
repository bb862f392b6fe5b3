"""Durations and clock times as a rep reads them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callcenter.domain.errors import ValidationError

DEFAULT_LINE_ZONE = "America/New_York"
_line_zone = ZoneInfo(DEFAULT_LINE_ZONE)


def line_zone() -> ZoneInfo:
    """The line's time zone: where its clocks, days and business hours are read. One setting
    (CALLCENTER_TIME_ZONE) sets it for the whole process at start-up (``use_line_zone``)."""
    return _line_zone


def line_date(moment: datetime) -> date:
    """The day a moment falls on, on the line's calendar (its time zone)."""
    return moment.astimezone(_line_zone).date()


def use_line_zone(name: str) -> ZoneInfo:
    """Make `name` (an IANA zone such as 'America/Chicago') the line's zone for this process."""
    global _line_zone
    try:
        zone = ZoneInfo((name or "").strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone {name!r}: use an IANA name such as 'America/New_York'.", "time_zone"
        ) from None
    _line_zone = zone
    return zone


def format_wait(delta: timedelta) -> str:
    """'0:07', '12:34', '1:02:09': a wait that ticks every second."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_local(moment: datetime | None, zone: ZoneInfo | None = None, with_date: bool = True) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone or _line_zone)
    return local.strftime("%a %b %d %H:%M:%S" if with_date else "%H:%M:%S")
