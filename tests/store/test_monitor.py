"""The supervisor's monitor on both engines: the domain's figures from the database, and its actions."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from callcenter.domain import erlang
from callcenter.domain.actor import Actor
from callcenter.domain.errors import PermissionDenied, ValidationError
from callcenter.domain.metrics import (
    CallFacts,
    LineSettings,
    agent_figures,
    calls_per_hour,
    line_figures,
    weekday_average_per_hour,
)
from callcenter.domain.model import AgentState, CallState, Priority, PromiseKind
from callcenter.domain.promises import AttemptOutcome
from callcenter.store import calls, monitor, promises
from callcenter.store.errors import InvalidOperation, NotFound
from callcenter.store.models import Agent, AuditEntry, Call, Line
from tests.dbutil import FIXED_NOW, signed_in

NEW_YORK = ZoneInfo("America/New_York")
ZONE = "America/New_York"
NOW = FIXED_NOW  # Monday 23 Nov 2026, 10:00 in New York

SHELL = Actor.shell("test")  # the store as `callcenter ...` on the server uses it


def ny(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=NEW_YORK).astimezone(UTC)


def add_agent(db, username: str, role: str = "rep", state: str = "available") -> int:
    with db.write() as session:
        agent = Agent(
            username=username,
            display_name=username.title(),
            role=role,
            state=state,
            state_since=NOW - timedelta(hours=1),
            created_at=NOW,
            console_token=None if state == "offline" else f"{username}-console",
        )
        session.add(agent)
        session.flush()
        return agent.id


def acting(db, agent_id: int) -> Actor:
    """The agent's console session (every agent added here not offline is signed in on one)."""
    with db.read() as session:
        return Actor.console(agent_id, session.get(Agent, agent_id).console_token)


def add_call(
    db,
    line: str,
    arrived: datetime,
    answered: datetime | None = None,
    ended: datetime | None = None,
    agent: int | None = None,
    priority: Priority = Priority.NORMAL,
) -> tuple[int, CallFacts]:
    """A call row as the phone system and the reps would have left it, and its facts for the domain."""
    if ended is not None:
        state = CallState.ENDED if answered is not None else CallState.ABANDONED
    else:
        state = CallState.ON_CALL if answered is not None else CallState.WAITING
    with db.write() as session:
        line_row = session.scalars(select(Line).where(Line.code == line)).one()
        call = Call(
            line_id=line_row.id,
            caller_number="+18605550100",
            channel=line_row.channel,
            state=state.value,
            priority=int(priority),
            arrived_at=arrived,
            answered_at=answered,
            ended_at=ended,
            agent_id=agent,
        )
        session.add(call)
        session.flush()
        return call.id, CallFacts(line, arrived, answered, ended, agent)


def settings_of(db, code: str) -> LineSettings:
    with db.read() as session:
        return LineSettings.of(session.scalars(select(Line).where(Line.code == code)).one())


@pytest.fixture
def staff(db):
    return {
        "sup": add_agent(db, "sam", "supervisor"),
        "rep": add_agent(db, "alex"),
        "ana": add_agent(db, "ana"),
        "ben": add_agent(db, "ben", state="wrap_up"),
        "off": add_agent(db, "olive", state="offline"),
        "doc": add_agent(db, "okafor", "psychiatrist"),
    }


