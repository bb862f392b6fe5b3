"""The directory as Open Referral HSDS 3.0 packages: import, export, and the provider rows.

A package is either
- a folder holding ``datapackage.json`` and one CSV per table (``organizations.csv``,
  ``services.csv``, ``locations.csv``, ``addresses.csv``, ``service_at_locations.csv``,
  ``phones.csv``, ``schedules.csv``, ``languages.csv``, ``taxonomies.csv``, ``taxonomy_terms.csv``,
  ``attributes.csv``), or
- one JSON file holding a list of HSDS ``service`` objects, each with its nested
  ``organization``, ``phones``, ``schedules``, ``languages``, ``attributes`` and
  ``service_at_locations`` (each with its ``location`` and that location's ``addresses``...); an
  attribute's nested ``taxonomy_term`` (with its ``taxonomy_detail``) is kept as a term.

Import checks every row, keeps the good ones and reports each bad one with its file, line (CSV:
the physical line, the header is line 1) or item path (JSON) and a reason a person can act on.
Rows are keyed on their HSDS ids, so importing the same or an updated package again updates in
place. For each table the package carries, it is the whole truth about the children of the
records it carries: a phone, schedule, language, address or attribute of an imported record that
the package no longer lists is removed. Records themselves (organizations, services, locations,
service_at_locations) are never deleted by an import: referrals may point at their providers.

The line's own facts travel as ``ct-access:*`` attributes (``callcenter.domain.hsds``). Other terms
(a 211 taxonomy's "Family Counseling") classify the service: their names go into the provider's
searchable ``taxonomy`` column, so a rep's words find a service by its category too.

After the HSDS rows are written, the ``provider`` search rows (one per service_at_location,
``provider.hsds_id`` = the service_at_location id) are derived again for every service_at_location
the package touched. The demo seed goes through the same code.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Float, Integer, insert, select, update
from sqlalchemy.orm import Session

from callcenter.domain import hsds as rules
from callcenter.domain.hsds import (
    CHILD_TABLES,
    DAY_BITS,
    DAY_NAMES,
    DEFAULT_ACCEPTS_HUSKY,
    DEFAULT_MAX_AGE_MONTHS,
    DEFAULT_MIN_AGE_MONTHS,
    EXTRAS,
    LINKABLE,
    TERM_ECC,
    TERM_HUSKY,
    TERM_SERVICE_TYPE,
    TERM_SPECIALTY,
    TERM_WAIT_DAYS,
    boolean,
    check_row,
    is_blank,
    is_zip_code,
    kind_of,
    minute_of,
    number_text,
)
from callcenter.store import directory
from callcenter.store.db import Database
from callcenter.store.errors import StoreError
from callcenter.store.models import (
    HsdsAddress,
    HsdsAttribute,
    HsdsLanguage,
    HsdsLocation,
    HsdsOrganization,
    HsdsPhone,
    HsdsSchedule,
    HsdsService,
    HsdsServiceAtLocation,
    HsdsTaxonomy,
    HsdsTaxonomyTerm,
    Provider,
)


class PackageError(StoreError):
    """The package could not be read at all (missing, not a package, not JSON)."""


# --- Tables --------------------------------------------------------------------------------------


CHUNK = 500  # ids per IN (...) list

MODELS: dict[str, Any] = {
    "organization": HsdsOrganization,
    "service": HsdsService,
    "location": HsdsLocation,
    "address": HsdsAddress,
    "service_at_location": HsdsServiceAtLocation,
    "phone": HsdsPhone,
    "schedule": HsdsSchedule,
    "language": HsdsLanguage,
    "taxonomy": HsdsTaxonomy,
    "taxonomy_term": HsdsTaxonomyTerm,
    "attribute": HsdsAttribute,
}


@dataclass(frozen=True)
class Table:
    """One HSDS table: the domain's spec of its fields and the model that stores its rows."""

    spec: rules.Spec
    model: Any

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def file(self) -> str:
        return self.spec.file

    @property
    def refs(self) -> tuple[tuple[str, str], ...]:
        return self.spec.refs

    @property
    def columns(self) -> tuple[str, ...]:
        return self.spec.columns

    @property
    def table(self):
        return self.model.__table__


