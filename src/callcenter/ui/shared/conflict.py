"""Another rep saved a record while this rep was typing in it: both versions side by side, and per
field the rep keeps theirs or takes the other, on purpose."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from callcenter.ui.shared.base import ConsoleModal
from callcenter.ui.shared.widgets import highlighted_key

FIELD_WIDTH = 20
KEEP_WIDTH = 7


def _short(text: str, width: int) -> str:
    """One line of a version, cut with an ellipsis to fit; the whole text is what is kept."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class ConflictScreen(ConsoleModal[set[str] | None]):
    """Rows of (field label, key, mine, theirs); dismissed with the keys whose own version to keep."""

    BINDINGS = [
        Binding("m", "keep('mine')", "Keep mine"),
        Binding("t", "keep('theirs')", "Take theirs"),
        Binding("space", "switch", "Switch"),
        Binding("ctrl+s,enter", "apply", "Save this choice", priority=True),
        Binding("escape", "cancel", "Not now"),
    ]

    def __init__(self, record: str, reason: str, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.record = record
        self.reason = reason
        self.rows = rows
        self.keep_mine = {key for _, key, _, _ in rows}  # nothing of the rep's is dropped unless chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box conflict-box"):
            yield Static(f"{self.record}: your text and the other rep's", classes="modal-title", markup=False)
            yield Static(self.reason, markup=False)
            yield DataTable(id="conflict-fields", cursor_type="row", zebra_stripes=True)
            yield Static(
                "m: keep mine · t: take theirs · Space: switch · Enter: save this choice · "
                "Esc: not now (your text stays kept)",
                classes="modal-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one("#conflict-fields", DataTable)
        # The box is as wide as the terminal allows; the two versions share what the labels leave.
        box = min(self.app.size.width - 4, 120) - 6  # borders and padding
        version = max(12, (box - FIELD_WIDTH - KEEP_WIDTH - 8) // 2)
        table.add_column("Field", key="field", width=FIELD_WIDTH)
        table.add_column("Yours", key="mine", width=version)
        table.add_column("Theirs", key="theirs", width=version)
        table.add_column("Keep", key="keep", width=KEEP_WIDTH)
        for label, key, mine, theirs in self.rows:
            table.add_row(
                Text(_short(label, FIELD_WIDTH)),
                Text(_short(mine, version) or "—"),
                Text(_short(theirs, version) or "—"),
                self._keep_cell(key),
                key=key,
            )
        table.focus()

    def _keep_cell(self, key: str) -> Text:
        return Text("mine", style="bold green") if key in self.keep_mine else Text("theirs", style="bold yellow")

    def _set(self, key: str | None, mine: bool) -> None:
        if key is None:
            return
        (self.keep_mine.add if mine else self.keep_mine.discard)(key)
        self.query_one("#conflict-fields", DataTable).update_cell(key, "keep", self._keep_cell(key))

    def action_keep(self, which: str) -> None:
        self._set(highlighted_key(self.query_one("#conflict-fields", DataTable)), which == "mine")

    def action_switch(self) -> None:
        key = highlighted_key(self.query_one("#conflict-fields", DataTable))
        self._set(key, key not in self.keep_mine)

    def action_apply(self) -> None:
        self.dismiss(set(self.keep_mine))

    def action_cancel(self) -> None:
        self.dismiss(None)
