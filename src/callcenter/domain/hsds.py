"""Open Referral HSDS 3.0 rows on their own: the tables' fields, the vocabulary, and each row's checks.

The line's own facts (HUSKY, Enhanced Care Clinic, service types, specialties, wait days) travel
as HSDS attributes on a service (or on one service_at_location, which then wins), under the
``ct-access:*`` taxonomy terms below, so a package from elsewhere can carry them.

A row is checked here on its own; whether its references resolve, and duplicates, need the whole
package and the database (``callcenter.store.hsds.check``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from callcenter.domain.errors import ValidationError
from callcenter.domain.phone import parse_phone

# --- Vocabulary ----------------------------------------------------------------------------------

# The line-specific extras, as attribute taxonomy terms on a service (or service_at_location).
TERM_HUSKY = "ct-access:accepts-husky"
TERM_ECC = "ct-access:ecc"
TERM_SERVICE_TYPE = "ct-access:service-type"
TERM_SPECIALTY = "ct-access:specialty"
TERM_WAIT_DAYS = "ct-access:wait-days"


@dataclass(frozen=True)
class Extra:
    kind: str  # "bool", "days" (one value per record) or "list" (one row per value)
    link_type: str
    label: str


EXTRAS: dict[str, Extra] = {
    TERM_HUSKY: Extra("bool", "eligibility", "Accepts HUSKY (Medicaid/CHIP)"),
    TERM_ECC: Extra("bool", "designation", "Enhanced Care Clinic"),
    TERM_SERVICE_TYPE: Extra("list", "service_type", "Service type"),
    TERM_SPECIALTY: Extra("list", "specialty", "Specialty"),
    TERM_WAIT_DAYS: Extra("days", "availability", "Wait for a new patient (days)"),
}

# When a service says nothing about them: a provider is not assumed to take HUSKY or be an ECC.
DEFAULT_ACCEPTS_HUSKY = False
DEFAULT_MIN_AGE_MONTHS = 0
DEFAULT_MAX_AGE_MONTHS = 21 * 12

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
PHONE_TYPES = ("voice", "fax", "cell", "text", "textphone", "video", "pager")
FREQUENCIES = ("WEEKLY", "MONTHLY")
DAY_BITS = {"MO": 1, "TU": 2, "WE": 4, "TH": 8, "FR": 16, "SA": 32, "SU": 64}
DAY_NAMES = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
MAX_AGE_YEARS = 120
MAX_ID = 64
MAX_EXTENSION_DIGITS = 10

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_ZIP = re.compile(r"\d{5}(-\d{4})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?")

# --- Tables --------------------------------------------------------------------------------------

Kind = tuple[type, int | None]  # str, float or int; the longest text the column holds (None: any)


def _fields(**kinds: int | type | None) -> tuple[tuple[str, Kind], ...]:
    """Columns in the database's order: a length is text that long, None any text, float/int a number."""
    return tuple((name, (kind, None) if isinstance(kind, type) else (str, kind)) for name, kind in kinds.items())


_TEXT = None
_ID = MAX_ID


@dataclass(frozen=True)
class Spec:
    name: str  # the HSDS object name
    file: str  # the datapackage file name
    fields: tuple[tuple[str, Kind], ...]
    refs: tuple[tuple[str, str], ...] = ()  # (column, parent table)
    required: tuple[str, ...] = ()
    needs_parent: bool = False  # at least one of refs must be set

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.fields)

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        return dict(self.fields)