SPECS: tuple[Table, ...] = tuple(Table(spec, MODELS[spec.name]) for spec in rules.SPECS)
SPEC = {spec.name: spec for spec in SPECS}


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- Reports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """Where a row came from: CSV file and physical line, or JSON file and item path."""

    file: str
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        if self.path:
            return f"{self.file}:{self.path}"
        return self.file


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int | None
    path: str | None
    reason: str

    @property
    def where(self) -> Where:
        return Where(self.file, self.line, self.path)

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class TableCount:
    imported: int = 0  # new rows
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def good(self) -> int:
        return self.imported + self.updated + self.unchanged


@dataclass
class ImportReport:
    source: str
    counts: dict[str, TableCount] = field(default_factory=dict)  # per HSDS table, and "provider"
    bad_rows: list[BadRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files or resources this directory does not use
    seconds: float = 0.0

    @property
    def good_rows(self) -> int:
        return sum(count.good for name, count in self.counts.items() if name in SPEC)

    def lines(self) -> list[str]:
        out = []
        for name, count in self.counts.items():
            text = f"{name}: {count.imported} imported, {count.updated} updated, {count.unchanged} unchanged"
            if count.removed:
                text += f", {count.removed} removed"
            out.append(text)
        out += [f"skipped: {note}" for note in self.skipped]
        if self.bad_rows:
            out.append(f"{len(self.bad_rows)} bad row{'s' if len(self.bad_rows) != 1 else ''} not imported:")
            out += [str(bad) for bad in self.bad_rows]
        return out


# --- Reading a package ---------------------------------------------------------------------------


@dataclass
class Raw:
    """One row as read, not yet checked."""

    table: str
    where: Where
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)  # found while reading (e.g. a parent without id)


@dataclass
class Package:
    """Every row a package holds, and what could not be read as a row at all."""

    source: str
    rows: list[Raw]
    tables: set[str]  # the tables the package carries (authoritative for their children)
    json_form: bool
    bad: list[BadRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_package(path: str | Path) -> Package:
    path = Path(path)
    if not path.exists():
        raise PackageError(f"No such file or folder: {path}")
    if path.is_dir():
        return _read_csv_package(path)
    if path.name == "datapackage.json":
        return _read_csv_package(path.parent)
    if path.suffix.lower() == ".csv":
        raise PackageError(f"{path} is one CSV file: give the folder that holds datapackage.json and the CSV files.")
    return _read_json_package(path)


def _resources(folder: Path, bad: list[BadRow], skipped: list[str]) -> dict[str, Path]:
    """Table name -> CSV file, from datapackage.json when there is one, else the standard names."""
    found = {spec.name: folder / spec.file for spec in SPECS if (folder / spec.file).is_file()}
    if "service_at_location" not in found and (folder / "service_at_location.csv").is_file():
        found["service_at_location"] = folder / "service_at_location.csv"
    descriptor = folder / "datapackage.json"
    if not descriptor.is_file():
        return found
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        bad.append(BadRow("datapackage.json", error.lineno, None,
                          f"not valid JSON ({error.msg}); reading the CSV files by their standard names"))
        return found
    except UnicodeDecodeError:
        bad.append(BadRow("datapackage.json", None, None, "not UTF-8 text; reading the CSV files by their standard names"))
        return found
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list):
        bad.append(BadRow("datapackage.json", None, "resources",
                          "has no list of resources; reading the CSV files by their standard names"))
        return found
    listed: dict[str, Path] = {}
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name = str(resource.get("name") or "").strip().lower()
        file = resource.get("path")
        file = file[0] if isinstance(file, list) and file else file
        table = name if name in SPEC else name[:-1] if name.endswith("s") and name[:-1] in SPEC else (
            f"{name[:-3]}y" if name.endswith("ies") and f"{name[:-3]}y" in SPEC else None)
        if table is None:
            skipped.append(f"{file or name} (HSDS {name or 'resource'} is not kept by this directory)")
            continue
        if not isinstance(file, str) or not (folder / file).is_file():
            bad.append(BadRow("datapackage.json", None, f"resources[{index}]",
                              f"lists {file!r} for {table} but there is no such file in {folder.name}"))
            continue
        listed[table] = folder / file
    return {**found, **listed}