@pytest.fixture
def day_of_calls(db, staff):
    """Monday's calls on 877 and 866, with yesterday's stragglers and the four earlier Mondays."""
    rep, ana = staff["rep"], staff["ana"]
    made = {
        # Rang on Sunday, answered after midnight: one of Sunday's calls, not Monday's.
        "across_midnight": add_call(db, "877", ny(22, 23, 59, 50), ny(23, 0, 0, 15), ny(23, 0, 12), rep),
        # Sunday night's caller still waiting on Monday morning, and one still talking since Sunday.
        "waiting_since_sunday": add_call(db, "877", ny(22, 23, 50)),
        "talking_since_sunday": add_call(db, "866", ny(22, 23, 40), ny(22, 23, 41), None, ana),
        "in_threshold": add_call(db, "877", ny(23, 8), ny(23, 8, 0, 12), ny(23, 8, 5), rep),
        "slow_answer": add_call(db, "877", ny(23, 8, 30), ny(23, 8, 31), ny(23, 8, 40), rep),
        "short_abandon": add_call(db, "877", ny(23, 9), None, ny(23, 9, 0, 3)),
        "long_abandon": add_call(db, "877", ny(23, 9, 10), None, ny(23, 9, 11)),
        "waiting": add_call(db, "877", ny(23, 9, 55)),
        "on_call": add_call(db, "877", ny(23, 9, 40), ny(23, 9, 40, 20), None, rep),
        "consult": add_call(db, "866", ny(23, 9, 30), ny(23, 9, 30, 30), ny(23, 9, 50), ana),
    }
    for weeks_back, hour in ((1, 9), (1, 9), (2, 14), (4, 11), (5, 11)):  # five weeks back is not compared
        # Same wall-clock time on an earlier Monday (the zone's arithmetic keeps it across the DST change).
        arrived = datetime(2026, 11, 23, hour, 15, tzinfo=NEW_YORK) - timedelta(weeks=weeks_back)
        made[f"monday_{weeks_back}_{hour}_{len(made)}"] = add_call(
            db, "877", arrived, arrived + timedelta(seconds=9), arrived + timedelta(minutes=4), rep
        )
    return made


@pytest.mark.pgbouncer
def test_figures_are_the_domains_on_the_same_calls(db, staff, day_of_calls):
    every_call = [facts for _, facts in day_of_calls.values()]
    board = monitor.snapshot(db, staff["sup"], NOW)

    assert board.at == NOW and board.day == NOW.astimezone(NEW_YORK).date()
    assert [row.code for row in board.lines] == ["877", "866", "tty", "fax", "web"]
    for row in board.lines:
        of_line = [facts for facts in every_call if facts.line_code == row.code]
        assert row.figures == line_figures(of_line, settings_of(db, row.code), NOW)
    main = board.lines[0].figures
    # The numbers themselves, so the comparison above is not two empty boards agreeing.
    assert (main.offered, main.answered, main.answered_within_threshold) == (6, 3, 2)  # 20 s exactly is within
    assert (main.abandoned, main.short_abandons, main.waiting_now, main.on_call_now) == (2, 1, 2, 1)
    assert main.service_level == 0.5  # within threshold / (answered + long abandons)
    assert main.longest_wait == NOW - ny(22, 23, 50)  # the caller waiting since Sunday still counts
    assert board.lines[1].figures.on_call_now == 1 and board.lines[1].figures.offered == 1

    expected = agent_figures(every_call, NOW, ZONE)
    rows = {row.id: row for row in board.agents}
    assert set(rows) == set(staff.values())
    for agent_id, row in rows.items():
        mine = expected.get(agent_id)
        assert row.calls_handled == (mine.calls_handled if mine else 0)
        assert row.current_call == (mine.current_call if mine else None)
    assert rows[staff["rep"]].calls_handled == 3  # the call across midnight was Sunday's
    assert rows[staff["rep"]].current_call_id == day_of_calls["on_call"][0]
    assert (rows[staff["rep"]].current_line, rows[staff["rep"]].current_call) == (
        "877",
        timedelta(minutes=19, seconds=40),
    )
    assert rows[staff["ana"]].current_call_id == day_of_calls["talking_since_sunday"][0]
    assert rows[staff["ana"]].current_line == "866"
    assert rows[staff["off"]].state == "offline" and rows[staff["off"]].current_call is None
    assert [row.role for row in board.agents][:4] == ["rep"] * 4  # reps first, then supervisors

    assert list(board.calls_per_hour) == calls_per_hour(every_call, board.day, ZONE)
    assert sum(board.calls_per_hour) == 7 and (board.calls_per_hour[8], board.calls_per_hour[9]) == (2, 5)
    assert list(board.weekday_average) == weekday_average_per_hour(every_call, board.day, ZONE)
    assert board.weekday_average[9] == 0.5 and board.weekday_average[11] == 0.25 and board.weekday_average[14] == 0.25


