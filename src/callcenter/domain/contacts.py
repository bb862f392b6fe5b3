"""The contact log: every voice, TTY, fax, web and outbound contact, checked before it is written."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.domain import validation as v
from callcenter.domain.days import day_range, parse_day, read_local_time
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import Channel, Direction
from callcenter.domain.phone import format_phone, parse_phone, phone_search_key
from callcenter.domain.spreadsheet import csv_document
from callcenter.domain.timefmt import line_zone

MAX_FAX_PAGES = 200  # the longest records packet the line has seen is well under this; more is a typo
MAX_PARTY = 120
MAX_NEXT_STEP = 300
MAX_SUMMARY = 2000
MAX_TRANSCRIPT = 50_000
MAX_SEARCH = 80
# A fax logged late is fine (the machine printed it overnight); a month late is a wrong date.
MAX_BACKDATE = timedelta(days=30)
FUTURE_SLACK = timedelta(minutes=2)  # terminal clocks drift a little
MIN_NUMBER_DIGITS = 4  # "0143" finds (203) 555-0143; fewer digits would match half the log

CHANNEL_LABELS = {Channel.VOICE: "Voice", Channel.TTY: "TTY", Channel.FAX: "Fax", Channel.WEB: "Web"}


class FaxDocument(StrEnum):
    REFERRAL = "referral"
    RECORDS = "records"
    CONSENT = "consent"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"referral": "Referral", "records": "Records", "consent": "Consent form", "other": "Other"}[self.value]


class ContactOutcome(StrEnum):
    """How a contact ended. The completing ones close the follow-up they answer."""

    REACHED = "reached"
    FAX_SENT = "fax_sent"
    LEFT_MESSAGE = "left_message"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"

    @property
    def label(self) -> str:
        return {
            "reached": "Reached, done",
            "fax_sent": "Fax sent, done",
            "left_message": "Left a message",
            "no_answer": "No answer",
            "wrong_number": "Wrong number",
        }[self.value]

    @property
    def completes(self) -> bool:
        return self in (ContactOutcome.REACHED, ContactOutcome.FAX_SENT)


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class FaxEntry:
    direction: Direction
    number: str  # E.164
    party: str
    pages: int
    at: datetime  # UTC: received (inbound) or sent (outbound)
    document_type: FaxDocument
    next_step: str | None  # an inbound fax needs one; it becomes the follow-up's title
    child_id: int | None


@dataclass(frozen=True, slots=True)
class TtyStart:
    party: str
    number: str | None
    relay: bool


@dataclass(frozen=True, slots=True)
class OutboundEntry:
    channel: Channel
    number: str
    party: str | None
    outcome: ContactOutcome
    summary: str | None


@dataclass(frozen=True, slots=True)
class ContactFilter:
    """What the log screen and the export ask for; every part is optional."""

    channel: Channel | None = None
    direction: Direction | None = None
    since: date | None = None  # inclusive, in the line's time zone
    until: date | None = None  # inclusive
    agent_id: int | None = None
    status: FollowUpStatus | None = None
    number_e164: str | None = None  # a whole number typed in any format
    number_digits: str | None = None  # or a run of its digits
    text: str | None = None  # words from the party, the summary, the transcript or the child's name
    zone: ZoneInfo = dataclass_field(default_factory=line_zone)

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The UTC moments the date range covers: midnight to midnight in the line's zone."""
        return day_range(self.since, self.until, self.zone)


def _collect(errors: dict[str, str], key: str, parse: Callable[[str], Any], raw: str) -> Any:
    try:
        return parse(raw or "")
    except ValidationError as error:
        errors[key] = error.message
        return None


def parse_pages(text: str) -> int:
    raw = (text or "").strip()
    if not raw:
        raise ValidationError("Pages: type how many pages the fax has, e.g. 4.", "pages")
    if not raw.isdigit():
        raise ValidationError(f"Pages: {raw[:20]!r} is not a number; type the page count in digits, e.g. 4.", "pages")
    pages = int(raw)
    if pages == 0:
        raise ValidationError("Pages: a fax has at least one page; count the pages again.", "pages")
    if pages > MAX_FAX_PAGES:
        raise ValidationError(
            f"Pages: {pages:,} is more than any fax the line takes ({MAX_FAX_PAGES}); count the pages again.", "pages"
        )
    return pages