def _read_csv_package(folder: Path) -> Package:
    bad: list[BadRow] = []
    skipped: list[str] = []
    files = _resources(folder, bad, skipped)
    if not files:
        names = ", ".join(spec.file for spec in SPECS)
        raise PackageError(f"No HSDS tables in {folder}: expected datapackage.json with {names}.")
    rows: list[Raw] = []
    for spec in SPECS:
        if spec.name in files:
            rows += _read_csv(files[spec.name], files[spec.name].relative_to(folder).as_posix(), spec, bad)
    return Package(str(folder), rows, set(files), json_form=False, bad=bad, skipped=skipped)


def _read_csv(path: Path, label: str, spec: Table, bad: list[BadRow]) -> list[Raw]:
    rows: list[Raw] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                return rows
            columns = [name.strip().lower() for name in header]
            if "id" not in columns:
                bad.append(BadRow(label, 1, None, "the header names no id column: the first line must name the "
                                                   f"columns ({', '.join(spec.columns[:4])}, ...)"))
                return rows
            last = reader.line_num
            try:
                for record in reader:
                    start, last = last + 1, reader.line_num
                    if not any(cell.strip() for cell in record):
                        continue
                    if len(record) > len(columns):
                        bad.append(BadRow(label, start, None, f"{len(record)} values but the header names "
                                          f"{len(columns)} columns (a comma inside a value needs quotes)"))
                        continue
                    values = {name: value for name, value in zip(columns, record) if name in spec.columns}
                    rows.append(Raw(spec.name, Where(label, start), values))
            except csv.Error as error:
                bad.append(BadRow(label, reader.line_num, None, f"cannot read the rest of the file: {error}"))
    except UnicodeDecodeError:
        bad.append(BadRow(label, None, None, "is not UTF-8 text: save it as \"CSV UTF-8\""))
    return rows


def _read_json_package(path: Path) -> Package:
    label = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise PackageError(f"{label}:{error.lineno}: not valid JSON ({error.msg}).") from None
    except UnicodeDecodeError:
        raise PackageError(f"{label} is not UTF-8 text.") from None
    if isinstance(data, dict):
        for key in ("contents", "services", "items"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data] if "id" in data or "name" in data else None
    if not isinstance(data, list):
        raise PackageError(f"{label} holds no list of HSDS service objects.")
    walker = _JsonWalker(label)
    for index, item in enumerate(data):
        walker.service(item, f"[{index}]")
    return Package(str(path), walker.rows, {spec.name for spec in SPECS}, json_form=True, bad=walker.bad)


