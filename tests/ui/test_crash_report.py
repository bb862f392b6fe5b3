"""An unexpected error ends the console with a report that holds no child's details."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.binding import Binding

from callcenter.ui.app import CallCenterApp
from callcenter.ui.screens.board.board import QueueBoardScreen
from tests.ui.helpers import make_app, wait_until


class BrokenApp(CallCenterApp):
    BINDINGS = [Binding("ctrl+b", "break")]
    printed: list = []

    def _print_error_renderables(self) -> None:
        self.printed = list(self._exit_renderables)  # what the terminal is shown as the console ends
        super()._print_error_renderables()

    def action_break(self) -> None:
        record = {"child": "Carlos Lopez", "medicaid": "012345678"}  # a local a default report would print
        raise RuntimeError(f"could not file {record['child']} {record['medicaid']}")


def rendered(app: CallCenterApp) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    assert app.printed, "nothing was reported"
    for renderable in app.printed:
        console.print(renderable)
    return console.export_text()


async def test_the_crash_report_names_the_error_and_frames_but_no_record(sqlite_demo_db):
    template = make_app(sqlite_demo_db, agent="alex")
    app = BrokenApp(sqlite_demo_db, clock=template.clock, agent_username="alex")
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
            await pilot.press("ctrl+b")
            await pilot.pause()
    report = rendered(app)
    assert "RuntimeError" in report and "action_break" in report and "test_crash_report.py" in report
    assert "Carlos" not in report and "012345678" not in report and "Lopez" not in report
