"""A case manager's or peer specialist's families: who to reach first, and what happened since."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Checkbox, DataTable, Input, Label, Static

from callcenter.domain import examples
from callcenter.domain.errors import ValidationError
from callcenter.domain.handoffs import Engagement, check_note, check_reason
from callcenter.domain.phone import format_phone
from callcenter.domain.promises import PromiseStatus
from callcenter.domain.roles import Permission, can
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store import handoffs
from callcenter.store.handoffs import CaseDetail, HandoffView
from callcenter.ui.screens.caseload.case import CaseScreen
from callcenter.ui.shared.dialogs import FormModal, ReasonDialog
from callcenter.ui.shared.list_detail import ListDetailScreen
from callcenter.ui.shared.promise_status import STATUS_LABEL, STATUS_STYLE
from callcenter.ui.shared.table import Column

VIEWS = {"mine": "My families", "unassigned": "Waiting for the team", "closed": "My families, closed ones too"}
ENGAGEMENT_STYLE = {Engagement.NOT_REACHED: "bold yellow", Engagement.ENGAGED: "green", Engagement.CLOSED: "dim"}


class CaseloadScreen(ListDetailScreen[HandoffView, str]):
    CSS_PATH = styles_dir() / "caseload.tcss"
    KEY_NOTES = (("`Enter`", "on one of your families: its case, as `n` does"),)
    KEY_HELP = {
        "open_case": "the family's case: the plan's dated steps and the notes, saved as you type",
        "log_contact": "log a call to the family: reached or not, and a note (it goes to the contact log)",
        "close_case": "close the case, with the reason",
        "reopen": "reopen a closed case (the family called back)",
        "take": "take the highlighted family waiting for the team: the first contact becomes yours",
        "view_record": "the child's full record (audited)",
        "show('mine')": "my open families: not yet reached first, by first-contact deadline",
        "show('unassigned')": "families handed to the team that nobody has yet",
        "show('closed')": "my families, closed ones too",
    }
    BINDINGS = [
        Binding("n", "open_case", "Notes & plan"),
        Binding("c", "log_contact", "Log contact"),
        Binding("x", "close_case", "Close case"),
        Binding("o", "reopen", "Reopen"),
        Binding("t", "take", "Take it"),
        Binding("v", "view_record", "Child's record"),
        Binding("m", "show('mine')", "Mine"),
        Binding("u", "show('unassigned')", "Waiting"),
        Binding("z", "show('closed')", "With closed"),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "Caseload"
    TABLE_ID = "caseload"
    TITLE_ID = "caseload-title"
    DETAIL_ID = "caseload-detail"
    DETAIL_BOX_ID = "caseload-detail-box"
    BODY_ID = "caseload-body"
    RELOAD_TICKS = 5
    COLUMNS: ClassVar = (
        Column("Family", "family", 14, grow=1, min_width=10, max_width=22),
        Column("Engagement", "engagement", 15),
        Column("First contact", "due", 14),
        Column("Last contact", "last", 13, shown_from=90),
        Column("Guardian", "guardian", 16, grow=2, min_width=10, max_width=30),
        Column("Why", "why", 12, grow=3, min_width=8, max_width=80),
    )

    def __init__(self, view: str | None = None) -> None:
        super().__init__()
        self.requested_view = view

    @property
    def on_team(self) -> bool:
        agent = self.app.agent
        return agent is not None and can(agent.role, Permission.WORK_CASELOAD)

    @property
    def view(self) -> str:
        return (self.requested_view or "mine") if self.on_team else "unassigned"

    def read_filter(self) -> tuple[str | None, dict[str, str]]:
        return self.view, {}

    def fetch(self, query: str | None) -> list[HandoffView]:
        me = self.app.signed_in_agent().id
        if query == "unassigned":
            return handoffs.unassigned(self.app.db, me)
        return handoffs.caseload(self.app.db, me, include_closed=query == "closed")

    def action_show(self, view: str) -> None:
        self.requested_view = view
        self.apply_filter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.on_team and action in ("show", "log_contact", "close_case", "reopen", "take", "open_case"):
            return False
        if action == "take":
            return self.view == "unassigned"
        if action in ("log_contact", "close_case", "reopen", "open_case"):
            return self.view != "unassigned"
        return True

    def after_load(self) -> None:
        self.refresh_bindings()

    def _due_cells(self, row: HandoffView) -> Text:
        if row.first_contact_due is None:
            return Text("made" if row.engagement is not Engagement.NOT_REACHED else "—")
        state = self.app.policy.state("first_contact", self.app.clock(), row.created_at, row.first_contact_due)
        return Text(
            f"{STATUS_LABEL[state.status]} {state.countdown}"
            if state.status is PromiseStatus.OVERDUE
            else state.countdown,
            style=STATUS_STYLE[state.status],
        )

    def cells(self, row: HandoffView) -> list:
        last = format_local(row.last_contact_at)[4:-3] if row.last_contact_at else "never"
        return [
            Text(row.child),
            Text(row.engagement.label, style=ENGAGEMENT_STYLE[row.engagement]),
            self._due_cells(row),
            Text(last),
            Text(row.guardian or ""),
            Text(row.reason),
        ]

    def title_for(self, rows: list[HandoffView], query: str | None) -> str:
        waiting = sum(row.engagement is Engagement.NOT_REACHED for row in rows)
        if query == "unassigned":
            keys = "t: take one · m: mine" if self.on_team else "the team's members take them (t)"
            return f"Waiting for the team: {len(rows)} · {keys}"
        return f"{VIEWS[query or 'mine']}: {len(rows)}, {waiting} not yet reached · u: waiting for the team"

    def describe(self, row: HandoffView | None) -> str:
        if row is None:
            return "No families here." + (" u lists those waiting for the team." if self.view == "mine" else "")
        lines = [
            f"Hand-off #{row.id} · {row.team.label} · {row.engagement.label}",
            f"Child: {row.child} (v opens the full record)",
            f"Guardian: {row.guardian or 'not given'}" + (f" · {format_phone(row.phone)}" if row.phone else ""),
            f"Handed over {format_local(row.created_at)[:-3]} · to {row.member or 'nobody yet'}",
            f"Why: {row.reason}",
        ]
        if row.first_contact_due:
            lines.append(f"First contact due {format_local(row.first_contact_due)[:-3]}")
        if row.last_contact_at:
            lines.append(f"Last contact {format_local(row.last_contact_at)[:-3]}")
        if row.next_step_at and row.next_step:
            lines.append(f"Next step: {format_local(row.next_step_at)[:-3]} · {row.next_step}")
        if row.close_reason:
            lines.append(f"Closed: {row.close_reason}")
        if self.view != "unassigned":
            lines.append("Enter or n: notes and plan")
        return "\n".join(lines)

    # -- actions -------------------------------------------------------------------------------

    def _selected_or_say(self) -> HandoffView | None:
        row = self.selected()
        if row is None:
            self.notify("No family selected.")
        return row

    @on(DataTable.RowSelected, "#caseload")
    def _enter_on_family(self) -> None:
        if self.check_action("open_case", ()):
            self.action_open_case()

    def action_open_case(self) -> None:
        row = self._selected_or_say()
        if row is not None:
            self.open_case(row.id)

    @work(thread=True, exclusive=True, group="caseload-open", exit_on_error=False)
    def open_case(self, case_id: int) -> None:
        detail = handoffs.case_detail(self.app.db, self.app.signed_in_agent().id, case_id)
        self.app.call_from_thread(self._show_case, detail)

    def _show_case(self, detail: CaseDetail) -> None:
        case_id = str(detail.handoff.id)
        self.app.push_screen(CaseScreen(detail), lambda _: self.reload(case_id))  # built here: it needs the app

    def action_view_record(self) -> None:
        row = self._selected_or_say()
        if row is not None:
            self.app.open_child_record(row.child_id, "caseload")

    def action_take(self) -> None:
        row = self._selected_or_say()
        if row is not None:
            self.run_change(lambda db, me, now: handoffs.take(db, me, row.id, now), f"Family #{row.id} is yours.")

    def action_log_contact(self) -> None:
        row = self._selected_or_say()
        if row is None:
            return
        self.ask(
            ContactDialog(row),
            lambda answer: self.run_change(
                lambda db, me, now: handoffs.record_contact(
                    db, me, row.id, answer[0], answer[1], now, self.app.policy, row.version
                ),
                "Contact logged" + (": the family is engaged." if answer[0] else "; the first contact is still owed."),
            ),
        )

    def action_close_case(self) -> None:
        row = self._selected_or_say()
        if row is None:
            return
        dialog = ReasonDialog(
            row.child, f"Close the case of {row.child}: why?", examples.CLOSE_REASON, "close it", check_reason
        )
        self.ask(
            dialog,
            lambda reason: self.run_change(
                lambda db, me, now: handoffs.close(db, me, row.id, reason, now, row.version), "Case closed."
            ),
        )

    def action_reopen(self) -> None:
        row = self._selected_or_say()
        if row is not None:
            self.run_change(lambda db, me, now: handoffs.reopen(db, me, row.id, now, row.version), "Case reopened.")

    @work(thread=True, group="caseload-change", exit_on_error=False)
    def run_change(self, change, done: str) -> None:
        """One change in a worker; a refusal is said by the app and nothing else moves."""
        view = change(self.app.db, self.app.signed_in_agent().id, self.app.clock())
        self.app.call_from_thread(self.notify, done, title=f"Family #{view.id}")
        self.app.call_from_thread(self.reload, str(view.id))


class ContactDialog(FormModal[tuple[bool, str] | None]):
    CSS_PATH = styles_dir() / "caseload.tcss"

    def __init__(self, row: HandoffView) -> None:
        super().__init__(row.child)
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            phone = f" at {format_phone(self.row.phone)}" if self.row.phone else ""
            yield Static(f"Call to {self.row.guardian or 'the family'}{phone}", classes="modal-title", markup=False)
            yield Checkbox("Reached the family", id="reached")
            yield Label("What happened (optional)", classes="field-label")
            yield Input(placeholder=examples.CONTACT_NOTE, id="note", max_length=2000)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("ctrl+s: log it · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#reached").focus()

    def action_save(self) -> None:
        note = self.query_one("#note", Input).value
        try:
            check_note(note)
        except ValidationError as error:
            self.show_error(error, {"note": "#note"})
            return
        self.dismiss((self.query_one("#reached", Checkbox).value, note))


__all__ = ["CaseloadScreen", "ContactDialog"]
