"""The HSDS 3.0 API's rules: what a request may ask for, the page envelope, and how a directory
row is written as an HSDS object (Open Referral's `schema/openapi.json` and compiled schemas).

No transport and no database here: the web layer hands in the query string's values, the store
hands in rows; this says whether the request is good (and what is wrong when it is not) and what
the answer looks like.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/v3.0/"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000  # list form
MAX_FULL_PER_PAGE = 200  # fully nested objects are heavier
MAX_MINIMAL_PER_PAGE = 100_000  # ids and dates: the spec asks for all of them in one call
MAX_PAGE = 1_000_000
MAX_SEARCH = 200
MAX_ID = 100  # the longest id any directory table holds (taxonomy terms)
MAX_PROXIMITY_METRES = 200_000  # across the state and a bit beyond
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
_ZIP = re.compile(r"\d{5}")
_ID = re.compile(r"[^\x00-\x1f\x7f]+")

# Parameters each list endpoint takes (openapi.json), beyond page, per_page and format.
LIST_PARAMETERS: dict[str, frozenset[str]] = {
    "services": frozenset(
        {"search", "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "minimal", "full"}
    ),
    "service_at_locations": frozenset(
        {
            "search",
            "taxonomy_term_id",
            "taxonomy_id",
            "organization_id",
            "modified_after",
            "full",
            "postcode",
            "proximity",
        }
    ),
    "organizations": frozenset({"search", "full", "full_service"}),
    "taxonomies": frozenset({"search"}),
    "taxonomy_terms": frozenset({"search", "taxonomy_id", "top_only", "parent_id"}),
}


@dataclass(frozen=True)
class ApiQuery:
    """One list request, checked."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    search: tuple[str, ...] = ()  # words, each must appear
    modified_after: datetime | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    parent_id: str | None = None
    top_only: bool = False
    minimal: bool = False
    full: bool = False
    full_service: bool = False
    postcode: str | None = None
    proximity_metres: float | None = None


@dataclass(frozen=True)
class ApiProblem:
    """What is wrong with one parameter, said so the person writing the client can fix it."""

    parameter: str
    message: str


def read_list_query(endpoint: str, params: Mapping[str, str]) -> ApiQuery | list[ApiProblem]:
    """A list endpoint's query string as an ApiQuery, or every problem with it."""
    allowed = LIST_PARAMETERS[endpoint] | {"page", "per_page", "format"}
    problems: list[ApiProblem] = []
    values: dict[str, Any] = {}
    for name in params:
        if name not in allowed:
            problems.append(ApiProblem(name, f"not a parameter of /{endpoint}: use {', '.join(sorted(allowed))}"))
    page = _whole(params, "page", 1, MAX_PAGE, problems)
    values["minimal"] = _flag(params, "minimal", problems)
    values["full"] = _flag(params, "full", problems)
    values["full_service"] = _flag(params, "full_service", problems)
    values["top_only"] = _flag(params, "top_only", problems)
    if values["minimal"] and values["full"]:
        problems.append(ApiProblem("minimal", "minimal=true and full=true ask for opposite things: give one"))
    most = MAX_MINIMAL_PER_PAGE if values["minimal"] else MAX_FULL_PER_PAGE if values["full"] else MAX_PER_PAGE
    per_page = _whole(params, "per_page", 1, most, problems)
    values["page"] = page or 1
    values["per_page"] = per_page or (MAX_MINIMAL_PER_PAGE if values["minimal"] else DEFAULT_PER_PAGE)
    if params.get("format", "json") != "json":
        problems.append(ApiProblem("format", "only json is served: leave format out or give format=json"))
    search = params.get("search")
    if search is not None:
        if len(search) > MAX_SEARCH:
            problems.append(ApiProblem("search", f"at most {MAX_SEARCH} characters"))
        else:
            values["search"] = tuple(word for word in re.split(r"\s+", search.strip().lower()) if word)
    for name in ("taxonomy_term_id", "taxonomy_id", "organization_id", "parent_id"):
        if name in params:
            values[name] = _identifier(params[name], name, problems)
    if "modified_after" in params:
        values["modified_after"] = _moment(params["modified_after"], problems)
    if "postcode" in params:
        postcode = params["postcode"].strip()
        if _ZIP.fullmatch(postcode[:5]) and (len(postcode) == 5 or re.fullmatch(r"\d{5}-\d{4}", postcode)):
            values["postcode"] = postcode[:5]
        else:
            problems.append(ApiProblem("postcode", "a US ZIP code: five digits, e.g. 06106"))
    if "proximity" in params:
        values["proximity_metres"] = _metres(params["proximity"], problems)
        if "postcode" not in params:
            problems.append(ApiProblem("proximity", "proximity is measured from a postcode's centre: give postcode"))
    return problems if problems else ApiQuery(**values)


