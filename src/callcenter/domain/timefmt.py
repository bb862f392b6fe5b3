"""Durations and clock times as a rep reads them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LINE_ZONE = ZoneInfo("America/New_York")


def format_wait(delta: timedelta) -> str:
    """'0:07', '12:34', '1:02:09': a wait that ticks every second."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_local(moment: datetime | None, zone: ZoneInfo = LINE_ZONE, with_date: bool = True) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return local.strftime("%a %b %d %H:%M:%S" if with_date else "%H:%M:%S")