class _JsonWalker:
    """Flattens nested HSDS service objects into table rows; nesting supplies the foreign keys."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.rows: list[Raw] = []
        self.bad: list[BadRow] = []

    def _emit(self, table: str, item: Any, path: str, implied: Mapping[str, Any],
              orphan: str | None = None) -> str | None:
        """Add one row; returns its id (None when it has none) for its children's foreign keys."""
        if not isinstance(item, dict):
            self.bad.append(BadRow(self.label, None, path, f"should be an HSDS {table} object, not {kind_of(item)}"))
            return None
        spec = SPEC[table]
        values = {name: item[name] for name in spec.columns if name in item}
        problems = []
        if table == "attribute":
            term = item.get("taxonomy_term")
            if isinstance(term, dict):
                if is_blank(values.get("taxonomy_term_id")):
                    values["taxonomy_term_id"] = term.get("id") or term.get("code")
                if "label" not in item:
                    values["label"] = term.get("name")
                self._term(term, f"{path}.taxonomy_term")
        if orphan:
            problems.append(orphan)
        for name, value in implied.items():
            given = values.get(name)
            if is_blank(given) or value is None:
                values[name] = value
            elif str(given).strip() != str(value):
                problems.append(f"{name} {given!r} disagrees with where it is nested (under {value!r})")
        self.rows.append(Raw(table, Where(self.label, path=path), values, problems))
        own = values.get("id")
        return None if is_blank(own) or isinstance(own, (dict, list)) else str(own).strip()

    def _term(self, term: dict, path: str) -> None:
        """A nested term is kept as a taxonomy_term when it is one (has a name and is not one of the
        line's own ct-access extras, which are implied)."""
        term_id = term.get("id") if not is_blank(term.get("id")) else term.get("code")
        if is_blank(term_id) or is_blank(term.get("name")) or str(term_id).strip() in EXTRAS:
            return
        implied: dict[str, Any] = {}
        detail = term.get("taxonomy_detail")
        if isinstance(detail, dict):
            implied["taxonomy_id"] = self._emit("taxonomy", detail, f"{path}.taxonomy_detail", {})
        self._emit("taxonomy_term", {**term, "id": term_id}, path, implied)

    def _children(self, item: dict, key: str, table: str, path: str, implied: Mapping[str, Any],
                  parent: str, parent_id: str | None) -> None:
        children = item.get(key)
        if children is None:
            return
        if not isinstance(children, list):
            self.bad.append(BadRow(self.label, None, f"{path}.{key}", f"should be a list of {table} objects"))
            return
        orphan = None if parent_id else f"its {parent} ({path}) has no id, so this {table} cannot be linked to it"
        for index, child in enumerate(children):
            child_path = f"{path}.{key}[{index}]"
            if table == "attribute":
                self._emit(table, child, child_path, {"link_id": parent_id, "link_entity": parent}, orphan)
            else:
                self._emit(table, child, child_path, implied, orphan)

    def _nested(self, item: dict, entity: str, own_id: str | None, path: str) -> None:
        link = {f"{entity}_id": own_id}
        for key, table in (("phones", "phone"), ("schedules", "schedule"), ("languages", "language"),
                           ("addresses", "address"), ("attributes", "attribute")):
            if table in ("language", "schedule") and entity == "organization":
                continue
            if table == "address" and entity != "location":
                continue
            if table == "language" and entity == "service_at_location":
                continue
            self._children(item, key, table, path, link, entity, own_id)

    def service(self, item: Any, path: str) -> None:
        if not isinstance(item, dict):
            self.bad.append(BadRow(self.label, None, path, f"should be an HSDS service object, not {kind_of(item)}"))
            return
        implied: dict[str, Any] = {}
        organization = item.get("organization")
        if organization is not None:
            implied["organization_id"] = self._emit("organization", organization, f"{path}.organization", {})
            if isinstance(organization, dict):
                self._nested(organization, "organization", implied["organization_id"], f"{path}.organization")
        service_id = self._emit("service", item, path, implied)
        self._nested(item, "service", service_id, path)
        sals = item.get("service_at_locations")
        if sals is None:
            return
        if not isinstance(sals, list):
            self.bad.append(BadRow(self.label, None, f"{path}.service_at_locations",
                                   "should be a list of service_at_location objects"))
            return
        for index, sal in enumerate(sals):
            sal_path = f"{path}.service_at_locations[{index}]"
            orphan = None if service_id else f"its service ({path}) has no id, so this service_at_location cannot be linked"
            sal_implied: dict[str, Any] = {"service_id": service_id}
            location = sal.get("location") if isinstance(sal, dict) else None
            if location is not None:
                location_id = self._emit("location", location, f"{sal_path}.location", {})
                sal_implied["location_id"] = location_id
                if location_id is None and orphan is None:
                    orphan = f"its location ({sal_path}.location) has no id, so this service_at_location cannot be linked"
                if isinstance(location, dict):
                    self._nested(location, "location", location_id, f"{sal_path}.location")
            sal_id = self._emit("service_at_location", sal, sal_path, sal_implied, orphan)
            if isinstance(sal, dict):
                self._nested(sal, "service_at_location", sal_id, sal_path)


# --- Checking rows -------------------------------------------------------------------------------


@dataclass
class Checked:
    """A package's rows sorted into the good, by table and id, and the bad with their reasons."""

    good: dict[str, dict[str, dict[str, Any]]]  # table -> id -> row, in package order
    where: dict[str, dict[str, Where]]  # table -> id -> where the good row came from
    seen: dict[str, set[str]]  # table -> every id the package gives (good or bad)
    bad: list[BadRow]


