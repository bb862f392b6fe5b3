"""How a promise's state looks wherever it shows (the board, my promises, my consults, the monitor),
and the signed-in agent's open promises, which the board and the promises screen share."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from callcenter.domain.promises import KIND_LABELS, PromiseCountdown, PromiseStatus
from callcenter.store.promises import PromiseView

if TYPE_CHECKING:
    from callcenter.ui.app import CallCenterApp

STATUS_STYLE = {
    PromiseStatus.ON_TRACK: "green",
    PromiseStatus.DUE_SOON: "bold yellow",
    PromiseStatus.OVERDUE: "bold reverse red",
    PromiseStatus.DONE: "dim",
}
STATUS_LABEL = {
    PromiseStatus.ON_TRACK: "on track",
    PromiseStatus.DUE_SOON: "due soon",
    PromiseStatus.OVERDUE: "OVERDUE",
    PromiseStatus.DONE: "done",
}


class PromiseBoard:
    """The agent's open promises as last read, their states now, and a notification once per change."""

    def __init__(self) -> None:
        self.rows: list[PromiseView] = []
        self.announced: set[tuple[int, PromiseStatus]] = set()

    def states(self, app: CallCenterApp, now: datetime) -> list[tuple[PromiseView, PromiseCountdown]]:
        return [(row, app.policy.state(row.kind.value, now, row.created_at, row.due_at)) for row in self.rows]

    def announce(self, app: CallCenterApp, now: datetime) -> None:
        """Due soon and overdue raise one notification each, not one per tick."""
        for row, state in self.states(app, now):
            if (
                state.status in (PromiseStatus.DUE_SOON, PromiseStatus.OVERDUE)
                and (row.id, state.status) not in self.announced
            ):
                self.announced.add((row.id, state.status))
                app.notify(
                    f"{KIND_LABELS[row.kind]}: {row.title} — {state.countdown}",
                    title="Overdue" if state.status is PromiseStatus.OVERDUE else "Due soon",
                    severity="error" if state.status is PromiseStatus.OVERDUE else "warning",
                    timeout=8,
                    markup=False,
                )