def test_today_resets_at_local_midnight_not_utc(db, staff):
    late = add_call(db, "877", ny(23, 23, 30), ny(23, 23, 30, 5), ny(23, 23, 35), staff["rep"])[1]
    holding = add_call(db, "877", ny(23, 23, 50))[1]
    before = monitor.snapshot(db, staff["sup"], ny(23, 23, 59, 59))
    after = monitor.snapshot(db, staff["sup"], ny(24, 0, 0, 1))
    assert ny(23, 23, 30).date() == ny(24, 0).date()  # both already Tuesday in UTC: the zone decides

    assert before.day.day == 23 and after.day.day == 24
    assert (before.lines[0].figures.offered, before.lines[0].figures.answered) == (2, 1)
    assert (after.lines[0].figures.offered, after.lines[0].figures.answered) == (0, 0)
    assert after.lines[0].figures.waiting_now == 1  # the caller is still holding after midnight
    assert after.lines[0].figures.longest_wait == timedelta(minutes=10, seconds=1)
    assert after.lines[0].figures == line_figures([late, holding], settings_of(db, "877"), ny(24, 0, 0, 1))
    assert sum(before.calls_per_hour) == 2 and sum(after.calls_per_hour) == 0
    rep = staff["rep"]
    assert next(a for a in before.agents if a.id == rep).calls_handled == 1
    assert next(a for a in after.agents if a.id == rep).calls_handled == 0
    assert after.weekday_average == tuple(weekday_average_per_hour([late, holding], after.day, ZONE))


def test_staffing_is_erlang_c_on_the_last_hours_traffic(db, staff):
    rep = staff["rep"]
    # 877: 30 callers in the last hour, each talked 4 minutes: 2 Erlangs.
    for index in range(30):
        arrived = NOW - timedelta(minutes=59) + timedelta(seconds=100 * index)
        add_call(db, "877", arrived, arrived, arrived + timedelta(seconds=240), rep)
    add_call(db, "877", NOW - timedelta(hours=3))  # an older caller (still waiting) is not last hour's rate
    # TTY: quiet hour with one caller waiting; this morning's call gives the handle time.
    add_call(
        db,
        "tty",
        NOW - timedelta(hours=4),
        NOW - timedelta(hours=4),
        NOW - timedelta(hours=4) + timedelta(seconds=300),
        rep,
    )
    add_call(db, "tty", NOW - timedelta(minutes=2))

    board = monitor.snapshot(db, staff["sup"], NOW)
    by_line = {row.line_code: row for row in board.staffing}
    assert set(by_line) == {"877", "866", "tty"}  # the queued lines; fax and web are worked later

    # Counted: the reps on shift, alex, ana and ben (wrap-up); olive is offline, Sam supervises (and
    # may take a call in a pinch, but is not staff to count on), Dr Okafor does not take calls.
    main = by_line["877"]
    assert board.staffing_counted == ("Alex", "Ana", "Ben")
    assert (main.arrivals_last_hour, main.aht_seconds, main.agents_on_shift) == (30, 240.0, 3)
    assert main.agents_needed == erlang.agents_needed(30, 240, 20, 0.8) == 4  # 85 % within 20 s
    assert main.predicted_service_level == pytest.approx(erlang.service_level(30, 240, 3, 20))
    assert main.predicted_asa_seconds == pytest.approx(erlang.average_speed_of_answer(30, 240, 3))
    assert main.predicted_service_level < 0.8  # three on shift, four needed: below the target

    quiet = by_line["866"]
    assert (quiet.arrivals_last_hour, quiet.aht_seconds, quiet.agents_needed) == (0, None, 0)
    assert quiet.predicted_service_level is None and quiet.predicted_asa_seconds is None

    tty = by_line["tty"]
    assert (tty.arrivals_last_hour, tty.aht_seconds) == (1, 300.0)
    assert tty.agents_needed == erlang.agents_needed(1, 300, 20, 0.8)
    assert tty.predicted_service_level == pytest.approx(erlang.service_level(1, 300, 3, 20))

    # One rep for two Erlangs: the queue would never clear, so no prediction rather than 0 % and infinity.
    # An away rep answers nobody: not counted either.
    monitor.set_agent_state(db, acting(db, staff["sup"]), staff["rep"], AgentState.OFFLINE, NOW)
    monitor.set_agent_state(db, acting(db, staff["sup"]), staff["ana"], AgentState.AWAY, NOW)
    board = monitor.snapshot(db, staff["sup"], NOW)
    short = {row.line_code: row for row in board.staffing}["877"]
    assert board.staffing_counted == ("Ben",)
    assert short.agents_on_shift == 1 and short.agents_needed == 4
    assert short.predicted_service_level is None and short.predicted_asa_seconds is None


