"""What came of offering a provider to a family: offered, appointment scheduled, or declined."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser

from callcenter.domain.errors import ValidationError
from callcenter.domain.timefmt import line_zone

MAX_NOTE_LENGTH = 400
MAX_APPOINTMENT_AHEAD = timedelta(days=366)  # a date further out is almost always a typo in the year
YEAR_ROLLS_AFTER = timedelta(days=183)  # a yearless date further back than this means next year
_FIELD = "appointment"
_HINT = "type a date and time like 12/3 2:30pm or 12/03/2026 14:30"
_HAS_TIME = re.compile(r"\d\s*(?::\d|[ap]\.?m\b)|\b(?:noon|midnight)\b", re.IGNORECASE)


class ReferralOutcome(StrEnum):
    OFFERED = "offered"
    SCHEDULED = "scheduled"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"offered": "Offered to the family", "scheduled": "Appointment scheduled", "declined": "Declined"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class ReferralChoice:
    """A rep's choice for one provider, checked and ready to store."""

    outcome: ReferralOutcome
    appointment_at: datetime | None  # UTC; only for a scheduled appointment
    note: str | None


def parse_appointment(
    text: str,
    now: datetime,
    zone: ZoneInfo | None = None,
    *,
    label: str = "Appointment",
    field: str = _FIELD,
    passed: str = "type the date the family was given",
) -> datetime:
    """A date and time ahead that someone typed, read in the line's time zone; returned in UTC.
    ``label`` and ``field`` name the box in the messages (an appointment, a new due time, a plan step).

    The year may be left out: "12/3 2:30pm" means the next 3 December that is still ahead.
    """
    raw = " ".join((text or "").split())
    if not raw:
        raise ValidationError(f"{label}: {_HINT}.", field)
    if not _HAS_TIME.search(raw):
        raise ValidationError(f"{label}: add the time too, {_HINT}.", field)
    zone = zone or line_zone()
    local_now = now.astimezone(zone)
    default = local_now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        parsed = date_parser.parse(raw.replace(".", ""), default=default, fuzzy=False)
    except (ValueError, OverflowError):
        raise ValidationError(f"{label}: '{raw[:40]}' is not a date and time; {_HINT}.", field) from None
    if parsed.tzinfo is not None:
        parsed = parsed.replace(tzinfo=None)
    year_given = re.search(r"\b\d{4}\b|\d+/\d+/\d+", raw) is not None
    when = parsed.replace(tzinfo=zone)
    # "1/5" typed in December is next January; "11/20" typed on 11/23 is a slip, said as one below.
    if not year_given and when < local_now - YEAR_ROLLS_AFTER:
        when = when.replace(year=when.year + 1)
    moment = when.astimezone(UTC)
    if moment < now - timedelta(minutes=5):
        raise ValidationError(f"{label}: {when:%a %b %d %Y %H:%M} has already passed; {passed}.", field)
    if moment > now + MAX_APPOINTMENT_AHEAD:
        raise ValidationError(f"{label}: {when:%b %d %Y} is more than a year away; check the year.", field)
    return moment


def check_choice(
    outcome: str, appointment_text: str, note: str, now: datetime, zone: ZoneInfo | None = None
) -> ReferralChoice:
    """Validate the rep's outcome form; an appointment is needed exactly when one was scheduled."""
    try:
        chosen = ReferralOutcome(outcome)
    except ValueError:
        raise ValidationError("Outcome: choose offered, appointment scheduled or declined.", "outcome") from None
    cleaned_note = " ".join((note or "").split()) or None
    if cleaned_note and len(cleaned_note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            f"Note: {len(cleaned_note)} characters; keep it under {MAX_NOTE_LENGTH} (details go in the call notes).",
            "note",
        )
    if chosen is ReferralOutcome.SCHEDULED:
        return ReferralChoice(chosen, parse_appointment(appointment_text, now, zone), cleaned_note)
    if appointment_text.strip():
        raise ValidationError(
            "Appointment: only for an appointment that was scheduled; clear it or choose 'Appointment scheduled'.",
            _FIELD,
        )
    if chosen is ReferralOutcome.DECLINED and not cleaned_note:
        raise ValidationError("Note: say briefly why the family declined (e.g. too far, wait too long).", "note")
    return ReferralChoice(chosen, None, cleaned_note)


def linkage_summary(outcomes: list[tuple[str, str, datetime | None]], zone: ZoneInfo | None = None) -> str:
    """One line per attached provider for the follow-up promise: 'Name — appointment Tue Dec 01 14:30'."""
    lines = []
    for name, outcome, appointment_at in outcomes:
        chosen = ReferralOutcome(outcome)
        if chosen is ReferralOutcome.SCHEDULED and appointment_at is not None:
            lines.append(f"{name} — appointment {appointment_at.astimezone(zone or line_zone()):%a %b %d %H:%M}")
        else:
            lines.append(f"{name} — {chosen.label.lower()}")
    return "\n".join(lines)
