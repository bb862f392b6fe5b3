"""The directory as the HSDS 3.0 API serves it: a page of records at a time, list or nested form.

Only the directory's own tables are read (the `hsds_*` tables and the provider rows' places):
nothing about callers, children or staff can reach an answer. Each page is a handful of queries
whatever its size: the page's records, then each kind of child for all of them at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from callcenter.domain.hsds_api import (
    ApiQuery,
    distance_metres,
    hsds_object,
    metres_to_degrees,
    page_envelope,
    stamp_text,
)
from callcenter.store.db import Database
from callcenter.store.hsds.providers import zip_centroid
from callcenter.store.hsds.tables import SPEC
from callcenter.store.models import Provider

T = {name: spec.table for name, spec in SPEC.items()}
SERVICE, ORGANIZATION, LOCATION, SAL = T["service"], T["organization"], T["location"], T["service_at_location"]
ATTRIBUTE, TERM, TAXONOMY = T["attribute"], T["taxonomy_term"], T["taxonomy"]


class UnknownPostcode(ValueError):
    """A proximity asked around a ZIP code no map knows."""


# --- lists ----------------------------------------------------------------------------------------


def services_page(db: Database, query: ApiQuery) -> dict[str, Any]:
    with db.read() as session:
        where = _service_filters(query)
        total = session.scalar(select(func.count()).select_from(SERVICE).where(*where)) or 0
        if query.minimal:
            rows = session.execute(
                _paged(select(SERVICE.c.id, SERVICE.c.last_modified).where(*where), SERVICE.c.id, query)
            ).all()
            contents = [{"id": row.id, "last_modified": stamp_text(row.last_modified)} for row in rows]
            return page_envelope(contents, total, query)
        services = _rows(session, _paged(select(SERVICE).where(*where), SERVICE.c.id, query))
        nest = _Nesting(session)
        contents = nest.services_full(services) if query.full else nest.services_listed(services)
        return page_envelope(contents, total, query)


def service_at_locations_page(db: Database, query: ApiQuery) -> dict[str, Any]:
    with db.read() as session:
        where = [SAL.c.service_id == SERVICE.c.id, *_service_filters(query)]
        near = _near_sals(session, query)
        if near is not None:
            total = len(near)
            ids = near[(query.page - 1) * query.per_page : query.page * query.per_page]
            sals = _by_ids(session, SAL, ids) if ids else []
        else:
            base = select(SAL).where(*where)
            if query.postcode:
                base = base.where(SAL.c.id.in_(select(Provider.hsds_id).where(Provider.zip_code == query.postcode)))
            total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
            sals = _rows(session, _paged(base, SAL.c.id, query))
        nest = _Nesting(session)
        contents = nest.sals_full(sals) if query.full else nest.sals_listed(sals)
        return page_envelope(contents, total, query)


def organizations_page(db: Database, query: ApiQuery) -> dict[str, Any]:
    with db.read() as session:
        where = [_words(query.search, ORGANIZATION.c.name, ORGANIZATION.c.alternate_name, ORGANIZATION.c.description)]
        total = session.scalar(select(func.count()).select_from(ORGANIZATION).where(*where)) or 0
        organizations = _rows(session, _paged(select(ORGANIZATION).where(*where), ORGANIZATION.c.id, query))
        nest = _Nesting(session)
        if query.full or query.full_service:
            contents = nest.organizations_full(organizations, full_service=query.full_service)
        else:
            contents = [_obj("organization", row) for row in organizations]
        return page_envelope(contents, total, query)


def taxonomies_page(db: Database, query: ApiQuery) -> dict[str, Any]:
    with db.read() as session:
        where = [_words(query.search, TAXONOMY.c.name, TAXONOMY.c.description)]
        total = session.scalar(select(func.count()).select_from(TAXONOMY).where(*where)) or 0
        rows = _rows(session, _paged(select(TAXONOMY).where(*where), TAXONOMY.c.id, query))
        return page_envelope([_obj("taxonomy", row) for row in rows], total, query)


def taxonomy_terms_page(db: Database, query: ApiQuery) -> dict[str, Any]:
    with db.read() as session:
        where: list[ColumnElement] = [_words(query.search, TERM.c.name, TERM.c.code, TERM.c.description)]
        if query.taxonomy_id:
            where.append(TERM.c.taxonomy_id == query.taxonomy_id)
        if query.parent_id:
            where.append(TERM.c.parent_id == query.parent_id)
        if query.top_only:
            where.append(or_(TERM.c.parent_id.is_(None), TERM.c.parent_id == ""))
        total = session.scalar(select(func.count()).select_from(TERM).where(*where)) or 0
        rows = _rows(session, _paged(select(TERM).where(*where), TERM.c.id, query))
        return page_envelope(_Nesting(session).terms(rows), total, query)


# --- single records ---------------------------------------------------------------------------------


def service(db: Database, service_id: str) -> dict[str, Any] | None:
    with db.read() as session:
        rows = _by_ids(session, SERVICE, [service_id])
        return _Nesting(session).services_full(rows)[0] if rows else None


def service_at_location(db: Database, sal_id: str) -> dict[str, Any] | None:
    with db.read() as session:
        rows = _by_ids(session, SAL, [sal_id])
        return _Nesting(session).sals_full(rows)[0] if rows else None


def organization(db: Database, organization_id: str, full_service: bool = False) -> dict[str, Any] | None:
    with db.read() as session:
        rows = _by_ids(session, ORGANIZATION, [organization_id])
        return _Nesting(session).organizations_full(rows, full_service=full_service)[0] if rows else None


def taxonomy(db: Database, taxonomy_id: str) -> dict[str, Any] | None:
    with db.read() as session:
        rows = _by_ids(session, TAXONOMY, [taxonomy_id])
        return _obj("taxonomy", rows[0]) if rows else None


def taxonomy_term(db: Database, term_id: str) -> dict[str, Any] | None:
    with db.read() as session:
        rows = _by_ids(session, TERM, [term_id])
        return _Nesting(session).terms(rows)[0] if rows else None


def last_change(db: Database) -> datetime | None:
    """When any service last changed: the newest moment a service answer can depend on."""
    with db.read() as session:
        return session.scalar(select(func.max(SERVICE.c.last_modified)))


# --- filters and paging -------------------------------------------------------------------------------


def _paged(statement, key, query: ApiQuery):
    return statement.order_by(key).offset((query.page - 1) * query.per_page).limit(query.per_page)


def _rows(session: Session, statement) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(statement).mappings()]


def _by_ids(session: Session, table, ids: list[str]) -> list[dict[str, Any]]:
    found = {row["id"]: row for row in _rows(session, select(table).where(table.c.id.in_(ids)))}
    return [found[key] for key in ids if key in found]


def _like(column, word: str) -> ColumnElement:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _words(words: tuple[str, ...], *columns) -> ColumnElement:
    """Every word appears in one of the columns (case does not matter)."""
    return and_(true(), *(or_(*(_like(column, word) for column in columns)) for word in words))


def _service_filters(query: ApiQuery) -> list[ColumnElement]:
    where: list[ColumnElement] = []
    for word in query.search:
        named = select(ORGANIZATION.c.id).where(_like(ORGANIZATION.c.name, word))
        where.append(
            or_(
                _like(SERVICE.c.name, word),
                _like(SERVICE.c.alternate_name, word),
                _like(SERVICE.c.description, word),
                SERVICE.c.organization_id.in_(named),
            )
        )
    if query.modified_after is not None:
        where.append(SERVICE.c.last_modified >= query.modified_after)
    if query.organization_id:
        where.append(SERVICE.c.organization_id == query.organization_id)
    carries = and_(ATTRIBUTE.c.link_entity == "service", ATTRIBUTE.c.link_id == SERVICE.c.id)
    if query.taxonomy_term_id:
        where.append(exists().where(carries, ATTRIBUTE.c.taxonomy_term_id == query.taxonomy_term_id))
    if query.taxonomy_id:
        in_taxonomy = select(TERM.c.id).where(TERM.c.taxonomy_id == query.taxonomy_id)
        where.append(exists().where(carries, ATTRIBUTE.c.taxonomy_term_id.in_(in_taxonomy)))
    return where


def _near_sals(session: Session, query: ApiQuery) -> list[str] | None:
    """With proximity: the service_at_locations (matching the other filters) within that many
    metres of the postcode's centre, by id; None without proximity."""
    if query.proximity_metres is None or query.postcode is None:
        return None
    latitude, longitude = zip_centroid(query.postcode)
    if latitude is None or longitude is None:
        raise UnknownPostcode(query.postcode)
    dlat, dlon = metres_to_degrees(query.proximity_metres, latitude)
    place = (
        select(Provider.hsds_id, Provider.latitude, Provider.longitude)
        .join(SAL, SAL.c.id == Provider.hsds_id)
        .join(SERVICE, SERVICE.c.id == SAL.c.service_id)
        .where(
            Provider.latitude.between(latitude - dlat, latitude + dlat),
            Provider.longitude.between(longitude - dlon, longitude + dlon),
            *_service_filters(query),
        )
    )
    return sorted(
        hsds_id
        for hsds_id, lat, lon in session.execute(place)
        if distance_metres(latitude, longitude, lat, lon) <= query.proximity_metres
    )