def test_just_after_midnight_the_last_hour_still_counts_yesterdays_callers(db, staff):
    rep = staff["rep"]
    add_call(db, "877", ny(23, 23, 50), ny(23, 23, 50, 10), ny(24, 0, 5), rep)  # 890 s talked
    add_call(db, "877", ny(23, 20), ny(23, 20, 0, 30), ny(24, 0, 10), rep)  # a long call: 14,970 s
    add_call(db, "877", ny(23, 22), ny(23, 22, 0, 5), ny(23, 22, 20), rep)  # ended well before the hour
    board = monitor.snapshot(db, staff["sup"], ny(24, 0, 20))
    assert board.lines[0].figures.offered == 0  # a new day on the board...
    main = board.staffing[0]
    # ...but the traffic of the last hour, 23:20 to 00:20, does not reset at midnight.
    assert (main.arrivals_last_hour, main.aht_seconds) == (1, (890 + 14_970) / 2)
    assert main.agents_needed == erlang.agents_needed(1, 7930, 20, 0.8)


def test_no_handle_time_yet_means_no_advice(db, staff):
    add_call(db, "877", NOW - timedelta(minutes=5))
    main = monitor.snapshot(db, staff["sup"], NOW).staffing[0]
    assert (main.arrivals_last_hour, main.aht_seconds, main.agents_needed) == (1, None, None)
    assert main.predicted_service_level is None


def test_promises_due_soon_overdue_first(db, staff):
    from callcenter.store.models import Promise

    with db.write() as session:
        for hours, owner in ((3, staff["rep"]), (-2, staff["ana"]), (5, staff["rep"]), (1, None)):
            due = NOW + timedelta(hours=hours)
            promises.new_promise(
                session,
                kind=PromiseKind.CALLBACK_REQUEST,
                title=f"due in {hours} h",
                owner_agent_id=owner,
                start=NOW - timedelta(days=1),
                due=due,
            )
        session.add(
            Promise(
                kind="callback_request", title="done", state="done", due_at=NOW, original_due_at=NOW, created_at=NOW
            )
        )
    first = promises.open_across_line(db, staff["sup"], NOW + timedelta(hours=4))[0]
    for outcome in (AttemptOutcome.NO_ANSWER, AttemptOutcome.VOICEMAIL):
        promises.log_attempt(db, staff["ana"], first.id, outcome, None, NOW - timedelta(minutes=30))
    board = monitor.snapshot(db, staff["sup"], NOW)
    assert [p.title for p in board.promises] == ["due in -2 h", "due in 1 h", "due in 3 h"]
    assert (board.promises[0].owner_name, board.promises[0].attempts, board.promises[0].last_outcome) == (
        "Ana",
        2,
        "voicemail",
    )
    assert list(board.promises) == promises.open_across_line(db, staff["sup"], NOW + timedelta(hours=4))
    wider = monitor.snapshot(db, staff["sup"], NOW, promise_horizon=timedelta(hours=6))
    assert len(wider.promises) == 4


