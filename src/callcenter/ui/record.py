"""A child's full record on screen: opened on purpose, by a key, and audited by the store."""

from __future__ import annotations

from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local
from callcenter.store.records import ChildRecord


def describe_record(record: ChildRecord) -> str:
    born = f"{record.date_of_birth:%m/%d/%Y}" if record.date_of_birth else "not known"
    lines = [
        f"{record.first_name} {record.last_name} · child #{record.id}",
        "This opening is recorded in the audit trail.",
        "",
        f"Born: {born}    Sex: {record.sex or 'not given'}    Language: {record.language or 'not given'}",
        f"Town: {record.town or 'not given'} {record.zip_code or ''}".rstrip(),
        f"Medicaid number: {record.medicaid_number or 'none on file'}    Insurance: {record.insurance or 'not given'}",
    ]
    if record.guardian_name:
        relation = f" ({record.guardian_relationship})" if record.guardian_relationship else ""
        lines.append(f"Guardian: {record.guardian_name}{relation} {format_phone(record.guardian_phone)}".rstrip())
    lines.append("")
    lines.append(f"Intakes ({len(record.intakes)} most recent):" if record.intakes else "No intakes yet.")
    for intake in record.intakes:
        when = format_local(intake.created_at) if intake.created_at else "?"
        lines.append(f"  #{intake.id} {intake.status} · {when} · {intake.agent or ''} · {intake.needs or ''}".rstrip(" ·"))
    lines.append(f"Contacts logged about this child: {record.contacts}")
    return "\n".join(lines)
