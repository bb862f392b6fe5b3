"""Provider lookup: results follow the rep's typing; the detail pane is what the family hears."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Checkbox, DataTable, Input, Select, Static
from textual.worker import Worker

from callcenter.domain.directory import RADII_MILES, SERVICE_TYPES, LookupQuery
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import Urgency
from callcenter.domain.phone import format_phone
from callcenter.domain.referrals import ReferralChoice
from callcenter.resources import styles_dir
from callcenter.store import directory, referrals
from callcenter.store.directory import LookupResult, ProviderHit
from callcenter.store.referrals import AttachedProvider
from callcenter.ui.screens.lookup.attach import AttachProviderScreen
from callcenter.ui.shared.base import ConsoleScreen
from callcenter.ui.shared.errors import explain
from callcenter.ui.shared.formatting import attached_line, format_appointment
from callcenter.ui.shared.keybar import KeyBar
from callcenter.ui.shared.table import Column, FittedTable
from callcenter.ui.shared.widgets import ConsoleHeader, DropDown, compact

SEARCH_DELAY = 0.02  # seconds of quiet before the query runs: coalesces a burst of keys, no more


def parse_age(text: str) -> int | None:
    """'7' is seven years, '30m' thirty months, '2y6m' two and a half years: months, or None."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        return None
    years, months = 0, 0
    try:
        if raw.endswith("m") and "y" not in raw:
            months = int(raw[:-1])
        elif "y" in raw:
            head, _, tail = raw.partition("y")
            years = int(head)
            months = int(tail.rstrip("m")) if tail.rstrip("m") else 0
        else:
            years = int(raw)
    except ValueError:
        raise ValidationError("Age: type years (7), months (30m) or both (2y6m).", "age") from None
    total = years * 12 + months
    if not 0 <= total <= 30 * 12:
        raise ValidationError("Age: between 0 and 30 years.", "age")
    return total


RESULT_COLUMNS = (
    Column("Provider", "name", 30, grow=3, min_width=16, max_width=64),
    Column("Town", "town", 13, grow=1, min_width=8, max_width=22),
    Column("Mi", "mi", 4),
    Column("Wait", "wait", 5),
    Column("Flags", "flags", 16, min_width=8),
)


