"""The site's wording of what the domain returns as ids: problems, service types, reasons a
provider is listed. Marked with N_ so Babel extracts them; translated when a page is drawn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from callcenter.domain.find_care import Problem
from callcenter.store.directory import ProviderHit


def N_(message: str) -> str:  # noqa: N802  # Babel's marker for a string translated later
    return message


PROBLEMS = {
    "too_long": N_("This is too long: use at most {limit} characters."),
    "zip_digits": N_("A ZIP code is five digits, like 06106."),
    "zip_not_ct": N_("{zip} is not a Connecticut ZIP code in use: check the digits."),
    "town_did_you_mean": N_("We do not know the town “{typed}”. Did you mean {town}?"),
    "town_unknown": N_("We do not know the town “{typed}”. Type a Connecticut town or ZIP code."),
    "radius_choice": N_("Choose a distance from the list."),
    "age_range": N_("Type the child's age in years, a whole number from 0 to {most}."),
    "service_choice": N_("Choose a kind of help from the list."),
    "language_letters": N_("Type a language's name in letters, at most {limit} of them (for example Spanish)."),
    # The referral form (Referral Connect), checked with the console's own rules.
    "required": N_("Please fill this in."),
    "choose_one": N_("Choose one of the answers."),
    "office_name_required": N_("Type the name of the pediatric office."),
    "language_other_required": N_("Type the language the family speaks."),
    "letters_only": N_("Use letters only."),
    "guardian_required": N_("Type the name of the child's parent or guardian."),
    "symptoms_required": N_("Tell us in a few words what is going on with the child."),
    "consent_required": N_("Tick the box so that we may call you about this child."),
    "phone_missing": N_("Type a phone number we can call, like (203) 555-0143."),
    "phone_too_long": N_("That is too long for a phone number: type 10 digits, like (203) 555-0143."),
    "phone_not_number": N_("“{typed}” is not a phone number: type 10 digits, like (203) 555-0143."),
    "phone_digits": N_("“{typed}” has the wrong number of digits: US numbers have 10, like (203) 555-0143."),
    "phone_unassigned": N_("“{typed}” is not a number in use: check the area code."),
    "name_missing": N_("Type a name, like Jane Doe."),
    "name_digits": N_("Names cannot have numbers in them: use letters only."),
    "name_sign": N_("“{sign}” cannot be in a name: use letters, spaces, hyphens and apostrophes."),
    "dob_missing": N_("Type the date of birth, like 3/4/2015 (month/day/year)."),
    "dob_future": N_("{date} is in the future: check the year."),
    "dob_too_old": N_(
        "A child born {date} would be {years} now: we serve children and youth up to {most}. Check the year."
    ),
    "dob_not_date": N_("“{typed}” is not a date: type it like 3/4/2015 (month/day/year)."),
    "dob_short_year": N_("“{typed}” has a short year: type all four digits, like 3/4/2015."),
    "medicaid_missing": N_("Type the Medicaid number from the HUSKY card, or leave it empty."),
    "medicaid_length": N_("A Medicaid number has {length} digits; you typed {typed}. Check the HUSKY card."),
    "medicaid_digits_only": N_("A Medicaid number has {length} digits and no letters: check the HUSKY card."),
    "zip_missing": N_("Type the ZIP code: 5 digits, like 06106."),
    "zip_leading_zero": N_("“{typed}” is missing its first 0: Connecticut ZIP codes start with 06."),
    "zip_invalid": N_("Type a Connecticut ZIP code: 5 digits, like 06106."),
    "npi_digits": N_("An NPI has ten digits, like 1234567893. Leave it empty if you do not know it."),
    "npi_start": N_("An NPI starts with 1 or 2: check the number."),
    "npi_check": N_("This NPI's last digit does not match the others: a digit was probably mistyped."),
    "invalid": N_("Check what you typed here."),
}

FIELD_LABELS = {
    "q": N_("What kind of help"),
    "place": N_("Town or ZIP code"),
    "radius": N_("Distance"),
    "age": N_("Child's age"),
    "service": N_("Type of service"),
    "language": N_("Language"),
}

REFERRAL_LABELS = {
    "danger": N_("Is the child in danger right now?"),
    "referrer": N_("Who is making this referral?"),
    "referrer_name": N_("Your name"),
    "office_name": N_("Name of the pediatric office"),
    "npi": N_("The office's NPI (if you know it)"),
    "phone": N_("Phone number where we can call you"),
    "best_time": N_("Best time to call"),
    "language": N_("Language the family prefers"),
    "language_other": N_("Which language?"),
    "child_first": N_("Child's first name"),
    "child_last": N_("Child's last name"),
    "child_dob": N_("Child's date of birth"),
    "child_zip": N_("ZIP code where the child lives"),
    "child_sex": N_("Child's sex"),
    "medicaid": N_("Medicaid number (HUSKY), if the child has one"),
    "guardian_name": N_("Parent or guardian's name"),
    "symptoms": N_("What is going on with the child?"),
    "diagnosis": N_("Diagnosis, if there is one"),
    "consent": N_("Permission to call"),
}

REFERRAL_CHOICES = {
    "danger": {
        "suicide": N_("Yes: the child is thinking about suicide or about hurting themselves"),
        "harm_others": N_("Yes: the child might hurt someone else"),
        "medical": N_("Yes: the child needs emergency medical care"),
        "no": N_("No, not right now"),
    },
    "referrer": {"family": N_("A parent, guardian or family member"), "office": N_("A pediatric office")},
    "best_time": {
        "any": N_("Any time"),
        "morning": N_("Morning"),
        "afternoon": N_("Afternoon"),
        "evening": N_("Early evening"),
    },
    "language": {"English": N_("English"), "Spanish": N_("Spanish"), "other": N_("Another language")},
    "child_sex": {
        "female": N_("Female"),
        "male": N_("Male"),
        "nonbinary": N_("Non-binary or another answer"),
        "unknown": N_("Prefer not to say"),
    },
}

REFERRAL_STEPS = {
    "danger": N_("Safety first"),
    "you": N_("About you"),
    "child": N_("About the child"),
    "concern": N_("What is going on"),
    "review": N_("Check and send"),
}

STATUSES = {
    "received": N_("We have received the referral. A representative will call."),
    "working": N_("A representative is working on this referral."),
    "linked": N_("The child has been linked to care: an appointment has been made."),
}

SERVICE_TYPES = {
    "outpatient": N_("Outpatient therapy"),
    "mobile crisis": N_("Mobile crisis"),
    "care coordination": N_("Care coordination"),
    "intensive in-home": N_("Intensive in-home"),
    "early childhood": N_("Early childhood"),
    "substance use": N_("Substance use"),
}


def problem_text(problem: Problem, gettext: Callable[[str], str]) -> str:
    """The problem in the page's language; a check the site has no words for is worded by its field."""
    message = PROBLEMS.get(problem.message) or PROBLEMS["invalid"]
    values = {
        key: f"{value.month}/{value.day}/{value.year}" if isinstance(value, date) else value
        for key, value in problem.values.items()
    }
    try:
        return gettext(message).format(**values)
    except (KeyError, IndexError):  # a translation naming a value this problem lacks
        return gettext(PROBLEMS["invalid"])


def service_label(service: str, gettext: Callable[[str], str]) -> str:
    return gettext(SERVICE_TYPES[service]) if service in SERVICE_TYPES else service


def reasons(hit: ProviderHit, gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> list[str]:
    """Why the provider is on the list, in the family's words: the same facts the reps read out."""
    found = []
    if hit.named:
        found.append(gettext("the words you searched for are in its name or specialties"))
    if hit.distance_miles is not None:
        found.append(gettext("{miles} miles away").format(miles=f"{hit.distance_miles:.1f}"))
    if hit.is_ecc:
        found.append(gettext("an Enhanced Care Clinic: urgent needs seen within 2 days, routine within 2 weeks"))
    if hit.wait_days is not None:
        if hit.wait_days == 0:
            found.append(gettext("no waiting list"))
        else:
            found.append(
                ngettext("usual wait {days} day", "usual wait {days} days", hit.wait_days).format(days=hit.wait_days)
            )
    if hit.accepts_husky:
        found.append(gettext("takes HUSKY Health"))
    return found


def ages(hit: ProviderHit, gettext: Callable[[str], str]) -> str:
    low, high = hit.min_age_months // 12, hit.max_age_months // 12
    return gettext("ages {low} to {high}").format(low=low, high=high)
