"""One family's case as its case manager or peer specialist works it: the plan's dated steps and
the running notes, saved as they are typed."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Label, Static, TextArea

from callcenter.domain import examples
from callcenter.domain.errors import ValidationError
from callcenter.domain.handoffs import check_case_notes, check_plan_step
from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store import handoffs
from callcenter.store.handoffs import CaseDetail, PlanStepView
from callcenter.ui.shared.autosave import Autosave, KeepsTyping, SaveStatus, leaving_words
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.dialogs import FormModal
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.typeahead import after_typed_keys
from callcenter.ui.shared.widgets import ConsoleHeader


class CaseScreen(KeepsTyping, ConsoleScreen[None]):
    """The plan (dated steps, done or not) above the case notes, which are saved as typed."""

    CSS_PATH = styles_dir() / "caseload.tcss"
    KEY_NOTES = (("type", "the case notes, saved as you type"),)
    KEY_HELP = {
        "add_step": "add a dated step to the plan (e.g. first appointment Wed 12/9 3:30pm)",
        "toggle_step": "mark the highlighted plan step done, or open again",
        "save_now": "save the notes now",
        "compare": "after a conflicting edit: your notes beside the ones saved elsewhere; keep one",
        "leave": "back to the caseload; the notes are kept",
    }
    BINDINGS = [
        Binding("ctrl+n", "add_step", "Plan step", priority=True),
        Binding("ctrl+s", "save_now", "Save", priority=True),
        Binding("ctrl+r", "compare", "Compare", show=False, priority=True),
        Binding("d,space", "toggle_step", "Done / open"),
        Binding("escape", "leave", "Back"),
    ]
    SUB_TITLE = "Case"

    def __init__(self, detail: CaseDetail) -> None:
        super().__init__()
        self.detail = detail
        app, case_id = self.app, detail.handoff.id

        def write(text: str, version: int, agent_id: int) -> int:
            return handoffs.save_notes(app.db, agent_id, case_id, check_case_notes(text), version, app.clock())

        def theirs() -> tuple[str, int]:
            saved = handoffs.case_detail(app.db, app.signed_in_agent().id, case_id)
            return saved.notes, saved.notes_version

        self.autosave: Autosave[str] = Autosave(
            self,
            key=("case", case_id),
            label=f"Case notes #{case_id}",
            saved=detail.notes,
            version=detail.notes_version,
            read=self._notes,
            write=write,
            read_theirs=theirs,
            status=self.paint_save_status,
        )

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(self._title(), id="case-title", classes="section-title", markup=False)
        yield Static(self._facts(), id="case-facts", markup=False)
        yield Label("Plan: ctrl+n adds a dated step · d marks the highlighted one done", classes="field-label")
        yield DataTable(id="case-plan", cursor_type="row", zebra_stripes=True, cursor_foreground_priority="renderable")
        yield Label("Case notes: saved as you type", classes="field-label")
        yield TextArea(self.autosave.current, id="case-notes", soft_wrap=True, tab_behavior="focus")
        yield SaveStatus()
        yield KeyBar()

    def _title(self) -> str:
        case = self.detail.handoff
        return f"Family #{case.id} · {case.child} · {case.team.label} · {case.engagement.label}"

    def _facts(self) -> str:
        case = self.detail.handoff
        phone = f" · {format_phone(case.phone)}" if case.phone else ""
        last = format_local(case.last_contact_at)[:-3] if case.last_contact_at else "none yet"
        owed = f" · first contact due {format_local(case.first_contact_due)[:-3]}" if case.first_contact_due else ""
        return f"Guardian: {case.guardian or 'not given'}{phone}\nLast contact: {last}{owed}\nWhy: {case.reason}"

    def on_mount(self) -> None:
        table = self.query_one("#case-plan", DataTable)
        table.add_column("When", key="when", width=16)
        table.add_column("Step", key="what")
        table.add_column("", key="done", width=6)
        self._paint_plan()
        area = self.query_one("#case-notes", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        if not self.autosave.draft.unsaved:
            self.paint_save_status("Saved" if self.autosave.current else "Nothing typed yet")

    def _paint_plan(self, select_id: int | None = None) -> None:
        table = self.query_one("#case-plan", DataTable)
        table.clear()
        for step in self.detail.plan:
            style = "dim" if step.done_at else ""
            table.add_row(
                Text(format_local(step.due_at)[:-3], style=style),
                Text(step.what, style=style),
                Text("done" if step.done_at else "", style="green"),
                key=str(step.id),
            )
        if not self.detail.plan:
            table.add_row(Text("—", style="dim"), Text("No steps yet: ctrl+n adds one.", style="dim"), "", key="none")
        if select_id is not None:
            table.move_cursor(row=table.get_row_index(str(select_id)))

    def _notes(self) -> str:
        return self.query_one("#case-notes", TextArea).text

    @on(TextArea.Changed, "#case-notes")
    def _typed(self) -> None:
        self.autosave.changed()

    def _highlighted_step(self) -> PlanStepView | None:
        table = self.query_one("#case-plan", DataTable)
        if not self.detail.plan or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((step for step in self.detail.plan if str(step.id) == key), None)

    def action_add_step(self) -> None:
        self.ask(PlanStepDialog(self.detail.handoff.child), self.add_step)

    @work(thread=True, group="case-plan", exit_on_error=False)
    def add_step(self, typed: tuple[str, str]) -> None:
        step = handoffs.add_plan_step(
            self.app.db, self.app.signed_in_agent().id, self.detail.handoff.id, typed[0], typed[1], self.app.clock()
        )
        self._reload_plan(step.id, f"Step added: {step.what}, {format_local(step.due_at)[:-3]}.")

    def action_toggle_step(self) -> None:
        step = self._highlighted_step()
        if step is None:
            self.notify("No plan step here yet: ctrl+n adds one.")
            return
        self.toggle_step(step)

    @work(thread=True, group="case-plan", exit_on_error=False)
    def toggle_step(self, step: PlanStepView) -> None:
        done = step.done_at is None
        handoffs.mark_step(self.app.db, self.app.signed_in_agent().id, step.id, done, self.app.clock())
        self._reload_plan(step.id, "Step done." if done else "Step open again.")

    def _reload_plan(self, select_id: int, said: str) -> None:
        """In the worker: the plan as stored now (the notes on screen are left alone)."""
        fresh = handoffs.case_detail(self.app.db, self.app.signed_in_agent().id, self.detail.handoff.id)
        self.detail = CaseDetail(fresh.handoff, self.detail.notes, self.detail.notes_version, fresh.plan)
        self.app.call_from_thread(self._paint_plan, select_id)
        self.app.call_from_thread(self.notify, said, markup=False)

    def action_save_now(self) -> None:
        self.autosave.save_now()

    def action_compare(self) -> None:
        self.compare_typed(self.query_one("#case-notes", TextArea), f"Case #{self.detail.handoff.id}", "Notes")

    def action_leave(self) -> None:
        self.autosave.save_now()
        draft = self.autosave.draft
        self.notify(
            leaving_words(draft, "Enter on the family in your caseload reopens the notes"),
            severity="warning" if draft.problem or draft.conflict else "information",
            markup=False,
        )
        self.dismiss(None)


class PlanStepDialog(FormModal[tuple[str, str] | None]):
    """A dated step: when it happens and what it is; checked before it is kept."""

    CSS_PATH = styles_dir() / "caseload.tcss"
    BINDINGS = [Binding("enter", "enter", "Next / add", show=False, priority=True)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"A step in the plan for {self.title_text}", classes="modal-title", markup=False)
            yield Label("When", classes="field-label")
            yield Input(placeholder="e.g. 12/9 3:30pm", id="when", max_length=60)
            yield Label("What", classes="field-label")
            yield Input(placeholder=examples.PLAN_STEP, id="what", max_length=200)
            yield Label("", classes="form-error field-error", markup=False)
            yield Static("Enter or ctrl+s: add it · Esc: cancel", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#when").focus()

    def action_enter(self) -> None:
        """Enter after the time goes on to "What" while it is empty, as the eye reads the form; at once,
        so the keys typed after Enter land in "What" even in a burst."""
        what = self.query_one("#what", Input)
        if self.focused is self.query_one("#when") and not what.value.strip():
            self.set_focus(what)
        else:
            self.action_save()

    def action_save(self) -> None:
        after_typed_keys(self, self._save_form)

    def _save_form(self) -> None:
        when, what = self.query_one("#when", Input).value, self.query_one("#what", Input).value
        try:
            check_plan_step(when, what, self.app.clock())
        except ValidationError as error:
            self.show_error(error, {"when": "#when", "what": "#what"})
            return
        self.dismiss((when, what))


__all__ = ["CaseScreen", "PlanStepDialog"]
