"""The console's provider search rows, derived from the HSDS rows: one per service_at_location."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from callcenter.domain.hsds import (
    DAY_BITS,
    DAY_NAMES,
    DEFAULT_ACCEPTS_HUSKY,
    DEFAULT_MAX_AGE_MONTHS,
    DEFAULT_MIN_AGE_MONTHS,
    EXTRAS,
    TERM_ECC,
    TERM_HUSKY,
    TERM_SERVICE_TYPE,
    TERM_SPECIALTY,
    TERM_WAIT_DAYS,
    boolean,
    is_zip_code,
    minute_of,
)
from callcenter.store.hsds.report import TableCount
from callcenter.store.hsds.tables import SPEC, chunks
from callcenter.store.models import Provider


@dataclass
class Bundle:
    """HSDS rows (plain dicts keyed by id) enough to derive providers for some service_at_locations."""

    organization: dict[str, dict] = field(default_factory=dict)
    service: dict[str, dict] = field(default_factory=dict)
    location: dict[str, dict] = field(default_factory=dict)
    address: dict[str, dict] = field(default_factory=dict)
    service_at_location: dict[str, dict] = field(default_factory=dict)
    phone: dict[str, dict] = field(default_factory=dict)
    schedule: dict[str, dict] = field(default_factory=dict)
    language: dict[str, dict] = field(default_factory=dict)
    taxonomy: dict[str, dict] = field(default_factory=dict)
    taxonomy_term: dict[str, dict] = field(default_factory=dict)
    attribute: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def of(cls, tables: Mapping[str, Iterable[Mapping[str, Any]]]) -> Bundle:
        bundle = cls()
        for name, rows in tables.items():
            getattr(bundle, name).update((row["id"], dict(row)) for row in rows)
        return bundle


def load_bundle(session: Session, sal_ids: list[str]) -> Bundle:
    """From the database: every row the providers of these service_at_locations read."""
    bundle = Bundle()

    def load(name: str, column: str, ids: Iterable[str]) -> None:
        table = SPEC[name].table
        target = getattr(bundle, name)
        for chunk in chunks(sorted(set(ids) - {None})):
            for row in session.execute(select(table).where(table.c[column].in_(chunk))).mappings():
                target[row["id"]] = dict(row)

    load("service_at_location", "id", sal_ids)
    load("service", "id", (row["service_id"] for row in bundle.service_at_location.values()))
    load("organization", "id", (row["organization_id"] for row in bundle.service.values()))
    load("location", "id", (row["location_id"] for row in bundle.service_at_location.values()))
    keys = {
        "service_at_location": list(bundle.service_at_location),
        "service": list(bundle.service),
        "location": list(bundle.location),
        "organization": list(bundle.organization),
    }
    load("address", "location_id", keys["location"])
    for name in ("phone", "schedule", "language"):
        for column, parent in SPEC[name].refs:
            load(name, column, keys[parent])
    load("attribute", "link_id", keys["service"] + keys["service_at_location"])
    load("taxonomy_term", "id", (row["taxonomy_term_id"] for row in bundle.attribute.values()))
    return bundle


def derive_providers(bundle: Bundle, sal_ids: Iterable[str], now: datetime) -> list[dict[str, Any]]:
    """The provider search rows (column -> value, no id) for these service_at_locations."""
    by = _Index(bundle)
    return [
        _provider(bundle, by, bundle.service_at_location[sal_id], now)
        for sal_id in sal_ids
        if sal_id in bundle.service_at_location
    ]


class _Index:
    """Children of each record, sorted by id (the order lists keep in the provider row)."""

    def __init__(self, bundle: Bundle) -> None:
        self.children: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
        for name in ("address", "phone", "schedule", "language", "attribute"):
            rows = getattr(bundle, name)
            for row_id in sorted(rows):
                row = rows[row_id]
                if name == "attribute":
                    self.children[(name, row.get("link_entity") or "", row["link_id"])].append(row)
                    continue
                for column, parent in SPEC[name].refs:
                    if row.get(column):
                        self.children[(name, parent, row[column])].append(row)

    def of(self, name: str, parent: str, parent_id: str | None) -> list[dict]:
        return self.children.get((name, parent, parent_id or ""), [])


def _provider(bundle: Bundle, by: _Index, sal: dict, now: datetime) -> dict[str, Any]:
    service = bundle.service[sal["service_id"]]
    organization = bundle.organization.get(service["organization_id"]) or {}
    location = bundle.location.get(sal["location_id"]) or {}
    addresses = by.of("address", "location", location.get("id"))
    address = next((a for a in addresses if a.get("address_type") in (None, "physical")), None) or (
        addresses[0] if addresses else {}
    )
    scalars: dict[str, str] = {}
    lists: dict[str, list[str]] = defaultdict(list)
    categories: list[str] = []
    for entity, record in (("service", service), ("service_at_location", sal)):
        for attribute in by.of("attribute", entity, record["id"]):
            extra = EXTRAS.get(attribute["taxonomy_term_id"])
            if extra is None:
                # A classification: a term the package describes, or a bare label with no value (an
                # attribute with a value is a fact about the service, such as its parking, not a category).
                term = bundle.taxonomy_term.get(attribute["taxonomy_term_id"])
                category = term["name"] if term else attribute.get("label") if attribute.get("value") is None else None
                if category and category not in categories:
                    categories.append(category)
                continue
            if attribute.get("value") is None:
                continue
            if extra.kind == "list":
                if attribute["value"] not in lists[attribute["taxonomy_term_id"]]:
                    lists[attribute["taxonomy_term_id"]].append(attribute["value"])
            else:
                scalars[attribute["taxonomy_term_id"]] = attribute["value"]  # the site's own value wins
    languages = by.of("language", "service", service["id"]) or by.of("language", "location", location.get("id"))
    spoken: list[str] = []
    for language in languages:
        name = language.get("name") or language.get("code")
        if name and name not in spoken:
            spoken.append(name)
    hours = _hours(
        [*by.of("schedule", "service_at_location", sal["id"])]
        or [s for s in by.of("schedule", "service", service["id"]) if not s.get("service_at_location_id")]
        or by.of("schedule", "location", location.get("id"))
    )
    latitude, longitude = location.get("latitude"), location.get("longitude")
    postal = address.get("postal_code") or None
    if postal and is_zip_code(postal):
        postal = postal[:5]
        if latitude is None:
            latitude, longitude = zip_centroid(postal)
    elif postal:
        postal = postal[:10]
    street = ", ".join(part for part in (address.get("address_1"), address.get("address_2")) if part) or None
    wait = scalars.get(TERM_WAIT_DAYS)
    husky, ecc = boolean(scalars.get(TERM_HUSKY)), boolean(scalars.get(TERM_ECC))
    low, high = service.get("minimum_age"), service.get("maximum_age")
    return {
        "hsds_id": sal["id"],
        "name": service["name"],
        "organization": organization.get("name"),
        "description": service.get("description") or sal.get("description"),
        "service_types": _fit(lists[TERM_SERVICE_TYPE], 400),
        "specialties": _fit(lists[TERM_SPECIALTY], 400),
        "taxonomy": _fit(categories, 400),
        "languages": _fit(spoken, 200),
        "address": street[:200] if street else None,
        "town": address.get("city"),
        "zip_code": postal,
        "latitude": latitude,
        "longitude": longitude,
        "phone_number": _phone(by, sal, service, location, organization),
        "accepts_husky": DEFAULT_ACCEPTS_HUSKY if husky is None else husky,
        "is_ecc": bool(ecc),
        "min_age_months": DEFAULT_MIN_AGE_MONTHS if low is None else round(low * 12),
        "max_age_months": DEFAULT_MAX_AGE_MONTHS if high is None else round(high * 12),
        "wait_days": int(wait) if wait is not None and wait.isdigit() else None,
        **hours,
        "active": service.get("status") == "active",
        "updated_at": now,
    }


def _fit(values: list[str], limit: int) -> str:
    """';'-joined, dropping whole values that would not fit the column."""
    kept: list[str] = []
    for value in values:
        if len(";".join([*kept, value])) <= limit:
            kept.append(value)
    return ";".join(kept)


def _phone(by: _Index, sal: dict, service: dict, location: dict, organization: dict) -> str | None:
    for parent, record in (
        ("service_at_location", sal),
        ("service", service),
        ("location", location),
        ("organization", organization),
    ):
        for phone in by.of("phone", parent, record.get("id")):
            if phone.get("type") != "fax":
                return phone["number"] + (f";ext={phone['extension']}" if phone.get("extension") else "")
    return None


def _hours(schedules: list[dict]) -> dict[str, Any]:
    """Opening hours as a rep reads them, and in searchable form (weekday bits, minutes)."""
    if not schedules:
        return {"hours": None, "open_days": 0, "opens_minute": None, "closes_minute": None}
    days = 0
    opens: list[int] = []
    closes: list[int] = []
    texts: list[str] = []
    for schedule in schedules:
        weekly = (schedule.get("freq") or "WEEKLY") == "WEEKLY"
        codes = [part for part in (schedule.get("byday") or "").split(",") if part]
        plain = [code for code in codes if code in DAY_BITS]
        if weekly:
            days |= sum(DAY_BITS[code] for code in set(plain)) if codes else 127
        start = minute_of(schedule["opens_at"]) if schedule.get("opens_at") else None
        end = minute_of(schedule["closes_at"], closing=True) if schedule.get("closes_at") else None
        if weekly and start is not None and end is not None:
            opens.append(start)
            closes.append(end)
        texts.append(schedule.get("description") or _describe(codes, start, end))
    text = "; ".join(t for t in texts if t)
    return {
        "hours": (text[:197] + "...") if len(text) > 200 else (text or None),
        "open_days": days,
        "opens_minute": min(opens) if opens else None,
        "closes_minute": max(closes) if closes else None,
    }


def _describe(codes: list[str], start: int | None, end: int | None) -> str:
    order = list(DAY_BITS)
    plain = sorted((code for code in codes if code in DAY_BITS), key=order.index)
    if start == 0 and end == 24 * 60 and (not codes or len(plain) == 7):
        return "24 hours, 7 days"
    if not codes or len(plain) == 7:
        days = "Daily"
    elif (
        len(plain) == len(codes) and len(plain) > 2 and order.index(plain[-1]) - order.index(plain[0]) == len(plain) - 1
    ):
        days = f"{DAY_NAMES[plain[0]]}-{DAY_NAMES[plain[-1]]}"
    else:
        days = ", ".join(DAY_NAMES.get(code[-2:], code) if code in DAY_BITS else code for code in codes)
    if start is None or end is None:
        return days
    return f"{days} {start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def zip_centroid(code: str) -> tuple[float | None, float | None]:
    import zipcodes

    try:
        found = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None, None
    if found and found[0].get("lat"):
        return float(found[0]["lat"]), float(found[0]["long"])
    return None, None


PROVIDER_COLUMNS = tuple(c.name for c in Provider.__table__.columns if c.name not in ("id", "updated_at"))


def upsert_providers(session: Session, bundle: Bundle, sal_ids: list[str], now: datetime) -> TableCount:
    """Write the derived rows, keyed on hsds_id: a row is updated only when what a rep sees changed."""
    count = TableCount()
    derived = derive_providers(bundle, sal_ids, now)
    table = Provider.__table__
    existing: dict[str, dict[str, Any]] = {}
    for chunk in chunks([row["hsds_id"] for row in derived]):
        for found in session.execute(select(table).where(table.c.hsds_id.in_(chunk))).mappings():
            existing[found["hsds_id"]] = dict(found)
    new, changed = [], []
    for row in derived:
        old = existing.get(row["hsds_id"])
        if old is None:
            new.append(row)
        elif any(old[name] != row[name] for name in PROVIDER_COLUMNS):
            changed.append({"id": old["id"], **row})
    if new:
        session.execute(insert(table), new)
    if changed:
        session.execute(update(Provider), changed)
    count.imported, count.updated = len(new), len(changed)
    count.unchanged = len(derived) - len(new) - len(changed)
    return count