def test_a_refresh_is_a_handful_of_queries(db, staff, day_of_calls):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        monitor.snapshot(db, staff["sup"], NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 6  # agents, calls, lines, the weekday's shape, promises, care teams


def test_todays_calls_are_read_through_an_index(db):
    from sqlalchemy import text

    since = NOW - timedelta(hours=10)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            plan = " ".join(
                str(row[-1])
                for row in conn.execute(
                    text("EXPLAIN QUERY PLAN SELECT id FROM call WHERE arrived_at >= :a"),
                    {"a": since.replace(tzinfo=None)},
                )
            )
            ended = " ".join(
                str(row[-1])
                for row in conn.execute(
                    text("EXPLAIN QUERY PLAN SELECT id FROM call WHERE ended_at > :a"),
                    {"a": since.replace(tzinfo=None)},
                )
            )
        else:
            conn.execute(text("SET enable_seqscan = off"))  # an empty table: ask whether an index could serve
            plan = " ".join(
                row[0]
                for row in conn.execute(
                    text("EXPLAIN SELECT id FROM call WHERE arrived_at >= :a"), {"a": since.replace(tzinfo=None)}
                )
            )
            ended = " ".join(
                row[0]
                for row in conn.execute(
                    text("EXPLAIN SELECT id FROM call WHERE ended_at > :a"), {"a": since.replace(tzinfo=None)}
                )
            )
    assert "ix_call_arrived_at" in plan
    assert "ix_call_ended_at" in ended


def daily(figures):
    """The day's totals only: the report leaves out the live part of the board (who waits now)."""
    return replace(figures, waiting_now=0, longest_wait=None, on_call_now=0)


def test_day_report_is_the_domains_figures_for_that_day(db, staff, day_of_calls):
    every_call = [facts for _, facts in day_of_calls.values()]
    sunday = ny(22, 12).astimezone(NEW_YORK).date()
    report = monitor.day_report(db, SHELL, sunday, NOW)
    main = report.lines[0].figures
    of_877 = [c for c in every_call if c.line_code == "877"]
    assert daily(main) == daily(line_figures(of_877, settings_of(db, "877"), NOW, day=sunday))
    # Final outcomes on the arrival day: the caller who rang at 23:59:50 and was answered at 00:00:15
    # is one of Sunday's answered calls (after 25 s: not within the 20 s threshold); the other still waits.
    assert (main.offered, main.answered, main.abandoned, main.answered_within_threshold) == (2, 1, 0, 0)
    assert main.service_level == 0.0 and main.average_speed_of_answer == timedelta(seconds=25)
    sunday_agents = agent_figures(every_call, NOW, ZONE, day=sunday)
    assert sunday_agents[staff["rep"]].calls_handled == 1  # Alex answered Sunday's caller on Monday
    assert sunday_agents[staff["ana"]].talk_time == NOW - ny(22, 23, 41)  # still talking since Sunday
    assert {row.name: row.calls_handled for row in report.agents} == {"Alex": 1, "Ana": 1}
    today = monitor.day_report(db, SHELL, NOW.astimezone(NEW_YORK).date(), NOW)
    # ...and in no other day's: Monday's answered are the three that rang on Monday.
    assert today.lines[0].figures.answered == 3
    board = monitor.snapshot(db, staff["sup"], NOW)
    assert [daily(row.figures) for row in today.lines] == [daily(row.figures) for row in board.lines]
    handled = {row.name: (row.calls_handled, row.talk_time) for row in today.agents if row.calls_handled}
    expected = agent_figures(every_call, NOW, ZONE)
    assert handled == {"Alex": (3, expected[staff["rep"]].talk_time), "Ana": (1, expected[staff["ana"]].talk_time)}
    # Everyone signed in today is on the report, with their time in each state from the state log
    # (the database logged each agent's state as it was added, an hour before NOW); Olive stayed offline.
    rows = {row.name: row for row in today.agents}
    assert set(rows) == {"Alex", "Ana", "Ben", "Sam", "Okafor"}
    assert rows["Ben"].states.by_state == {AgentState.WRAP_UP: timedelta(hours=1)}
    assert rows["Ben"].states.occupancy == 1.0 and rows["Sam"].states.occupancy == 0.0


# --- Actions -------------------------------------------------------------------------------------


def test_a_rep_may_not_open_the_monitor_or_act_from_it(db, staff):
    rep = staff["rep"]
    call_id, _ = add_call(db, "877", NOW - timedelta(minutes=1))
    with pytest.raises(PermissionDenied):
        monitor.snapshot(db, rep, NOW)
    with pytest.raises(PermissionDenied):
        monitor.set_agent_state(db, signed_in(db, rep), staff["ana"], AgentState.AWAY, NOW)
    with pytest.raises(PermissionDenied):
        monitor.set_agent_state(db, signed_in(db, rep), rep, AgentState.AWAY, NOW)  # not even your own, from here
    with pytest.raises(PermissionDenied):
        monitor.reassign_waiting_call(db, signed_in(db, rep), call_id, rep, NOW)
    with pytest.raises(PermissionDenied):
        monitor.raise_priority(db, signed_in(db, rep), call_id, Priority.EMERGENCY, NOW)
    with pytest.raises(PermissionDenied):
        monitor.snapshot(db, staff["doc"], NOW)
    assert calls.get_call(db, call_id).state == CallState.WAITING
    assert calls.get_call(db, call_id).priority == Priority.NORMAL
    with pytest.raises(NotFound):
        monitor.snapshot(db, 9999, NOW)


def _monitor_audit(db) -> list[tuple[str, str, int, str | None]]:
    with db.read() as session:
        return [
            (row.action, row.entity, row.entity_id, row.screen)
            for row in session.scalars(select(AuditEntry).where(AuditEntry.screen == "monitor").order_by(AuditEntry.id))
        ]


def test_supervisor_sets_an_agents_state_within_the_rules(db, staff):
    monitor.set_agent_state(db, acting(db, staff["sup"]), staff["rep"], AgentState.AWAY, NOW)
    board = {row.id: row for row in monitor.snapshot(db, staff["sup"], NOW).agents}
    assert (board[staff["rep"]].state, board[staff["rep"]].state_since) == ("away", NOW)
    monitor.set_agent_state(db, acting(db, staff["sup"]), staff["rep"], AgentState.AWAY, NOW)  # already away: nothing
    assert _monitor_audit(db) == [("change_state", "agent", staff["rep"], "monitor")]
    call_id, _ = add_call(db, "877", NOW)
    monitor.reassign_waiting_call(db, acting(db, staff["sup"]), call_id, staff["ana"], NOW)
    with pytest.raises(ValidationError, match="End the current call"):
        monitor.set_agent_state(db, acting(db, staff["sup"]), staff["ana"], AgentState.OFFLINE, NOW)


def test_reassign_gives_a_waiting_caller_to_a_free_rep(db, staff):
    call_id, _ = add_call(db, "866", NOW - timedelta(minutes=3))
    later = NOW + timedelta(seconds=5)
    view = monitor.reassign_waiting_call(
        db, acting(db, staff["sup"]), call_id, staff["ben"], later
    )  # ben is in wrap-up
    assert (view.state, view.agent_id, view.answered_at, view.line_code) == (
        CallState.ON_CALL,
        staff["ben"],
        later,
        "866",
    )
    ben = next(row for row in monitor.snapshot(db, staff["sup"], later).agents if row.id == staff["ben"])
    assert (ben.state, ben.state_since, ben.current_call_id) == ("on_call", later, call_id)
    assert _monitor_audit(db) == [("reassign", "call", call_id, "monitor")]

    with pytest.raises(InvalidOperation, match="no longer waiting"):
        monitor.reassign_waiting_call(db, acting(db, staff["sup"]), call_id, staff["rep"], later)
    other, _ = add_call(db, "877", NOW)
    for busy, reason in ((staff["ben"], "on call"), (staff["off"], "offline"), (staff["doc"], "does not take")):
        with pytest.raises(InvalidOperation, match=reason):
            monitor.reassign_waiting_call(db, acting(db, staff["sup"]), other, busy, later)
    with pytest.raises(NotFound):
        monitor.reassign_waiting_call(db, acting(db, staff["sup"]), 99999, staff["rep"], later)
    assert calls.get_call(db, other).state == CallState.WAITING
    assert calls.claim_next(db, staff["rep"], later).id == other  # the refused caller is still in the queue


@pytest.mark.pgbouncer
def test_an_agent_whose_console_went_quiet_is_shown_and_not_given_callers(db, staff):
    from callcenter.store import agents

    agents.report_presence(db, staff["rep"], NOW - timedelta(minutes=5))  # then the terminal was killed
    agents.report_presence(db, staff["ana"], NOW - timedelta(seconds=20))  # reported a moment ago
    agents.report_presence(db, staff["off"], NOW - timedelta(hours=2))  # signed out properly long ago
    rows = {row.id: row for row in monitor.snapshot(db, staff["sup"], NOW).agents}
    assert rows[staff["rep"]].silent_for == timedelta(minutes=5)
    assert rows[staff["ana"]].silent_for is None
    assert rows[staff["off"]].silent_for is None  # offline: nobody expects it to report
    assert rows[staff["ben"]].silent_for is None  # no console ever reported: nothing to say
    call_id, _ = add_call(db, "877", NOW - timedelta(minutes=1))
    with pytest.raises(InvalidOperation, match="not been heard from for 5 min"):
        monitor.reassign_waiting_call(db, acting(db, staff["sup"]), call_id, staff["rep"], NOW)
    assert calls.get_call(db, call_id).state == CallState.WAITING
    assert (
        monitor.reassign_waiting_call(db, acting(db, staff["sup"]), call_id, staff["ana"], NOW).agent_id == staff["ana"]
    )
    with db.read() as session:  # a heartbeat is not an edit: no new version, no audit row
        assert session.get(Agent, staff["rep"]).version == 1
        assert not session.scalars(select(AuditEntry).where(AuditEntry.entity == "agent")).all()


def _reassign_in_another_process(url: str, supervisor: int, call_id: int, rep: int, start, results) -> None:
    from callcenter.store.db import Database

    db = Database(url)
    start.wait()
    try:
        view = monitor.reassign_waiting_call(db, signed_in(db, supervisor), call_id, rep, FIXED_NOW)
        results.put((rep, "given", view.agent_id))
    except InvalidOperation as refused:
        results.put((rep, "refused", refused.message))
    finally:
        db.dispose()


@pytest.mark.pgbouncer
@pytest.mark.slow
def test_two_supervisors_reassign_the_same_caller_at_once(db, staff):
    call_id, _ = add_call(db, "877", NOW - timedelta(minutes=2))
    second_supervisor = add_agent(db, "dana", "supervisor")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    pairs = ((staff["sup"], staff["rep"]), (second_supervisor, staff["ana"]))
    processes = [
        context.Process(target=_reassign_in_another_process, args=(db.url, supervisor, call_id, rep, start, results))
        for supervisor, rep in pairs
    ]
    for process in processes:
        process.start()
    start.set()
    outcomes = sorted((results.get(timeout=60) for _ in processes), key=lambda outcome: outcome[1])
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    (winner, given, agent_id), (loser, refused, message) = outcomes
    assert (given, refused) == ("given", "refused") and agent_id == winner and "no longer waiting" in message
    assert calls.get_call(db, call_id).agent_id == winner
    states = {row.id: row.state for row in monitor.snapshot(db, staff["sup"], NOW).agents}
    assert (states[winner], states[loser]) == ("on_call", "available")  # the loser was not put on call
    assert [entry[0] for entry in _monitor_audit(db)] == ["reassign"]


def test_priority_only_goes_up_and_only_while_waiting(db, staff):
    sup = staff["sup"]
    call_id, _ = add_call(db, "877", NOW - timedelta(minutes=5))
    newer, _ = add_call(db, "877", NOW - timedelta(minutes=1))
    monitor.raise_priority(db, signed_in(db, sup), newer, Priority.HIGH, NOW)
    assert calls.get_call(db, newer).priority == Priority.HIGH
    monitor.raise_priority(
        db, signed_in(db, sup), newer, Priority.HIGH, NOW
    )  # already high: nothing changes, nothing logged
    with pytest.raises(InvalidOperation, match="only be raised"):
        monitor.raise_priority(db, signed_in(db, sup), newer, Priority.NORMAL, NOW)
    assert calls.get_call(db, newer).priority == Priority.HIGH
    assert calls.claim_next(db, staff["rep"], NOW).id == newer  # raised above the longer wait
    with pytest.raises(InvalidOperation, match="no longer waiting"):
        monitor.raise_priority(db, signed_in(db, sup), newer, Priority.EMERGENCY, NOW)
    with pytest.raises(NotFound):
        monitor.raise_priority(db, signed_in(db, sup), 99999, Priority.EMERGENCY, NOW)
    monitor.raise_priority(db, signed_in(db, sup), call_id, Priority.EMERGENCY, NOW)
    assert calls.get_call(db, call_id).priority == Priority.EMERGENCY
    assert _monitor_audit(db) == [
        ("raise_priority", "call", newer, "monitor"),
        ("raise_priority", "call", call_id, "monitor"),
    ]


def test_a_supervisor_ends_the_call_of_a_rep_whose_console_was_lost(db, staff):
    """Alex's terminal died mid-call: the monitor ends the call with a disposition; the notes his console
    had saved stay, the contact is logged, a callback is promised, and the trail names both."""
    from callcenter.domain.model import Disposition
    from callcenter.domain.promises import PromisePolicy
    from callcenter.store.models import Contact, Promise

    rep, sup = staff["rep"], staff["sup"]
    call_id, _ = add_call(db, "877", NOW - timedelta(minutes=12), NOW - timedelta(minutes=11), None, rep)
    with db.write() as session:
        session.get(Call, call_id).notes = "Mom: Leo, 9, stopped eating; wants a callback after 5"
        alex = session.get(Agent, rep)
        alex.state, alex.seen_at = AgentState.ON_CALL.value, NOW - timedelta(seconds=30)
    with pytest.raises(InvalidOperation, match="still there"):  # heard 30 s ago: his to end
        monitor.end_lost_call(db, acting(db, sup), rep, Disposition.CALLBACK_REQUESTED, NOW, PromisePolicy())
    with pytest.raises(PermissionDenied):
        monitor.end_lost_call(db, acting(db, staff["ana"]), rep, Disposition.HANG_UP, NOW, PromisePolicy())
    with db.write() as session:
        session.get(Agent, rep).seen_at = NOW - timedelta(minutes=9)  # then nothing: lost
    ended = monitor.end_lost_call(db, acting(db, sup), rep, Disposition.CALLBACK_REQUESTED, NOW, PromisePolicy())
    assert ended.state is CallState.ENDED
    with db.read() as session:
        call = session.get(Call, call_id)
        assert (call.notes, call.disposition) == (
            "Mom: Leo, 9, stopped eating; wants a callback after 5",
            "callback_requested",
        )
        assert session.get(Agent, rep).state == AgentState.WRAP_UP.value
        assert session.scalars(select(Contact).where(Contact.call_id == call_id)).one().agent_id == rep
        callback = session.scalars(select(Promise).where(Promise.call_id == call_id)).one()
        assert callback.owner_agent_id == rep and "stopped eating" in callback.title
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "call", AuditEntry.action == "end")).one()
        assert (entry.agent_id, entry.screen) == (sup, "monitor") and f'"from": {rep}' in entry.detail
    with pytest.raises(InvalidOperation, match="not on a call"):
        monitor.end_lost_call(db, acting(db, sup), rep, Disposition.HANG_UP, NOW, PromisePolicy())