def check(session: Session, package: Package) -> Checked:
    """Each row on its own (the domain's checks), then against the others and the database: references
    that resolve to nothing or to a refused row, duplicate ids, extras in the wrong place or twice."""
    by_table: dict[str, list[Raw]] = defaultdict(list)
    for raw in package.rows:
        by_table[raw.table].append(raw)
    known = _known_in_database(session, by_table)
    good: dict[str, dict[str, dict[str, Any]]] = {spec.name: {} for spec in SPECS}
    where: dict[str, dict[str, Where]] = {spec.name: {} for spec in SPECS}
    rejected: dict[str, dict[str, Where]] = {spec.name: {} for spec in SPECS}
    seen: dict[str, set[str]] = {spec.name: set() for spec in SPECS}
    bad = list(package.bad)
    extras_seen: dict[tuple[str, str], Where] = {}

    def parent_problem(column: str, parent: str, value: str) -> str | None:
        if value in good[parent] or value in known[parent]:
            return None
        if value in rejected[parent]:
            return f"{column} {value!r}: that {parent} was not imported (see {rejected[parent][value]})"
        return f"{column} {value!r} matches no {parent} in the package or the directory"

    for spec in SPECS:
        for raw in by_table.get(spec.name, []):
            row, problems = check_row(raw.table, raw.values, raw.problems)
            row_id = row["id"]
            if row_id is not None:
                seen[spec.name].add(row_id)
                if row_id in good[spec.name]:
                    first = where[spec.name][row_id]
                    if not package.json_form:
                        problems.insert(0, f"duplicate {spec.name} id {row_id!r} (first at {first}); "
                                           "this row is skipped")
                    elif problems or good[spec.name][row_id] != row:
                        problems.insert(0, f"this copy of {spec.name} {row_id!r} differs from the one at {first}, "
                                           "which is kept")
                    else:
                        continue  # the same organization or location nested under several services
                elif row_id in rejected[spec.name]:
                    if not package.json_form:
                        problems.insert(0, f"duplicate {spec.name} id {row_id!r} (first at "
                                           f"{rejected[spec.name][row_id]})")
                    elif not problems:  # another copy of a nested record already rejected
                        problems.append(f"{spec.name} {row_id!r} was not imported (see {rejected[spec.name][row_id]})")
            if not raw.problems:
                for column, parent in spec.refs:
                    if row.get(column) is not None:
                        problem = parent_problem(column, parent, row[column])
                        if problem:
                            problems.append(problem)
                if spec.name == "attribute" and row.get("link_id") and not any(
                        p.startswith("link_entity") for p in problems):
                    entities = [row["link_entity"]] if row["link_entity"] else list(LINKABLE)
                    hits = [e for e in entities if row["link_id"] in good[e] or row["link_id"] in known[e]]
                    if hits:
                        row["link_entity"] = hits[0]
                    else:
                        missed = [e for e in entities if row["link_id"] in rejected[e]]
                        target = row["link_entity"] or "record"
                        problems.append(
                            f"link_id {row['link_id']!r}: that {missed[0]} was not imported "
                            f"(see {rejected[missed[0]][row['link_id']]})" if missed else
                            f"link_id {row['link_id']!r} matches no {target} in the package or the directory")
                extra = EXTRAS.get(row["taxonomy_term_id"] or "") if spec.name == "attribute" else None
                if extra is not None and not problems and row["link_entity"] not in ("service", "service_at_location"):
                    problems.append(f"{row['taxonomy_term_id']} belongs on a service or service_at_location, "
                                    f"not on a {row['link_entity']}")
                if extra is not None and not problems:
                    if extra.kind != "list":
                        key = (row["link_id"], row["taxonomy_term_id"])
                        if key in extras_seen:
                            problems.append(f"a second {row['taxonomy_term_id']} for {row['link_entity']} "
                                            f"{row['link_id']!r} (first at {extras_seen[key]})")
                        else:
                            extras_seen[key] = raw.where
            if problems:
                bad.append(BadRow(raw.where.file, raw.where.line, raw.where.path, "; ".join(problems)))
                if row_id is not None and row_id not in good[spec.name]:
                    rejected[spec.name].setdefault(row_id, raw.where)
                continue
            good[spec.name][row_id] = row
            where[spec.name][row_id] = raw.where
    return Checked(good, where, seen, sorted(bad, key=_bad_order))


