"""One model for every promise with a deadline, and the line's settings for counting it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from callcenter.domain.business_time import (
    BusinessDuration,
    BusinessHours,
    PromiseCountdown,
    PromiseStatus,
    add_business_time,
    deadline,
    promise_countdown,
)
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import PromiseKind
from callcenter.domain.referrals import parse_appointment
from callcenter.domain.timefmt import line_zone

MAX_REASON = 300


class AttemptOutcome(StrEnum):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"

    @property
    def label(self) -> str:
        return {
            "reached": "Reached",
            "voicemail": "Left voicemail",
            "no_answer": "No answer",
            "wrong_number": "Wrong number",
        }[self.value]


KIND_LABELS = {
    PromiseKind.CONSULT_CALLBACK: "Consult callback",
    PromiseKind.LINKAGE_CHECK: "Linkage check",
    PromiseKind.CALLBACK_REQUEST: "Callback request",
    PromiseKind.FAX_FOLLOWUP: "Fax follow-up",
    PromiseKind.TTY_FOLLOWUP: "TTY follow-up",
    PromiseKind.FIRST_CONTACT: "First contact",
    PromiseKind.SCHEDULING_HELP: "Scheduling help",
    PromiseKind.TRANSPORTATION: "Ride",
    PromiseKind.INTERPRETER: "Interpreter",
    PromiseKind.ATTENDANCE_CHECK: "Did they get there?",
    PromiseKind.WEB_REFERRAL: "Web referral call",
}
# Promises kept by booking something for the family: each keeps the booking's reference.
BOOKED_KINDS = frozenset({PromiseKind.TRANSPORTATION, PromiseKind.INTERPRETER})
MAX_BOOKING_REF = 40
_BOOKING_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9 #/.-]*")


@dataclass(frozen=True)
class PromisePolicy:
    """How the line counts its promises; every terminal builds the same one from the same settings."""

    hours: BusinessHours = field(default_factory=lambda: BusinessHours(time_zone=line_zone().key))
    consult_promise: BusinessDuration = field(default_factory=lambda: BusinessDuration(business_days=1))
    # An urgent consult (a child in danger, a reaction to a new medication) is called back sooner.
    urgent_consult_promise: BusinessDuration = field(
        default_factory=lambda: BusinessDuration(business_time=timedelta(hours=2))
    )
    follow_up_promise: BusinessDuration = field(default_factory=lambda: BusinessDuration(business_days=1))
    due_soon_window: timedelta = timedelta(hours=2)
    due_soon_share: float = 0.25
    # A case manager's or peer specialist's first contact with a family handed to them.
    case_management_first_contact: BusinessDuration = field(default_factory=lambda: BusinessDuration(business_days=2))
    peer_support_first_contact: BusinessDuration = field(default_factory=lambda: BusinessDuration(business_days=3))
    # A referral made on the public site: a representative calls the referrer back within this.
    web_referral_promise: BusinessDuration = field(default_factory=lambda: BusinessDuration(business_days=1))
    # Linkage checks run on the access deadline (emergency 2 hours, urgent 2 days), which is wall time.
    wall_clock: BusinessHours = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wall_clock", BusinessHours.always_open(self.hours.time_zone))
        if not 0 < self.due_soon_share <= 1:
            raise ValidationError(
                "Due-soon share: a fraction such as 0.25 (the last quarter of the window).", "due_soon_share"
            )

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> PromisePolicy:
        """Settings by name (from the environment): hours, days, zone, holidays, promises, due-soon."""
        hours = BusinessHours.from_settings(
            time_zone=settings.get("time_zone") or line_zone().key,
            opens=settings.get("opens", "09:00"),
            closes=settings.get("closes", "19:00"),
            weekdays=settings.get("weekdays", "Mon-Fri"),
            holiday_country=settings.get("holiday_country", "US"),
            holiday_subdivision=settings.get("holiday_subdivision", "CT"),
        )
        window = (
            BusinessDuration.parse(settings["due_soon"]).amount(hours)
            if settings.get("due_soon")
            else timedelta(hours=2)
        )
        share_text = settings.get("due_soon_share", "0.25").strip().rstrip("%")
        try:
            share = float(share_text) / (100 if "%" in settings.get("due_soon_share", "") else 1)
        except ValueError:
            raise ValidationError(
                f"Due-soon share {share_text!r}: write a fraction like 0.25 or 25%.", "due_soon_share"
            ) from None
        return cls(
            hours=hours,
            consult_promise=BusinessDuration.parse(settings.get("consult_promise", "1 business day")),
            urgent_consult_promise=BusinessDuration.parse(settings.get("urgent_consult_promise", "2 hours")),
            case_management_first_contact=BusinessDuration.parse(
                settings.get("case_management_first_contact", "2 business days")
            ),
            peer_support_first_contact=BusinessDuration.parse(
                settings.get("peer_support_first_contact", "3 business days")
            ),
            follow_up_promise=BusinessDuration.parse(settings.get("follow_up_promise", "1 business day")),
            web_referral_promise=BusinessDuration.parse(settings.get("web_referral_promise", "1 business day")),
            due_soon_window=window,
            due_soon_share=share,
        )

    def counts_in(self, kind: str) -> str:
        """Which clock a promise's countdown runs on: "business" time, or "calendar" time (linkage
        checks follow the access standard, which runs around the clock)."""
        return "calendar" if kind == PromiseKind.LINKAGE_CHECK.value else "business"

    def clock_words(self, kind: str) -> str:
        """The clock, as a rep reads it under a promise."""
        if self.counts_in(kind) == "calendar":
            return "Counts calendar time: the access standard runs nights, weekends and holidays too."
        hours = self.hours
        days = "Mon–Fri" if hours.weekdays == frozenset(range(5)) else "its open days"
        return (
            f"Counts business time: {days} {hours.opens:%H:%M}–{hours.closes:%H:%M}"
            f"{', holidays off' if hours.holiday_country else ''}."
        )

    def hours_for(self, kind: str) -> BusinessHours:
        return self.wall_clock if kind == PromiseKind.LINKAGE_CHECK.value else self.hours

    def consult_deadline(self, received_at: datetime, urgency: str = "routine") -> datetime:
        """When the psychiatrist's call back is due: urgent ones sooner, both in business time."""
        promise = self.urgent_consult_promise if urgency == "urgent" else self.consult_promise
        return deadline(received_at, promise, self.hours)

    def first_contact_deadline(self, team: str, handed_at: datetime) -> datetime:
        """When the case manager (2 business days) or peer specialist (3) must first reach the family."""
        promise = self.case_management_first_contact if team == "case_management" else self.peer_support_first_contact
        return deadline(handed_at, promise, self.hours)

    def business_day_before(self, moment: datetime) -> datetime:
        """One business day of the line's hours before ``moment`` (a ride confirmed the day before)."""
        return add_business_time(moment, -self.hours.business_day, self.hours)

    def business_day_after(self, moment: datetime) -> datetime:
        """One business day after ``moment`` ("did they get there?" after an appointment)."""
        return add_business_time(moment, self.hours.business_day, self.hours)

    def follow_up_deadline(self, received_at: datetime) -> datetime:
        return deadline(received_at, self.follow_up_promise, self.hours)

    def state(self, kind: str, now: datetime, start: datetime, due: datetime, done: bool = False) -> PromiseCountdown:
        return promise_countdown(
            now, start, due, self.hours_for(kind), done=done, window=self.due_soon_window, share=self.due_soon_share
        )


