"""Checking a package's rows against each other and the directory already in the database."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.hsds import EXTRAS, LEGACY_TABLES, LINKABLE, check_row, is_blank, merge_copies
from callcenter.store.hsds.read import Package, Raw
from callcenter.store.hsds.report import BadRow, Where
from callcenter.store.hsds.tables import SPEC, SPECS, chunks


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
                        problems.insert(
                            0, f"duplicate {spec.name} id {row_id!r} (first at {first}); this row is skipped"
                        )
                    else:
                        kept = good[spec.name][row_id]
                        merged = None if problems else merge_copies(spec.name, kept, row)
                        if merged is None:
                            problems.insert(
                                0, f"this copy of {spec.name} {row_id!r} differs from the one at {first}, which is kept"
                            )
                        else:
                            # The same record nested under several parents: one record, linked to each.
                            unlinked = [
                                problem
                                for column, parent in spec.refs
                                if merged[column] != kept[column]
                                and (problem := parent_problem(column, parent, merged[column]))
                            ]
                            if unlinked:
                                bad.append(BadRow(raw.where.file, raw.where.line, raw.where.path, "; ".join(unlinked)))
                            else:
                                kept.update(merged)
                            continue
                elif row_id in rejected[spec.name]:
                    if not package.json_form:
                        problems.insert(
                            0, f"duplicate {spec.name} id {row_id!r} (first at {rejected[spec.name][row_id]})"
                        )
                    elif not problems:  # another copy of a nested record already rejected
                        problems.append(f"{spec.name} {row_id!r} was not imported (see {rejected[spec.name][row_id]})")
            if not raw.problems:
                for column, parent in spec.refs:
                    if row.get(column) is not None:
                        problem = parent_problem(column, parent, row[column])
                        if problem:
                            problems.append(problem)
                if (
                    spec.name == "attribute"
                    and row.get("link_id")
                    and not any(p.startswith("link_entity") for p in problems)
                ):
                    entities = [row["link_entity"]] if row["link_entity"] else list(LINKABLE)
                    hits = [e for e in entities if row["link_id"] in good[e] or row["link_id"] in known[e]]
                    if hits:
                        row["link_entity"] = hits[0]
                    else:
                        missed = [e for e in entities if row["link_id"] in rejected[e]]
                        target = row["link_entity"] or "record"
                        problems.append(
                            f"link_id {row['link_id']!r}: that {missed[0]} was not imported "
                            f"(see {rejected[missed[0]][row['link_id']]})"
                            if missed
                            else f"link_id {row['link_id']!r} matches no {target} in the package or the directory"
                        )
                extra = EXTRAS.get(row["taxonomy_term_id"] or "") if spec.name == "attribute" else None
                if extra is not None and not problems and row["link_entity"] not in ("service", "service_at_location"):
                    problems.append(
                        f"{row['taxonomy_term_id']} belongs on a service or service_at_location, "
                        f"not on a {row['link_entity']}"
                    )
                if extra is not None and not problems:
                    if extra.kind != "list":
                        key = (row["link_id"], row["taxonomy_term_id"])
                        if key in extras_seen:
                            problems.append(
                                f"a second {row['taxonomy_term_id']} for {row['link_entity']} "
                                f"{row['link_id']!r} (first at {extras_seen[key]})"
                            )
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
    files = {file: table for table, file in LEGACY_TABLES.values()} | {
        "services_at_location.csv": "service_at_location"
    }
    table = files.get(bad.file)
    rank = (
        -1
        if bad.file == "datapackage.json"
        else next(
            (index for index, spec in enumerate(SPECS) if spec.file == bad.file or spec.name == table), len(SPECS)
        )
    )
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
