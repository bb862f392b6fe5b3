"""What the intake must carry and what it must offer, from the seed documents (seeds/001).

Pure rules: plain values in, dataclasses out. ``fields`` mappings use the intake's field keys
(``caller_type``, ``child_dob``, ``insurance``, ...) holding normalised values: strings, or a
``date`` for ``child_dob`` (an ISO ``"2019-03-04"`` string is accepted too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from callcenter.domain.model import Insurance, Urgency
from callcenter.domain.timefmt import line_zone

#: The intake's steps, in order.
STEPS: tuple[str, ...] = ("caller", "child", "concern", "needs", "summary")

# Enhanced Care Clinic access standards (seeds/001): first appointment within these windows.
ACCESS_STANDARD: dict[Urgency, timedelta] = {
    Urgency.EMERGENCY: timedelta(hours=2),
    Urgency.URGENT: timedelta(days=2),
    Urgency.ROUTINE: timedelta(weeks=2),
}
#: The seed's early-intervention example is a 36-month-old, so 36 months is included.
EARLY_INTERVENTION_MAX_MONTHS = 36
CHILD_DEVELOPMENT_INFOLINE = "(800) 555-7000"
CONSULT_LINE = "(866) 375-0993"

#: Read to a caller in crisis before anything else (one paragraph, no markup).
CRISIS_SCRIPT = (
    "If anyone is in immediate danger, call 911 now. Otherwise connect the family to Mobile Crisis: "
    "dial 211 and press 1 (or 988). Stay on the line until help is reached and do not leave the child alone."
)


@dataclass(frozen=True)
class RequiredField:
    key: str
    label: str
    step: str


@dataclass(frozen=True)
class Advisory:
    kind: str
    title: str
    text: str


# What a PCP referral must carry (seeds/001): the child's name, parent/guardian name, phone
# number, Medicaid number, demographics, diagnosis if known (so optional), symptom description.
# Plus what this line needs to act on it: who is calling, insurance and urgency.
REQUIRED_FIELDS: tuple[RequiredField, ...] = (
    RequiredField("caller_type", "Who is calling", "caller"),
    RequiredField("callback_number", "Callback number", "caller"),
    RequiredField("guardian_name", "Parent / guardian name", "caller"),
    RequiredField("child_first_name", "Child's first name", "child"),
    RequiredField("child_last_name", "Child's last name", "child"),
    RequiredField("child_dob", "Date of birth", "child"),
    RequiredField("child_sex", "Sex", "child"),
    RequiredField("child_zip", "ZIP code", "child"),  # a child_town without a ZIP will do too
    RequiredField("insurance", "Insurance", "child"),
    RequiredField("medicaid_number", "Medicaid number", "child"),  # only for HUSKY A/B
    RequiredField("symptoms", "What is going on", "concern"),
    RequiredField("urgency", "Urgency", "concern"),
)
_PLACE_KEYS = ("child_zip", "child_town")


def access_deadline(urgency: Urgency | str, from_time: datetime) -> datetime:
    """When the first appointment is due under the ECC access standard; aware in, aware out.

    Days and weeks are counted on the line's local calendar (``timefmt.line_zone``): a call at 18:30
    is due at 18:30 two days later, across a daylight-saving change too, whatever zone ``from_time``
    is given in (times are stored in UTC). The 2-hour emergency window is elapsed time: 2 real hours,
    even on the night the clocks change. The result is in ``from_time``'s zone.
    """
    if from_time.tzinfo is None or from_time.utcoffset() is None:
        raise ValueError("access_deadline needs a timezone-aware time")
    window = ACCESS_STANDARD[Urgency(urgency)]
    zone = from_time.tzinfo
    if window < timedelta(days=1):
        return (from_time.astimezone(UTC) + window).astimezone(zone)
    # Wall-clock addition on the line's calendar, then a round trip through UTC so a time that
    # falls in the spring-forward gap is moved to a real one.
    local = from_time.astimezone(line_zone())
    return (local + window).astimezone(UTC).astimezone(zone)


def _insurance(value: Any) -> Insurance | None:
    if value is None:
        return None
    text = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Insurance(text)
    except ValueError:
        return None


def is_husky(insurance: Insurance | str | None) -> bool:
    """HUSKY A or B (Medicaid/CHIP): the only children whose referral this line manages.

    Private, none, unknown, blank or unrecognised values are all False (unknown gets a
    "confirm insurance" advisory, not a refusal).
    """
    return _insurance(insurance) in (Insurance.HUSKY_A, Insurance.HUSKY_B)


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def required_missing(fields: Mapping[str, Any]) -> list[RequiredField]:
    """The referral's required fields that are blank, in the order of the intake's steps."""
    missing: list[RequiredField] = []
    for spec in REQUIRED_FIELDS:
        if spec.key == "medicaid_number":
            if is_husky(fields.get("insurance")) and not _present(fields.get("medicaid_number")):
                missing.append(spec)
        elif spec.key == "child_zip":
            if not any(_present(fields.get(key)) for key in _PLACE_KEYS):
                missing.append(spec)
        elif not _present(fields.get(spec.key)):
            missing.append(spec)
    return missing


def _birth_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _age_months(born: date, today: date) -> int:
    months = (today.year - born.year) * 12 + today.month - born.month
    return months - (today.day < born.day)


def _not_managed(insurance: Insurance) -> Advisory:
    if insurance is Insurance.PRIVATE:
        offer = (
            "You can still give names of behavioral-health providers and general information, and tell "
            "the family to call the member-services number on the back of their insurance card to learn "
            "their plan's behavioral-health benefits and in-network providers."
        )
    else:
        offer = (
            "You can still give names of behavioral-health providers and general information, and explain "
            "how to apply for HUSKY, which would make the child eligible for a managed referral."
        )
    return Advisory(
        "not_managed",
        "Not HUSKY: no managed referral",
        f"This line manages referrals only for children insured by HUSKY A or B. {offer}",
    )


def advisories(fields: Mapping[str, Any], today: date) -> list[Advisory]:
    """The branches the rep must see, given what is known so far (normalised values)."""
    if isinstance(today, datetime):
        today = today.date()
    found: list[Advisory] = []
    insurance = _insurance(fields.get("insurance"))
    if insurance in (Insurance.PRIVATE, Insurance.NONE):
        found.append(_not_managed(insurance))
    elif insurance is Insurance.UNKNOWN:
        found.append(
            Advisory(
                "confirm_insurance",
                "Confirm insurance",
                "Ask for the child's insurance card: only HUSKY A or B children get a managed referral. "
                "Keep going with the intake meanwhile.",
            )
        )
    born = _birth_date(fields.get("child_dob"))
    if born is not None and born <= today and _age_months(born, today) <= EARLY_INTERVENTION_MAX_MONTHS:
        found.append(
            Advisory(
                "early_intervention",
                "Under 3: early intervention",
                f"Offer the Child Development Infoline {CHILD_DEVELOPMENT_INFOLINE} for evaluation and early "
                "intervention, as well as providers with early-childhood and parenting expertise.",
            )
        )
    question = str(fields.get("consult_question_type") or "").strip()
    if str(fields.get("caller_type") or "").strip() == "pcp" and question not in ("", "none"):
        found.append(
            Advisory(
                "medication_consult",
                "Medication question: consult line",
                f"Hand this to the medication consult line {CONSULT_LINE}: a child and adolescent psychiatrist "
                "returns the PCP's call within 1 business day. Submitting records the consult request.",
            )
        )
    if str(fields.get("guardian_husky") or "").strip() == "yes":
        found.append(
            Advisory(
                "parent_services",
                "Parent is on HUSKY too",
                "The parent is HUSKY-insured as well: offer help finding behavioral-health services for the "
                "parent too.",
            )
        )
    return found