def _bad_order(bad: BadRow) -> tuple:
    item = re.match(r"\[(\d+)\]", bad.path or "")
    rank = -1 if bad.file == "datapackage.json" else next(
        (index for index, spec in enumerate(SPECS) if spec.file == bad.file), len(SPECS))
    return (rank, bad.file, bad.line or 0, int(item.group(1)) if item else -1)


def _known_in_database(session: Session, by_table: Mapping[str, list[Raw]]) -> dict[str, set[str]]:
    """Parent ids the package points at without carrying them, that the database already has."""
    carried = {name: {str(raw.values.get("id")).strip() for raw in rows} for name, rows in by_table.items()}
    wanted: dict[str, set[str]] = defaultdict(set)
    for spec in SPECS:
        for raw in by_table.get(spec.name, []):
            for column, parent in spec.refs:
                value = raw.values.get(column)
                if not is_blank(value) and not isinstance(value, (dict, list)):
                    wanted[parent].add(str(value).strip())
            if spec.name == "attribute" and not is_blank(raw.values.get("link_id")):
                entity = str(raw.values.get("link_entity") or "").strip().lower()
                for target in [entity] if entity in LINKABLE else LINKABLE:
                    wanted[target].add(str(raw.values["link_id"]).strip())
    known: dict[str, set[str]] = {spec.name: set() for spec in SPECS}
    for table, ids in wanted.items():
        missing = sorted(ids - carried.get(table, set()))
        column = SPEC[table].table.c.id
        for chunk in chunks(missing):
            known[table].update(session.scalars(select(column).where(column.in_(chunk))))
    return known


# --- Writing -------------------------------------------------------------------------------------


def import_package(db: Database, path: str | Path, now: datetime | None = None) -> ImportReport:
    """Read a package, check every row, write the good ones and their providers in one transaction."""
    started = time.perf_counter()
    package = read_package(path)
    with db.write() as session:
        report = _import(session, package, now or datetime.now(UTC))
    directory.forget_vocabulary(db)
    report.seconds = time.perf_counter() - started
    return report


def import_records(session: Session, tables: Mapping[str, Iterable[Mapping[str, Any]]], now: datetime,
                   source: str = "records") -> ImportReport:
    """Import HSDS rows built in code (the demo seed) through the same checks and writes as a package."""
    rows = [
        Raw(table, Where(source, path=f"{table}[{index}]"), dict(values))
        for table in SPEC if table in tables
        for index, values in enumerate(tables[table])
    ]
    return _import(session, Package(source, rows, set(tables), json_form=False), now)


def _import(session: Session, package: Package, now: datetime) -> ImportReport:
    # Tables still empty need no look-ups (the first import, the demo seed): nothing to update or remove.
    empty = {spec.name for spec in SPECS if session.execute(select(spec.table.c.id).limit(1)).first() is None}
    checked = check(session, package)
    report = ImportReport(package.source, bad_rows=checked.bad, skipped=package.skipped)
    touched: dict[str, set[str]] = {name: set() for name in (*LINKABLE, "taxonomy_term")}
    for spec in SPECS:
        rows = list(checked.good[spec.name].values())
        report.counts[spec.name] = _upsert(session, spec, rows, empty=spec.name in empty)
        if spec.name in touched:
            touched[spec.name].update(checked.good[spec.name])
        _note_parents(spec, rows, touched)
    for name in CHILD_TABLES:
        if name in package.tables and name not in empty:
            removed = _remove_stale(session, SPEC[name], checked, touched)
            report.counts[name].removed = len(removed)
    order = list(checked.good["service_at_location"])
    if len(empty) == len(SPECS):  # everything a provider reads came in with this package
        bundle, sal_ids = Bundle.of({name: rows.values() for name, rows in checked.good.items()}), order
    else:
        affected = _affected_sals(session, touched)
        sal_ids = order + sorted(affected - set(order))
        bundle = load_bundle(session, sal_ids)
    report.counts["provider"] = upsert_providers(session, bundle, sal_ids, now)
    directory.refresh_vocabulary_in(session)
    return report