# --- nesting ------------------------------------------------------------------------------------------


def _obj(table: str, row: dict[str, Any]) -> dict[str, Any]:
    return hsds_object(table, row, SPEC[table].columns)


def _service_obj(row: dict[str, Any]) -> dict[str, Any]:
    out = _obj("service", row)
    stamp = stamp_text(row.get("last_modified"))
    if stamp:
        out["last_modified"] = stamp
    return out


# What each kind of record has nested in it, as the schemas name them.
_OWNS: dict[str, tuple[str, ...]] = {
    "service": ("phone", "schedule", "language", "attribute"),
    "organization": ("phone", "attribute"),
    "service_at_location": ("phone", "schedule", "attribute"),
    "location": ("address", "phone", "schedule", "language", "attribute"),
}


class _Children:
    """Every phone, schedule, language, address and attribute of a set of records of any kinds, read
    with one query per child table: a nested answer costs a dozen queries whatever its size."""

    def __init__(self, session: Session, records: dict[str, set[str]]) -> None:
        self.found: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for kind in ("phone", "schedule", "language", "address"):
            table = T[kind]
            parents = [
                (entity, ids)
                for entity, ids in records.items()
                if ids and kind in _OWNS[entity] and f"{entity}_id" in table.c
            ]
            if not parents:
                continue
            where = or_(*(table.c[f"{entity}_id"].in_(sorted(ids)) for entity, ids in parents))
            for row in _rows(session, select(table).where(where).order_by(table.c.id)):
                item = _obj(kind, row)
                for entity, ids in parents:  # a record nested at several levels is listed under each
                    if row[f"{entity}_id"] in ids:
                        self.found[(kind, entity, row[f"{entity}_id"])].append(item)
        every = sorted(set().union(*records.values()))
        rows = (
            _rows(session, select(ATTRIBUTE).where(ATTRIBUTE.c.link_id.in_(every)).order_by(ATTRIBUTE.c.id))
            if every
            else []
        )
        rows = [row for row in rows if row["link_id"] in records.get(row["link_entity"], ())]
        terms = {
            term["id"]: term
            for term in _terms(session, _by_ids(session, TERM, sorted({r["taxonomy_term_id"] for r in rows})))
        }
        for row in rows:
            item = _obj("attribute", row)
            item["taxonomy_term"] = terms.get(row["taxonomy_term_id"]) or {
                # One of the line's own facts (ct-access:*), or a term no package described.
                "id": row["taxonomy_term_id"],
                "code": row["taxonomy_term_id"],
                "name": row["label"] or row["taxonomy_term_id"],
                "description": "",
            }
            self.found[("attribute", row["link_entity"], row["link_id"])].append(item)

    def nest(self, entity: str, row: dict[str, Any]) -> dict[str, Any]:
        """The record as an object with each kind of child under its plural name."""
        item = _service_obj(row) if entity == "service" else _obj(entity, row)
        for kind in _OWNS[entity]:
            item["addresses" if kind == "address" else f"{kind}s"] = self.found.get((kind, entity, row["id"]), [])
        return item


