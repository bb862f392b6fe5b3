"""A record opened on purpose over the screen: a child's full record (audited by the store), or the
intake or consult request a contact led to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from callcenter.domain.intake_form import FIELDS
from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local
from callcenter.store.consults import ConsultView
from callcenter.store.intakes import DraftView
from callcenter.store.records import ChildRecord
from callcenter.ui.shared.base import ConsoleModal
from callcenter.ui.shared.formatting import when


class LinkedRecordScreen(ConsoleModal[None]):
    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-box linked-box"):
            yield Static(self.text, markup=False)
            yield Static("Esc: close", classes="modal-hint")

    def action_close(self) -> None:
        self.dismiss(None)


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
        at = format_local(intake.created_at) if intake.created_at else "?"
        lines.append(
            f"  #{intake.id} {intake.status} · {at} · {intake.agent or ''} · {intake.needs or ''}".rstrip(" ·")
        )
    lines.append(f"Contacts logged about this child: {record.contacts}")
    if record.care_team:
        lines.append("Care team:")
        lines.extend(f"  {line}" for line in record.care_team)
    return "\n".join(lines)


def describe_intake(draft: DraftView) -> str:
    """An intake as read-only text: every field that has a value, in the form's order and words."""
    lines = [
        f"Intake #{draft.id} · {draft.status.value}"
        + (f" · crisis path {when(draft.crisis_at)}" if draft.crisis_at else "")
    ]
    for spec in FIELDS:
        value = draft.fields.get(spec.key)
        if value:
            shown = dict(spec.choices).get(value, value) if spec.choices else value
            lines.append(f"{spec.label}: {shown}")
    return "\n".join(lines)


def describe_consult(consult: ConsultView) -> str:
    lines = [
        f"Consult request #{consult.id} · {consult.state}",
        f"PCP: {consult.pcp_name} {consult.practice or ''}",
        f"Callback: {format_phone(consult.callback_number)}",
        f"Child: {consult.child}",
        f"Question ({consult.question_type}): {consult.question}",
        f"Psychiatrist: {consult.psychiatrist_name or 'unassigned'}",
    ]
    if consult.returned_at:
        lines.append(f"Returned {when(consult.returned_at)}, {consult.minutes_spent} min")
    return "\n".join(lines)