def _note_parents(spec: Table, rows: Iterable[Mapping[str, Any]], touched: dict[str, set[str]]) -> None:
    for row in rows:
        for column, parent in spec.refs:
            if row.get(column) and spec.name in CHILD_TABLES:
                touched[parent].add(row[column])
        if spec.name == "attribute" and row.get("link_entity") in touched:
            touched[row["link_entity"]].add(row["link_id"])


def _upsert(session: Session, spec: Table, rows: list[dict[str, Any]], *, empty: bool = False) -> TableCount:
    count = TableCount()
    if not rows:
        return count
    existing: dict[str, dict[str, Any]] = {}
    table = spec.table
    for chunk in [] if empty else chunks([row["id"] for row in rows]):
        for found in session.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            existing[found["id"]] = dict(found)
    new = [row for row in rows if row["id"] not in existing]
    changed = [row for row in rows if row["id"] in existing and existing[row["id"]] != row]
    if new:
        session.execute(insert(table), new)
    if changed:
        session.execute(update(spec.model), changed)
    count.imported, count.updated = len(new), len(changed)
    count.unchanged = len(rows) - len(new) - len(changed)
    return count


def _remove_stale(session: Session, spec: Table, checked: Checked, touched: dict[str, set[str]]) -> list[str]:
    """Children of records this package carries that the package no longer lists."""
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
    return sorted(stale)


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
    found = set()
    for column, ids in ((sal.c.id, sals), (sal.c.service_id, services),
                        (sal.c.location_id, touched["location"])):
        for chunk in chunks(sorted(ids)):
            found.update(session.scalars(select(sal.c.id).where(column.in_(chunk))))
    return found


# --- Provider rows -------------------------------------------------------------------------------


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
    keys = {"service_at_location": list(bundle.service_at_location), "service": list(bundle.service),
            "location": list(bundle.location), "organization": list(bundle.organization)}
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
    return [_provider(bundle, by, bundle.service_at_location[sal_id], now) for sal_id in sal_ids
            if sal_id in bundle.service_at_location]


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
        addresses[0] if addresses else {})
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
    hours = _hours([*by.of("schedule", "service_at_location", sal["id"])]
                   or [s for s in by.of("schedule", "service", service["id"]) if not s.get("service_at_location_id")]
                   or by.of("schedule", "location", location.get("id")))
    latitude, longitude = location.get("latitude"), location.get("longitude")
    postal = address.get("postal_code") or None
    if postal and is_zip_code(postal):
        postal = postal[:5]
        if latitude is None:
            latitude, longitude = _zip_centroid(postal)
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
    for parent, record in (("service_at_location", sal), ("service", service), ("location", location),
                           ("organization", organization)):
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
    elif len(plain) == len(codes) and len(plain) > 2 and \
            order.index(plain[-1]) - order.index(plain[0]) == len(plain) - 1:
        days = f"{DAY_NAMES[plain[0]]}-{DAY_NAMES[plain[-1]]}"
    else:
        days = ", ".join(DAY_NAMES.get(code[-2:], code) if code in DAY_BITS else code for code in codes)
    if start is None or end is None:
        return days
    return f"{days} {start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _zip_centroid(code: str) -> tuple[float | None, float | None]:
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


# --- Export --------------------------------------------------------------------------------------


DATAPACKAGE_TYPES = {Float: "number", Integer: "integer"}


def export_package(db: Database, path: str | Path, form: str = "csv") -> dict[str, int]:
    """Write the HSDS tables as a package: a CSV folder with datapackage.json, or one JSON file.

    Returns the number of rows written per table. The JSON form is a list of services, so
    records no service reaches (an organization without services, an unused location) are
    only in the CSV form.
    """
    if form not in ("csv", "json"):
        raise ValueError(f"unknown package form {form!r}: csv or json")
    path = Path(path)
    with db.read() as session:
        data = {
            spec.name: [dict(row) for row in session.execute(select(spec.table).order_by(spec.table.c.id)).mappings()]
            for spec in SPECS
        }
    if form == "csv":
        _write_csv_package(path, data)
    else:
        _write_json_package(path, data)
    return {name: len(rows) for name, rows in data.items()}