def parse_contact_time(text: str, now: datetime, field: str = "at", zone: ZoneInfo | None = None) -> datetime:
    """When a fax came in or went out, read in the line's zone: blank means now; never in the future."""
    raw = " ".join((text or "").split())
    if not raw or raw.lower() == "now":
        return now
    zone = zone or line_zone()
    try:
        parsed = read_local_time(raw, now.astimezone(zone))
    except ValueError:
        raise ValidationError(
            f"Time: {raw[:40]!r} is not a date and time; type e.g. 11/23 9:40am, or leave it blank for now.", field
        ) from None
    moment = parsed.replace(tzinfo=zone).astimezone(UTC)
    if moment > now + FUTURE_SLACK:
        raise ValidationError(
            f"Time: {parsed:%b %d %H:%M} is in the future; type when the fax actually came or "
            "went, or leave it blank for now.",
            field,
        )
    if moment < now - MAX_BACKDATE:
        raise ValidationError(
            f"Time: {parsed:%b %d %Y} is more than 30 days ago; check the date (and the year).", field
        )
    return moment


def check_fax(
    fields: Mapping[str, str], now: datetime, zone: ZoneInfo | None = None
) -> tuple[FaxEntry | None, dict[str, str]]:
    """Every field at once, so the form shows all its problems together; nothing half-checked is returned."""
    errors: dict[str, str] = {}
    try:
        direction = Direction(fields.get("direction") or "inbound")
    except ValueError:
        errors["direction"] = "Direction: received (inbound) or sent (outbound)."
        direction = Direction.INBOUND
    inbound = direction is Direction.INBOUND
    number = _collect(errors, "number", lambda raw: parse_phone(raw, "number"), fields.get("number", ""))
    if "number" in errors:
        errors["number"] = "Fax number: " + errors["number"]
    who = "Sender" if inbound else "Recipient"
    party = _collect(errors, "party", lambda raw: v.clean_text(raw, MAX_PARTY, "party"), fields.get("party", ""))
    if "party" not in errors and not party:
        errors["party"] = f"{who}: type the office or person the fax {'came from' if inbound else 'went to'}."
    elif "party" in errors:
        errors["party"] = f"{who}: {errors['party']}"
    pages = _collect(errors, "pages", parse_pages, fields.get("pages", ""))
    at = _collect(errors, "at", lambda raw: parse_contact_time(raw, now, "at", zone), fields.get("at", ""))
    try:
        document = FaxDocument(fields.get("document_type") or "")
    except ValueError:
        errors["document_type"] = "Document: choose referral, records, consent form or other."
        document = None
    next_step = _collect(
        errors,
        "next_step",
        lambda raw: v.clean_text(raw, MAX_NEXT_STEP, "next_step") or None,
        fields.get("next_step", ""),
    )
    if "next_step" in errors:
        errors["next_step"] = "Next step: " + errors["next_step"]
    elif inbound and not next_step:
        errors["next_step"] = (
            "Next step: say what must happen now (e.g. call the family to schedule); it becomes your follow-up."
        )
    child_text = (fields.get("child_id") or "").strip()
    child_id = int(child_text) if child_text.isdigit() else None
    if errors:
        return None, errors
    assert document is not None  # refused above when missing
    return FaxEntry(direction, number, party, pages, at, document, next_step, child_id), {}


def check_tty_start(fields: Mapping[str, str]) -> tuple[TtyStart | None, dict[str, str]]:
    errors: dict[str, str] = {}
    party = _collect(errors, "party", lambda raw: v.clean_text(raw, MAX_PARTY, "party"), fields.get("party", ""))
    if "party" not in errors and not party:
        errors["party"] = "Caller: type who is on the TTY (a name, or 'unknown caller')."
    raw_number = (fields.get("number") or "").strip()
    number = None
    if raw_number:  # relay calls often arrive without a number the caller can be called back on
        number = _collect(errors, "number", lambda raw: parse_phone(raw, "number"), raw_number)
        if "number" in errors:
            errors["number"] = "TTY number: " + errors["number"] + " Leave it blank if there is none."
    relay = (fields.get("relay") or "").lower() in ("1", "true", "yes", "on")
    if errors:
        return None, errors
    return TtyStart(party, number, relay), {}


def check_transcript(text: str) -> str:
    """A TTY transcript as typed: its line breaks and spacing are the conversation's."""
    return v.keep_as_typed(text, MAX_TRANSCRIPT, "transcript")


