"""Referral Connect: a family or a pediatric office refers a child on the public site.

The form's steps, each checked with the console's own rules (phone, date of birth, Medicaid
number, ZIP, NPI). Problems are message ids with values (find_care.Problem): the site words them
in English or Spanish. What a referral becomes in the console (a waiting entry on the web line,
a prefilled intake) is decided here too, so both ends agree.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from callcenter.domain import intake_form
from callcenter.domain import validation as v
from callcenter.domain.consults import parse_npi
from callcenter.domain.errors import ValidationError
from callcenter.domain.find_care import Problem
from callcenter.domain.model import Priority
from callcenter.domain.phone import format_phone, parse_phone

STEPS = ("danger", "you", "child", "concern", "review")
DANGERS = ("suicide", "harm_others", "medical", "no")
REFERRERS = ("family", "office")
BEST_TIMES = ("morning", "afternoon", "evening", "any")
SEXES = tuple(value for value, _label in intake_form.SEXES)  # the intake's own choices
LANGUAGES = ("English", "Spanish", "other")
MAX_SHORT = 80
MAX_SYMPTOMS = 2000
MAX_DIAGNOSIS = 200
# Reference numbers a person reads over the phone: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8
REFERENCE_PREFIX = "RC-"
# Which fields each step asks, in order (the site draws them; the checks below read them).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "danger": ("danger",),
    "you": ("referrer", "referrer_name", "office_name", "npi", "phone", "best_time", "language", "language_other"),
    "child": ("child_first", "child_last", "child_dob", "child_zip", "child_sex", "medicaid", "guardian_name"),
    "concern": ("symptoms", "diagnosis"),
    "review": ("consent",),
}
ALL_FIELDS = tuple(name for step in STEPS for name in STEP_FIELDS[step])


@dataclass(frozen=True)
class StepCheck:
    """One step as typed (kept to show again) and its problems; no problems means it may go on."""

    typed: Mapping[str, str]
    problems: tuple[Problem, ...]


def typed_of(params: Mapping[str, str], step: str) -> dict[str, str]:
    """The step's fields as typed, tidied to one line each (the symptoms keep their line breaks)."""
    typed = {}
    for name in STEP_FIELDS[step]:
        raw = str(params.get(name, ""))[: MAX_SYMPTOMS * 2]
        typed[name] = v.keep_as_typed(raw, MAX_SYMPTOMS * 2, name) if name == "symptoms" else _line(raw)
    return typed


def _line(raw: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in raw).split())


def check_step(step: str, typed: Mapping[str, str], today: date, answers: Mapping[str, str] | None = None) -> StepCheck:
    """Every field of the step at once. ``answers`` are the earlier steps' (who is referring decides
    whether the parent's name is needed)."""
    answers = answers or {}
    problems: list[Problem] = []

    def need(name: str, message: str = "required") -> bool:
        if not typed.get(name):
            problems.append(Problem(name, message))
            return False
        return True

    def checked(name: str, parse: Any) -> None:
        try:
            parse(typed[name])
        except ValidationError as error:
            problems.append(Problem(name, error.code or f"{name}_invalid", dict(error.values)))

    def short(name: str, limit: int = MAX_SHORT) -> bool:
        if len(typed.get(name, "")) > limit:
            problems.append(Problem(name, "too_long", {"limit": limit}))
            return False
        return True

    if step == "danger":
        if need("danger", "choose_one") and typed["danger"] not in DANGERS:
            problems.append(Problem("danger", "choose_one"))
    elif step == "you":
        if need("referrer", "choose_one") and typed["referrer"] not in REFERRERS:
            problems.append(Problem("referrer", "choose_one"))
        if need("referrer_name") and short("referrer_name"):
            checked("referrer_name", lambda raw: v.parse_person_name(raw, "referrer_name"))
        office = typed.get("referrer") == "office"
        if office:
            if need("office_name", "office_name_required"):
                short("office_name")
            if typed.get("npi"):
                checked("npi", parse_npi)
        if need("phone", "phone_missing"):
            checked("phone", lambda raw: parse_phone(raw, "phone"))
        if typed.get("best_time") and typed["best_time"] not in BEST_TIMES:
            problems.append(Problem("best_time", "choose_one"))
        if typed.get("language") and typed["language"] not in LANGUAGES:
            problems.append(Problem("language", "choose_one"))
        if typed.get("language") == "other":
            if need("language_other", "language_other_required") and short("language_other", 40):
                if not all(ch.isalpha() or ch in " -'()" for ch in typed["language_other"]):
                    problems.append(Problem("language_other", "letters_only"))
    elif step == "child":
        for name in ("child_first", "child_last"):
            if need(name) and short(name):
                checked(name, lambda raw, name=name: v.parse_person_name(raw, name))
        if need("child_dob", "dob_missing"):
            checked("child_dob", lambda raw: v.parse_date_of_birth(raw, today))
        if need("child_zip", "zip_missing"):
            checked("child_zip", v.parse_zip)
        if typed.get("child_sex") and typed["child_sex"] not in SEXES:
            problems.append(Problem("child_sex", "choose_one"))
        if typed.get("medicaid"):
            checked("medicaid", v.parse_medicaid_number)
        if answers.get("referrer") == "office":
            if need("guardian_name", "guardian_required") and short("guardian_name"):
                checked("guardian_name", lambda raw: v.parse_person_name(raw, "guardian_name"))
        elif typed.get("guardian_name") and short("guardian_name"):
            checked("guardian_name", lambda raw: v.parse_person_name(raw, "guardian_name"))
    elif step == "concern":
        if need("symptoms", "symptoms_required") and len(typed["symptoms"]) > MAX_SYMPTOMS:
            problems.append(Problem("symptoms", "too_long", {"limit": MAX_SYMPTOMS}))
        short("diagnosis", MAX_DIAGNOSIS)
    elif step == "review":
        if typed.get("consent") not in ("yes",):
            problems.append(Problem("consent", "consent_required"))
    return StepCheck(typed, tuple(problems))