def _write_csv_package(folder: Path, data: Mapping[str, list[dict]]) -> None:
    if folder.exists() and not folder.is_dir():
        raise PackageError(f"{folder} is a file: the CSV form needs a folder (or use --format json).")
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for spec in SPECS:
        with (folder / spec.file).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(spec.columns)
            for row in data[spec.name]:
                writer.writerow(["" if row[name] is None else _cell(row[name]) for name in spec.columns])
        resources.append(_resource(spec))
    descriptor = {
        "name": "callcenter-directory",
        "title": "Children's behavioral-health directory (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")


def _cell(value: Any) -> str:
    return number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _resource(spec: Table) -> dict[str, Any]:
    fields = []
    for column in spec.table.columns:
        kind = next((name for base, name in DATAPACKAGE_TYPES.items() if isinstance(column.type, base)), "string")
        fields.append({"name": column.name, "type": kind,
                       **({"constraints": {"required": True}} if not column.nullable else {})})
    schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
    if spec.refs:
        schema["foreignKeys"] = [{"fields": column, "reference": {"resource": parent, "fields": "id"}}
                                 for column, parent in spec.refs]
    return {"name": spec.name, "path": spec.file, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "schema": schema}


def _write_json_package(path: Path, data: Mapping[str, list[dict]]) -> None:
    if path.is_dir():
        path = path / "services.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    by_id = {name: {row["id"]: row for row in rows} for name, rows in data.items()}
    nested: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for name in ("address", "phone", "schedule", "language"):
        for row in data[name]:
            # Each row once, under the most specific record it belongs to.
            column, parent = next((c, p) for c, p in SPEC[name].refs if row.get(c))
            nested[(name, parent, row[column])].append(row)
    for row in data["attribute"]:
        nested[("attribute", row["link_entity"], row["link_id"])].append(row)

    def obj(name: str, row: dict) -> dict[str, Any]:
        out = {column: _json_value(row[column]) for column in SPEC[name].columns}
        if name == "attribute":
            term = by_id["taxonomy_term"].get(row["taxonomy_term_id"])
            if term is None:  # one of the line's extras, or a term the package never described
                out["taxonomy_term"] = {"id": row["taxonomy_term_id"], "code": row["taxonomy_term_id"],
                                        "name": row["label"] or row["taxonomy_term_id"]}
            else:
                out["taxonomy_term"] = obj("taxonomy_term", term)
                if term["taxonomy_id"] in by_id["taxonomy"]:
                    out["taxonomy_term"]["taxonomy_detail"] = obj("taxonomy", by_id["taxonomy"][term["taxonomy_id"]])
        return out

    def kids(name: str, parent: str, parent_id: str) -> list[dict]:
        return [obj(name, row) for row in nested.get((name, parent, parent_id), [])]

    def entity(name: str, row: dict, children: tuple[str, ...]) -> dict[str, Any]:
        out = obj(name, row)
        for child in children:
            out[_plural(child)] = kids(child, name, row["id"])
        return out

    services = []
    for service in data["service"]:
        item = entity("service", service, ("phone", "schedule", "language", "attribute"))
        item["organization"] = entity("organization", by_id["organization"][service["organization_id"]],
                                      ("phone", "attribute"))
        item["service_at_locations"] = []
        for sal in data["service_at_location"]:
            if sal["service_id"] != service["id"]:
                continue
            entry = entity("service_at_location", sal, ("phone", "schedule", "attribute"))
            entry["location"] = entity("location", by_id["location"][sal["location_id"]],
                                       ("address", "phone", "schedule", "language", "attribute"))
            item["service_at_locations"].append(entry)
        services.append(item)
    path.write_text(json.dumps(services, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _plural(name: str) -> str:
    return "addresses" if name == "address" else f"{name}s"


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value