SPECS: tuple[Spec, ...] = (
    Spec(
        "organization",
        "organizations.csv",
        _fields(id=_ID, name=200, alternate_name=200, description=_TEXT, email=200, website=400),
        required=("name",),
    ),
    Spec(
        "service",
        "services.csv",
        _fields(
            id=_ID,
            organization_id=_ID,
            name=200,
            alternate_name=200,
            description=_TEXT,
            url=400,
            email=200,
            status=20,
            application_process=_TEXT,
            fees_description=_TEXT,
            wait_time=200,
            fees=_TEXT,
            eligibility_description=_TEXT,
            minimum_age=float,
            maximum_age=float,
        ),
        refs=(("organization_id", "organization"),),
        required=("name", "organization_id"),
    ),
    Spec(
        "location",
        "locations.csv",
        _fields(
            id=_ID,
            location_type=20,
            organization_id=_ID,
            name=200,
            alternate_name=200,
            description=_TEXT,
            url=400,
            latitude=float,
            longitude=float,
        ),
        refs=(("organization_id", "organization"),),
    ),
    Spec(
        "address",
        "addresses.csv",
        _fields(
            id=_ID,
            location_id=_ID,
            attention=200,
            address_1=200,
            address_2=200,
            city=80,
            region=80,
            state_province=40,
            postal_code=20,
            country=40,
            address_type=20,
        ),
        refs=(("location_id", "location"),),
        required=("location_id",),
    ),
    Spec(
        "service_at_location",
        "service_at_locations.csv",
        _fields(id=_ID, service_id=_ID, location_id=_ID, description=_TEXT),
        refs=(("service_id", "service"), ("location_id", "location")),
        required=("service_id", "location_id"),
    ),
    Spec(
        "phone",
        "phones.csv",
        _fields(
            id=_ID,
            location_id=_ID,
            service_id=_ID,
            organization_id=_ID,
            service_at_location_id=_ID,
            number=32,
            extension=20,
            type=20,
            description=_TEXT,
        ),
        refs=(
            ("service_at_location_id", "service_at_location"),
            ("service_id", "service"),
            ("location_id", "location"),
            ("organization_id", "organization"),
        ),
        required=("number",),
        needs_parent=True,
    ),
    Spec(
        "schedule",
        "schedules.csv",
        _fields(
            id=_ID,
            service_id=_ID,
            location_id=_ID,
            service_at_location_id=_ID,
            freq=10,
            interval=int,
            byday=100,
            opens_at=16,
            closes_at=16,
            description=_TEXT,
        ),
        refs=(
            ("service_at_location_id", "service_at_location"),
            ("service_id", "service"),
            ("location_id", "location"),
        ),
        needs_parent=True,
    ),
    Spec(
        "language",
        "languages.csv",
        _fields(id=_ID, service_id=_ID, location_id=_ID, name=80, code=20, note=_TEXT),
        refs=(("service_id", "service"), ("location_id", "location")),
        needs_parent=True,
    ),
    Spec(
        "taxonomy",
        "taxonomies.csv",
        _fields(id=_ID, name=200, description=_TEXT, uri=400, version=40),
        required=("name",),
    ),
    # parent_id is kept as given: a term may come before its parent, or its parent be left out.
    Spec(
        "taxonomy_term",
        "taxonomy_terms.csv",
        _fields(
            id=100,
            code=100,
            name=200,
            description=_TEXT,
            parent_id=100,
            taxonomy=200,
            language=20,
            taxonomy_id=_ID,
            term_uri=400,
        ),
        refs=(("taxonomy_id", "taxonomy"),),
        required=("name",),
    ),
    Spec(
        "attribute",
        "attributes.csv",
        _fields(id=_ID, link_id=_ID, link_type=40, link_entity=40, taxonomy_term_id=100, label=200, value=_TEXT),
        required=("link_id", "taxonomy_term_id"),
    ),
)
SPEC = {spec.name: spec for spec in SPECS}
# Tables an attribute may describe (its link_entity).
LINKABLE = tuple(spec.name for spec in SPECS if spec.name not in ("attribute", "taxonomy", "taxonomy_term"))
CHILD_TABLES = ("address", "phone", "schedule", "language", "attribute")

# --- One row -------------------------------------------------------------------------------------


def clean_value(spec: Spec, name: str, value: Any) -> tuple[Any, str | None]:
    """One cell as its column holds it (str, float, int or None), or None and what is wrong with it."""
    if isinstance(value, (dict, list)):
        return None, f"{name} is {kind_of(value)}; expected a single value"
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None, None
    if value is None:
        return None, None
    kind, length = spec.kinds[name]
    if kind is str and isinstance(value, str):
        if length and len(value) > length:
            return None, f"{name} is longer than {length} characters"
        return value, None
    if kind is float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None, f"{name} {value!r} is not a number"
        if not math.isfinite(number):
            return None, f"{name} {value!r} is not a number"
        return number, None
    if kind is int:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None, f"{name} {value!r} is not a whole number"
        if not number.is_integer():
            return None, f"{name} {value!r} is not a whole number"
        return int(number), None
    text = number_text(value) if isinstance(value, (int, float)) else str(value)
    if length and len(text) > length:
        return None, f"{name} is longer than {length} characters"
    return text, None