class LookupScreen(ConsoleScreen[None]):
    CSS_PATH = styles_dir() / "lookup.tcss"
    KEY_NOTES = (
        ("type", "results follow the typing: words, prefixes (`anx`) and typos (`hartfrod`)"),
        (
            "`Tab`",
            "through the filters: town or ZIP, radius, service, age (`7`, `30m`, `2y6m`), language, urgency, "
            "HUSKY, ECC only, open now",
        ),
        (
            "`↑` / `↓` in the results",
            "the detail pane follows: address, phone, hours, services, ages, insurance, ECC standard, why listed",
        ),
    )
    KEY_HELP = {
        "focus_search": "back to the search text",
        "to_results": "from the search text or a filter: down into the results (`Enter` too)",
        "copy_details": "copy the family-facing details as plain text",
        "attach": "(opened from an intake) attach the provider to the referral: offered, appointment scheduled "
        "with its date and time, or declined with why",
    }
    BINDINGS = [
        Binding("ctrl+f", "focus_search", "Search text", priority=True),
        Binding("ctrl+y", "copy_details", "Copy for family", priority=True),
        Binding("ctrl+a", "attach", "Attach to referral", priority=True),
        Binding("down", "to_results", "Results", show=False),
        Binding("escape", "close", "Back"),
    ]
    # The screen's own subtitle: closing the screen leaves the app's (the agent, on the board) as it was.
    SUB_TITLE = "Provider lookup"
    HOLD_PAINT_SECONDS = 0.25  # first painted with its first results (see FirstPaintWithData)

    def __init__(self, query: LookupQuery | None = None, intake_id: int | None = None) -> None:
        super().__init__()
        self.initial = query or LookupQuery()
        self.intake_id = intake_id  # set when opened from an intake: providers can be attached to it
        self.attached: list[AttachedProvider] = []
        self.result: LookupResult | None = None
        self.selected: ProviderHit | None = None
        self._timer: Timer | None = None
        self._sequence = 0

    def compose(self) -> ComposeResult:
        q = self.initial
        yield ConsoleHeader()
        with Vertical(id="lookup-filters"):
            with Horizontal(classes="filter-row"):
                yield compact(
                    Input(
                        q.text,
                        placeholder="what the child needs: anxiety, ADHD, early childhood… (typos are fine)",
                        id="q",
                    )
                )
                yield compact(Input(q.place, placeholder="town or ZIP", id="place"))
                yield DropDown(
                    [(f"within {r} mi", r) for r in RADII_MILES],
                    prompt="any distance",
                    value=int(q.radius_miles) if q.radius_miles else Select.NULL,
                    id="radius",
                )
            with Grid(id="more-filters"):  # one row when wide; the check boxes go under when narrow
                yield DropDown(
                    [(s, s) for s in SERVICE_TYPES],
                    prompt="any service",
                    value=q.service_type or Select.NULL,
                    id="service",
                )
                yield compact(
                    Input(
                        "" if q.age_months is None else f"{q.age_months}m",
                        placeholder="age, e.g. 7 or 30m",
                        id="age",
                    )
                )
                yield compact(Input(q.language or "", placeholder="language", id="language"))
                yield DropDown(
                    [(u.value, u.value) for u in Urgency],
                    prompt="any urgency",
                    value=q.urgency.value if q.urgency else Select.NULL,
                    id="urgency",
                )
                yield compact(Checkbox("HUSKY", q.husky_only, id="husky"))
                yield compact(Checkbox("ECC only", q.ecc_only, id="ecc"))
                yield compact(Checkbox("Open now", q.open_now, id="open"))
        with Horizontal(id="lookup-body"):
            yield FittedTable(RESULT_COLUMNS, id="results")
            with VerticalScroll(id="detail-box"):
                yield Static("Pick a result to see its details.", id="detail", markup=False)
        yield Static("", id="attached", markup=False)
        yield Static("", id="lookup-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#q", Input).focus()
        self.query_one("#attached", Static).display = False
        self.with_first_read(self._first_search_landed, self.run_search)
        if self.intake_id is not None:
            self.load_attached()

    def read_first(self) -> tuple[LookupQuery, LookupResult]:
        return self.initial, directory.search(self.app.db, self.initial, self.app.clock())

    # -- query -----------------------------------------------------------------------------

    def _first_search_landed(self, first: tuple[LookupQuery, LookupResult]) -> None:
        """Searched before the screen was built: shown if nothing was typed or searched since."""
        if self._sequence:  # a search was asked for since: it shows
            return
        if first[0] != self._query_or_none():
            self.run_search()
            return
        self._sequence += 1
        self._show(first[1], self._sequence, time.perf_counter())

    def _query_or_none(self) -> LookupQuery | None:
        try:
            return self._query()
        except ValidationError:
            return None

    def _query(self) -> LookupQuery:
        def value(selector: str):
            widget = self.query_one(selector, Select)
            return None if widget.value is Select.NULL else widget.value

        urgency = value("#urgency")
        return LookupQuery(
            text=self.query_one("#q", Input).value,
            place=self.query_one("#place", Input).value.strip(),
            radius_miles=value("#radius"),
            service_type=value("#service"),
            age_months=parse_age(self.query_one("#age", Input).value),
            husky_only=self.query_one("#husky", Checkbox).value,
            language=self.query_one("#language", Input).value.strip() or None,
            ecc_only=self.query_one("#ecc", Checkbox).value,
            open_now=self.query_one("#open", Checkbox).value,
            urgency=Urgency(urgency) if urgency else None,
        )

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _filters_changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self.run_search)

    def run_search(self) -> None:
        try:
            query = self._query()
        except ValidationError as error:
            self._status(error.message, error=True)
            return
        self._sequence += 1
        self.search(query, self._sequence, time.perf_counter())

    @work(thread=True, group="lookup", exit_on_error=False)
    def search(self, query: LookupQuery, sequence: int, started: float) -> None:
        result = directory.search(self.app.db, query, self.app.clock())
        self.app.call_from_thread(self._show, result, sequence, started)

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        if worker.group == "lookup-attach" and worker.name == "save_attachment":
            return False  # the app says why; the rep can press ctrl+a again
        self.data_shown()
        self._status(explain(error)[0], True)  # the status line says it; typing goes on
        return True

    def _show(self, result: LookupResult, sequence: int, started: float) -> None:
        if sequence != self._sequence:
            return  # an older query finished late: the newer one wins
        self.result = result
        table = self.query_one("#results", DataTable)
        table.clear()
        for hit in result.hits:
            flags = " ".join(
                flag
                for flag, on_ in (("ECC", hit.is_ecc), ("✓due", hit.meets_deadline), ("noHUSKY", not hit.accepts_husky))
                if on_
            )
            table.add_row(
                Text(hit.name),
                Text(hit.town or ""),
                "" if hit.distance_miles is None else f"{hit.distance_miles:.1f}",
                "—" if hit.wait_days is None else f"{hit.wait_days}d",
                flags,
                key=str(hit.id),
            )
        parts = [f"{len(result.hits)} provider{'s' if len(result.hits) != 1 else ''}"]
        if result.origin:
            parts.append(f"from {result.origin.label}")
        if result.corrected:
            parts.append("spelling: " + ", ".join(result.corrected))
        self._status(" · ".join(parts))
        self.last_paint_ms = (time.perf_counter() - started) * 1000
        if result.hits:
            self._select(result.hits[0])
        else:
            self.selected = None
            self.query_one("#detail", Static).update("No provider matches: widen the radius or drop a filter.")
        self.data_shown()

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#lookup-status", Static)
        status.update(text)
        status.set_class(error, "error")

    # -- detail ----------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.result is None or event.row_key is None:
            return
        hit = next((h for h in self.result.hits if str(h.id) == event.row_key.value), None)
        if hit is not None:
            self._select(hit)

    def _select(self, hit: ProviderHit) -> None:
        self.selected = hit
        self.query_one("#detail", Static).update(family_text(hit))

    def action_copy_details(self) -> None:
        if self.selected is None:
            self.notify("Pick a provider first.")
            return
        self.app.copy_to_clipboard(family_text(self.selected))
        self.notify("Details copied: paste them into a message, or read them out.", title="Copied")

    # -- attaching to the intake's referral --------------------------------------------------

    def action_attach(self) -> None:
        if self.intake_id is None:
            return
        hit = self.selected
        if hit is None:
            self.notify("Pick a provider first.")
            return
        current = next((a for a in self.attached if a.provider_id == hit.id), None)
        screen = (
            AttachProviderScreen(hit.name)
            if current is None
            else AttachProviderScreen(
                hit.name, current.outcome.value, format_appointment(current.appointment_at), current.note or ""
            )
        )
        self.app.push_screen(screen, lambda choice: self._attach_chosen(hit, choice))

    def _attach_chosen(self, hit: ProviderHit, choice: ReferralChoice | None) -> None:
        if choice is not None:
            self.save_attachment(hit, choice)

    @work(thread=True, group="lookup-attach", exit_on_error=False)
    def save_attachment(self, hit: ProviderHit, choice: ReferralChoice) -> None:
        assert self.intake_id is not None
        attached = referrals.attach(
            self.app.db,
            self.app.signed_in_agent().id,
            self.intake_id,
            hit.id,
            choice,
            self.app.clock(),
            self.app.policy,
        )
        self.app.call_from_thread(self._attached_saved, hit, choice, attached)

    def _attached_saved(self, hit: ProviderHit, choice: ReferralChoice, attached: list[AttachedProvider]) -> None:
        self.notify(f"{hit.name}: {choice.outcome.label.lower()}.", title="Attached to the referral", markup=False)
        self._show_attached(attached)

    @work(thread=True, group="lookup-attach", exit_on_error=False)
    def load_attached(self) -> None:
        assert self.intake_id is not None
        attached = referrals.attached_to(self.app.db, self.intake_id)
        self.app.call_from_thread(self._show_attached, attached)

    def _show_attached(self, attached: list[AttachedProvider]) -> None:
        self.attached = attached
        box = self.query_one("#attached", Static)
        box.display = bool(attached)
        box.update("Attached to this referral: " + "; ".join(attached_line(a) for a in attached))

    def action_to_results(self) -> None:
        results = self.query_one("#results", DataTable)
        if results.row_count:
            results.focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_to_results()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "attach":
            return self.intake_id is not None  # only meaningful when opened from an intake
        if action == "to_results":  # Down inside the results moves the cursor, as usual
            return not isinstance(self.focused, DataTable)
        return True

    def action_focus_search(self) -> None:
        # At once, not queued as focus() is: the keys typed right after it (a burst) go to the box.
        self.set_focus(self.query_one("#q", Input))

    def action_close(self) -> None:
        self.dismiss(None)