def late_minutes(state: PromiseCountdown) -> int:
    """Whole business minutes late (0 when on time), as recorded with a breach."""
    return -(-int(state.late.total_seconds()) // 60) if state.late > timedelta(0) else 0


def check_attempt(outcome: str, notes: str) -> tuple[AttemptOutcome, str | None]:
    try:
        chosen = AttemptOutcome(outcome)
    except ValueError:
        raise ValidationError("Outcome: reached, left voicemail, no answer or wrong number.", "outcome") from None
    cleaned = " ".join((notes or "").split()) or None
    if cleaned and len(cleaned) > 1000:
        raise ValidationError("Notes: keep them under 1,000 characters.", "notes")
    return chosen, cleaned


def check_booking_ref(text: str, kind: PromiseKind) -> str:
    """The reference a ride or an interpreter was booked under, as the service gave it."""
    what = "ride" if kind is PromiseKind.TRANSPORTATION else "interpreter"
    ref = " ".join((text or "").split())
    if not ref:
        raise ValidationError(f"Booking reference: type the one the {what} service gave, e.g. RX-20417.", "ref")
    if len(ref) > MAX_BOOKING_REF:
        raise ValidationError(f"Booking reference: keep it under {MAX_BOOKING_REF} characters.", "ref")
    if not _BOOKING_REF.fullmatch(ref):
        raise ValidationError(
            "Booking reference: use letters, digits, spaces and - / # . only, as the service gave it.", "ref"
        )
    return ref


def check_reschedule(new_due_text: str, reason: str, now: datetime) -> tuple[datetime, str]:
    """A new due time needs a reason; the original due time stays on record (the store keeps it)."""
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise ValidationError("Reason: say why the promise moves (e.g. family asked for Monday).", "reason")
    if len(cleaned) > MAX_REASON:
        raise ValidationError(f"Reason: keep it under {MAX_REASON} characters.", "reason")
    new_due = parse_appointment(new_due_text, now, label="New due time", field="new_due", passed="type a time ahead")
    return new_due, cleaned


__all__ = [
    "AttemptOutcome",
    "BOOKED_KINDS",
    "KIND_LABELS",
    "check_booking_ref",
    "PromisePolicy",
    "PromiseCountdown",
    "PromiseStatus",
    "check_attempt",
    "check_reschedule",
    "late_minutes",
]