def check_row(table: str, values: Mapping[str, Any], found: Sequence[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """A row of ``table`` cleaned and normalised, and what is wrong with it on its own.

    ``found`` are problems met while reading the row (a JSON parent without an id): they come
    first, and such a row is not also called linked to nothing nor missing its link.
    """
    spec = SPEC[table]
    problems = list(found)
    row: dict[str, Any] = {}
    for name in spec.columns:
        row[name], problem = clean_value(spec, name, values.get(name))
        if problem:
            problems.append(problem)
    if row["id"] is None:  # an id too long for its column was told above and left empty
        problems.insert(0, f"missing {table} id")
    links = {column for column, _ in spec.refs}
    for name in spec.required:
        if row.get(name) is None and not any(p.startswith(f"{name} ") for p in problems):
            if not (found and name in links):  # what was found says why the link is missing
                problems.append(f"missing {name}")
    if spec.needs_parent and not any(row.get(column) for column, _ in spec.refs) and not found:
        problems.append(f"linked to nothing: set one of {', '.join(column for column, _ in spec.refs)}")
    check = _CHECKS.get(table)
    if check:
        check(row, problems)
    return row, problems


def _check_email(row: dict[str, Any], problems: list[str]) -> None:
    if row.get("email") and not _EMAIL.fullmatch(row["email"]):
        problems.append(f"email {row['email']!r} is not an e-mail address")


def _check_service(row: dict[str, Any], problems: list[str]) -> None:
    _check_email(row, problems)
    status = (row.get("status") or "active").lower()
    if status not in SERVICE_STATUSES:
        problems.append(f"status {row['status']!r} is not one of {', '.join(SERVICE_STATUSES)}")
    row["status"] = status
    low, high = row.get("minimum_age"), row.get("maximum_age")
    for name, age in (("minimum_age", low), ("maximum_age", high)):
        if age is not None and not 0 <= age <= MAX_AGE_YEARS:
            problems.append(f"bad age: {name} {number_text(age)} is not between 0 and {MAX_AGE_YEARS} years")
    if low is not None and high is not None and low > high:
        problems.append(f"bad age range: minimum_age {number_text(low)} is above maximum_age {number_text(high)}")


def _check_location(row: dict[str, Any], problems: list[str]) -> None:
    kind = (row.get("location_type") or "physical").lower()
    if kind not in LOCATION_TYPES:
        problems.append(f"location_type {row['location_type']!r} is not one of {', '.join(LOCATION_TYPES)}")
    row["location_type"] = kind
    lat, lon = row.get("latitude"), row.get("longitude")
    if lat is not None and not -90 <= lat <= 90:
        problems.append(f"bad latitude {number_text(lat)}: must be between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        problems.append(f"bad longitude {number_text(lon)}: must be between -180 and 180")
    if (lat is None) != (lon is None) and not any("latitude" in p or "longitude" in p for p in problems):
        problems.append("latitude and longitude go together: give both or neither")


def _check_address(row: dict[str, Any], problems: list[str]) -> None:
    kind = (row.get("address_type") or "physical").lower()
    if kind not in LOCATION_TYPES:
        problems.append(f"address_type {row['address_type']!r} is not one of {', '.join(LOCATION_TYPES)}")
    row["address_type"] = kind
    code = row.get("postal_code")
    country = (row.get("country") or "US").upper()
    if code and country in ("US", "USA", "UNITED STATES") and not is_zip_code(code):
        hint = ""
        if code.isdigit() and len(code) in (3, 4):
            hint = f" (a spreadsheet may have dropped its leading zeros: {code.zfill(5)}?)"
        problems.append(f"bad postal code {code!r}: a US ZIP code has 5 digits, e.g. 06106{hint}")


def _check_phone(row: dict[str, Any], problems: list[str]) -> None:
    number = row.get("number")
    if number:
        try:
            e164 = parse_phone(number, "number")
        except ValidationError as error:
            problems.append(f"bad phone number: {error.message}")
        else:
            base, _, ext = e164.partition(";ext=")
            row["number"] = base
            if ext and not row.get("extension"):
                row["extension"] = ext
    extension = row.get("extension")
    if extension:
        digits = re.sub(r"^(ext\.?|x)\s*", "", extension.lower())
        if not digits.isdigit() or len(digits) > MAX_EXTENSION_DIGITS:
            problems.append(f"bad extension {extension!r}: digits only, at most {MAX_EXTENSION_DIGITS}")
        else:
            row["extension"] = digits
    if row.get("type"):
        kind = row["type"].lower()
        if kind not in PHONE_TYPES:
            problems.append(f"phone type {row['type']!r} is not one of {', '.join(PHONE_TYPES)}")
        row["type"] = kind


def _check_schedule(row: dict[str, Any], problems: list[str]) -> None:
    if row.get("freq"):
        freq = row["freq"].upper()
        if freq not in FREQUENCIES:
            problems.append(f"freq {row['freq']!r} is not WEEKLY or MONTHLY")
        row["freq"] = freq
    if row.get("interval") is not None and row["interval"] < 1:
        problems.append(f"interval {row['interval']} must be 1 or more")
    if row.get("byday"):
        days = [part.strip().upper() for part in row["byday"].split(",") if part.strip()]
        wrong = [day for day in days if not _DAY.fullmatch(day)]
        if wrong:
            problems.append(f"byday {row['byday']!r}: {', '.join(wrong)} is not a day (MO, TU, WE, TH, FR, SA, SU)")
        row["byday"] = ",".join(days) or None
    opens = closes = None
    for name in ("opens_at", "closes_at"):
        if row.get(name):
            minute = minute_of(row[name], closing=name == "closes_at")
            if minute is None:
                problems.append(f"{name} {row[name]!r} is not a time of day (HH:MM, e.g. 09:00 or 17:30)")
            elif name == "opens_at":
                opens = minute
            else:
                closes = minute
    if opens is not None and closes is not None and closes <= opens:
        problems.append(
            f"closes_at {row['closes_at']} is not after opens_at {row['opens_at']} "
            "(hours past midnight: split them into two schedules)"
        )


def _check_language(row: dict[str, Any], problems: list[str]) -> None:
    if not row.get("name") and not row.get("code"):
        problems.append("missing language name (or code)")


def _check_attribute(row: dict[str, Any], problems: list[str]) -> None:
    entity = (row.get("link_entity") or "").lower() or None
    if entity is not None and entity not in LINKABLE:
        problems.append(f"link_entity {row['link_entity']!r} is not kept by this directory ({', '.join(LINKABLE)})")
    row["link_entity"] = entity
    extra = EXTRAS.get(row.get("taxonomy_term_id") or "")
    if extra is None:
        return
    term, value = row["taxonomy_term_id"], row.get("value")
    if extra.kind == "bool":
        flag = boolean(value)
        if flag is None:
            problems.append(f"{term} value {value!r} is not true or false (use true/false, yes/no or 1/0)")
        else:
            row["value"] = "true" if flag else "false"
    elif extra.kind == "days":
        if value is None or not value.isdigit():
            problems.append(f"{term} value {value!r} is not a whole number of days (0 or more)")
        else:
            row["value"] = str(int(value))
    elif value is None:
        problems.append(f"{term} needs a value")


# Each normalises its row in place and adds what is wrong to the problems found so far.
_CHECKS: dict[str, Callable[[dict[str, Any], list[str]], None]] = {
    "organization": _check_email,
    "service": _check_service,
    "location": _check_location,
    "address": _check_address,
    "phone": _check_phone,
    "schedule": _check_schedule,
    "language": _check_language,
    "attribute": _check_attribute,
}

# --- Copies of one record ------------------------------------------------------------------------


def merge_copies(table: str, kept: Mapping[str, Any], copy: Mapping[str, Any]) -> dict[str, Any] | None:
    """Two checked copies of one record, as a JSON package nests it under several parents (the same
    phone under the organization, the service, the location and the service_at_location): one record
    linked everywhere either copy is. Nesting sets the link to the parent it sits under, so copies of
    one record differ only in which links they set. None when they really differ: another value in
    a field, or two different parents for the same link."""
    links = {column for column, _ in SPEC[table].refs}
    merged = dict(kept)
    for name, value in copy.items():
        if merged.get(name) == value or (name in links and value is None):
            continue
        if name in links and merged.get(name) is None:
            merged[name] = value
            continue
        return None
    return merged


# --- HSDS 1.1 tables -----------------------------------------------------------------------------

# HSDS 1.1 tables whose rows this directory keeps under their 3.0 table: 1.1 name -> (table, file).
# (1.1 ``postal_addresses`` are mailing addresses, not where a family goes: not kept.)
LEGACY_TABLES: dict[str, tuple[str, str]] = {
    "physical_address": ("address", "physical_addresses.csv"),
    "regular_schedule": ("schedule", "regular_schedules.csv"),
}
_WEEKDAYS = {
    name: code
    for code, names in {
        "MO": ("monday", "mon", "mo"),
        "TU": ("tuesday", "tue", "tues", "tu"),
        "WE": ("wednesday", "wed", "we"),
        "TH": ("thursday", "thu", "thur", "thurs", "th"),
        "FR": ("friday", "fri", "fr"),
        "SA": ("saturday", "sat", "sa"),
        "SU": ("sunday", "sun", "su"),
    }.items()
    for name in names
}


def from_hsds_1_1(table: str, values: dict[str, Any], legacy: str | None = None) -> list[str]:
    """A row as an HSDS 1.1 package writes it, as the 3.0 table keeps it (in place); what cannot be
    carried over soundly. ``legacy`` is the 1.1 table the row came from (``LEGACY_TABLES``).

    - languages: 1.1 names the language in ``language``; 3.0 in ``name``.
    - organizations: 1.1 gives the website as ``url``; 3.0 as ``website``.
    - physical_addresses: 3.0 has no ``address_3``/``address_4``: they join ``address_2``.
    - regular_schedules: one ``weekday`` per row becomes a weekly ``byday``. 1.1 leaves the day's
      form open, so a day's name is taken and a number (is 1 a Sunday or a Monday?) is refused.
    """
    problems: list[str] = []
    if table == "language" and is_blank(values.get("name")) and not is_blank(values.get("language")):
        values["name"] = values["language"]
    if table == "organization" and is_blank(values.get("website")) and not is_blank(values.get("url")):
        values["website"] = values["url"]
    if legacy == "physical_address":
        lines = [
            str(values.get(n)).strip() for n in ("address_2", "address_3", "address_4") if not is_blank(values.get(n))
        ]
        values["address_2"] = ", ".join(lines) or None
        if is_blank(values.get("address_type")):
            values["address_type"] = "physical"
    if legacy == "regular_schedule" and is_blank(values.get("byday")) and not is_blank(values.get("weekday")):
        weekday = str(values["weekday"]).strip()
        days = [_WEEKDAYS.get(part.strip().lower().rstrip(".")) for part in weekday.split(",") if part.strip()]
        if days and all(days):
            values["byday"] = ",".join(day for day in days if day)
            if is_blank(values.get("freq")):
                values["freq"] = "WEEKLY"
        else:
            problems.append(
                f"weekday {weekday!r} is not a day's name, and HSDS 1.1 does not say which day a number is "
                "(is 1 a Sunday or a Monday?): write the day's name (Monday ... Sunday) in the weekday column, "
                "or rename the column to byday and write the days as MO, TU, WE, TH, FR, SA, SU"
            )
    return problems


# --- Values --------------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def kind_of(value: Any) -> str:
    """A JSON value's kind, as a message names it."""
    return {list: "a list", dict: "an object", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def is_zip_code(text: str) -> bool:
    return _ZIP.fullmatch(text) is not None


def boolean(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def minute_of(text: str, *, closing: bool = False) -> int | None:
    """Minutes after midnight of an HSDS time (HH:MM[:SS], any zone suffix ignored: line time)."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not closing)):
        return None
    value = hour * 60 + minute
    return 24 * 60 if closing and value == 0 else value


def number_text(value: float | int) -> str:
    """A number as a person wrote it: 18, not 18.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)
