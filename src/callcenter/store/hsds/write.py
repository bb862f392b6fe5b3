"""Writing a package's good rows: upserts keyed on HSDS ids, stale children removed, providers derived."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from callcenter.domain.hsds import CHILD_TABLES, LINKABLE
from callcenter.store import directory
from callcenter.store.db import Database
from callcenter.store.hsds.check import Checked, check
from callcenter.store.hsds.providers import Bundle, load_bundle, upsert_providers
from callcenter.store.hsds.read import Package, Raw, read_package
from callcenter.store.hsds.report import ImportReport, TableCount, Where
from callcenter.store.hsds.tables import SPEC, SPECS, Table, chunks
from callcenter.store.models import HsdsAttribute, HsdsService, HsdsServiceAtLocation


def import_package(db: Database, path: str | Path, now: datetime | None = None) -> ImportReport:
    """Read a package, check every row, write the good ones and their providers in one transaction."""
    started = time.perf_counter()
    package = read_package(path)
    with db.write() as session:
        report = _import(session, package, now or datetime.now(UTC))
    directory.forget_vocabulary(db)
    report.seconds = time.perf_counter() - started
    return report


def import_records(
    session: Session, tables: Mapping[str, Iterable[Mapping[str, Any]]], now: datetime, source: str = "records"
) -> ImportReport:
    """Import HSDS rows built in code (the demo seed) through the same checks and writes as a package."""
    rows = [
        Raw(table, Where(source, path=f"{table}[{index}]"), dict(values))
        for table in SPEC
        if table in tables
        for index, values in enumerate(tables[table])
    ]
    return _import(session, Package(source, rows, set(tables), json_form=False), now)


def merge_package(session: Session, package: Package, now: datetime, refresh_vocabulary: bool = True) -> ImportReport:
    """Check and write a package already read (e.g. a page of another directory's API) in the
    caller's transaction: the same checks, bad-row report and upserts as `import_package`.
    `refresh_vocabulary=False` leaves the spelling vocabulary to the caller (once after many pages:
    on PostgreSQL it is rebuilt over the whole directory)."""
    return _import(session, package, now, refresh_vocabulary)


def _import(session: Session, package: Package, now: datetime, refresh_vocabulary: bool = True) -> ImportReport:
    # Tables still empty need no look-ups (the first import, the demo seed): nothing to update or remove.
    empty = {spec.name for spec in SPECS if session.execute(select(spec.table.c.id).limit(1)).first() is None}
    checked = check(session, package)
    report = ImportReport(package.source, bad_rows=checked.bad, skipped=package.skipped)
    touched: dict[str, set[str]] = {name: set() for name in (*LINKABLE, "taxonomy_term")}
    changed: dict[str, set[str]] = {name: set() for name in touched}  # what really changed: last_modified
    for spec in SPECS:
        rows = list(checked.good[spec.name].values())
        report.counts[spec.name], written = _upsert(session, spec, rows, empty=spec.name in empty)
        if spec.name in touched:
            touched[spec.name].update(checked.good[spec.name])
            changed[spec.name].update(row["id"] for row in written)
        _note_parents(spec, rows, touched)
        _note_parents(spec, written, changed)
    for name in CHILD_TABLES:
        if name in package.tables and name not in empty:
            removed = _remove_stale(session, SPEC[name], checked, touched)
            _note_parents(SPEC[name], removed, changed)
            report.counts[name].removed = len(removed)
    order = list(checked.good["service_at_location"])
    if len(empty) == len(SPECS):  # everything a provider reads came in with this package
        bundle, sal_ids = Bundle.of({name: rows.values() for name, rows in checked.good.items()}), order
    else:
        # The package's own sites, and the sites of whatever really changed: an organization, location
        # or term carried unchanged (every page of another directory's API carries its organizations)
        # leaves its other sites' provider rows as they are.
        affected = _affected_sals(session, changed)
        sal_ids = order + sorted(affected - set(order))
        bundle = load_bundle(session, sal_ids)
    report.counts["provider"] = upsert_providers(session, bundle, sal_ids, now)
    stamp_services(session, changed_services(session, changed), now)
    if refresh_vocabulary:
        directory.refresh_vocabulary_in(session)
    return report


def _note_parents(spec: Table, rows: Iterable[Mapping[str, Any]], touched: dict[str, set[str]]) -> None:
    for row in rows:
        for column, parent in spec.refs:
            if row.get(column) and spec.name in CHILD_TABLES:
                touched[parent].add(row[column])
        if spec.name == "attribute" and row.get("link_entity") in touched:
            touched[row["link_entity"]].add(row["link_id"])


def _upsert(
    session: Session, spec: Table, rows: list[dict[str, Any]], *, empty: bool = False
) -> tuple[TableCount, list[dict[str, Any]]]:
    """Insert the new rows and update those that differ; returns the counts and the rows written."""
    count = TableCount()
    if not rows:
        return count, []
    existing: dict[str, dict[str, Any]] = {}
    table = spec.table
    for chunk in [] if empty else chunks([row["id"] for row in rows]):
        for found in session.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            existing[found["id"]] = dict(found)
    new = [row for row in rows if row["id"] not in existing]
    changed = [
        row
        for row in rows
        if row["id"] in existing and any(existing[row["id"]].get(name) != value for name, value in row.items())
    ]
    if new:
        session.execute(insert(table), new)
    if changed:
        session.execute(update(spec.model), changed)
    count.imported, count.updated = len(new), len(changed)
    count.unchanged = len(rows) - len(new) - len(changed)
    return count, new + changed


def _remove_stale(
    session: Session, spec: Table, checked: Checked, touched: dict[str, set[str]]
) -> list[dict[str, Any]]:
    """Children of records this package carries that the package no longer lists (returned as they were)."""
    table = spec.table
    parents: list[tuple[Any, set[str]]] = []
    if spec.name == "attribute":
        carried = set().union(*(checked.good[name] for name in LINKABLE))
        parents.append((table.c.link_id, carried))
    else:
        parents += [(table.c[column], set(checked.good[parent])) for column, parent in spec.refs]
    stale: dict[str, dict[str, Any]] = {}
    for column, ids in parents:
        for chunk in chunks(sorted(ids)):
            for found in session.execute(select(table).where(column.in_(chunk))).mappings():
                if found["id"] not in checked.seen[spec.name]:
                    stale[found["id"]] = dict(found)
    if not stale:
        return []
    _note_parents(spec, stale.values(), touched)
    for chunk in chunks(sorted(stale)):
        session.execute(table.delete().where(table.c.id.in_(chunk)))
    return [stale[key] for key in sorted(stale)]


def _affected_sals(session: Session, touched: dict[str, set[str]]) -> set[str]:
    """Every service_at_location whose provider row may read something the import changed."""
    sal = HsdsServiceAtLocation.__table__
    service = HsdsService.__table__
    attribute = HsdsAttribute.__table__
    services = set(touched["service"])
    sals = set(touched["service_at_location"])
    categorised = {"service": services, "service_at_location": sals}  # where a term becomes a category
    for chunk in chunks(sorted(touched["taxonomy_term"])):  # a renamed term: its providers' categories
        linked = select(attribute.c.link_entity, attribute.c.link_id).where(attribute.c.taxonomy_term_id.in_(chunk))
        for entity, link_id in session.execute(linked):
            if entity in categorised:
                categorised[entity].add(link_id)
    for chunk in chunks(sorted(touched["organization"])):
        services.update(session.scalars(select(service.c.id).where(service.c.organization_id.in_(chunk))))
    found: set[str] = set()
    for column, ids in ((sal.c.id, sals), (sal.c.service_id, services), (sal.c.location_id, touched["location"])):
        for chunk in chunks(sorted(ids)):
            found.update(session.scalars(select(sal.c.id).where(column.in_(chunk))))
    return found


def changed_services(session: Session, changed: dict[str, set[str]]) -> set[str]:
    """The services something in `changed` (ids by table) is about: their own rows, their
    organization's, their locations' and service_at_locations', and the terms they carry."""
    sal = HsdsServiceAtLocation.__table__
    services = set(changed["service"])
    for chunk in chunks(sorted(_affected_sals(session, changed))):
        services.update(session.scalars(select(sal.c.service_id).where(sal.c.id.in_(chunk))))
    return services


def stamp_services(session: Session, service_ids: Iterable[str], now: datetime) -> None:
    """Mark services as changed now: the HSDS API lists them as modified after any earlier moment."""
    service = HsdsService.__table__
    for chunk in chunks(sorted(service_ids)):
        session.execute(update(service).where(service.c.id.in_(chunk)).values(last_modified=now))
