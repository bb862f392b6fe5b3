"""Writing the directory out as an HSDS package: a CSV folder with datapackage.json, or one JSON file."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Float, Integer, select

from callcenter.domain.hsds import number_text
from callcenter.store.db import Database
from callcenter.store.hsds.read import PackageError
from callcenter.store.hsds.tables import SPEC, SPECS, Table

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
    for column in (spec.table.c[name] for name in spec.columns):  # not the line's own last_modified
        kind = next((name for base, name in DATAPACKAGE_TYPES.items() if isinstance(column.type, base)), "string")
        fields.append(
            {"name": column.name, "type": kind, **({"constraints": {"required": True}} if not column.nullable else {})}
        )
    schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
    if spec.refs:
        schema["foreignKeys"] = [
            {"fields": column, "reference": {"resource": parent, "fields": "id"}} for column, parent in spec.refs
        ]
    return {
        "name": spec.name,
        "path": spec.file,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


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
                out["taxonomy_term"] = {
                    "id": row["taxonomy_term_id"],
                    "code": row["taxonomy_term_id"],
                    "name": row["label"] or row["taxonomy_term_id"],
                }
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
        item["organization"] = entity(
            "organization", by_id["organization"][service["organization_id"]], ("phone", "attribute")
        )
        item["service_at_locations"] = []
        for sal in data["service_at_location"]:
            if sal["service_id"] != service["id"]:
                continue
            entry = entity("service_at_location", sal, ("phone", "schedule", "attribute"))
            entry["location"] = entity(
                "location",
                by_id["location"][sal["location_id"]],
                ("address", "phone", "schedule", "language", "attribute"),
            )
            item["service_at_locations"].append(entry)
        services.append(item)
    path.write_text(json.dumps(services, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _plural(name: str) -> str:
    return "addresses" if name == "address" else f"{name}s"


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value
