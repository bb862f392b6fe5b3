"""The supervisor's live monitor by keys: live figures, agent state, reassigning a promise, roles."""

from __future__ import annotations

import asyncio
import threading

from callcenter.domain.model import AgentState
from callcenter.simulate import feed
from callcenter.store import agents, calls, promises
from callcenter.ui.screens.board.board import QueueBoardScreen
from callcenter.ui.screens.monitor.chart import hourly_chart
from callcenter.ui.screens.monitor.monitor import MonitorScreen
from callcenter.ui.shared.dialogs import PickScreen
from tests.ui.helpers import make_app, settle, still_cursors, wait_until

SIZE = (120, 40)


async def open_monitor(pilot) -> MonitorScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QueueBoardScreen))
    await settle(pilot)
    await pilot.press("s")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, MonitorScreen))
    screen = pilot.app.screen
    assert await wait_until(pilot, lambda: screen.snapshot is not None, timeout=10)
    return screen


def waiting_on(screen: MonitorScreen, code: str) -> int:
    return next(line.figures.waiting_now for line in screen.snapshot.lines if line.code == code)


async def test_a_rep_cannot_open_the_monitor(sqlite_demo_db):
    app = make_app(sqlite_demo_db, agent="alex")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QueueBoardScreen))
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, QueueBoardScreen)


async def test_new_callers_show_within_two_seconds(sqlite_demo_db, now):
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        before = waiting_on(screen, "877")
        for number in ("(203) 555-0101", "(203) 555-0102", "(203) 555-0103"):
            await asyncio.to_thread(calls.arrive, sqlite_demo_db, "877", number, now)
        assert await wait_until(pilot, lambda: waiting_on(screen, "877") == before + 3, timeout=2.0)
        cell = str(screen.query_one("#mon-lines").get_row("877")[1])
        assert cell == str(before + 3)


async def test_the_simulator_feeding_calls_moves_the_figures_within_two_seconds(sqlite_demo_db):
    """The real feed (`callcenter --simulate`), in its own thread, writing as another terminal would.

    The feed stamps callers with the real time, so this console runs on the real clock too (with the
    tests' frozen one, callers stamped after it would not have arrived yet).
    """
    from callcenter.ui.app import CallCenterApp, system_clock

    app = CallCenterApp(sqlite_demo_db, clock=system_clock, agent_username="sam", refresh_seconds=0.25)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        shown_before = str(screen.query_one("#mon-lines").get_row("877")[1])
        in_database_before = await asyncio.to_thread(_waiting_in_database, sqlite_demo_db, "877")
        stop = threading.Event()
        feeder = threading.Thread(
            target=feed, args=(sqlite_demo_db, {"877": 7200.0}), kwargs={"seed": 11, "stop": stop}, daemon=True
        )
        feeder.start()
        try:
            # Time from the first caller the feed writes, not from the start of the feed.
            assert await wait_until(
                pilot, lambda: _waiting_in_database(sqlite_demo_db, "877") != in_database_before, timeout=15
            )
            assert await wait_until(
                pilot, lambda: str(screen.query_one("#mon-lines").get_row("877")[1]) != shown_before, timeout=2.0
            )
        finally:
            stop.set()
            await asyncio.to_thread(feeder.join, 5)


def _waiting_in_database(db, code: str) -> int:
    return next(line.waiting for line in calls.board(db, None).lines if line.code == code)


async def test_supervisor_changes_an_agent_state_and_reassigns_a_promise(sqlite_demo_db, now):
    from callcenter.domain.model import PromiseKind
    from callcenter.store.promises import new_promise

    alex = agents.open_session(sqlite_demo_db, "alex", now)
    jordan = agents.open_session(sqlite_demo_db, "jordan", now)
    with sqlite_demo_db.write() as session:
        promise_id = new_promise(
            session,
            kind=PromiseKind.CALLBACK_REQUEST,
            title="Call Maria back",
            owner_agent_id=alex.id,
            start=now,
            due=now,
        ).id
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        agents_table = screen.query_one("#mon-agents")
        agents_table.focus()
        keys = [key.value for key in agents_table.rows]
        agents_table.move_cursor(row=keys.index(str(alex.id)))
        await pilot.press("s")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PickScreen))
        picker = app.screen
        options = [
            picker.query_one("#pick").get_option_at_index(i).id for i in range(picker.query_one("#pick").option_count)
        ]
        for _ in range(options.index(AgentState.AWAY.value)):
            await pilot.press("down")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: agents.get_agent(sqlite_demo_db, alex.id).state is AgentState.AWAY)

        promise_table = screen.query_one("#mon-promises")
        assert await wait_until(pilot, lambda: str(promise_id) in [key.value for key in promise_table.rows])
        promise_table.focus()
        promise_table.move_cursor(row=[key.value for key in promise_table.rows].index(str(promise_id)))
        await pilot.press("r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PickScreen))
        picker = app.screen
        choices = [
            picker.query_one("#pick").get_option_at_index(i).id for i in range(picker.query_one("#pick").option_count)
        ]
        for _ in range(choices.index(str(jordan.id))):
            await pilot.press("down")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: promises.get(sqlite_demo_db, promise_id).owner_agent_id == jordan.id)


