"""The public find-care search: what a family typed, checked, as the same lookup the reps run.

Problems are message ids with their values, not sentences: each front end words them in its own
language (the web site in English or Spanish).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callcenter.domain.directory import RADII_MILES, SERVICE_TYPES, LookupQuery, ct_centroids

MAX_WORDS_LENGTH = 200
MAX_PLACE_LENGTH = 60
MAX_LANGUAGE_LENGTH = 40
MAX_AGE_YEARS = 21  # the line serves children and young people up to 21
DEFAULT_RADIUS_MILES = 25
# Languages the directory lists most often; any other can be typed.
COMMON_LANGUAGES = ("English", "Spanish", "Portuguese", "Polish", "Haitian Creole", "Arabic", "Vietnamese", "Chinese")
# The directory is written in English: a Spanish word a family types is searched as the English one
# the listings use (accents and plurals folded by `_fold`).
SPANISH_WORDS = {
    "ansiedad": "anxiety",
    "depresion": "depression",
    "tdah": "adhd",
    "hiperactividad": "adhd",
    "autismo": "autism",
    "autista": "autism",
    "trauma": "trauma",
    "traumas": "trauma",
    "crianza": "parenting",
    "conducta": "behavior",
    "comportamiento": "behavior",
    "alimentacion": "eating",
    "anorexia": "eating",
    "bulimia": "eating",
    "drogas": "substance",
    "alcohol": "substance",
    "adiccion": "substance",
    "duelo": "grief",
    "autolesion": "self-harm",
    "cortarse": "self-harm",
    "toc": "ocd",
    "bipolar": "bipolar",
    "escuela": "school",
    "escolar": "school",
    "terapia": "therapy",
    "familia": "family",
    "familiar": "family",
    "crisis": "crisis",
    "infancia": "childhood",
    "temprana": "early",
}
FIELDS = ("q", "place", "radius", "age", "service", "language", "husky", "ecc", "open")
TICKED = frozenset({"1", "on", "true", "yes"})


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: a message id and the values its wording needs."""

    field: str
    message: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class FindCareForm:
    """The search as typed (kept on error so nothing is lost) and, when it is usable, the query."""

    typed: Mapping[str, str]
    query: LookupQuery | None
    problems: tuple[Problem, ...]

    @property
    def searched(self) -> bool:
        """Anything was asked for at all: an empty form is the start page, not an error."""
        return any(self.typed.get(name) for name in FIELDS)


def read_search(params: Mapping[str, str]) -> FindCareForm:
    """Check every field; all problems are reported at once, each next to its own field."""
    typed = {name: _clean(params.get(name, "")) for name in FIELDS}
    problems: list[Problem] = []

    words = typed["q"]
    if len(words) > MAX_WORDS_LENGTH:
        problems.append(Problem("q", "too_long", {"limit": MAX_WORDS_LENGTH}))

    place = typed["place"]
    if len(place) > MAX_PLACE_LENGTH:
        problems.append(Problem("place", "too_long", {"limit": MAX_PLACE_LENGTH}))
    elif place:
        problem = _place_problem(place)
        if problem is not None:
            problems.append(problem)

    radius: float | None = None
    if typed["radius"]:
        if typed["radius"] not in {str(miles) for miles in RADII_MILES}:
            problems.append(Problem("radius", "radius_choice", {"choices": RADII_MILES}))
        else:
            radius = float(typed["radius"])
    if place and radius is None and not typed["radius"]:
        radius = float(DEFAULT_RADIUS_MILES)

    age_months: int | None = None
    if typed["age"]:
        if not typed["age"].isdigit() or not 0 <= int(typed["age"]) <= MAX_AGE_YEARS:
            problems.append(Problem("age", "age_range", {"most": MAX_AGE_YEARS}))
        else:
            age_months = int(typed["age"]) * 12

    service = typed["service"] or None
    if service is not None and service not in SERVICE_TYPES:
        problems.append(Problem("service", "service_choice", {}))

    language = typed["language"] or None
    if language is not None and (len(language) > MAX_LANGUAGE_LENGTH or not _is_words(language)):
        problems.append(Problem("language", "language_letters", {"limit": MAX_LANGUAGE_LENGTH}))
    if language is not None and language.lower() == "english":
        language = None  # every listed provider works in English: it narrows nothing

    if problems:
        return FindCareForm(typed, None, tuple(problems))
    query = LookupQuery(
        text=in_directory_words(words),
        place=place,
        radius_miles=radius if place else None,
        service_type=service,
        age_months=age_months,
        husky_only=typed["husky"] in TICKED,
        language=language,
        ecc_only=typed["ecc"] in TICKED,
        open_now=typed["open"] in TICKED,
    )
    return FindCareForm(typed, query, ())


def in_directory_words(text: str) -> str:
    """The words as the directory spells them: Spanish words for needs become their English names."""
    return " ".join(SPANISH_WORDS.get(_fold(word), word) for word in text.split())


def _fold(word: str) -> str:
    import unicodedata

    plain = "".join(ch for ch in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(ch) != "Mn").strip(
        ".,;:!?¿¡()\"'"
    )
    for ending in ("es", "s"):  # Spanish plurals: terapias, familiares
        if plain.endswith(ending) and plain[: -len(ending)] in SPANISH_WORDS:
            return plain[: -len(ending)]
    return plain


def _clean(value: str) -> str:
    """One line of text: control characters out, runs of spaces made one. Length is checked after."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value)[: MAX_WORDS_LENGTH * 4])
    return " ".join(text.split())


def _is_words(text: str) -> bool:
    return all(ch.isalpha() or ch in " -'()" for ch in text)


def _place_problem(place: str) -> Problem | None:
    by_zip, towns = ct_centroids()
    if place[:1].isdigit():
        if not (len(place) == 5 and place.isdigit()):
            return Problem("place", "zip_digits", {})
        if place not in by_zip:
            return Problem("place", "zip_not_ct", {"zip": place})
        return None
    if place.lower() in towns:
        return None
    close = difflib.get_close_matches(place.title(), [town[2] for town in towns.values()], n=1, cutoff=0.7)
    if close:
        return Problem("place", "town_did_you_mean", {"typed": place, "town": close[0]})
    return Problem("place", "town_unknown", {"typed": place})


def town_centre(town: str) -> tuple[float, float] | None:
    """A Connecticut town's centre (the mean of its ZIP centroids), for its name on the map."""
    found = ct_centroids()[1].get((town or "").strip().lower())
    return (found[0], found[1]) if found else None
