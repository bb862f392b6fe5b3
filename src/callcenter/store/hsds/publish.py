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
from callcenter.store.hsds.tables import SPEC, chunks
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


class _Nesting:
    """Builds nested objects for many records at once: each kind of child is read once per page."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _children(self, table: str, column: str, parent_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        spec_table = T[table]
        for chunk in chunks(sorted({key for key in parent_ids if key})):
            statement = select(spec_table).where(spec_table.c[column].in_(chunk)).order_by(spec_table.c.id)
            for row in _rows(self.session, statement):
                found[row[column]].append(row)
        return found

    def _attributes(self, entity: str, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        rows: list[dict[str, Any]] = []
        for chunk in chunks(sorted(set(ids))):
            statement = (
                select(ATTRIBUTE)
                .where(ATTRIBUTE.c.link_entity == entity, ATTRIBUTE.c.link_id.in_(chunk))
                .order_by(ATTRIBUTE.c.id)
            )
            rows += _rows(self.session, statement)
        terms = {
            term["id"]: term
            for term in self.terms(_by_ids(self.session, TERM, sorted({r["taxonomy_term_id"] for r in rows})))
        }
        for row in rows:
            out = _obj("attribute", row)
            out["taxonomy_term"] = terms.get(row["taxonomy_term_id"]) or {
                # One of the line's own facts (ct-access:*), or a term no package described.
                "id": row["taxonomy_term_id"],
                "code": row["taxonomy_term_id"],
                "name": row["label"] or row["taxonomy_term_id"],
                "description": "",
            }
            found[row["link_id"]].append(out)
        return found

    def terms(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        taxonomies = {
            row["id"]: row
            for row in _by_ids(self.session, TAXONOMY, sorted({r["taxonomy_id"] for r in rows if r["taxonomy_id"]}))
        }
        out = []
        for row in rows:
            term = _obj("taxonomy_term", row)
            if row["taxonomy_id"] in taxonomies:
                term["taxonomy_detail"] = _obj("taxonomy", taxonomies[row["taxonomy_id"]])
            out.append(term)
        return out

    def _owned(self, entity: str, rows: list[dict[str, Any]], kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        """Each record with the children of each kind linked to it, nested under their plural names."""
        ids = [row["id"] for row in rows]
        column = f"{entity}_id"
        children = {
            kind: self._attributes(entity, ids) if kind == "attribute" else self._children(kind, column, ids)
            for kind in kinds
        }
        out = []
        for row in rows:
            item = _service_obj(row) if entity == "service" else _obj(entity, row)
            for kind in kinds:
                name = "addresses" if kind == "address" else f"{kind}s"
                listed = children[kind].get(row["id"], [])
                item[name] = listed if kind == "attribute" else [_obj(kind, child) for child in listed]
            out.append(item)
        return out

    def _organizations(self, ids: Iterable[str], full: bool) -> dict[str, dict[str, Any]]:
        rows = _by_ids(self.session, ORGANIZATION, sorted(set(ids)))
        objects = (
            self._owned("organization", rows, ("phone", "attribute"))
            if full
            else [_obj("organization", r) for r in rows]
        )
        return {item["id"]: item for item in objects}

    def locations(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        rows = _by_ids(self.session, LOCATION, sorted(set(ids)))
        kinds = ("address", "phone", "schedule", "language", "attribute")
        return {item["id"]: item for item in self._owned("location", rows, kinds)}

    def services_listed(self, services: list[dict[str, Any]]) -> list[dict[str, Any]]:
        organizations = self._organizations((row["organization_id"] for row in services), full=False)
        out = []
        for row in services:
            item = _service_obj(row)
            if row["organization_id"] in organizations:
                item["organization"] = organizations[row["organization_id"]]
            out.append(item)
        return out

    def services_full(self, services: list[dict[str, Any]], with_sals: bool = True) -> list[dict[str, Any]]:
        out = self._owned("service", services, ("phone", "schedule", "language", "attribute"))
        organizations = self._organizations((row["organization_id"] for row in services), full=True)
        sals = self._children("service_at_location", "service_id", [row["id"] for row in services]) if with_sals else {}
        nested_sals = {}
        if with_sals:
            every = [sal for listed in sals.values() for sal in listed]
            nested_sals = {item["id"]: item for item in self.sals_full(every, with_service=False)}
        for item, row in zip(out, services, strict=True):
            if row["organization_id"] in organizations:
                item["organization"] = organizations[row["organization_id"]]
            if with_sals:
                item["service_at_locations"] = [nested_sals[sal["id"]] for sal in sals.get(row["id"], [])]
        return out

    def sals_full(self, sals: list[dict[str, Any]], with_service: bool = True) -> list[dict[str, Any]]:
        out = self._owned("service_at_location", sals, ("phone", "schedule", "attribute"))
        locations = self.locations(row["location_id"] for row in sals)
        services: dict[str, dict[str, Any]] = {}
        if with_service:
            rows = _by_ids(self.session, SERVICE, sorted({row["service_id"] for row in sals}))
            services = {item["id"]: item for item in self.services_full(rows, with_sals=False)}
        for item, row in zip(out, sals, strict=True):
            if row["location_id"] in locations:
                item["location"] = locations[row["location_id"]]
            if row["service_id"] in services:
                item["service"] = services[row["service_id"]]
        return out

    def sals_listed(self, sals: list[dict[str, Any]]) -> list[dict[str, Any]]:
        locations = {
            row["id"]: _obj("location", row)
            for row in _by_ids(self.session, LOCATION, sorted({r["location_id"] for r in sals}))
        }
        services = {
            item["id"]: item
            for item in self.services_listed(_by_ids(self.session, SERVICE, sorted({r["service_id"] for r in sals})))
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
        out = self._owned("organization", organizations, ("phone", "attribute"))
        ids = [row["id"] for row in organizations]
        located = self._children("location", "organization_id", ids)
        locations = self.locations(row["id"] for listed in located.values() for row in listed)
        offered = self._children("service", "organization_id", ids)
        every = [row for listed in offered.values() for row in listed]
        services = self.services_full(every) if full_service else self.services_listed(every)
        by_id = {item["id"]: item for item in services}
        for item in out:
            item["locations"] = [locations[row["id"]] for row in located.get(item["id"], [])]
            item["services"] = []
            for row in offered.get(item["id"], []):
                service_item = dict(by_id[row["id"]])
                service_item.pop("organization", None)  # it is nested in its organization already
                item["services"].append(service_item)
        return out