def test_chart_draws_today_against_the_usual_shape():
    today = [0] * 24
    today[9], today[10] = 8, 4
    usual = [0.0] * 24
    usual[9], usual[10] = 4.0, 8.0
    chart = hourly_chart(today, usual, now_hour=10).plain.splitlines()
    assert len(chart) == 6  # five rows of bars and the hour labels
    column = {hour: [row[hour * 2] for row in chart[:5]] for hour in (9, 10, 11)}
    assert column[9][0] == "█" and column[9][-1] == "█"  # today's peak fills the column
    assert "·" in column[10]  # the usual peak shows above today's lower bar
    assert set(column[11]) <= {" ", "·"}  # nothing drawn for hours still to come


def test_monitor_snapshot(snap_compare, sqlite_demo_db):
    async def run_before(pilot):
        await open_monitor(pilot)
        await settle(pilot)
        await still_cursors(pilot)

    assert snap_compare(make_app(sqlite_demo_db, agent="sam"), terminal_size=SIZE, run_before=run_before)


async def test_supervisor_raises_a_callers_priority_and_gives_the_caller_to_a_rep(sqlite_demo_db, now):
    from callcenter.domain.model import CallState, Priority

    alex = agents.open_session(sqlite_demo_db, "alex", now)
    agents.change_state(sqlite_demo_db, alex.id, alex.id, AgentState.AVAILABLE, now)
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        await pilot.press("w")
        waiting = screen.query_one("#mon-waiting")
        assert await wait_until(pilot, lambda: waiting.display and waiting.row_count > 0)
        target = next(call for call in screen.waiting if call.priority is Priority.NORMAL)
        keys = lambda: [key.value for key in waiting.rows]  # noqa: E731
        row_before = keys().index(str(target.id))
        waiting.move_cursor(row=row_before)
        await pilot.press("plus")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("enter")  # the first choice: high
        assert await wait_until(pilot, lambda: calls.get_call(sqlite_demo_db, target.id).priority is Priority.HIGH)

        # Raised, the caller sorts up the list: the cursor goes with them, not to whoever took their row.
        assert await wait_until(pilot, lambda: keys().index(str(target.id)) != row_before)
        await settle(pilot)
        assert keys()[waiting.cursor_row] == str(target.id)
        await pilot.press("a")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PickScreen))
        from callcenter.domain.phone import format_phone

        assert format_phone(target.caller_number) in app.screen.title_text  # the picker names the caller
        await pilot.press("enter")  # the only available rep: Alex
        assert await wait_until(pilot, lambda: calls.get_call(sqlite_demo_db, target.id).state is CallState.ON_CALL)
        assert calls.get_call(sqlite_demo_db, target.id).agent_id == alex.id


async def test_a_signed_in_console_reports_itself_and_a_silent_one_is_flagged(sqlite_demo_db, now):
    from datetime import timedelta

    jordan = agents.get_by_username(sqlite_demo_db, "jordan")
    agents.change_state(sqlite_demo_db, jordan.id, jordan.id, AgentState.AVAILABLE, now - timedelta(minutes=6))
    agents.report_presence(sqlite_demo_db, jordan.id, now - timedelta(minutes=5))  # then Jordan's terminal died
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        row = {agent.id: agent for agent in screen.snapshot.agents}
        sam = agents.get_by_username(sqlite_demo_db, "sam")
        assert row[sam.id].silent_for is None  # this console reported when Sam signed in
        state_cell = str(screen.query_one("#mon-agents").get_row(str(jordan.id))[1])
        assert state_cell == "lost 5m"


async def test_an_alert_stays_red_on_the_highlighted_row(sqlite_demo_db):
    """The demo's 877 line has callers waiting over two minutes: its longest wait is drawn red on the
    highlighted row too, where the cursor's colour used to paint over it."""
    from rich.color import Color

    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        table = screen.query_one("#mon-lines")
        await settle(pilot)
        assert table.cursor_row == 0 and table.get_row_at(0)[0].plain.startswith("877")
        longest = table.get_row_at(0)[2]
        assert longest.plain and "red" in str(longest.style)
        header = 1  # the first line of the table is its header
        strip = table.render_line(header)
        cell = next(segment for segment in strip if segment.text.strip() == longest.plain)
        assert cell.style.color is not None
        red = Color.parse("red").get_truecolor()
        assert cell.style.color.get_truecolor() == red, f"{cell.style.color} is not red"