def in_danger(answers: Mapping[str, str]) -> bool:
    return answers.get("danger") in ("suicide", "harm_others", "medical")


def priority(answers: Mapping[str, str]) -> Priority:
    """The waiting entry's place in the web line's queue: a child in danger now goes first."""
    return Priority.EMERGENCY if in_danger(answers) else Priority.NORMAL


def complete(answers: Mapping[str, str], today: date) -> bool:
    """Every step checked clean: only then may the referral be sent."""
    return all(
        not check_step(step, {n: answers.get(n, "") for n in STEP_FIELDS[step]}, today, answers).problems
        for step in STEPS
    )


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normal_reference(text: str) -> str:
    """A reference as typed back (any case, spaces or dashes, with or without RC-), in its stored form."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if compact.startswith("RC"):
        compact = compact[2:]
    return REFERENCE_PREFIX + compact[: REFERENCE_LENGTH + 2]


def phone_last_four(answers: Mapping[str, str]) -> str:
    digits = "".join(ch for ch in parse_phone(answers["phone"], "phone").split(";")[0] if ch.isdigit())
    return digits[-4:]


def intake_fields(answers: Mapping[str, str], today: date) -> dict[str, str]:
    """The console's intake, prefilled from the referral as the rep would have typed it."""
    office = answers.get("referrer") == "office"
    fields = {
        "caller_type": "pcp" if office else "parent_guardian",
        "caller_name": answers.get("referrer_name", ""),
        "callback_number": format_phone(parse_phone(answers["phone"], "phone")) if answers.get("phone") else "",
        "guardian_name": answers.get("guardian_name", "") or ("" if office else answers.get("referrer_name", "")),
        "child_first_name": answers.get("child_first", ""),
        "child_last_name": answers.get("child_last", ""),
        "child_dob": answers.get("child_dob", ""),
        "child_zip": answers.get("child_zip", ""),
        "child_sex": answers.get("child_sex", ""),  # the intake's choices by the same names
        "child_language": answers.get("language_other", "")
        if answers.get("language") == "other"
        else answers.get("language", ""),
        "medicaid_number": answers.get("medicaid", ""),
        "symptoms": answers.get("symptoms", ""),
        "diagnosis": answers.get("diagnosis", ""),
    }
    if answers.get("child_zip"):
        try:
            fields["child_town"] = v.town_for_zip(v.parse_zip(answers["child_zip"]))
        except ValidationError:
            pass
    if in_danger(answers):
        fields["urgency"] = "emergency"
    return {name: value for name, value in fields.items() if value}


def referral_note(answers: Mapping[str, str], reference: str) -> str:
    """What the rep reads first about the entry: who referred, when to call, what was flagged."""
    if answers.get("referrer") == "office":
        office = answers.get("office_name", "")
        npi = f" (NPI {answers['npi']})" if answers.get("npi") else ""
        parts = [f"Web referral {reference} from {answers.get('referrer_name', '')} at {office}{npi}"]
    else:
        parts = [f"Web referral {reference} from the family ({answers.get('referrer_name', '')})"]
    if answers.get("best_time") and answers["best_time"] != "any":
        parts.append(f"best time to call: {answers['best_time']}")
    if in_danger(answers):
        parts.append(f"DANGER NOW flagged: {answers['danger'].replace('_', ' ')}")
    return "; ".join(parts) + "."
