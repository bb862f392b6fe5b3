"""Reading a package (a CSV folder with datapackage.json, or one JSON file) into raw table rows."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callcenter.domain.hsds import EXTRAS, LEGACY_TABLES, SPEC, SPECS, Spec, from_hsds_1_1, is_blank, kind_of
from callcenter.store.errors import StoreError
from callcenter.store.hsds.report import BadRow, Where


class PackageError(StoreError):
    """The package could not be read at all (missing, not a package, not JSON)."""


MAX_FILE_BYTES = 256 * 1024 * 1024  # a statewide directory is a few MB; more is not a directory
MAX_CELL_CHARS = 100_000  # one value: a description runs to a few thousand characters


def check_package_path(path: str | Path) -> Path:
    """What `directory import` may read, checked before anything else happens: an existing folder, or
    a regular file of a sane size (not a device, a pipe or gigabytes)."""
    path = Path(path)
    if not path.exists():
        raise PackageError(f"No such file or folder: {path}")
    if path.is_dir():
        return path
    if not path.is_file():
        raise PackageError(f"{path} is not a file nor a folder (a device or a pipe): give an HSDS package.")
    _check_size(path, path.name)
    return path


def _check_size(path: Path, label: str) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise PackageError(
            f"{label} is {size // (1024 * 1024)} MB; a directory package file is at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB."
        )


def _inside(folder: Path, file: Path) -> bool:
    """The file is in the package's folder, following links: a package names no file elsewhere."""
    try:
        return file.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


@dataclass(frozen=True)
class _File:
    """A table's CSV file, and the HSDS 1.1 table it holds when it is one (``LEGACY_TABLES``)."""

    path: Path
    legacy: str | None = None


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
    path = check_package_path(path)
    if path.is_dir():
        return _read_csv_package(path)
    if path.name == "datapackage.json":
        return _read_csv_package(path.parent)
    if path.suffix.lower() == ".csv":
        raise PackageError(f"{path} is one CSV file: give the folder that holds datapackage.json and the CSV files.")
    return _read_json_package(path)


def _table_of(name: str) -> tuple[str | None, str | None]:
    """A datapackage resource's name as (table, HSDS 1.1 table): singular or plural, 3.0 or 1.1."""
    for candidate in (
        name,
        name[:-1] if name.endswith("s") else None,
        f"{name[:-3]}y" if name.endswith("ies") else None,
    ):
        if candidate in SPEC:
            return candidate, None
        if candidate in LEGACY_TABLES:
            return LEGACY_TABLES[candidate][0], candidate
    if name == "services_at_location":  # HSDS 1.1
        return "service_at_location", None
    return None, None


def _resources(folder: Path, bad: list[BadRow], skipped: list[str]) -> dict[str, _File]:
    """Table name -> CSV file, from datapackage.json when there is one, else the standard names (or
    their HSDS 1.1 names)."""
    found = {spec.name: _File(folder / spec.file) for spec in SPECS if (folder / spec.file).is_file()}
    for file in ("service_at_location.csv", "services_at_location.csv"):
        if "service_at_location" not in found and (folder / file).is_file():
            found["service_at_location"] = _File(folder / file)
    for legacy, (table, file) in LEGACY_TABLES.items():
        if (folder / file).is_file():
            if table in found:
                skipped.append(f"{file} (HSDS 1.1 {legacy}: {found[table].path.name} is read for {table})")
            else:
                found[table] = _File(folder / file, legacy)
    for table, source in list(found.items()):
        if not _inside(folder, source.path):
            bad.append(
                BadRow(
                    source.path.name, None, None, f"links outside {folder.name}: only files inside the package are read"
                )
            )
            del found[table]
    descriptor = folder / "datapackage.json"
    if not descriptor.is_file():
        return found
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        bad.append(
            BadRow(
                "datapackage.json",
                error.lineno,
                None,
                f"not valid JSON ({error.msg}); reading the CSV files by their standard names",
            )
        )
        return found
    except UnicodeDecodeError:
        bad.append(
            BadRow("datapackage.json", None, None, "not UTF-8 text; reading the CSV files by their standard names")
        )
        return found
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list):
        bad.append(
            BadRow(
                "datapackage.json",
                None,
                "resources",
                "has no list of resources; reading the CSV files by their standard names",
            )
        )
        return found
    listed: dict[str, _File] = {}
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name = str(resource.get("name") or "").strip().lower()
        file = resource.get("path")
        file = file[0] if isinstance(file, list) and file else file
        table, legacy = _table_of(name)
        if table is None:
            skipped.append(f"{file or name} (HSDS {name or 'resource'} is not kept by this directory)")
            continue
        if isinstance(file, str) and (
            Path(file).is_absolute() or ".." in Path(file).parts or not _inside(folder, folder / file)
        ):
            bad.append(
                BadRow(
                    "datapackage.json",
                    None,
                    f"resources[{index}]",
                    f"lists {file!r} for {table}, outside {folder.name}: only files inside the package are read",
                )
            )
            continue
        if not isinstance(file, str) or not (folder / file).is_file():
            bad.append(
                BadRow(
                    "datapackage.json",
                    None,
                    f"resources[{index}]",
                    f"lists {file!r} for {table} but there is no such file in {folder.name}",
                )
            )
            continue
        if table in listed:
            skipped.append(f"{file} ({name}: {listed[table].path.name} is read for {table})")
            continue
        listed[table] = _File(folder / file, legacy)
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
            source = files[spec.name]
            label = source.path.relative_to(folder).as_posix()
            _check_size(source.path, label)
            rows += _read_csv(source.path, label, spec, bad, source.legacy)
    return Package(str(folder), rows, set(files), json_form=False, bad=bad, skipped=skipped)


