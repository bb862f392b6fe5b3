"""The site's wording of what the domain returns as ids: problems, service types, reasons a
provider is listed. Marked with N_ so Babel extracts them; translated when a page is drawn."""

from __future__ import annotations

from collections.abc import Callable

from callcenter.domain.find_care import Problem
from callcenter.store.directory import ProviderHit


def N_(message: str) -> str:  # noqa: N802  # Babel's marker for a string translated later
    return message


PROBLEMS = {
    "too_long": N_("This is too long: use at most {limit} characters."),
    "zip_digits": N_("A ZIP code is five digits, like 06106."),
    "zip_not_ct": N_("{zip} is not a Connecticut ZIP code. Type a Connecticut town or ZIP code."),
    "town_did_you_mean": N_("We do not know the town “{typed}”. Did you mean {town}?"),
    "town_unknown": N_("We do not know the town “{typed}”. Type a Connecticut town or ZIP code."),
    "radius_choice": N_("Choose a distance from the list."),
    "age_range": N_("Type the child's age in years, a whole number from 0 to {most}."),
    "service_choice": N_("Choose a kind of help from the list."),
    "language_letters": N_("Type a language's name in letters, at most {limit} of them (for example Spanish)."),
}

FIELD_LABELS = {
    "q": N_("What kind of help"),
    "place": N_("Town or ZIP code"),
    "radius": N_("Distance"),
    "age": N_("Child's age"),
    "service": N_("Type of service"),
    "language": N_("Language"),
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
    return gettext(PROBLEMS[problem.message]).format(**problem.values)


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
