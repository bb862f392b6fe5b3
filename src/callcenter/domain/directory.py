"""Provider lookup rules: what a rep asks for, how far is near, who can meet the deadline."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from callcenter.domain.errors import ValidationError
from callcenter.domain.intake_rules import ACCESS_STANDARD
from callcenter.domain.model import Urgency
from callcenter.domain.timefmt import line_zone

SERVICE_TYPES = (
    "outpatient",
    "mobile crisis",
    "care coordination",
    "intensive in-home",
    "early childhood",
    "substance use",
)
RADII_MILES = (5, 10, 25, 50)
MILES_PER_DEGREE_LATITUDE = 69.0
MIN_TERM = 2
MAX_TERMS = 6
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class LookupQuery:
    text: str = ""
    place: str = ""  # a Connecticut town or ZIP code: the centre of the radius
    radius_miles: float | None = None
    service_type: str | None = None
    age_months: int | None = None
    husky_only: bool = False
    language: str | None = None
    ecc_only: bool = False
    open_now: bool = False
    urgency: Urgency | None = None


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float
    label: str


def search_terms(text: str) -> list[str]:
    """Lower-case words of at least two letters, at most six: what the database is asked for."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    return [w for w in words if len(w) >= MIN_TERM][:MAX_TERMS]


@cache
def ct_centroids() -> tuple[dict[str, tuple[float, float, str]], dict[str, tuple[float, float, str]]]:
    import zipcodes

    by_zip: dict[str, tuple[float, float, str]] = {}
    by_town: dict[str, list[tuple[float, float]]] = {}
    for place in zipcodes.filter_by(state="CT"):  # type: ignore[no-untyped-call]  # zipcodes has no types
        if not place.get("lat"):
            continue
        point = (float(place["lat"]), float(place["long"]))
        by_zip[place["zip_code"]] = (*point, place["city"])
        by_town.setdefault(place["city"], []).append(point)
    towns = {
        name.lower(): (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts), name)
        for name, pts in by_town.items()
    }
    return by_zip, towns


def origin_of(place: str) -> Origin | None:
    """The centre for a distance search: a CT ZIP centroid, or the mean of a town's ZIPs."""
    text = " ".join((place or "").split())
    if not text:
        return None
    by_zip, towns = ct_centroids()
    if text[:5].isdigit():
        found = by_zip.get(text[:5])
        if found is None:
            raise ValidationError(f"{text[:5]} is not a Connecticut ZIP code.", "place")
        return Origin(found[0], found[1], f"{found[2]} {text[:5]}")
    found = towns.get(text.lower())
    if found is None:
        import difflib

        close = difflib.get_close_matches(text.title(), [t[2] for t in towns.values()], n=1, cutoff=0.7)
        hint = f"; did you mean {close[0]}?" if close else "; type a Connecticut town or ZIP code."
        raise ValidationError(f"No Connecticut town {text!r}{hint}", "place")
    return Origin(found[0], found[1], found[2])


def miles_per_degree_longitude(latitude: float) -> float:
    return MILES_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude))


def distance_miles(origin: Origin, latitude: float, longitude: float) -> float:
    """Equirectangular distance: within a state it is as good as great-circle, and SQL can do it."""
    dy = (latitude - origin.latitude) * MILES_PER_DEGREE_LATITUDE
    dx = (longitude - origin.longitude) * miles_per_degree_longitude(origin.latitude)
    return math.hypot(dx, dy)


def max_wait_days(urgency: Urgency | None) -> int | None:
    """A provider whose wait for a new patient fits inside the access standard can meet it."""
    if urgency is None:
        return None
    return ACCESS_STANDARD[Urgency(urgency)].days


def weekday_bit(moment: datetime) -> int:
    return 1 << moment.astimezone(line_zone()).weekday()


def minute_of_day(moment: datetime) -> int:
    local = moment.astimezone(line_zone())
    return local.hour * 60 + local.minute


def why_matched(
    *,
    distance: float | None,
    is_ecc: bool,
    wait_days: int | None,
    meets: bool | None,
    urgency: Urgency | None,
    named: bool | None = None,
) -> str:
    """The line a rep reads out to explain a result's place in the list."""
    parts = []
    if named:
        parts.append("words in name or specialties")
    if distance is not None:
        parts.append(f"{distance:.1f} mi")
    if is_ecc:
        parts.append("ECC: emergency 2 h · urgent 2 days · routine 2 weeks")
    if wait_days is not None:
        parts.append("no wait" if wait_days == 0 else f"wait {wait_days} day{'s' if wait_days != 1 else ''}")
    if urgency is not None and meets is not None:
        parts.append(f"meets {Urgency(urgency).value} deadline" if meets else f"cannot meet {Urgency(urgency).value}")
    return " · ".join(parts)


def query_for_intake(clean: Mapping[str, Any], today: date) -> LookupQuery:
    """A lookup prefilled from what the intake knows: place, age, insurance, language, urgency."""
    from callcenter.domain.validation import age_in_months

    born = clean.get("child_dob")
    language = clean.get("child_language")
    urgency = clean.get("urgency")
    return LookupQuery(
        place=clean.get("child_zip") or clean.get("child_town") or "",
        radius_miles=25 if (clean.get("child_zip") or clean.get("child_town")) else None,
        age_months=age_in_months(born, today) if born else None,
        husky_only=clean.get("insurance") in ("husky_a", "husky_b"),
        language=language if language and language.lower() != "english" else None,
        urgency=Urgency(urgency) if urgency else None,
    )
