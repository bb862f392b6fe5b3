"""The psychiatrist's consult requests, soonest deadline first, with a countdown in business time."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Static

from callcenter.domain import consults as consult_rules
from callcenter.domain import examples
from callcenter.domain.errors import ValidationError
from callcenter.domain.phone import format_phone
from callcenter.domain.promises import PromiseCountdown, PromiseStatus
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store import consults
from callcenter.store.consults import ConsultView
from callcenter.ui.shared.dialogs import FormModal
from callcenter.ui.shared.list_detail import ListDetailScreen
from callcenter.ui.shared.promise_status import STATUS_LABEL, STATUS_STYLE
from callcenter.ui.shared.table import Column

RELOAD_EVERY = 5  # ticks of the app's refresh interval


class ConsultsScreen(ListDetailScreen[ConsultView, None]):
    CSS_PATH = styles_dir() / "consults.tcss"
    KEY_HELP = {
        "close_consult": "the call was returned: when, minutes spent, written report sent",
        "view_record": "the child's full record, when the request is matched to one (audited)",
    }
    BINDINGS = [
        Binding("x", "close_consult", "Returned: close"),
        Binding("v", "view_record", "Child's record"),
        Binding("escape", "back", "Back"),
    ]
    SUB_TITLE = "My consults"
    TABLE_ID = "consults"
    TITLE_ID = "consults-title"
    DETAIL_ID = "consult-detail"
    DETAIL_BOX_ID = "consult-detail-box"
    BODY_ID = "consults-body"
    RELOAD_TICKS = RELOAD_EVERY
    COLUMNS: ClassVar = (
        Column("State", "state", 9),
        Column("Left", "left", 13),
        Column("PCP", "pcp", 22, grow=2, min_width=12, max_width=36),
        Column("Child", "child", 14, grow=1, min_width=10, max_width=20),
        Column("About", "about", 14, grow=3, min_width=8, max_width=90),
    )

    def fetch(self, query: None) -> list[ConsultView]:
        return consults.for_psychiatrist(self.app.db, self.app.signed_in_agent().id)

    def _countdown(self, row: ConsultView) -> PromiseCountdown:
        due = row.due_at or self.app.policy.consult_deadline(row.received_at)  # every consult has its promise
        return self.app.policy.state("consult_callback", self.app.clock(), row.received_at, due)

    def _status(self, row: ConsultView) -> PromiseStatus:
        return self._countdown(row).status

    def cells(self, row: ConsultView) -> list:
        state = self._countdown(row)
        style = STATUS_STYLE[state.status]
        return [
            Text(STATUS_LABEL[state.status], style=style),
            Text(state.countdown, style=style),
            Text(row.pcp_name),
            Text(row.child),
            Text(f"{dict(consult_rules.QUESTION_TYPES)[row.question_type]}: {' '.join(row.question.split())}"),
        ]

    def title_for(self, rows: list[ConsultView], query: None) -> str:
        overdue = sum(self._status(row) is PromiseStatus.OVERDUE for row in rows)
        return (
            f"My consults: {len(rows)} open, {overdue} overdue · promise: call back within "
            f"{self.app.policy.consult_promise}"
        )

    def describe(self, row: ConsultView | None) -> str:
        if row is None:
            return "No open consults."
        return "\n".join(
            [
                f"Consult #{row.id} · {row.urgency}",
                f"{row.pcp_name}, {row.practice or 'practice not given'}",
                f"Call back: {format_phone(row.callback_number)}" + (f" · NPI {row.npi}" if row.npi else ""),
                f"Child: {row.child}" + (" (v opens the full record)" if row.child_id else ""),
                f"Received {format_local(row.received_at)[:-3]} · due {format_local(row.due_at)[:-3]}",
                "",
                row.question,
            ]
        )

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
