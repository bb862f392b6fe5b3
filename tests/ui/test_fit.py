"""Every screen fits the terminal it is in: at 80×24 (the smallest a rep's terminal is) nothing runs
past the right edge and every key the footer offers can be seen; at 200×50 the extra room is used.

Each screen is reached by keys on seeded demo data with a frozen clock and pictured at both sizes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from textual.app import App
from textual.widgets import DataTable

from callcenter.domain.consults import validate
from callcenter.domain.promises import PromisePolicy
from callcenter.store import agents, consults
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.shared.keybar import KeyBar, wrap_entries
from tests.dbutil import FIXED_NOW
from tests.store.test_intakes import today_of
from tests.ui.helpers import make_app, settle, still_cursors, type_text, wait_until

SMALL, LARGE = (80, 24), (200, 50)


def _screen_is(pilot, name: str) -> Callable[[], bool]:
    return lambda: type(pilot.app.screen).__name__ == name


async def _board(pilot) -> None:
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    board = pilot.app.screen
    if pilot.app.agent.role.value != "supervisor":  # reps and psychiatrists have promises in this data
        assert await wait_until(pilot, lambda: board.query_one("#my-promises").display, timeout=5)
    await settle(pilot)


async def _press_to(pilot, keys: tuple[str, ...], name: str) -> None:
    await _board(pilot)
    await pilot.press(*keys)
    assert await wait_until(pilot, _screen_is(pilot, name), timeout=5), f"{keys} did not open {name}"
    await settle(pilot)


async def call_panel(pilot) -> None:
    await _press_to(pilot, ("f", "t"), "CallScreen")  # the 877 emergency caller, who has called before


async def disposition(pilot) -> None:
    await _press_to(pilot, ("t",), "CallScreen")
    await pilot.press("ctrl+e")
    assert await wait_until(pilot, _screen_is(pilot, "DispositionScreen"))


async def help_screen(pilot) -> None:
    await _press_to(pilot, ("question_mark",), "HelpScreen")


async def intake_child_step(pilot) -> None:
    await call_panel(pilot)
    await pilot.press("ctrl+g")
    assert await wait_until(pilot, _screen_is(pilot, "IntakeScreen"))
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)
    await type_text(pilot, "Christopher")


async def lookup(pilot) -> None:
    await _press_to(pilot, ("f3",), "LookupScreen")
    screen = pilot.app.screen
    await type_text(pilot, "anxiety")
    await pilot.press("tab")
    await type_text(pilot, "Hartford")
    assert await wait_until(pilot, lambda: screen.result is not None and screen.result.origin is not None)
    await pilot.pause(0.3)


async def promises(pilot) -> None:
    await _press_to(pilot, ("p",), "PromisesScreen")
    assert await wait_until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count >= 3)


async def consult_form(pilot) -> None:
    await _press_to(pilot, ("k",), "ConsultFormScreen")


async def my_consults(pilot) -> None:
    await _press_to(pilot, ("m",), "ConsultsScreen")
    assert await wait_until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count >= 1)


async def unassigned_consults(pilot) -> None:
    await _press_to(pilot, ("m",), "ConsultsScreen")
    assert await wait_until(pilot, lambda: bool(pilot.app.screen.rows))


async def caseload(pilot) -> None:
    assert await wait_until(pilot, _screen_is(pilot, "CaseloadScreen"), timeout=10)
    assert await wait_until(pilot, lambda: bool(pilot.app.screen.rows))


async def case(pilot) -> None:
    await caseload(pilot)
    await settle(pilot)
    await pilot.press("enter")
    assert await wait_until(pilot, _screen_is(pilot, "CaseScreen"))
    assert await wait_until(pilot, lambda: pilot.app.screen.query_one("#case-plan").row_count == 2)


async def danger_now(pilot) -> None:
    await consult_form(pilot)
    form = pilot.app.screen
    for key, text in (
        ("pcp_name", "Dr. Ada Okoro"),
        ("callback_number", "860 555 0182"),
        ("child_first_name", "Sam"),
        ("child_dob", "4/5/2015"),
    ):
        form.query_one(f"#c-{key}").value = text
    form.query_one("#c-question_type").value = "side_effects"
    form.query_one("#c-question").text = "Teen on sertraline: new suicidal thoughts."
    form.query_one("#c-danger_now").value = True
    await pilot.press("f10")
    assert await wait_until(pilot, _screen_is(pilot, "DangerNowScreen"))


async def monitor(pilot) -> None:
    await _press_to(pilot, ("s",), "MonitorScreen")
    assert await wait_until(pilot, lambda: pilot.app.screen.snapshot is not None, timeout=10)


async def contact_log(pilot) -> None:
    await _press_to(pilot, ("g",), "ContactLogScreen")
    assert await wait_until(pilot, lambda: len(pilot.app.screen.rows) >= 3)


async def fax_form(pilot) -> None:
    await contact_log(pilot)
    await pilot.press("f")
    assert await wait_until(pilot, _screen_is(pilot, "FaxFormScreen"))


async def audit_trail(pilot) -> None:
    await monitor(pilot)
    await pilot.press("t")
    assert await wait_until(pilot, _screen_is(pilot, "AuditScreen"))
    assert await wait_until(pilot, lambda: bool(pilot.app.screen.rows), timeout=10)


def _promises_and_consults(db) -> None:
    from tests.ui.test_contacts import seed_log
    from tests.ui.test_promises import FORM, _three_promises

    _three_promises(db)
    seed_log(db, FIXED_NOW)
    rep = agents.open_session(db, "alex", FIXED_NOW)
    urgent, _ = validate(
        {**FORM, "urgency": "urgent", "danger_now": "yes", "question": "Teen on sertraline: new suicidal thoughts."},
        today_of(FIXED_NOW),
    )
    # Filed while no psychiatrist was on shift: it waits unassigned.
    consults.create(db, rep.id, urgent, FIXED_NOW - timedelta(minutes=30), PromisePolicy())
    doctor = agents.open_session(db, "okafor", FIXED_NOW)
    form, _ = validate(
        {**FORM, "question": "Which medication would you start for a 9-year-old with ADHD and tics, and at what dose?"},
        today_of(FIXED_NOW),
    )
    consults.create(db, rep.id, form, FIXED_NOW - timedelta(hours=2), PromisePolicy(), psychiatrist_id=doctor.id)
    from tests.ui.test_caseload import _hand_over

    _hand_over(db, rep="jordan")  # a family on Rosa's caseload, with a plan and notes
    from callcenter.store import handoffs

    rosa = agents.open_session(db, "rosa", FIXED_NOW).id
    [case] = handoffs.caseload(db, rosa)
    handoffs.add_plan_step(db, rosa, case.id, "11/25 3:30pm", "First appointment at Clifford Beers Clinic", FIXED_NOW)
    handoffs.add_plan_step(db, rosa, case.id, "11/24 10am", "Call the school counselor", FIXED_NOW)
    handoffs.save_notes(db, rosa, case.id, "Mom works nights: call after 2pm.\nSchool: Hamden Middle.", 1, FIXED_NOW)


# (name, who is signed in, how to get there from the board)
SCREENS: list[tuple[str, str | None, Callable[[object], Awaitable[None]]]] = [
    ("sign_in", None, settle),
    ("board", "alex", _board),
    ("board_psychiatrist", "okafor", _board),
    ("call_panel", "alex", call_panel),
    ("disposition", "alex", disposition),
    ("help", "alex", help_screen),
    ("intake_child", "alex", intake_child_step),
    ("lookup", "alex", lookup),
    ("promises", "alex", promises),
    ("consult_form", "alex", consult_form),
    ("my_consults", "okafor", my_consults),
    ("unassigned_consults", "sam", unassigned_consults),
    ("danger_now", "alex", danger_now),
    ("caseload", "rosa", caseload),
    ("case", "rosa", case),
    ("monitor", "sam", monitor),
    ("contact_log", "alex", contact_log),
    ("fax_form", "alex", fax_form),
    ("audit", "sam", audit_trail),
]


def _overruns(app: App) -> list[str]:
    """What runs past the screen's right edge, and keys offered that cannot be seen."""
    width, height = app.size
    screen = app.screen
    problems = []
    for widget in screen.query("*"):
        if not widget.display or widget.region.width == 0:
            continue
        parent = widget.parent
        parent_overruns = parent is not None and parent is not screen and parent.region.right > width
        if widget.region.right > width and not parent_overruns:  # the outermost that runs past, once
            problems.append(f"{widget!r} ends at column {widget.region.right}")
    for bar in screen.query(KeyBar):
        lines = wrap_entries(bar.entries(), bar.content_region.width)
        if len(lines) > bar.region.height or bar.region.bottom > height:
            problems.append(f"the key bar shows {bar.region.height} of {len(lines)} lines of keys")
        for line in lines:
            if sum(entry.width for entry in line) + 2 * (len(line) - 1) > bar.content_region.width:
                problems.append(f"keys cut at the right: {[entry.key for entry in line]}")
    return problems


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "200x50"])
@pytest.mark.parametrize(("name", "agent", "reach"), SCREENS, ids=[screen[0] for screen in SCREENS])
def test_every_screen_fits(snap_compare, sqlite_demo_db, name, agent, reach, size):
    _promises_and_consults(sqlite_demo_db)
    overruns: list[str] = []

    async def run_before(pilot):
        await reach(pilot)
        await settle(pilot)
        pilot.app.clear_notifications()  # toasts come and go by the clock: not part of the layout
        await still_cursors(pilot)
        overruns.extend(_overruns(pilot.app))

    app = make_app(sqlite_demo_db, agent=agent)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
    assert not overruns, "\n".join(overruns)
