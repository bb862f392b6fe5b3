"""The audit trail by keys: a supervisor opens it from the monitor and filters it; nobody else can."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input

from callcenter.store import agents, audit
from callcenter.ui.screens.audit.audit import AuditScreen
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.monitor.monitor import MonitorScreen
from callcenter.ui.shared.widgets import ConsoleHeader
from tests.ui.helpers import make_app, settle, wait_until

SIZE = (120, 40)
KEYS = {"/": "slash", "_": "underscore", "#": "number_sign"}


async def press_text(pilot, text: str) -> None:
    await pilot.press(*[KEYS.get(ch, ch) for ch in text])


async def fill(pilot, screen, selector: str, text: str) -> None:
    field = screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    for _ in field.value:
        await pilot.press("backspace")
    await press_text(pilot, text)


def error_text(screen) -> str:
    label = screen.query_one("#audit-filter-error")
    return str(label.render()) if label.display else ""


def table_column(screen, key: str) -> list[str]:
    table = screen.query_one("#audit-table")
    return [str(table.get_cell(row, key)) for row in table.rows]


async def open_trail(pilot) -> AuditScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)
    await pilot.press("s")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, MonitorScreen))
    monitor = pilot.app.screen
    assert await wait_until(pilot, lambda: monitor.snapshot is not None, timeout=10)
    await pilot.press("t")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, AuditScreen))
    screen = pilot.app.screen
    assert await wait_until(pilot, lambda: screen.query_used is not None and screen.rows, timeout=10)
    return screen


def _alex_id(db) -> int:
    return next(agent.id for agent in agents.list_agents(db) if agent.username == "alex")


def header(screen) -> str:
    return str(screen.query_one(ConsoleHeader).format_title())


async def test_supervisor_reads_the_trail_from_the_monitor_and_filters_it(sqlite_demo_db, now):
    alex = _alex_id(sqlite_demo_db)
    with sqlite_demo_db.write() as session:
        audit.record(
            session,
            at=now - timedelta(minutes=5),
            agent_id=alex,
            action="update",
            entity="intake",
            entity_id=30,
            screen="intake",
            detail={"draft_fields": ["symptoms"]},
        )
        audit.record(
            session,
            at=now - timedelta(minutes=1),
            agent_id=alex,
            action="link_child",
            entity="contact",
            entity_id=31,
            child_id=42,
            screen="log",
            detail={"child_id": 42, "was": None},
        )
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_trail(pilot)
        assert "Audit trail" in header(screen)
        moments = [row.at for row in screen.rows]
        assert moments == sorted(moments, reverse=True)  # newest first
        agents_shown = table_column(screen, "agent")
        assert {"system", "alex"} <= set(agents_shown)  # the demo's arrivals are nobody's
        assert str(screen.query_one("#audit-title").render()).startswith(f"Audit trail: {len(screen.rows)} entries")

        # The detail pane follows the highlighted row.
        table = screen.query_one("#audit-table")
        table.focus()
        table.move_cursor(row=[row.record for row in screen.rows].index("contact#31"))
        assert await wait_until(pilot, lambda: "contact#31" in str(screen.query_one("#audit-detail").render()))
        detail = str(screen.query_one("#audit-detail").render())
        assert "Who: alex (Alex Rivera)" in detail and "Child: #42" in detail and "child_id: 42" in detail

        await fill(pilot, screen, "#aud-agent", "alex")
        assert await wait_until(pilot, lambda: table_column(screen, "action") == ["link_child", "update"])
        assert table_column(screen, "agent") == ["alex", "alex"]

        await fill(pilot, screen, "#aud-agent", "")
        await fill(pilot, screen, "#aud-child", "42")
        assert await wait_until(pilot, lambda: table_column(screen, "record") == ["contact#31"])
        assert table_column(screen, "child") == ["42"]
        await fill(pilot, screen, "#aud-child", "")
        await fill(pilot, screen, "#aud-action", "update")
        assert await wait_until(pilot, lambda: table_column(screen, "record") == ["intake#30"])

        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen))
        assert "Live monitor" in header(app.screen)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        assert "Sam Kim · supervisor" in header(app.screen)  # the board still names who is signed in


async def test_bad_filters_say_what_is_wrong_and_keep_the_list(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_trail(pilot)
        shown = list(screen.rows)
        await fill(pilot, screen, "#aud-child", "abc")
        assert await wait_until(pilot, lambda: "Child: 'abc' is not a child's record number" in error_text(screen))
        await fill(pilot, screen, "#aud-since", "11/30")
        assert await wait_until(pilot, lambda: "Since: Nov 30 2026 is in the future" in error_text(screen))
        assert screen.rows == shown  # nothing was read with a filter that does not parse
        await fill(pilot, screen, "#aud-child", "")
        await fill(pilot, screen, "#aud-since", "")
        assert await wait_until(pilot, lambda: error_text(screen) == "")
        # Well formed but unknown: said where it was typed, and the list empties rather than mislead.
        await fill(pilot, screen, "#aud-agent", "zed")
        assert await wait_until(pilot, lambda: "No agent with the username 'zed'" in error_text(screen))
        assert screen.rows == [] and screen.query_one("#audit-table").row_count == 0
        assert "No entries match" in str(screen.query_one("#audit-detail").render())


async def test_a_rep_cannot_open_the_trail(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Provider lookup" in titles and "Audit trail" not in titles
        assert app.check_action("audit_trail", ()) is False
        app.action_audit_trail()
        await settle(pilot)
        await pilot.press("t")  # on the board: take the next caller, never the trail
        await settle(pilot)
        assert not any(isinstance(screen, AuditScreen) for screen in app.screen_stack)


async def test_the_palette_offers_the_trail_to_supervisors(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        command = next(command for command in app.get_system_commands(app.screen) if command.title == "Audit trail")
        command.callback()
        assert await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen))
        assert await wait_until(pilot, lambda: bool(app.screen.rows), timeout=10)


def test_audit_trail_snapshot(snap_compare, sqlite_demo_db, now):
    from tests.ui.helpers import still_cursors

    alex = _alex_id(sqlite_demo_db)
    with sqlite_demo_db.write() as session:
        audit.record(
            session,
            at=now - timedelta(minutes=1),
            agent_id=alex,
            action="link_child",
            entity="contact",
            entity_id=31,
            child_id=42,
            screen="log",
            detail={"child_id": 42, "was": None, "tasks": [3]},
        )

    async def run_before(pilot):
        screen = await open_trail(pilot)
        await fill(pilot, screen, "#aud-agent", "alex")
        assert await wait_until(pilot, lambda: table_column(screen, "action") == ["link_child"])
        screen.query_one("#audit-table").focus()
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="sam"), terminal_size=SIZE, run_before=run_before)