def _terms(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Taxonomy terms with their taxonomy nested (taxonomy_detail)."""
    taxonomies = {
        row["id"]: row
        for row in _by_ids(session, TAXONOMY, sorted({r["taxonomy_id"] for r in rows if r["taxonomy_id"]}))
    }
    out = []
    for row in rows:
        term = _obj("taxonomy_term", row)
        if row["taxonomy_id"] in taxonomies:
            term["taxonomy_detail"] = _obj("taxonomy", taxonomies[row["taxonomy_id"]])
        out.append(term)
    return out


class _Nesting:
    """Builds nested objects for a page of records: first every record the answer nests (services,
    their organizations, sites and locations), then every child of all of them at once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def terms(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _terms(self.session, rows)

    def _of(self, table, column: str, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted({key for key in ids if key})
        if not wanted:
            return []
        return _rows(self.session, select(table).where(table.c[column].in_(wanted)).order_by(table.c.id))

    def services_listed(self, services: list[dict[str, Any]]) -> list[dict[str, Any]]:
        organizations = {
            row["id"]: _obj("organization", row)
            for row in self._of(ORGANIZATION, "id", (r["organization_id"] for r in services))
        }
        out = []
        for row in services:
            item = _service_obj(row)
            if row["organization_id"] in organizations:
                item["organization"] = organizations[row["organization_id"]]
            out.append(item)
        return out

    def services_full(self, services: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sals = self._of(SAL, "service_id", (row["id"] for row in services))
        return self._assemble(services, sals, with_sals=True)

    def sals_full(self, sals: list[dict[str, Any]]) -> list[dict[str, Any]]:
        services = self._of(SERVICE, "id", (row["service_id"] for row in sals))
        services_by_id = {item["id"]: item for item in self._assemble(services, sals, with_sals=False)}
        return [self._sal(row, services_by_id.get(row["service_id"])) for row in sals]

    def _assemble(
        self, services: list[dict[str, Any]], sals: list[dict[str, Any]], with_sals: bool
    ) -> list[dict[str, Any]]:
        """Services fully nested (with their sites when `with_sals`); the sites' own objects are kept
        for sals_full in self._sites."""
        organizations = self._of(ORGANIZATION, "id", (row["organization_id"] for row in services))
        locations = self._of(LOCATION, "id", (row["location_id"] for row in sals))
        self.children = _Children(
            self.session,
            {
                "service": {row["id"] for row in services},
                "organization": {row["id"] for row in organizations},
                "service_at_location": {row["id"] for row in sals},
                "location": {row["id"] for row in locations},
            },
        )
        organization_items = {row["id"]: self.children.nest("organization", row) for row in organizations}
        self.location_items = {row["id"]: self.children.nest("location", row) for row in locations}
        by_service: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for sal in sals:
            by_service[sal["service_id"]].append(sal)
        out = []
        for row in services:
            item = self.children.nest("service", row)
            if row["organization_id"] in organization_items:
                item["organization"] = organization_items[row["organization_id"]]
            if with_sals:
                item["service_at_locations"] = [self._sal(sal, None) for sal in by_service.get(row["id"], [])]
            out.append(item)
        return out

    def _sal(self, row: dict[str, Any], service: dict[str, Any] | None) -> dict[str, Any]:
        item = self.children.nest("service_at_location", row)
        if row["location_id"] in self.location_items:
            item["location"] = self.location_items[row["location_id"]]
        if service is not None:
            item["service"] = service
        return item

    def sals_listed(self, sals: list[dict[str, Any]]) -> list[dict[str, Any]]:
        locations = {
            row["id"]: _obj("location", row) for row in self._of(LOCATION, "id", (r["location_id"] for r in sals))
        }
        services = {
            item["id"]: item for item in self.services_listed(self._of(SERVICE, "id", (r["service_id"] for r in sals)))
        }
        out = []
        for row in sals:
            item = _obj("service_at_location", row)
            if row["location_id"] in locations:
                item["location"] = locations[row["location_id"]]
            if row["service_id"] in services:
                item["service"] = services[row["service_id"]]
            out.append(item)
        return out

    def organizations_full(self, organizations: list[dict[str, Any]], full_service: bool) -> list[dict[str, Any]]:
        ids = [row["id"] for row in organizations]
        located = self._of(LOCATION, "organization_id", ids)
        offered = self._of(SERVICE, "organization_id", ids)
        sals = self._of(SAL, "service_id", (row["id"] for row in offered)) if full_service else []
        children = _Children(
            self.session,
            {
                "organization": set(ids),
                "location": {row["id"] for row in located},
            },
        )
        if full_service:
            services = self._assemble(offered, sals, with_sals=True)
        else:
            services = self.services_listed(offered)
        out = []
        for row in organizations:
            item = children.nest("organization", row)
            item["locations"] = [
                children.nest("location", loc) for loc in located if loc["organization_id"] == row["id"]
            ]
            item["services"] = []
            for service in services:
                if service.get("organization_id") == row["id"]:
                    service = dict(service)
                    service.pop("organization", None)  # it is nested in its organization already
                    item["services"].append(service)
            out.append(item)
        return out
