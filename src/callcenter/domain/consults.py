"""Medication consult requests from pediatric offices: what is asked, checked before it is promised."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from callcenter.domain import intake_form
from callcenter.domain import validation as v
from callcenter.domain.days import parse_day, read_local_time
from callcenter.domain.errors import ValidationError
from callcenter.domain.timefmt import line_zone

QUESTION_TYPES = (
    ("medication", "Which medication"),
    ("dose", "Dose range"),
    ("side_effects", "Side effects"),
    ("options", "Options for a disorder"),
)
CONSULT_URGENCIES = (("routine", "Routine"), ("urgent", "Urgent"))
URGENT_WEIGHT = 2  # an urgent consult counts twice in a psychiatrist's load
TICKED = frozenset({"yes", "y", "true", "1", "on", "x"})
DANGER_NOW = "Danger now: suicidal thoughts, harm to others, or a medical emergency"
MAX_QUESTION = 2000
MAX_PRACTICE = 120
MAX_MINUTES = 8 * 60  # one consult longer than a working day is a typo
# An NPI's check digit is the Luhn digit of "80840" + its first nine digits (CMS NPI standard).
_NPI_PREFIX = "80840"


@dataclass(frozen=True, slots=True)
class ConsultForm:
    pcp_name: str
    practice: str | None
    callback_number: str
    npi: str | None
    child_first_name: str | None
    child_last_name: str | None
    child_dob: date | None
    question_type: str
    question: str
    urgency: str
    # Suicidal thoughts, harm to others, a medical emergency: the rep walks the crisis steps first.
    danger_now: bool = False
    medicaid_number: str | None = None  # only to find the child on file; not kept on the request


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


def parse_npi(text: str) -> str | None:
    """A National Provider Identifier: ten digits whose last is a check digit; blank is allowed."""
    raw = "".join(ch for ch in (text or "") if not ch.isspace() and ch != "-")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) != 10:
        raise ValidationError(
            "NPI: ten digits (e.g. 1234567893); leave it blank if the office does not know it.", "npi", "npi_digits"
        )
    if raw[0] not in "12":
        raise ValidationError("NPI: an NPI starts with 1 or 2; check the number with the office.", "npi", "npi_start")
    if not _luhn_valid(_NPI_PREFIX + raw):
        raise ValidationError("NPI: the check digit does not match; a digit was probably mistyped.", "npi", "npi_check")
    return raw


def validate(fields: Mapping[str, str], today: date) -> tuple[ConsultForm | None, dict[str, str]]:
    """Every field at once, so the form can show all the problems together; nothing half-checked is returned."""
    errors: dict[str, str] = {}

    def check(key: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(fields.get(key, "") or "")
        except ValidationError as error:
            errors[key] = error.message
            return None

    pcp_name = check("pcp_name", lambda raw: v.parse_person_name(raw, "pcp_name"))
    practice = check("practice", lambda raw: v.clean_text(raw, MAX_PRACTICE, "practice") or None)
    callback = check("callback_number", lambda raw: v.parse_callback_number(raw))
    npi = check("npi", parse_npi)
    first = check("child_first_name", lambda raw: v.parse_person_name(raw, "child_first_name") if raw.strip() else None)
    last = check("child_last_name", lambda raw: v.parse_person_name(raw, "child_last_name") if raw.strip() else None)
    dob = check("child_dob", lambda raw: v.parse_date_of_birth(raw, today) if raw.strip() else None)
    medicaid = check("medicaid_number", lambda raw: _checked_medicaid(raw, today))
    question_type = fields.get("question_type", "")
    if question_type not in dict(QUESTION_TYPES):
        errors["question_type"] = "Question: choose what the PCP asks about (medication, dose, side effects, options)."
    question = check("question", lambda raw: v.clean_text(raw, MAX_QUESTION, "question", multiline=True))
    if "question" not in errors and not question:
        errors["question"] = "Question: write the PCP's question in a sentence or two for the psychiatrist."
    urgency = fields.get("urgency", "") or "routine"
    if urgency not in dict(CONSULT_URGENCIES):
        errors["urgency"] = "Urgency: routine or urgent."
    danger_now = (fields.get("danger_now", "") or "").strip().lower() in TICKED
    if danger_now:
        urgency = "urgent"  # danger now is never a routine question
    if not (first or last or dob) and not fields.get("reuse_child_id"):
        errors.setdefault(
            "child_first_name",
            "Child: give at least a first name or initials and the date of birth, so the "
            "psychiatrist knows whom the question is about.",
        )
    if errors:
        return None, errors
    form = ConsultForm(
        pcp_name, practice, callback, npi, first, last, dob, question_type, question, urgency, danger_now, medicaid
    )
    return form, {}


def _checked_medicaid(raw: str, today: date) -> str | None:
    if not raw.strip():
        return None
    value, error = intake_form.check_field("medicaid_number", raw, today)
    if error:
        raise ValidationError(error, "medicaid_number")
    return str(value)


def matching_fields(form: ConsultForm) -> dict[str, str]:
    """The request's child as the intake's fields, to look for the same child on file."""
    return {
        "child_first_name": form.child_first_name or "",
        "child_last_name": form.child_last_name or "",
        "child_dob": form.child_dob.strftime("%m/%d/%Y") if form.child_dob else "",
        "medicaid_number": form.medicaid_number or "",
    }


# What the psychiatrist's consult screen lists.
CONSULT_VIEWS = (
    ("mine", "My open consults"),
    ("unassigned", "Unassigned"),
    ("history", "My returned consults"),
)


@dataclass(frozen=True, slots=True)
class ConsultQuery:
    view: str = "mine"
    day: date | None = None  # history only: the day the call was returned
    pcp: str | None = None  # history only: part of the PCP's or the practice's name


def build_query(view: str, fields: Mapping[str, str], today: date) -> tuple[ConsultQuery | None, dict[str, str]]:
    """The list asked for; the day and PCP filters narrow the history."""
    if view not in dict(CONSULT_VIEWS):
        return None, {"view": f"View: one of {', '.join(dict(CONSULT_VIEWS))}."}
    if view != "history":
        return ConsultQuery(view), {}
    try:
        day = parse_day(fields.get("day", ""), "day", today)
    except ValidationError as error:
        return None, {"day": error.message}
    pcp = " ".join((fields.get("pcp", "") or "").split())[:MAX_PRACTICE] or None
    return ConsultQuery(view, day, pcp), {}


def returned_call_summary(minutes: int, written_report: bool) -> str:
    """The contact-log line for a returned consult call."""
    report = "a written report sent" if written_report else "no written report"
    return f"Consult call returned: {minutes} min, {report}."


def check_closing(minutes_text: str, written_report: bool) -> int:
    """Minutes the psychiatrist spent: a whole number from 1 to a working day."""
    raw = (minutes_text or "").strip()
    if not raw.isdigit():
        raise ValidationError("Minutes: type the whole minutes spent on the consult, e.g. 15.", "minutes")
    minutes = int(raw)
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError(f"Minutes: between 1 and {MAX_MINUTES}; check the number.", "minutes")
    return minutes


def interprofessional_codes(minutes: int, written_report: bool) -> tuple[str, ...]:
    """The consultant's CPT codes the record supports; the returned call is the verbal answer.

    With a written report and 5 minutes or more: 99451 (written report, time-based) and, since the
    psychiatrist also answered by phone, the verbal-and-written code by minutes: 99446 (5–10),
    99447 (11–20), 99448 (21–30), 99449 (31+). Without a written report, or under 5 minutes, none.
    (99452 is the requesting PCP's own code and is not recorded here.)
    """
    if minutes < 5 or not written_report:
        return ()
    if minutes <= 10:
        verbal = "99446"
    elif minutes <= 20:
        verbal = "99447"
    elif minutes <= 30:
        verbal = "99448"
    else:
        verbal = "99449"
    return (verbal, "99451")


RETURN_SLACK = timedelta(minutes=2)  # terminal clocks drift a little


def parse_returned_at(text: str, received_at: datetime, now: datetime) -> datetime:
    """When the psychiatrist returned the PCP's call: blank is now; it lies between the request
    coming in and now. UTC in, UTC out; typed in the line's time zone."""
    raw = " ".join((text or "").split())
    if not raw or raw.lower() == "now":
        return now
    zone = line_zone()
    try:
        local = read_local_time(raw, now.astimezone(zone))
    except ValueError:
        raise ValidationError(
            f"Returned: {raw[:30]!r} is not a date and time; type e.g. 2:40pm or 11/23 2:40pm, or leave it "
            "blank for now.",
            "returned",
        ) from None
    moment = local.replace(tzinfo=zone).astimezone(UTC)
    if moment > now + RETURN_SLACK:
        raise ValidationError(
            f"Returned: {local:%a %b %d %H:%M} is still to come; type when the call was made, or leave it "
            "blank for now.",
            "returned",
        )
    if moment < received_at - RETURN_SLACK:
        received = received_at.astimezone(zone)
        raise ValidationError(
            f"Returned: {local:%a %b %d %H:%M} is before the request came in ({received:%a %b %d %H:%M}); "
            "check the day.",
            "returned",
        )
    return moment