def family_text(hit: ProviderHit) -> str:
    """The details a rep reads out or sends: plain text, nothing internal."""
    ages = f"{hit.min_age_months // 12}–{hit.max_age_months // 12} years"
    lines = [
        hit.name,
        f"{hit.address or ''}, {hit.town or ''} {hit.zip_code or ''}".strip(", "),
        f"Phone: {format_phone(hit.phone_number) or 'not listed'}",
        f"Hours: {hit.hours or 'call for hours'}",
        f"Services: {', '.join(hit.service_types) or '—'}",
        f"Focus: {', '.join(hit.specialties) or '—'}",
        *([f"Also listed under: {', '.join(hit.taxonomy)}"] if hit.taxonomy else []),
        f"Languages: {', '.join(hit.languages) or '—'}",
        f"Ages: {ages}",
        f"Insurance: {'accepts HUSKY A and B' if hit.accepts_husky else 'does not take HUSKY'}",
    ]
    if hit.is_ecc:
        lines.append("Enhanced Care Clinic: seen within 2 hours (emergency), 2 days (urgent), 2 weeks (routine)")
    if hit.wait_days is not None:
        lines.append(f"Current wait for a new patient: {hit.wait_days} day(s)")
    if hit.why:
        lines.append(f"Why listed: {hit.why}")
    return "\n".join(lines)
