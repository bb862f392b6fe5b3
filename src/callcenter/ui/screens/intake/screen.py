"""The intake screen: five steps a rep walks with the keyboard; every keystroke reaches the database."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Input,
    OptionList,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from callcenter.domain import intake_form, intake_rules
from callcenter.domain.model import Urgency
from callcenter.domain.phone import format_phone
from callcenter.domain.timefmt import format_local
from callcenter.resources import styles_dir
from callcenter.store import intakes, referrals
from callcenter.store.intakes import DraftView, SubmittedIntake
from callcenter.store.referrals import AttachedProvider
from callcenter.store.views import KnownChild
from callcenter.ui.screens.intake.fields import FieldRow, field_id
from callcenter.ui.screens.intake.modals import CrisisReasonScreen
from callcenter.ui.shared.autosave import Autosave, KeepsTyping, SaveStatus, leaving_words
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.closing import close_when_on_top
from callcenter.ui.shared.conflict import ConflictScreen
from callcenter.ui.shared.formatting import attached_line
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.known_child import KnownChildScreen
from callcenter.ui.shared.outbox import changed_fields
from callcenter.ui.shared.typeahead import after_typed_keys
from callcenter.ui.shared.widgets import ConsoleHeader, ConsoleOptionList, success_button

CHILD_MATCH_KEYS = {"child_first_name", "child_last_name", "child_dob", "medicaid_number"}
FIRST_STEP = intake_form.STEP_KEYS[0]  # shown when the intake opens


class StepList(ConsoleOptionList):
    """The intake's steps; with the list focused (F4), a step's number opens it."""

    BINDINGS = [Binding(str(number), f"pick({number - 1})", show=False) for number in range(1, 10)]

    def action_pick(self, index: int) -> None:
        if index < self.option_count:
            self.highlighted = index
            self.action_select()


class IntakeScreen(KeepsTyping, ConsoleScreen[None]):
    CSS_PATH = styles_dir() / "intake.tcss"
    # The first field has the focus from the start: Textual would first give it to the list of steps,
    # restyling both twice as the intake opens.
    AUTO_FOCUS = f"#{field_id(intake_form.fields_of(FIRST_STEP)[0].key)}"
    KEY_NOTES = (
        ("`Tab` / `shift+Tab`", "next / previous field; a field is checked when you leave it"),
        ("`F4`, then `1` … `5`", "jump to a step (`alt+1` … `alt+5` too, where the terminal sends them)"),
    )
    KEY_HELP = {
        "steps": "the list of steps: `1` … `5` or arrows and `Enter` open one",
        "next_step": "next step: Caller, Child, Concern, Needs, Summary",
        "previous_step": "previous step",
        "crisis": "**crisis**: safety concern (suicidal thoughts, harm to others, medical emergency)",
        "field_help": "what the focused field means and the format it takes (also shown at the bottom)",
        "find_provider": "find a provider, prefilled from the child's details",
        "save_now": "save now: try a save that failed again at once (every change is saved as you type)",
        "submit": "submit; with fields missing, the summary lists them and `Enter` jumps to one",
        "reload": "after a conflicting edit: compare your text with the other rep's and choose, field by field",
        "leave": "leave; the draft stays saved and is offered again at the next sign-in",
    }
    BINDINGS = [
        # Tab moves focus before the next key is read, so a rep typing ahead never lands in the old field.
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
        # F-keys reach the console from every terminal and from the browser (where ctrl+n opens a window).
        Binding("f6,ctrl+n", "next_step", "Next step", priority=True),
        Binding("f5,ctrl+b", "previous_step", "Prev step", priority=True),
        Binding("f4", "steps", "Steps", priority=True),
        Binding("f8", "crisis", "CRISIS", priority=True),
        Binding("f2", "field_help", "Field help", priority=True),
        Binding("f3", "find_provider", "Find provider", priority=True),
        Binding("ctrl+s", "save_now", "Save", priority=True),
        Binding("f10", "submit", "Submit", priority=True),
        Binding("ctrl+r", "reload", "Compare", show=False, priority=True),
        Binding("escape", "leave", "Leave (kept)"),
        *[
            Binding(f"alt+{number}", f"go_step('{key}')", label, show=False, priority=True)
            for number, (key, label) in enumerate(intake_form.STEPS, start=1)
        ],
    ]

    def __init__(self, draft: DraftView) -> None:
        super().__init__()
        self.draft = draft
        self.intake_id = draft.id
        self.crisis_at: datetime | None = draft.crisis_at
        self.step = "caller"
        app, intake_id = self.app, draft.id

        def write(fields: dict[str, str], version: int, agent_id: int) -> int:
            return intakes.save_draft(app.db, agent_id, intake_id, fields, version, app.clock())

        def theirs() -> tuple[dict[str, str], int]:
            saved = intakes.get(app.db, app.signed_in_agent().actor, intake_id, app.clock())
            return dict(saved.fields), saved.version

        self.autosave: Autosave[dict[str, str]] = Autosave(
            self,
            key=("intake", draft.id),
            label=f"intake #{draft.id}",
            saved=dict(draft.fields),
            version=draft.version,
            read=lambda: dict(self.values),
            write=write,
            read_theirs=theirs,
            status=self._set_status,
        )
        # What the outbox still holds for this intake (typed, not yet saved) comes back as typed.
        self.values: dict[str, str] = dict(self.autosave.current)
        self._asked_children: set[int] = set()
        self._errors: dict[str, str] = {}
        self._shown_advisories: list[str] | None = None
        self.attached: list[AttachedProvider] = []
        self.rows = {spec.key: FieldRow(spec, self.values.get(spec.key, "")) for spec in intake_form.FIELDS}
        # The first step is built with the screen; the others a moment after it paints (a form of
        # twenty-odd fields built at once doubled the time to open it). Until they are, a step
        # change waits for them, so keys typed after it still land in order.
        self._later_steps_ready = asyncio.Event()
        self._leaving = False
        # Its own subtitle, like every screen's: the app's stays the agent's (see LookupScreen.SUB_TITLE).
        number = format_phone(draft.caller_number) if draft.caller_number else "started by hand"
        self.sub_title = f"Intake #{self.intake_id} · {number}"

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static("", id="crisis-banner", markup=False)
        yield Vertical(id="advisories")
        with Horizontal(id="intake-body"):
            yield StepList(
                *(Option(f"{n}  {label}", id=key) for n, (key, label) in enumerate(intake_form.STEPS, start=1)),
                id="step-list",
            )
            with ContentSwitcher(initial=f"step-{FIRST_STEP}", id="steps"):
                for key, label in intake_form.STEPS[:-1]:
                    with VerticalScroll(id=f"step-{key}", classes="step"):
                        yield Static(label, classes="step-title")
                        if key == FIRST_STEP:
                            yield from self._rows_of(key)
                with VerticalScroll(id="step-summary", classes="step"):
                    yield Static("Summary", classes="step-title")  # the rest is built with the later steps
        yield Static("", id="field-help", markup=False)
        yield SaveStatus()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#step-list", OptionList).highlighted = 0
        if self.crisis_at is not None:
            self._show_crisis()
        self._refresh_advisories()
        self._set_status(f"Draft #{self.intake_id} · saved as you type")
        self._focus_first_field()
        self.load_attached()
        self.call_after_refresh(self._build_later_steps)

    def _rows_of(self, step: str) -> list[FieldRow]:
        return [self.rows[spec.key] for spec in intake_form.fields_of(step)]

    async def _build_later_steps(self) -> None:
        # Never into a screen on its way out: a Select mounted into a removed screen cannot find its
        # own parts and stops the console. Leaving waits for this (it stops at the next step).
        try:
            for key, _label in intake_form.STEPS[:-1]:
                if self._leaving or not self.is_attached:
                    return
                if key != FIRST_STEP:
                    await self.query_one(f"#step-{key}", VerticalScroll).mount_all(self._rows_of(key))
            if not self._leaving and self.is_attached:
                await self.query_one("#step-summary", VerticalScroll).mount_all(self._summary_parts())
        finally:
            self._later_steps_ready.set()

    @staticmethod
    def _summary_parts() -> list[Widget]:
        return [
            Static("", id="summary-text", markup=False),
            Static("", id="missing-title", classes="section-title", markup=False),
            # Its lines quote what was typed ("'[/]' has no year"): shown as typed, never as markup.
            ConsoleOptionList(id="missing", markup=False),
            success_button("Submit referral (F10)", id="submit"),
        ]

    @property
    def today(self) -> date:
        return self.app.line_today()

    def _row(self, key: str) -> FieldRow:
        return self.rows[key]

    # -- typing and autosave ---------------------------------------------------------------

    def _key_of(self, widget: Widget) -> str | None:
        widget_id = widget.id or ""
        return widget_id.removeprefix("field-") if widget_id.startswith("field-") else None

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _field_changed(self, event) -> None:
        widget = event.control if hasattr(event, "control") else event.text_area
        key = self._key_of(widget)
        if key is None or key not in intake_form.FIELD_BY_KEY:
            return
        value = self._row(key).value
        if self.values.get(key, "") == value:
            return
        self.values[key] = value
        self._schedule_save()
        if isinstance(event, (Select.Changed, Checkbox.Changed)):
            self._validate(key)

    @on(Input.Blurred)
    def _field_left(self, event: Input.Blurred) -> None:
        key = self._key_of(event.input)
        if key is not None:
            self._validate(key, normalise=True)

    def _validate(self, key: str, normalise: bool = False) -> None:
        raw = self.values.get(key, "")
        value, error = intake_form.check_field(key, raw, self.today)
        row = self._row(key)
        row.show_error(error)
        if error:
            self._errors[key] = error
        else:
            self._errors.pop(key, None)
            if normalise and value is not None:
                shown = intake_form.display_value(key, value)
                if shown != raw:
                    row.set_value(shown)
            if key == "child_zip" and value and not self.values.get("child_town"):
                from callcenter.domain.validation import town_for_zip

                self._row("child_town").set_value(town_for_zip(value))
            if key == "caller_type" and value == "parent_guardian" and not self.values.get("guardian_name"):
                self._row("guardian_name").set_value(self.values.get("caller_name", ""))
        self._refresh_advisories()
        if key in CHILD_MATCH_KEYS and not error and "reuse_child_id" not in self.values:
            self.look_for_known_child(dict(self.values))

    def _schedule_save(self) -> None:
        self.autosave.changed()

    def _set_status(self, text: str, error: bool = False) -> None:
        for line in self.query(SaveStatus):  # none while the screen is being built or closed
            line.show(text, error)

    def action_save_now(self) -> None:
        self.autosave.save_now()

    def action_reload(self) -> None:
        """After a conflict: the rep's text beside the other rep's; per field, keep one or the other."""
        conflict = self.autosave.draft.conflict
        if conflict is None:
            self.notify("Nothing to compare: no other rep has saved over your draft.")
            return
        mine, theirs = dict(self.values), dict(conflict.theirs)
        rows = [
            (
                intake_form.FIELD_BY_KEY[key].label if key in intake_form.FIELD_BY_KEY else key,
                key,
                mine.get(key, ""),
                theirs.get(key, ""),
            )
            for key in changed_fields(mine, theirs)
        ]
        self.ask(
            ConflictScreen(f"Intake #{self.intake_id}", conflict.message, rows),
            lambda keep_mine: self._conflict_resolved(mine, theirs, keep_mine),
        )

    def _conflict_resolved(self, mine: dict[str, str], theirs: dict[str, str], keep_mine: set[str]) -> None:
        chosen = {**theirs, **{key: mine.get(key, "") for key in keep_mine}}
        self.values = chosen
        for spec in intake_form.FIELDS:
            self._row(spec.key).set_value(chosen.get(spec.key, ""))
        self.values = dict(chosen)  # setting the fields above reports each as changed; the choice stands
        self.autosave.draft.resolve(dict(chosen))  # its own copy: the form's values change as the rep types

    # -- steps -----------------------------------------------------------------------------

    def _focus_now(self, widget) -> None:
        """Move focus before the next key is routed: ``widget.focus()`` only queues the move, so
        letters typed right after ctrl+n would land in the field being left."""
        self.set_focus(widget)

    async def action_go_step(self, step: str) -> None:
        await self._later_steps_ready.wait()
        self.show_step(step)

    def show_step(self, step: str) -> None:
        self.step = step
        self.query_one("#steps", ContentSwitcher).current = f"step-{step}"
        self.query_one("#step-list", OptionList).highlighted = intake_form.STEP_KEYS.index(step)
        if step == "summary":
            self._render_summary()
            self._focus_now(
                self.query_one("#missing", OptionList) if self._missing_count else self.query_one("#submit", Button)
            )
        else:
            self._focus_first_field()

    def action_steps(self) -> None:
        self._focus_now(self.query_one("#step-list", OptionList))

    async def action_next_step(self) -> None:
        index = intake_form.STEP_KEYS.index(self.step)
        await self.action_go_step(intake_form.STEP_KEYS[min(index + 1, len(intake_form.STEP_KEYS) - 1)])

    async def action_previous_step(self) -> None:
        index = intake_form.STEP_KEYS.index(self.step)
        await self.action_go_step(intake_form.STEP_KEYS[max(index - 1, 0)])

    @on(OptionList.OptionSelected, "#step-list")
    async def _step_picked(self, event: OptionList.OptionSelected) -> None:
        await self.action_go_step(str(event.option.id))

    def _focus_first_field(self) -> None:
        fields = intake_form.fields_of(self.step)
        if fields:
            self._focus_now(self.query_one(f"#{field_id(fields[0].key)}"))

    async def jump_to_field(self, key: str) -> None:
        spec = intake_form.FIELD_BY_KEY.get(key)
        if spec is None:
            return
        await self.action_go_step(spec.step)
        self._focus_now(self.query_one(f"#{field_id(key)}"))

    @on(OptionList.OptionSelected, "#missing")
    async def _missing_picked(self, event: OptionList.OptionSelected) -> None:
        await self.jump_to_field(str(event.option.id))

    # -- help ------------------------------------------------------------------------------

    def on_descendant_focus(self, event) -> None:
        row = next((node for node in event.widget.ancestors_with_self if isinstance(node, FieldRow)), None)
        help_line = self.query_one("#field-help", Static)
        help_line.update(f"{row.spec.label}: {row.spec.help}" if row else "")

    def action_field_help(self) -> None:
        focused = self.focused
        row = next((n for n in focused.ancestors_with_self if isinstance(n, FieldRow)), None) if focused else None
        if row is None:
            self.notify("Move to a field first; its help shows at the bottom of the screen.")
            return
        self.notify(row.spec.help, title=row.spec.label, timeout=8)

    # -- advisories, crisis and known children --------------------------------------------

    def _clean(self) -> tuple[dict, dict]:
        return intake_form.validate_for_submit(self.values, self.today)

    def _refresh_advisories(self) -> None:
        clean, _ = self._clean()
        found = intake_rules.advisories(clean, self.today)
        if [a.kind for a in found] == self._shown_advisories:
            return  # unchanged: no remount, so leaving a field stays instant
        self._shown_advisories = [a.kind for a in found]
        box = self.query_one("#advisories", Vertical)
        box.remove_children()
        box.mount_all(
            Static(f"{advice.title}: {advice.text}", classes=f"advisory advisory-{advice.kind}", markup=False)
            for advice in found
        )

    def action_crisis(self) -> None:
        self.app.push_screen(CrisisReasonScreen(), self._crisis_reason_chosen)

    def _crisis_reason_chosen(self, reason: str | None) -> None:
        if reason:
            self.mark_crisis(reason)

    @work(thread=True, group="intake-save", exit_on_error=False)
    def mark_crisis(self, reason: str) -> None:
        with self.autosave.lock:  # between two saves, never inside one: both move the version on
            view = intakes.mark_crisis(
                self.app.db, self.app.signed_in_agent().id, self.intake_id, reason, self.app.clock()
            )
            self.autosave.draft.version = view.version
        self.app.call_from_thread(self._crisis_marked, view)

    def _crisis_marked(self, view: DraftView) -> None:
        self.crisis_at = view.crisis_at
        self.values["urgency"] = Urgency.EMERGENCY.value
        self.values["crisis_reason"] = view.fields.get("crisis_reason", "")
        self._row("urgency").set_value(Urgency.EMERGENCY.value)
        self._show_crisis()
        self._schedule_save()

    def _show_crisis(self) -> None:
        banner = self.query_one("#crisis-banner", Static)
        reason = dict(intake_form.CRISIS_REASONS).get(self.values.get("crisis_reason", ""), "safety concern")
        when = format_local(self.crisis_at, with_date=False) if self.crisis_at else ""
        banner.update(f"CRISIS — {reason} (crisis path taken {when}). {intake_rules.CRISIS_SCRIPT}")
        banner.add_class("visible")
        self._row("urgency").lock_field()  # the crisis path cannot be silently undone

    @work(thread=True, exclusive=True, group="intake-known-child", exit_on_error=False)
    def look_for_known_child(self, snapshot: dict[str, str]) -> None:
        matches = intakes.find_known_children(self.app.db, snapshot, self.today)
        fresh = [m for m in matches if m.id not in self._asked_children]
        if fresh:
            self.app.call_from_thread(self._offer_known_child, fresh[0])

    def _offer_known_child(self, child: KnownChild) -> None:
        if "reuse_child_id" in self.values or child.id in self._asked_children:
            return
        self._asked_children.add(child.id)
        self.app.push_screen(KnownChildScreen(child), lambda reuse: self._known_child_answer(child, reuse))

    def _known_child_answer(self, child: KnownChild, reuse: bool | None) -> None:
        if not reuse:
            return
        self.values["reuse_child_id"] = str(child.id)
        for key, value in (("child_first_name", child.first_name), ("child_last_name", child.last_name)):
            if not self.values.get(key):
                self._row(key).set_value(value)
        if child.date_of_birth and not self.values.get("child_dob"):
            self._row("child_dob").set_value(intake_form.display_value("child_dob", child.date_of_birth))
        self.notify(
            f"Using the existing record of {child.first_name} {child.last_name}.", title="Known child", markup=False
        )
        self._schedule_save()

    def action_find_provider(self) -> None:
        from callcenter.domain.directory import query_for_intake

        clean, _ = self._clean()
        self.action_save_now()  # the referral's providers hang off the saved draft
        self.app.action_lookup(
            query_for_intake(clean, self.today), intake_id=self.intake_id, on_close=self._lookup_closed
        )

    def _lookup_closed(self, _: None) -> None:
        self.load_attached()  # the rep may have attached providers there

    @work(thread=True, exclusive=True, group="intake-attached", exit_on_error=False)
    def load_attached(self) -> None:
        attached = referrals.attached_to(self.app.db, self.intake_id)
        self.app.call_from_thread(self._attached_loaded, attached)

    def _attached_loaded(self, attached: list[AttachedProvider]) -> None:
        self.attached = attached
        if self.step == "summary":
            self._render_summary()

    # -- summary and submit ----------------------------------------------------------------

    _missing_count = 0

    def _render_summary(self) -> None:
        clean, errors = self._clean()
        lines: list[str] = []
        for step, label in intake_form.STEPS[:-1]:
            lines.append(label.upper())
            for spec in intake_form.fields_of(step):
                raw = self.values.get(spec.key, "")
                if spec.kind == "choice":
                    shown = dict(spec.choices).get(raw, "")
                elif spec.kind == "flag":
                    shown = "yes" if raw == "yes" else ""
                else:
                    shown = " ".join(raw.split())
                if shown:
                    lines.append(f"  {spec.label:<26} {shown[:90]}")
        urgency = clean.get("urgency")
        if urgency:
            deadline = intake_rules.access_deadline(Urgency(urgency), self.app.clock())
            lines.append("")
            lines.append(f"Access deadline: {format_local(deadline)} ({intake_form.urgency_label(urgency)})")
        if self.crisis_at:
            lines.append(f"Crisis path taken at {format_local(self.crisis_at)}.")
        if "reuse_child_id" in self.values:
            lines.append(f"Existing child record #{self.values['reuse_child_id']} will be updated.")
        lines.append("")
        if self.attached:
            lines.append("PROVIDERS FOR THIS REFERRAL")
            lines.extend(f"  {attached_line(a)}" for a in self.attached)
        else:
            lines.append("No provider attached yet: F3 finds one, ctrl+a there attaches it.")
        self.query_one("#summary-text", Static).update("\n".join(lines))
        missing = self.query_one("#missing", OptionList)
        missing.clear_options()
        missing.add_options(
            Option(
                f"{intake_form.FIELD_BY_KEY[key].label if key in intake_form.FIELD_BY_KEY else key}: {message}", id=key
            )
            for key, message in errors.items()
        )
        self._missing_count = len(errors)
        if errors:
            missing.highlighted = 0
        title = self.query_one("#missing-title", Static)
        title.update(
            f"{len(errors)} to fix before submitting — Enter jumps to the field" if errors else "Ready to submit."
        )
        title.set_class(bool(errors), "error")
        missing.display = bool(errors)

    def action_submit(self) -> None:
        after_typed_keys(self, self._submit_form)

    def _submit_form(self) -> None:
        _, errors = self._clean()
        if errors:
            self.call_later(self.action_go_step, "summary")
            self.notify(f"{len(errors)} field(s) need attention first.", severity="warning")
            return
        self.submit_intake(dict(self.values))

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @work(thread=True, group="intake-save", exit_on_error=False)
    def submit_intake(self, snapshot: dict[str, str]) -> None:
        reuse = int(snapshot["reuse_child_id"]) if snapshot.get("reuse_child_id", "").isdigit() else None
        with self.autosave.lock:  # a refusal is said by the app; the form stays, with every field
            result = intakes.submit(
                self.app.db,
                self.app.signed_in_agent().id,
                self.intake_id,
                snapshot,
                self.autosave.draft.version,
                self.app.clock(),
                self.today,
                reuse_child_id=reuse,
                policy=self.app.policy,
            )
            self.autosave.closed()
        self.app.call_from_thread(self._submitted, result)

    def discard_untouched(self) -> None:
        """The app's worker, not this screen's: the screen is closing."""
        app, agent_id, intake_id = self.app, self.app.signed_in_agent().id, self.intake_id
        app.run_worker(
            lambda: intakes.discard_if_untouched(app.db, agent_id, intake_id, app.clock()),
            thread=True,
            group="intake-discard",
            exit_on_error=False,
        )

    def _submitted(self, result: SubmittedIntake) -> None:
        consult = f" Medication consult #{result.consult_id} requested." if result.consult_id else ""
        self.notify(
            f"Referral submitted. Follow-up check due {format_local(result.access_deadline)}.{consult}",
            title=f"Intake #{result.intake_id} submitted",
            timeout=8,
        )
        close_when_on_top(self)  # help or the lookup may have opened over the form meanwhile

    async def action_leave(self) -> None:
        if self._leaving:
            return  # Esc pressed again while a step finishes building
        self._leaving = True
        # An Esc can arrive before the screen has even mounted: leave once it has, and once the step
        # being built (if any) is in, never halfway.
        await self._later_steps_ready.wait()
        if self.autosave.draft.version == self.draft.version == 1 and self.values == dict(self.draft.fields):
            self.discard_untouched()  # nothing typed: not kept to be offered again
            self.dismiss(None)
            return
        self.autosave.save_now()
        self.notify(
            leaving_words(self.autosave.draft, "it reopens from the call panel (ctrl+g) or after sign-in"),
            severity="warning" if self.autosave.draft.problem or self.autosave.conflict else "information",
            markup=False,
        )
        self.dismiss(None)