def _read_csv(path: Path, label: str, spec: Spec, bad: list[BadRow], legacy: str | None = None) -> list[Raw]:
    rows: list[Raw] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            csv.field_size_limit(MAX_CELL_CHARS)
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                return rows
            columns = [name.strip().lower() for name in header]
            if "id" not in columns:
                bad.append(
                    BadRow(
                        label,
                        1,
                        None,
                        "the header names no id column: the first line must name the "
                        f"columns ({', '.join(spec.columns[:4])}, ...)",
                    )
                )
                return rows
            last = reader.line_num
            try:
                for record in reader:
                    start, last = last + 1, reader.line_num
                    if not any(cell.strip() for cell in record):
                        continue
                    if len(record) > len(columns):
                        bad.append(
                            BadRow(
                                label,
                                start,
                                None,
                                f"{len(record)} values but the header names "
                                f"{len(columns)} columns (a comma inside a value needs quotes)",
                            )
                        )
                        continue
                    values = dict(zip(columns, record, strict=False))
                    problems = from_hsds_1_1(spec.name, values, legacy)
                    values = {name: value for name, value in values.items() if name in spec.columns}
                    rows.append(Raw(spec.name, Where(label, start), values, problems))
            except csv.Error as error:
                cut = "field larger than field limit" in str(error)
                bad.append(
                    BadRow(
                        label,
                        reader.line_num,
                        None,
                        f"a value longer than {MAX_CELL_CHARS:,} characters: the rest of the file was not read"
                        if cut
                        else f"cannot read the rest of the file: {error}",
                    )
                )
    except UnicodeDecodeError:
        bad.append(BadRow(label, None, None, 'is not UTF-8 text: save it as "CSV UTF-8"'))
    return rows


def _read_json_package(path: Path) -> Package:
    label = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise PackageError(f"{label}:{error.lineno}: not valid JSON ({error.msg}).") from None
    except UnicodeDecodeError:
        raise PackageError(f"{label} is not UTF-8 text.") from None
    return package_from_json(data, label, str(path))


def package_from_json(data: Any, label: str, source: str) -> Package:
    """Parsed JSON (a list of HSDS service or organization objects, one object, or a page holding
    them under ``contents``) as a package of every table: what a JSON file or an API page holds."""
    if isinstance(data, dict):
        if _is_organization(data):
            data = [data]
        else:
            for key in ("contents", "services", "items"):
                if isinstance(data.get(key), list):
                    data = data[key]
                    break
            else:
                data = [data] if "id" in data or "name" in data else None
    if not isinstance(data, list):
        raise PackageError(f"{label} holds no list of HSDS service or organization objects.")
    walker = _JsonWalker(label)
    for index, item in enumerate(data):
        if _is_organization(item):
            walker.organization(item, f"[{index}]")
        else:
            walker.service(item, f"[{index}]")
    return Package(source, walker.rows, {spec.name for spec in SPECS}, json_form=True, bad=walker.bad)


# Fields only an HSDS organization object has, and only a service object has.
_ORGANIZATION_ONLY = (
    "services",
    "locations",
    "website",
    "year_incorporated",
    "legal_status",
    "logo",
    "parent_organization_id",
    "organization_identifiers",
    "programs",
)
_SERVICE_ONLY = ("organization_id", "organization", "service_at_locations", "status")


def _is_organization(item: Any) -> bool:
    """An HSDS organization object (the ``organization_full`` shape, its services nested in it) rather
    than a service object: a record with its own services, or with fields only an organization has
    and none only a service has. Anything else is read as a service, as before."""
    if not isinstance(item, dict) or ("id" not in item and "name" not in item):
        return False
    if "services" in item:
        return True
    return any(key in item for key in _ORGANIZATION_ONLY) and not any(key in item for key in _SERVICE_ONLY)