def check_outbound(fields: Mapping[str, str]) -> tuple[OutboundEntry | None, dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        channel = Channel(fields.get("channel") or "voice")
    except ValueError:
        errors["channel"] = "Channel: phone, TTY or fax."
        channel = Channel.VOICE
    if channel is Channel.WEB:
        errors["channel"] = "Channel: an outbound contact is a phone call, a TTY call or a fax."
    number = _collect(errors, "number", lambda raw: parse_phone(raw, "number"), fields.get("number", ""))
    if "number" in errors:
        errors["number"] = "Number: " + errors["number"]
    party = _collect(
        errors, "party", lambda raw: v.clean_text(raw, MAX_PARTY, "party") or None, fields.get("party", "")
    )
    try:
        outcome = ContactOutcome(fields.get("outcome") or "")
    except ValueError:
        errors["outcome"] = "Outcome: choose how it went (reached, fax sent, left a message, no answer, wrong number)."
        outcome = None
    if outcome is ContactOutcome.FAX_SENT and channel is not Channel.FAX:
        errors["outcome"] = "Outcome: 'fax sent' is for a fax; for a call choose reached, left a message or no answer."
    summary = _collect(
        errors,
        "summary",
        lambda raw: v.clean_text(raw, MAX_SUMMARY, "summary", multiline=True) or None,
        fields.get("summary", ""),
    )
    if errors:
        return None, errors
    assert outcome is not None  # refused above when missing
    return OutboundEntry(channel, number, party, outcome, summary), {}


def build_filter(
    fields: Mapping[str, str], today: date, zone: ZoneInfo | None = None
) -> tuple[ContactFilter | None, dict[str, str]]:
    """The log screen's filter bar as typed: channel, direction, from, to, agent, status, search."""
    errors: dict[str, str] = {}
    channel = direction = status = None
    if fields.get("channel"):
        try:
            channel = Channel(fields["channel"])
        except ValueError:
            errors["channel"] = "Channel: voice, TTY, fax or web."
    if fields.get("direction"):
        try:
            direction = Direction(fields["direction"])
        except ValueError:
            errors["direction"] = "Direction: inbound or outbound."
    if fields.get("status"):
        try:
            status = FollowUpStatus(fields["status"])
        except ValueError:
            errors["status"] = "Follow-up: open or done."
    since = _collect(errors, "since", lambda raw: parse_day(raw, "from", today), fields.get("since", ""))
    until = _collect(errors, "until", lambda raw: parse_day(raw, "to", today), fields.get("until", ""))
    if since and until and until < since:
        errors["until"] = f"To: {until:%b %d} is before From ({since:%b %d}); swap them."
    agent_text = (fields.get("agent_id") or "").strip()
    agent_id = int(agent_text) if agent_text.isdigit() else None
    search = " ".join((fields.get("search") or "").split())[:MAX_SEARCH]
    number_e164, number_digits, text = search_terms(search)
    if errors:
        return None, errors
    return ContactFilter(
        channel, direction, since, until, agent_id, status, number_e164, number_digits, text, zone or line_zone()
    ), {}


_NUMBERISH = re.compile(r"^[\d\s().+\-/]+$")


def search_terms(search: str) -> tuple[str | None, str | None, str | None]:
    """What a person typed in the search box: a whole phone number, some of its digits, or words."""
    search = search.strip()
    if not search:
        return None, None, None
    if _NUMBERISH.match(search):
        digits = "".join(ch for ch in search if ch.isdigit())
        whole = phone_search_key(search) if len(digits) >= 10 else None
        if whole:
            return whole, None, None
        if len(digits) >= MIN_NUMBER_DIGITS:
            return None, digits, None
    return None, None, search


def number_digits(e164: str | None) -> str:
    """The digits a person would type for a stored number (national digits for US numbers)."""
    if not e164:
        return ""
    base = e164.partition(";ext=")[0]
    digits = "".join(ch for ch in base if ch.isdigit())
    return digits[1:] if base.startswith("+1") and len(digits) == 11 else digits


@dataclass(frozen=True, slots=True)
class LogRow:
    """One line of the log as the screen and the export show it."""

    id: int
    at: datetime
    direction: str
    channel: str
    party: str | None
    number: str | None
    agent: str | None
    child: str | None
    summary: str | None
    outcome: str | None
    follow_up: str | None  # "open", "done" or None
    follow_up_due: datetime | None
    relay: bool
    pages: int | None
    document_type: str | None
    intake_id: int | None
    consult_id: int | None


CSV_COLUMNS = (
    "id",
    "when",
    "direction",
    "channel",
    "party",
    "number",
    "agent",
    "child",
    "summary",
    "outcome",
    "follow_up",
    "follow_up_due",
    "relay",
    "pages",
    "document_type",
    "intake_id",
    "consult_id",
)


def csv_text(rows: Iterable[LogRow]) -> str:
    return csv_document(
        CSV_COLUMNS,
        (
            (
                row.id,
                row.at,
                row.direction,
                row.channel,
                row.party,
                format_phone(row.number),
                row.agent,
                row.child,
                row.summary,
                row.outcome,
                row.follow_up,
                row.follow_up_due,
                row.relay,
                row.pages,
                row.document_type,
                row.intake_id,
                row.consult_id,
            )
            for row in rows
        ),
    )


def outcome_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return ContactOutcome(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()
