"""Short texts several screens show the same way: times in lists, a provider attached to a referral."""

from __future__ import annotations

from datetime import datetime

from callcenter.domain.referrals import ReferralOutcome
from callcenter.domain.timefmt import format_local, line_zone
from callcenter.store.referrals import AttachedProvider


def when(moment: datetime | None) -> str:
    """'Mon 11/23 09:40' style, without seconds; blank for no time."""
    return format_local(moment)[:-3] if moment else ""


def format_appointment(moment: datetime | None) -> str:
    """An appointment as the attach dialog takes it back: '12/03/2026 02:30 PM'."""
    return "" if moment is None else moment.astimezone(line_zone()).strftime("%m/%d/%Y %I:%M %p")


def attached_line(attached: AttachedProvider) -> str:
    if attached.outcome is ReferralOutcome.SCHEDULED and attached.appointment_at is not None:
        return f"{attached.name} (appointment {format_local(attached.appointment_at)[:-3]})"
    return f"{attached.name} ({attached.outcome.label.lower()})"