class _JsonWalker:
    """Flattens nested HSDS service objects into table rows; nesting supplies the foreign keys."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.rows: list[Raw] = []
        self.bad: list[BadRow] = []

    def _emit(
        self, table: str, item: Any, path: str, implied: Mapping[str, Any], orphan: str | None = None
    ) -> str | None:
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

    def _children(
        self,
        item: dict,
        key: str,
        table: str,
        path: str,
        implied: Mapping[str, Any],
        parent: str,
        parent_id: str | None,
    ) -> None:
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
        for key, table in (
            ("phones", "phone"),
            ("schedules", "schedule"),
            ("languages", "language"),
            ("addresses", "address"),
            ("attributes", "attribute"),
        ):
            if table in ("language", "schedule") and entity == "organization":
                continue
            if table == "address" and entity != "location":
                continue
            if table == "language" and entity == "service_at_location":
                continue
            self._children(item, key, table, path, link, entity, own_id)

    def _list(self, item: dict, key: str, table: str, path: str) -> list:
        children = item.get(key)
        if children is None:
            return []
        if not isinstance(children, list):
            self.bad.append(BadRow(self.label, None, f"{path}.{key}", f"should be a list of {table} objects"))
            return []
        return children

    def _location(self, location: Any, path: str, implied: Mapping[str, Any], orphan: str | None = None) -> str | None:
        location_id = self._emit("location", location, path, implied, orphan)
        if isinstance(location, dict):
            self._nested(location, "location", location_id, path)
        return location_id

    def organization(self, item: dict, path: str) -> None:
        """An organization with its ``locations`` and ``services`` nested in it (``organization_full``):
        nesting links them to it."""
        organization_id = self._emit("organization", item, path, {})
        self._nested(item, "organization", organization_id, path)
        for index, location in enumerate(self._list(item, "locations", "location", path)):
            # A location need not belong to an organization: one without an id leaves it unlinked.
            implied = {"organization_id": organization_id} if organization_id else {}
            self._location(location, f"{path}.locations[{index}]", implied)
        for index, service in enumerate(self._list(item, "services", "service", path)):
            self.service(service, f"{path}.services[{index}]", parent=(organization_id, path))

    def service(self, item: Any, path: str, parent: tuple[str | None, str] | None = None) -> None:
        """A service; ``parent`` is the (id, path) of the organization it is nested in, if it is."""
        if not isinstance(item, dict):
            self.bad.append(BadRow(self.label, None, path, f"should be an HSDS service object, not {kind_of(item)}"))
            return
        implied: dict[str, Any] = {}
        orphan = None
        organization = item.get("organization")
        if organization is not None:
            implied["organization_id"] = self._emit("organization", organization, f"{path}.organization", {})
            if isinstance(organization, dict):
                self._nested(organization, "organization", implied["organization_id"], f"{path}.organization")
        if parent is not None:
            parent_id, parent_path = parent
            if parent_id is None:
                orphan = f"its organization ({parent_path}) has no id, so this service cannot be linked to it"
            elif implied.get("organization_id") not in (None, parent_id):
                orphan = (
                    f"its organization {implied['organization_id']!r} disagrees with where it is nested "
                    f"(under {parent_id!r})"
                )
            implied["organization_id"] = parent_id
        service_id = self._emit("service", item, path, implied, orphan)
        self._nested(item, "service", service_id, path)
        sals = item.get("service_at_locations")
        if sals is None:
            return
        if not isinstance(sals, list):
            self.bad.append(
                BadRow(
                    self.label, None, f"{path}.service_at_locations", "should be a list of service_at_location objects"
                )
            )
            return
        for index, sal in enumerate(sals):
            sal_path = f"{path}.service_at_locations[{index}]"
            orphan = (
                None if service_id else f"its service ({path}) has no id, so this service_at_location cannot be linked"
            )
            sal_implied: dict[str, Any] = {"service_id": service_id}
            location = sal.get("location") if isinstance(sal, dict) else None
            if location is not None:
                location_id = self._location(location, f"{sal_path}.location", {})
                sal_implied["location_id"] = location_id
                if location_id is None and orphan is None:
                    orphan = (
                        f"its location ({sal_path}.location) has no id, so this service_at_location cannot be linked"
                    )
            sal_id = self._emit("service_at_location", sal, sal_path, sal_implied, orphan)
            if isinstance(sal, dict):
                self._nested(sal, "service_at_location", sal_id, sal_path)