async def test_a_supervisor_ends_a_lost_reps_call_from_the_monitor(sqlite_demo_db, now):
    from datetime import timedelta

    from callcenter.domain.model import CallState

    jordan = agents.open_session(sqlite_demo_db, "jordan", now - timedelta(minutes=6))
    agents.change_state(sqlite_demo_db, jordan.id, jordan.id, AgentState.AVAILABLE, now - timedelta(minutes=6))
    call = calls.claim_next(sqlite_demo_db, jordan.id, now - timedelta(minutes=5))
    calls.save_notes(sqlite_demo_db, jordan.id, call.id, "Grandma calling for Ana, 7; lost the line")
    agents.report_presence(sqlite_demo_db, jordan.id, now - timedelta(minutes=5))  # then the terminal died
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        table = screen.query_one("#mon-agents")
        assert await wait_until(pilot, lambda: str(table.get_row(str(jordan.id))[1]) == "lost 5m")
        table.move_cursor(row=[key.value for key in table.rows].index(str(jordan.id)))
        await pilot.press("e")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PickScreen))
        assert "Jordan Chen's 877 call" in app.screen.title_text
        await pilot.press("down", "enter")  # information only
        assert await wait_until(pilot, lambda: calls.get_call(sqlite_demo_db, call.id).state is CallState.ENDED)
    ended = calls.get_call(sqlite_demo_db, call.id)
    assert (ended.notes, ended.disposition) == ("Grandma calling for Ana, 7; lost the line", "information_only")


async def test_a_new_alert_is_said_once_listed_and_acknowledged(sqlite_demo_db, now):
    """The demo's long waits are alerts already when the monitor opens (on the line over the lines, not
    news); four more callers on 866 make a new one: said once, listed, and `k` acknowledges it."""
    from callcenter.store import alerts

    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        line = screen.query_one("#mon-alert-line")
        assert await wait_until(pilot, lambda: "⚠" in str(line.render()))
        said = lambda: [n.message for n in app._notifications if n.title == "Alert"]  # noqa: E731
        assert said() == []
        for number in ("(203) 555-0111", "(203) 555-0112", "(203) 555-0113", "(203) 555-0114"):
            await asyncio.to_thread(calls.arrive, sqlite_demo_db, "866", number, now)
        assert await wait_until(pilot, lambda: "866: 6 callers waiting (over 5)" in said(), timeout=4)
        await settle(pilot)
        assert said().count("866: 6 callers waiting (over 5)") == 1  # once, not every second
        await pilot.press("l")
        table = screen.query_one("#mon-alerts")
        assert await wait_until(pilot, lambda: table.display and table.has_focus)
        [queue] = [a for a in screen.alerts if a.key == "queue:866"]
        table.move_cursor(row=[key.value for key in table.rows].index(str(queue.id)))
        await pilot.pause()
        assert "866: 6 callers waiting (over 5) · k: acknowledge" in str(line.render())
        await pilot.press("k")
        assert await wait_until(
            pilot, lambda: next(a for a in alerts.listing(sqlite_demo_db, now) if a.id == queue.id).acknowledged_by
        )
        assert await wait_until(pilot, lambda: "acknowledged by Sam Kim" in str(line.render()))


async def test_a_long_promise_list_paints_its_first_rows_then_every_one_once(sqlite_demo_db, now):
    """The rows a screen shows go in with its first frame and the rest just after; a refresh landing
    in between neither loses nor repeats a promise."""
    from callcenter.domain.model import PromiseKind
    from callcenter.store.promises import new_promise
    from callcenter.ui.shared.table import FIRST_ROWS

    alex = agents.open_session(sqlite_demo_db, "alex", now)
    with sqlite_demo_db.write() as session:
        for number in range(FIRST_ROWS + 90):
            new_promise(
                session,
                kind=PromiseKind.CALLBACK_REQUEST,
                title=f"Call family {number} back",
                owner_agent_id=alex.id,
                start=now,
                due=now,
            )
    app = make_app(sqlite_demo_db, agent="sam", refresh_seconds=0.25)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        table = screen.query_one("#mon-promises")
        wanted = [str(promise.id) for promise in screen.snapshot.promises]
        assert len(wanted) > FIRST_ROWS + 80
        assert await wait_until(pilot, lambda: [key.value for key in table.rows] == wanted)
        await pilot.pause(1.2)  # several refreshes
        keys = [key.value for key in table.rows]
        assert keys == [str(promise.id) for promise in screen.snapshot.promises]
        assert len(keys) == len(set(keys))


async def test_the_monitor_opens_with_figures_shared_moments_ago_then_brings_them_up_to_date(
    sqlite_demo_db, now, monkeypatch
):
    """Opening, the screen paints the figures another monitor shared in the last few seconds (its title
    says when they were taken) rather than computing the day's again; its first refresh computes them."""
    import callcenter.store.monitor as monitor_store
    import callcenter.ui.screens.monitor.monitor as monitor_screen

    sam = agents.open_session(sqlite_demo_db, "sam", now)
    shared = monitor_store.shared_snapshot(sqlite_demo_db, sam.id, now)  # another supervisor's console
    await asyncio.sleep(1.2)  # older than a refresh would take, not too old to open with
    monkeypatch.setattr(monitor_screen, "FIRST_FIGURES_MAX_AGE", 60.0)  # however slow this machine is
    computed = []
    compute = monitor_store.snapshot

    def counted(*args, **kwargs):
        computed.append(1)
        return compute(*args, **kwargs)

    monkeypatch.setattr(monitor_store, "snapshot", counted)
    app = make_app(sqlite_demo_db, agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_monitor(pilot)
        assert screen.snapshot == shared
        assert computed == []
        assert await wait_until(pilot, lambda: bool(computed), timeout=5)  # a second later, fresh