def test_the_state_log_gives_each_agents_time_in_states_and_away_time_by_reason(db, staff):
    """Whatever changes a state (the agent, a supervisor, a call), the database logs it; the report
    adds the day up: time in each state, occupancy, and away time by the reason given."""
    from callcenter.domain.agent_states import AwayReason
    from callcenter.store import agents

    rep = staff["rep"]  # available since 09:00 (added an hour before NOW, 10:00 New York)
    agents.change_state(db, rep, rep, AgentState.AWAY, ny(23, 10), AwayReason.BREAK)
    agents.change_state(db, rep, rep, AgentState.AVAILABLE, ny(23, 10, 15))
    agents.change_state(db, rep, rep, AgentState.AWAY, ny(23, 11), AwayReason.MEETING)
    agents.change_state(db, rep, rep, AgentState.AWAY, ny(23, 11, 10), AwayReason.MEETING)  # no change: no row
    monitor.set_agent_state(db, acting(db, staff["sup"]), rep, AgentState.AVAILABLE, ny(23, 11, 30))
    noon = ny(23, 12)
    [row] = [r for r in monitor.day_report(db, SHELL, noon.astimezone(NEW_YORK).date(), noon).agents if r.id == rep]
    states = row.states
    assert states.by_state == {
        AgentState.AVAILABLE: timedelta(hours=2, minutes=15),
        AgentState.AWAY: timedelta(minutes=45),
    }
    assert states.away_by_reason == {"break": timedelta(minutes=15), "meeting": timedelta(minutes=30)}
    assert states.occupancy == 0.0  # available, but no calls taken
    with db.read() as session:
        from callcenter.store.models import AgentStateChange

        logged = session.scalars(select(AgentStateChange.state).where(AgentStateChange.agent_id == rep)).all()
    assert logged == ["available", "away", "available", "away", "available"]