def read_id(value: str) -> str | None:
    """A path's id, or None when no record could have it (too long, control characters)."""
    return value if len(value) <= MAX_ID and _ID.fullmatch(value) else None


def _whole(params: Mapping[str, str], name: str, low: int, high: int, problems: list[ApiProblem]) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        problems.append(ApiProblem(name, f"a whole number from {low} to {high:,}"))
        return None
    return int(raw)


def _flag(params: Mapping[str, str], name: str, problems: list[ApiProblem]) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() not in _FALSE:
        problems.append(ApiProblem(name, "true or false"))
    return False


def _identifier(raw: str, name: str, problems: list[ApiProblem]) -> str | None:
    value = raw.strip()
    if not value or read_id(value) is None:
        problems.append(ApiProblem(name, f"an id of at most {MAX_ID} characters"))
        return None
    return value


def _moment(raw: str, problems: list[ApiProblem]) -> datetime | None:
    """ISO 8601: a date, or a date and time with or without its offset (UTC when none is given)."""
    text = raw.strip().replace(" ", "+")  # an unescaped + in a query string arrives as a space
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(ApiProblem("modified_after", "an ISO 8601 date and time, e.g. 2026-11-30T14:00:00Z"))
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _metres(raw: str, problems: list[ApiProblem]) -> float | None:
    try:
        metres = float(raw)
    except ValueError:
        metres = math.nan
    if not 0 < metres <= MAX_PROXIMITY_METRES:  # NaN fails this too
        problems.append(
            ApiProblem("proximity", f"a distance in metres, more than 0 and at most {MAX_PROXIMITY_METRES:,}")
        )
        return None
    return metres


# --- the answers ----------------------------------------------------------------------------------


def page_envelope(contents: list[dict[str, Any]], total_items: int, query: ApiQuery) -> dict[str, Any]:
    """The spec's Page: where this page sits in the whole list, then the page's objects."""
    total_pages = math.ceil(total_items / query.per_page) if total_items else 0
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": query.page,
        "size": len(contents),
        "first_page": query.page == 1,
        "last_page": query.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def about() -> dict[str, str]:
    """The API root: which HSDS it speaks."""
    return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}


# Fields the schemas require that a directory row may leave empty: written as empty text.
_REQUIRED_TEXT: dict[str, tuple[str, ...]] = {
    "organization": ("description",),
    "taxonomy": ("description",),
    "taxonomy_term": ("description",),
}


# Fields the schemas type as numbers that a directory row keeps as text (a phone's extension is digits).
_NUMBERS: dict[str, tuple[str, ...]] = {"phone": ("extension",)}


def hsds_object(table: str, row: Mapping[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    """A row as an HSDS object: its columns in order, empty ones left out (the schemas type every
    field as a value, never null), whole numbers as integers, required text present."""
    out: dict[str, Any] = {}
    for name in columns:
        value = row.get(name)
        if value is None or value == "":
            continue
        if name in _NUMBERS.get(table, ()) and isinstance(value, str):
            if not value.isdigit():
                continue  # not a number the schema could carry
            value = int(value)
        out[name] = int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else value
    for name in _REQUIRED_TEXT.get(table, ()):
        out.setdefault(name, "")
    return out


def stamp_text(moment: datetime | None) -> str | None:
    """A last_modified as the spec writes it: UTC, to the millisecond, e.g. 2026-12-06T20:35:12.123Z."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def metres_to_degrees(metres: float, latitude: float) -> tuple[float, float]:
    """A box around a point, in degrees of latitude and longitude, that holds a circle of `metres`."""
    lat_degrees = metres / 111_320.0
    lon_degrees = metres / (111_320.0 * max(math.cos(math.radians(latitude)), 0.01))
    return lat_degrees, lon_degrees


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))
