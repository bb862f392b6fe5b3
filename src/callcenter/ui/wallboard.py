"""The wallboard: each line's figures in big type for a screen on the wall, and the alerts now.

A supervisor signs it in once. It is not a console: it starts no session (the supervisor's own
console stays theirs), never locks itself, shows no caller's or child's details, and takes no key
but quit. It reads what the monitor reads, every second.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Digits, Input, Label, Static
from textual.worker import Worker

from callcenter.config import alert_settings
from callcenter.domain.actor import Actor
from callcenter.domain.model import AgentState
from callcenter.domain.timefmt import format_local, format_wait
from callcenter.resources import styles_dir
from callcenter.store import agents, alerts, monitor
from callcenter.store.alerts import AlertView
from callcenter.store.db import Database
from callcenter.store.monitor import LineRow, Snapshot
from callcenter.ui.shared.errors import explain

REFRESH_SECONDS = 1.0
ALERTS_SHOWN = 6


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class _OnTheWallboard:
    @property
    def wallboard(self) -> WallboardApp:
        return cast("WallboardApp", self.app)  # type: ignore[attr-defined]  # a mixin: self is a screen


class WallboardSignIn(_OnTheWallboard, Screen[None]):
    """Username and password, once; then the board."""

    def compose(self) -> ComposeResult:
        with Vertical(id="wb-sign-in"):
            yield Static("Wallboard: a supervisor signs it in", classes="wb-title")
            yield Input(self.wallboard.prefill_username or "", placeholder="username", id="wb-username")
            yield Input(placeholder="password", password=True, id="wb-password")
            yield Label("", id="wb-error", markup=False)
            yield Static("Enter: sign in · ctrl+q: quit", classes="wb-hint")

    def on_mount(self) -> None:
        self.query_one("#wb-password" if self.wallboard.prefill_username else "#wb-username").focus()

    @on(Input.Submitted, "#wb-username")
    def _to_password(self) -> None:
        self.query_one("#wb-password").focus()

    @on(Input.Submitted, "#wb-password")
    def _submitted(self) -> None:
        self.sign_in(self.query_one("#wb-username", Input).value, self.query_one("#wb-password", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def sign_in(self, username: str, password: str) -> None:
        app = self.wallboard
        view = agents.sign_in(app.database, username, password, app.clock(), wallboard=True)
        app.call_from_thread(app.signed_in, view.id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.error is not None:
            self.query_one("#wb-error", Label).update(explain(event.worker.error)[0])
            self.query_one("#wb-password", Input).value = ""
            self.query_one("#wb-password").focus()


class LineCard(Vertical):
    """One line: callers waiting in big digits, then the longest wait, service level and abandons."""

    def __init__(self, code: str, name: str) -> None:
        super().__init__(classes="wb-card", id=f"wb-line-{code}")
        self.code, self.line_name = code, name

    def compose(self) -> ComposeResult:
        yield Static(f"{self.code} {self.line_name}", classes="wb-line-name", markup=False)
        yield Static("waiting", classes="wb-caption")
        yield Digits("0", classes="wb-waiting")
        yield Static("", classes="wb-figures", markup=False)

    def show(self, row: LineRow, alerting: bool) -> None:
        figures = row.figures
        self.query_one(".wb-waiting", Digits).update(str(figures.waiting_now))
        longest = format_wait(figures.longest_wait) if figures.longest_wait else "—"
        # Short lines: three cards side by side still read at 80 columns.
        target = f"{figures.service_level_target:.0%}"
        self.query_one(".wb-figures", Static).update(
            f"longest {longest}\nSL today {_pct(figures.service_level)} /{target}\n"
            f"SL 30 min {_pct(row.recent_service_level)} /{target}\nabandon {_pct(figures.abandonment_rate)}"
        )
        self.set_class(alerting or figures.meets_target is False, "-behind")


class WallboardScreen(_OnTheWallboard, Screen[None]):
    BINDINGS = [Binding("q", "app.quit", "Quit")]  # the only key the board takes, with ctrl+q

    def __init__(self, supervisor_id: int) -> None:
        super().__init__()
        self.supervisor_id = supervisor_id
        self._reading = False

    def compose(self) -> ComposeResult:
        yield Static("", id="wb-header", markup=False)
        yield Grid(id="wb-lines")
        yield Static("", id="wb-alerts", markup=False)

    def on_mount(self) -> None:
        self.refresh_board()
        self.set_interval(REFRESH_SECONDS, self.refresh_board)

    def refresh_board(self) -> None:
        if not self._reading:
            self._reading = True
            self.read_board()

    @work(thread=True, group="wallboard", exit_on_error=False)
    def read_board(self) -> None:
        app = self.wallboard
        taken = monitor.shared_snapshot(app.database, self.supervisor_id, app.clock())
        board = alerts.refresh(app.database, Actor.shell("wallboard"), taken, app.alert_settings)
        app.call_from_thread(self._show, taken, board)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "wallboard" and event.worker.is_finished:
            self._reading = False
            if event.worker.error is not None:  # the last figures stay; the header says why
                self.query_one("#wb-header", Static).update(f"Not refreshed: {explain(event.worker.error)[0]}")

    def _show(self, taken: Snapshot, board: list[AlertView]) -> None:
        queued = {row.line_code for row in taken.staffing}
        grid = self.query_one("#wb-lines", Grid)
        cards = {card.code: card for card in grid.query(LineCard)}
        for row in taken.lines:
            if row.code in queued and row.code not in cards:
                cards[row.code] = LineCard(row.code, row.name)
                grid.mount(cards[row.code])
        open_ones = [alert for alert in board if alert.open]
        # A line with an alert open gets the heavy red border, whatever its figures say.
        troubled = {alert.line_code for alert in open_ones}
        for row in taken.lines:
            if row.code in cards:
                cards[row.code].show(row, row.code in troubled)
        reps = [agent for agent in taken.agents if agent.role == "rep" and agent.active and agent.silent_for is None]
        available = sum(agent.state == AgentState.AVAILABLE.value for agent in reps)
        on_call = sum(agent.state == AgentState.ON_CALL.value for agent in reps)
        self.query_one("#wb-header", Static).update(
            f"Access line · {format_local(taken.at, with_date=False)} · reps available {available} · "
            f"on a call {on_call}"
        )
        shown = "\n".join(f"⚠ {alert.now or alert.what}" for alert in open_ones[:ALERTS_SHOWN])
        more = f"\n… and {len(open_ones) - ALERTS_SHOWN} more" if len(open_ones) > ALERTS_SHOWN else ""
        alerts_line = self.query_one("#wb-alerts", Static)
        alerts_line.update((shown + more) if open_ones else "No alerts.")
        alerts_line.set_class(bool(open_ones), "-alerting")


class WallboardApp(App[None]):
    TITLE = "Access line wallboard"
    CSS_PATH = styles_dir() / "wallboard.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(
        self,
        open_database: Callable[[], Database],
        clock: Callable[[], datetime],
        prefill_username: str | None = None,
    ) -> None:
        super().__init__()
        self._open_database = open_database
        self.clock = clock
        self.prefill_username = prefill_username
        self.alert_settings = alert_settings()
        self._db: Database | None = None

    @property
    def database(self) -> Database:
        assert self._db is not None, "opened on mount"
        return self._db

    def on_mount(self) -> None:
        self._db = self._open_database()
        self.push_screen(WallboardSignIn())

    def signed_in(self, supervisor_id: int) -> None:
        self.switch_screen(WallboardScreen(supervisor_id))


__all__ = ["WallboardApp", "WallboardScreen", "WallboardSignIn"]
