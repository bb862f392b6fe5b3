"""Consult requests: a psychiatrist's own (urgent first), the unassigned ones, and the returned ones."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Static

from callcenter.domain import consults as consult_rules
from callcenter.domain import examples
from callcenter.domain.consults import ConsultQuery
from callcenter.domain.errors import ValidationError
from callcenter.domain.phone import format_phone
from callcenter.domain.promises import PromiseCountdown, PromiseStatus
from callcenter.domain.roles import Permission, can
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store import consults
from callcenter.store.consults import ConsultView
from callcenter.ui.shared.dialogs import FormModal, PickScreen
from callcenter.ui.shared.list_detail import ListDetailScreen
from callcenter.ui.shared.promise_status import STATUS_LABEL, STATUS_STYLE
from callcenter.ui.shared.table import Column
from callcenter.ui.shared.widgets import compact

RELOAD_EVERY = 5  # ticks of the app's refresh interval


class ConsultsScreen(ListDetailScreen[ConsultView, ConsultQuery]):
    """A psychiatrist's open consults (urgent first), the unassigned ones, and their history; a
    supervisor sees the unassigned ones and gives them to a psychiatrist on shift."""

    CSS_PATH = styles_dir() / "consults.tcss"
    KEY_HELP = {
        "close_consult": "the call was returned: when, minutes spent, written report sent",
        "view_record": "the child's full record, when the request is matched to one (audited)",
        "show('mine')": "my open consults, urgent first, then the soonest deadline",
        "show('unassigned')": "consults no psychiatrist has yet (none was on shift), soonest deadline first",
        "show('history')": "my returned consults, filtered by the day and the PCP",
        "take": "take the highlighted unassigned consult: its callback promise becomes yours",
        "assign": "(supervisors) give the highlighted consult to a psychiatrist on shift",
    }
    BINDINGS = [
        Binding("x", "close_consult", "Returned: close"),
        Binding("t", "take", "Take it"),
        Binding("a", "assign", "Give to…"),
        Binding("v", "view_record", "Child's record"),
        Binding("m", "show('mine')", "Mine"),
        Binding("u", "show('unassigned')", "Unassigned"),
        Binding("h", "show('history')", "History"),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "Consults"
    TABLE_ID = "consults"
    TITLE_ID = "consults-title"
    DETAIL_ID = "consult-detail"
    DETAIL_BOX_ID = "consult-detail-box"
    BODY_ID = "consults-body"
    FILTER_ERROR_ID = "consult-filter-error"
    FILTER_PREFIX = "cf-"
    RELOAD_TICKS = RELOAD_EVERY
    COLUMNS: ClassVar = (
        Column("State", "state", 9),
        Column("When", "when", 13),  # time left, or when the call was returned
        Column("Urgency", "urgency", 7),
        Column("PCP", "pcp", 22, grow=2, min_width=12, max_width=36),
        Column("Child", "child", 14, grow=1, min_width=10, max_width=20),
        Column("About", "about", 14, grow=3, min_width=8, max_width=90),
    )

    def __init__(self, view: str | None = None) -> None:
        super().__init__()
        self.requested_view = view

    @property
    def is_psychiatrist(self) -> bool:
        agent = self.app.agent
        return agent is not None and can(agent.role, Permission.RETURN_CONSULTS)

    @property
    def view(self) -> str:
        if not self.is_psychiatrist:
            return "unassigned"  # a supervisor has no consults of their own
        return self.requested_view or "mine"

    def compose_filters(self) -> ComposeResult:
        with Horizontal(id="consult-filters"):
            yield compact(Input(placeholder="returned on, e.g. today or 11/30", id="cf-day", max_length=20))
            yield compact(Input(placeholder="PCP or practice, e.g. Elm", id="cf-pcp", max_length=60))

    def on_mount(self) -> None:
        super().on_mount()
        self._show_filters()

    def _show_filters(self) -> None:
        self.query_one("#consult-filters").display = self.view == "history"

    def read_filter(self) -> tuple[ConsultQuery | None, dict[str, str]]:
        fields = {key: self.query_one(f"#cf-{key}", Input).value for key in ("day", "pcp")}
        today = self.app.clock().astimezone(self.app.policy.hours.zone).date()
        return consult_rules.build_query(self.view, fields, today)

    def fetch(self, query: ConsultQuery | None) -> list[ConsultView]:
        me = self.app.signed_in_agent().id
        query = query or ConsultQuery(self.view)
        if query.view == "unassigned":
            return consults.unassigned(self.app.db, me)
        if query.view == "history":
            return consults.history(self.app.db, me, day=query.day, pcp=query.pcp)
        return consults.for_psychiatrist(self.app.db, me)

    def action_show(self, view: str) -> None:
        if self.requested_view == view:
            return
        self.requested_view = view
        self._show_filters()
        self.table.focus()
        self.apply_filter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("show", "close_consult", "take") and not self.is_psychiatrist:
            return False
        if action == "assign":
            agent = self.app.agent
            return agent is not None and can(agent.role, Permission.SUPERVISE)
        if action == "take" and self.view != "unassigned":
            return False
        if action == "close_consult" and self.view != "mine":
            return False
        return True

    def on_screen_resume(self) -> None:
        self.refresh_bindings()

    def after_load(self) -> None:
        self.refresh_bindings()

    def _countdown(self, row: ConsultView) -> PromiseCountdown:
        due = row.due_at or self.app.policy.consult_deadline(row.received_at, row.urgency)
        end = row.returned_at if row.state == "closed" and row.returned_at else self.app.clock()
        return self.app.policy.state("consult_callback", end, row.received_at, due)

    def _status(self, row: ConsultView) -> PromiseStatus:
        return self._countdown(row).status

    def cells(self, row: ConsultView) -> list:
        about = f"{dict(consult_rules.QUESTION_TYPES)[row.question_type]}: {' '.join(row.question.split())}"
        urgency = (
            Text("DANGER", style="bold red")
            if row.danger_now
            else Text("urgent" if row.urgency == "urgent" else "", style="bold yellow")
        )
        if row.state == "closed":
            returned = format_local(row.returned_at)[4:-3] if row.returned_at else ""  # "Dec 06 14:05"
            late = self._countdown(row).status is PromiseStatus.OVERDUE
            return [
                Text("late" if late else "returned"),
                Text(returned),
                urgency,
                Text(row.pcp_name),
                Text(row.child),
                Text(about),
            ]
        state = self._countdown(row)
        style = STATUS_STYLE[state.status]
        return [
            Text(STATUS_LABEL[state.status], style=style),
            Text(state.countdown, style=style),
            urgency,
            Text(row.pcp_name),
            Text(row.child),
            Text(about),
        ]

    def title_for(self, rows: list[ConsultView], query: ConsultQuery | None) -> str:
        view = query.view if query else self.view
        if view == "history":
            narrowed = " (filtered)" if query and (query.day or query.pcp) else ""
            return f"My returned consults{narrowed}: {len(rows)} · m: open · u: unassigned"
        overdue = sum(self._status(row) is PromiseStatus.OVERDUE for row in rows)
        urgent = sum(row.urgency == "urgent" for row in rows)
        if view == "unassigned":
            keys = "t: take one" if self.is_psychiatrist else "a: give one to a psychiatrist"
            return f"Unassigned: {len(rows)}, {urgent} urgent, {overdue} overdue · {keys}"
        return f"My consults: {len(rows)} open, {urgent} urgent, {overdue} overdue · u: unassigned · h: returned"

    def describe(self, row: ConsultView | None) -> str:
        if row is None:
            return {
                "mine": "No open consults of yours. u lists the unassigned ones.",
                "unassigned": "No consult is waiting unassigned.",
                "history": "No returned consults match.",
            }[self.view]
        lines = [
            f"Consult #{row.id} · {row.urgency.upper() if row.urgency == 'urgent' else row.urgency}"
            + (" · DANGER NOW: crisis steps were given before filing" if row.danger_now else ""),
            f"{row.pcp_name}, {row.practice or 'practice not given'}",
            f"Call back: {format_phone(row.callback_number)}" + (f" · NPI {row.npi}" if row.npi else ""),
            f"Child: {row.child}" + (" (v opens the full record)" if row.child_id else ""),
            f"Received {format_local(row.received_at)[:-3]} · due {format_local(row.due_at)[:-3]} "
            f"({self._promise_words(row)})",
            f"Psychiatrist: {row.psychiatrist_name or 'unassigned'}",
        ]
        if row.state == "closed" and row.returned_at:
            report = "written report sent" if row.written_report else "no written report"
            lines.append(f"Returned {format_local(row.returned_at)[:-3]} · {row.minutes_spent} min · {report}")
        return "\n".join([*lines, "", row.question])

    def _promise_words(self, row: ConsultView) -> str:
        policy = self.app.policy
        return f"urgent: {policy.urgent_consult_promise}" if row.urgency == "urgent" else str(policy.consult_promise)

    def action_take(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No consult selected: u lists the unassigned ones.")
            return
        self.take(row)

    @work(thread=True, group="consult-take", exit_on_error=False)
    def take(self, row: ConsultView) -> None:
        taken = consults.take(self.app.db, self.app.signed_in_agent().id, row.id, self.app.clock())
        self.app.call_from_thread(
            self.notify, f"Consult #{taken.id} is yours: due {format_local(taken.due_at)[:-3]}.", title="Taken"
        )
        self.app.call_from_thread(self.reload)

    def action_assign(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No consult selected.")
            return
        self.offer_psychiatrists(row)

    @work(thread=True, group="consult-assign", exit_on_error=False)
    def offer_psychiatrists(self, row: ConsultView) -> None:
        doctors = consults.psychiatrists_on_shift(self.app.db, self.app.clock())
        self.app.call_from_thread(self._pick_psychiatrist, row, doctors)

    def _pick_psychiatrist(self, row: ConsultView, doctors: list[tuple[int, str]]) -> None:
        if not doctors:
            self.notify("No psychiatrist is on shift: the consult stays listed here until one is.", severity="warning")
            return
        choices = [(name, str(agent_id)) for agent_id, name in doctors]
        self.ask(PickScreen(f"Give consult #{row.id} to", choices), lambda chosen: self.assign(row, int(chosen)))

    @work(thread=True, group="consult-assign", exit_on_error=False)
    def assign(self, row: ConsultView, psychiatrist_id: int) -> None:
        moved = consults.reassign(
            self.app.db, self.app.signed_in_agent().actor, row.id, psychiatrist_id, self.app.clock()
        )
        self.app.call_from_thread(
            self.notify, f"Consult #{moved.id} given to {moved.psychiatrist_name}.", title="Assigned", markup=False
        )
        self.app.call_from_thread(self.reload)

    def action_view_record(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No consult selected.")
            return
        if row.child_id is None:
            self.notify("This consult is not matched to a child's record; the PCP's office has the details.")
            return
        self.app.open_child_record(row.child_id, "consults")

    def action_close_consult(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No consult selected.")
            return
        self.ask(CloseConsultScreen(row), lambda result: self.close_consult(row, *result))

    @work(thread=True, group="consult-close", exit_on_error=False)
    def close_consult(self, row: ConsultView, returned_at: datetime, minutes: int, written: bool) -> None:
        consults.close(
            self.app.db,
            self.app.signed_in_agent().id,
            row.id,
            returned_at,
            minutes,
            written,
            self.app.clock(),
            self.app.policy,
        )
        codes = consult_rules.interprofessional_codes(minutes, written)
        self.app.call_from_thread(
            self.notify,
            f"Consult #{row.id} closed: {minutes} min" + (f", supports {' / '.join(codes)}" if codes else ""),
            title="Returned",
        )
        self.app.call_from_thread(self.reload)


class CloseConsultScreen(FormModal[tuple[datetime, int, bool] | None]):
    CSS_PATH = styles_dir() / "consults.tcss"

    def __init__(self, consult: ConsultView) -> None:
        super().__init__(consult.pcp_name)
        self.consult = consult

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(
                f"Returned call: {self.consult.pcp_name} about {self.consult.child}",
                classes="modal-title",
                markup=False,
            )
            yield Label("When was the call returned? (blank: now)", classes="field-label")
            yield Input(placeholder=examples.PAST_MOMENT, id="returned")
            yield Label("Minutes spent", classes="field-label")
            yield Input(placeholder=examples.MINUTES, id="minutes", type="integer")
            yield Checkbox("Written report sent to the PCP", id="written")
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("ctrl+s: close the consult · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#minutes").focus()

    def action_save(self) -> None:
        written = self.query_one("#written", Checkbox).value
        try:
            minutes = consult_rules.check_closing(self.query_one("#minutes", Input).value, written)
            returned = consult_rules.parse_returned_at(
                self.query_one("#returned", Input).value, self.consult.received_at, self.app.clock()
            )
        except ValidationError as error:
            self.show_error(error, {"minutes": "#minutes", "returned": "#returned"})
            return
        self.dismiss((returned, minutes, written))
