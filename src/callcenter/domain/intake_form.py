"""The guided intake's fields: what each means, which step it lives on, how it is checked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from callcenter.domain import examples
from callcenter.domain import validation as v
from callcenter.domain.errors import ValidationError
from callcenter.domain.intake_rules import is_husky, required_missing
from callcenter.domain.model import Insurance, Urgency

# Reads a field's raw text (with today's date): its clean value, or None for blank; raises when wrong.
Parser = Callable[[str, date], Any]

STEPS: tuple[tuple[str, str], ...] = (
    ("caller", "Caller"),
    ("child", "Child"),
    ("concern", "Concern"),
    ("needs", "Needs"),
    ("summary", "Summary"),
)
STEP_KEYS = tuple(key for key, _ in STEPS)
MAX_DRAFT_FIELD = 4000

CALLER_TYPES = (
    ("parent_guardian", "Parent / guardian"),
    ("pcp", "PCP office"),
    ("school", "School"),
    ("other", "Other"),
)
SEXES = (("female", "Female"), ("male", "Male"), ("nonbinary", "Non-binary / other"), ("unknown", "Not given"))
INSURANCES = (
    ("husky_a", "HUSKY A"),
    ("husky_b", "HUSKY B"),
    ("private", "Private"),
    ("none", "None"),
    ("unknown", "Unknown"),
)
URGENCIES = (
    ("emergency", "Emergency (seen within 2 hours)"),
    ("urgent", "Urgent (within 2 days)"),
    ("routine", "Routine (within 2 weeks)"),
)
YES_NO = (("yes", "Yes"), ("no", "No"), ("unknown", "Don't know"))
CONSULT_TYPES = (
    ("none", "No medication question"),
    ("medication", "Which medication"),
    ("dose", "Dose range"),
    ("side_effects", "Side effects"),
    ("options", "Options for a disorder"),
)
CRISIS_REASONS = (
    ("suicidal", "Suicidal thoughts"),
    ("harm_to_others", "Harm to others"),
    ("medical", "Medical emergency"),
)
NEEDS = (
    ("need_scheduling", "Scheduling help"),
    ("need_transportation", "Transportation"),
    ("need_case_manager", "Case manager"),
    ("need_peer_specialist", "Peer specialist"),
    ("need_interpreter", "Interpreter"),
)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    step: str
    kind: str  # text, multiline, choice, flag
    help: str
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 120
    placeholder: str = ""
    parse: Callable[[str, date], Any] | None = field(default=None, repr=False)


def _text(max_length: int, key: str, multiline: bool = False) -> Parser:
    return lambda raw, today: v.clean_text(raw, max_length, key, multiline=multiline) or None


def _choice(key: str, choices: tuple[tuple[str, str], ...]) -> Parser:
    allowed = {value for value, _ in choices}

    def parse(raw: str, today: date) -> str | None:
        value = (raw or "").strip()
        if not value:
            return None
        if value not in allowed:
            names = ", ".join(label for _, label in choices)
            raise ValidationError(f"Pick one of: {names}.", key)
        return value

    return parse


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "caller_type",
        "Who is calling",
        "caller",
        "choice",
        "The caller's relation to the child: a parent or guardian, the child's pediatric office (PCP), "
        "a school, or someone else.",
        CALLER_TYPES,
        parse=_choice("caller_type", CALLER_TYPES),
    ),
    FieldSpec(
        "caller_name",
        "Caller's name",
        "caller",
        "text",
        "The name of the person on the line, as they give it.",
        max_length=80,
        placeholder=examples.PERSON,
        parse=lambda raw, today: v.parse_person_name(raw, "caller_name") if raw.strip() else None,
    ),
    FieldSpec(
        "callback_number",
        "Callback number",
        "caller",
        "text",
        "Where we can call back. US numbers, any format; add an extension with 'x' (203-555-0143 x12).",
        max_length=40,
        placeholder="e.g. (203) 555-0143",
        parse=lambda raw, today: v.parse_callback_number(raw) if raw.strip() else None,
    ),
    FieldSpec(
        "guardian_name",
        "Parent / guardian name",
        "caller",
        "text",
        "The child's parent or legal guardian. The same as the caller when a parent calls.",
        max_length=80,
        placeholder="first and last name",
        parse=lambda raw, today: v.parse_person_name(raw, "guardian_name") if raw.strip() else None,
    ),
    FieldSpec(
        "guardian_husky",
        "Parent on HUSKY too?",
        "caller",
        "choice",
        "A parent who is also HUSKY-insured can be helped with her or his own services.",
        YES_NO,
        parse=_choice("guardian_husky", YES_NO),
    ),
    FieldSpec(
        "child_first_name",
        "Child's first name",
        "child",
        "text",
        "As on the insurance card.",
        max_length=80,
        parse=lambda raw, today: v.parse_person_name(raw, "child_first_name") if raw.strip() else None,
    ),
    FieldSpec(
        "child_last_name",
        "Child's last name",
        "child",
        "text",
        "As on the insurance card.",
        max_length=80,
        parse=lambda raw, today: v.parse_person_name(raw, "child_last_name") if raw.strip() else None,
    ),
    FieldSpec(
        "child_dob",
        "Date of birth",
        "child",
        "text",
        "Month/day/year with a 4-digit year: 3/4/2019, 2019-03-04 or March 4 2019.",
        max_length=40,
        placeholder="e.g. 3/4/2019",
        parse=lambda raw, today: v.parse_date_of_birth(raw, today) if raw.strip() else None,
    ),
    FieldSpec(
        "child_sex", "Sex", "child", "choice", "As the caller gives it.", SEXES, parse=_choice("child_sex", SEXES)
    ),
    FieldSpec(
        "child_zip",
        "ZIP code",
        "child",
        "text",
        "The child's home ZIP code in Connecticut (5 digits). Fills in the town.",
        max_length=10,
        placeholder="e.g. 06106",
        parse=lambda raw, today: v.parse_zip(raw) if raw.strip() else None,
    ),
    FieldSpec(
        "child_town",
        "Town",
        "child",
        "text",
        "The child's home town in Connecticut.",
        max_length=60,
        placeholder="e.g. Hartford (filled from the ZIP)",
        parse=lambda raw, today: v.parse_town(raw) if raw.strip() else None,
    ),
    FieldSpec(
        "child_language",
        "Language",
        "child",
        "text",
        "The language the family prefers for appointments; ask whether an interpreter is needed.",
        max_length=40,
        placeholder="e.g. English",
        parse=_text(40, "child_language"),
    ),
    FieldSpec(
        "insurance",
        "Insurance",
        "child",
        "choice",
        "HUSKY A or B (Medicaid/CHIP) children get a managed referral; others get information only.",
        INSURANCES,
        parse=_choice("insurance", INSURANCES),
    ),
    FieldSpec(
        "medicaid_number",
        "Medicaid number",
        "child",
        "text",
        "From the child's HUSKY card. Required for HUSKY A/B.",
        max_length=20,
        placeholder="nine digits, from the HUSKY card",
        parse=lambda raw, today: v.parse_medicaid_number(raw) if raw.strip() else None,
    ),
    FieldSpec(
        "symptoms",
        "What is going on",
        "concern",
        "multiline",
        "The symptoms in the caller's words: what, since when, how often, at home or at school.",
        max_length=2000,
        parse=_text(2000, "symptoms", multiline=True),
    ),
    FieldSpec(
        "diagnosis",
        "Diagnosis (if known)",
        "concern",
        "text",
        "Any diagnosis the child already has; leave blank or type 'unknown' if none.",
        max_length=200,
        parse=_text(200, "diagnosis"),
    ),
    FieldSpec(
        "duration",
        "How long",
        "concern",
        "text",
        "How long this has been going on, e.g. '3 months'.",
        max_length=120,
        parse=_text(120, "duration"),
    ),
    FieldSpec(
        "urgency",
        "Urgency",
        "concern",
        "choice",
        "Emergency: seen within 2 hours. Urgent: within 2 days. Routine: within 2 weeks. "
        "Any danger to the child or others is a crisis: press F8.",
        URGENCIES,
        parse=_choice("urgency", URGENCIES),
    ),
    FieldSpec(
        "consult_question_type",
        "PCP medication question",
        "concern",
        "choice",
        "A pediatric office with a medication question is handed to the medication consult line: a child "
        "psychiatrist calls back within 1 business day.",
        CONSULT_TYPES,
        parse=_choice("consult_question_type", CONSULT_TYPES),
    ),
    *(
        FieldSpec(
            key,
            label,
            "needs",
            "flag",
            f"Tick if the family needs: {label.lower()}.",
            parse=lambda raw, today: "yes" if raw == "yes" else None,
        )
        for key, label in NEEDS
    ),
    FieldSpec(
        "needs_notes",
        "Other needs",
        "needs",
        "multiline",
        "Anything else the family needs help with.",
        max_length=1000,
        parse=_text(1000, "needs_notes", multiline=True),
    ),
)

FIELD_BY_KEY = {spec.key: spec for spec in FIELDS}


def fields_of(step: str) -> list[FieldSpec]:
    return [spec for spec in FIELDS if spec.step == step]


def check_field(key: str, raw: str, today: date) -> tuple[Any, str | None]:
    """(normalised value or None, message or None) for one field; never raises."""
    spec = FIELD_BY_KEY.get(key)
    if spec is None or spec.parse is None:
        return (raw or None), None
    try:
        return spec.parse(raw or "", today), None
    except ValidationError as error:
        return None, error.message


def display_value(key: str, value: Any) -> str:
    """How a normalised value is written back into its field when the rep leaves it."""
    from callcenter.domain.phone import format_phone

    if value is None:
        return ""
    if key == "callback_number":
        return format_phone(value)
    if isinstance(value, date):
        return f"{value.month}/{value.day}/{value.year}"
    return str(value)


def try_parse(key: str, fields: Mapping[str, str], today: date) -> Any:
    value, error = check_field(key, fields.get(key, ""), today)
    return None if error else value


def validate_for_submit(fields: Mapping[str, str], today: date) -> tuple[dict[str, Any], dict[str, str]]:
    """Every field checked, then the referral's required set: (clean values, {key: message})."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in FIELDS:
        value, error = check_field(spec.key, fields.get(spec.key, ""), today)
        if error:
            errors[spec.key] = error
        elif value is not None:
            clean[spec.key] = value
    for key in ("crisis_reason",):
        if fields.get(key):
            clean[key] = fields[key]
    if "child_zip" in clean and "child_town" not in clean:
        clean["child_town"] = v.town_for_zip(clean["child_zip"])
    for missing in required_missing({k: ("" if val is None else str(val)) for k, val in clean.items()}):
        errors.setdefault(missing.key, f"{missing.label} is required for a referral.")
    if "guardian_name" in clean:
        first, _, last = clean["guardian_name"].rpartition(" ")
        clean["guardian_first_name"], clean["guardian_last_name"] = (first or last), (last if first else "")
    ordered = {spec.key: errors[spec.key] for spec in FIELDS if spec.key in errors}
    ordered.update({k: m for k, m in errors.items() if k not in ordered})
    return clean, ordered


def selected_needs(clean: Mapping[str, Any]) -> list[str]:
    return [label for key, label in NEEDS if clean.get(key) == "yes"]


def bounded_draft(fields: Mapping[str, str]) -> dict[str, str]:
    """What is stored as the draft: known keys only, strings, each capped (never refuse to save a draft)."""
    known = set(FIELD_BY_KEY) | {"crisis_reason", "reuse_child_id"}
    return {k: str(val)[:MAX_DRAFT_FIELD] for k, val in fields.items() if k in known and val is not None}


def parse_crisis_reason(raw: str) -> str:
    allowed = {value for value, _ in CRISIS_REASONS}
    if raw not in allowed:
        raise ValidationError(
            "Pick what the safety concern is: suicidal thoughts, harm to others, or a medical emergency."
        )
    return raw


def managed(insurance: str | None) -> bool:
    try:
        return is_husky(Insurance(insurance)) if insurance else False
    except ValueError:
        return False


def urgency_label(value: str | None) -> str:
    return dict(URGENCIES).get(value or "", "not set")


__all__ = ["STEPS", "FIELDS", "FieldSpec", "Urgency"]
