"""A record opened on purpose over the screen: a child's full record (audited by the store), or the
intake or consult request a contact led to."""

from __future__ import annotations

from dataclasses import replace

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from callcenter.domain import examples
from callcenter.domain.handoffs import Team, care_team_line, check_reason
from callcenter.domain.intake_form import FIELDS
from callcenter.domain.phone import format_phone
from callcenter.domain.roles import Permission, can
from callcenter.domain.timefmt import format_local
from callcenter.store.consults import ConsultView
from callcenter.store.intakes import DraftView
from callcenter.store.records import ChildRecord
from callcenter.ui.shared.base import ConsoleModal
from callcenter.ui.shared.dialogs import PickScreen, ReasonDialog
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


class ChildRecordScreen(LinkedRecordScreen):
    """A child's full record; a rep can hand the family to the care team from here (h)."""

    BINDINGS = [
        Binding("escape,enter,q", "close", "Close"),
        Binding("h", "hand_off", "Hand off to the care team"),
    ]

    def __init__(self, record: ChildRecord) -> None:
        super().__init__(describe_record(record))
        self.record = record

    def compose(self) -> ComposeResult:
        hand_off = "h: hand the family to a case manager or peer specialist · " if self._may_hand_off() else ""
        with VerticalScroll(classes="modal-box linked-box"):
            yield Static(self.text, markup=False, id="child-record-text")
            yield Static(f"{hand_off}Esc: close", classes="modal-hint")

    def _may_hand_off(self) -> bool:
        agent = self.app.agent
        return agent is not None and can(agent.role, Permission.WORK_INTAKES)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hand_off":
            return self._may_hand_off()
        return True

    def action_hand_off(self) -> None:
        teams = [(f"{team.member.capitalize()} ({team.label})", team.value) for team in Team]
        self.ask(PickScreen("Hand the family to", teams), self._team_chosen)

    def _team_chosen(self, team: str) -> None:
        self.pick_member(Team(team))

    @work(thread=True, group="hand-off", exit_on_error=False)
    def pick_member(self, team: Team) -> None:
        from callcenter.store import handoffs

        members = handoffs.members_on_shift(self.app.db, team, self.app.clock())
        self.app.call_from_thread(self._ask_member, team, members)

    def _ask_member(self, team: Team, members: list[tuple[int, str, int]]) -> None:
        if not members:  # nobody to pick: it waits on the team's list, as the reason dialog says
            self._ask_reason(team, None, nobody_on_shift=True)
            return
        choices = [(f"Whoever on shift has the fewest families ({len(members)} on shift)", "least")]
        choices += [
            (f"{name} · {cases} open {'family' if cases == 1 else 'families'}", str(i)) for i, name, cases in members
        ]
        self.ask(
            PickScreen(f"Which {team.member}?", choices),
            lambda chosen: self._ask_reason(team, None if chosen == "least" else int(chosen)),
        )

    def _ask_reason(self, team: Team, member_id: int | None, nobody_on_shift: bool = False) -> None:
        waits = " (nobody is on shift: it waits on the team's list)" if nobody_on_shift else ""
        self.ask(
            ReasonDialog(
                team.label,
                f"Why a {team.member}?{waits}",
                examples.HAND_OFF_REASON,
                "hand off",
                check_reason,
            ),
            lambda reason: self.hand_off(team, reason, member_id),
        )

    @work(thread=True, group="hand-off", exit_on_error=False)
    def hand_off(self, team: Team, reason: str, member_id: int | None = None) -> None:
        from callcenter.store import handoffs

        view = handoffs.hand_off(
            self.app.db,
            self.app.signed_in_agent().id,
            team,
            self.record.id,
            reason,
            self.app.clock(),
            self.app.policy,
            member_id=member_id,
        )
        who = view.member or f"the {team.label} team's waiting list (nobody is on shift)"
        # The record shows the team around the child as it is now (a plain read: no second opening).
        team_now = tuple(
            care_team_line(case.team, case.engagement, case.member, case.close_reason)
            for case in handoffs.team_around(self.app.db, self.record.id)
        )
        self.app.call_from_thread(self._show_team, team_now)
        self.app.call_from_thread(self.notify, f"Handed to {who}.", title=f"Hand-off #{view.id}", markup=False)

    def _show_team(self, team_now: tuple[str, ...]) -> None:
        self.record = replace(self.record, care_team=team_now)
        self.text = describe_record(self.record)
        self.query_one("#child-record-text", Static).update(self.text)


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
