"""The supervisor's figures, checked against call sets whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.domain.lines import LINES
from callcenter.domain.metrics import (
    AgentFigures,
    CallFacts,
    LineSettings,
    agent_figures,
    calls_per_hour,
    day_bounds,
    line_figures,
    weekday_average_per_hour,
)

NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2026, 11, 18)  # a Wednesday, well clear of daylight-saving changes
SETTINGS = LineSettings()  # 80 % in 20 s, short abandons under 5 s, New York
PROPERTY = settings(max_examples=200, deadline=None)


def local(hh: int, mm: int = 0, ss: float = 0, day: date = DAY) -> datetime:
    """A New York wall-clock time on ``day``, as the store keeps it (UTC)."""
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK).astimezone(UTC) + timedelta(seconds=ss)


def call(
    arrived: datetime,
    answered_after: float | None = None,
    talk: float | None = None,
    abandoned_after: float | None = None,
    agent: int | None = None,
    line: str = "877",
) -> CallFacts:
    """A call described the way a supervisor would: waited this long, then talked or hung up."""
    answered = arrived + timedelta(seconds=answered_after) if answered_after is not None else None
    ended = None
    if answered is not None and talk is not None:
        ended = answered + timedelta(seconds=talk)
    if abandoned_after is not None:
        ended = arrived + timedelta(seconds=abandoned_after)
    return CallFacts(line, arrived, answered, ended, agent)


# -- line figures ----------------------------------------------------------------------------


def test_no_calls_gives_zero_counts_and_no_rates():
    figures = line_figures([], SETTINGS, now=local(15))
    assert figures.day == DAY
    assert (figures.offered, figures.answered, figures.abandoned, figures.short_abandons) == (0, 0, 0, 0)
    assert (figures.waiting_now, figures.on_call_now, figures.long_abandons) == (0, 0, 0)
    assert figures.service_level is None and figures.abandonment_rate is None
    assert figures.average_speed_of_answer is None and figures.average_handle_time is None
    assert figures.longest_wait is None and figures.meets_target is None


def test_all_abandoned_after_the_short_limit():
    calls = [call(local(hh), abandoned_after=wait) for hh, wait in [(9, 30), (10, 60), (11, 90)]]
    figures = line_figures(calls, SETTINGS, now=local(15))
    # offered 3, all long abandons: SL = 0 / (0 + 3) = 0; abandonment = 3 / (0 + 3) = 1
    assert (figures.offered, figures.answered, figures.abandoned, figures.short_abandons) == (3, 0, 3, 0)
    assert figures.service_level == 0.0
    assert figures.abandonment_rate == 1.0
    assert figures.average_speed_of_answer is None and figures.average_handle_time is None
    assert figures.meets_target is False


def test_all_short_abandons_count_as_offered_but_in_no_rate():
    calls = [call(local(9), abandoned_after=2), call(local(10), abandoned_after=4.999)]
    figures = line_figures(calls, SETTINGS, now=local(15))
    # SL = 0 / (0 answered + 0 long abandons): nothing counts; abandonment = 0 / (0 + 0): same
    assert (figures.offered, figures.abandoned, figures.short_abandons, figures.long_abandons) == (2, 2, 2, 0)
    assert figures.service_level is None
    assert figures.abandonment_rate is None


def test_a_mix_of_outcomes():
    now = local(15)
    calls = [
        call(local(9), answered_after=10, talk=300),  # A: within 20 s
        call(local(10), answered_after=20, talk=600),  # B: exactly 20 s is within
        call(local(11), answered_after=45, talk=120),  # C: too slow
        call(now - timedelta(seconds=65), answered_after=5),  # D: within, still talking at 15:00
        call(local(12), abandoned_after=3),  # E: short abandon (under 5 s)
        call(local(13), abandoned_after=5),  # F: exactly 5 s is a long abandon
        call(local(14), abandoned_after=70),  # G: long abandon
        call(now - timedelta(seconds=90)),  # H: waiting 1:30
        call(now - timedelta(seconds=30)),  # I: waiting 0:30
    ]
    figures = line_figures(calls, SETTINGS, now)
    assert figures.offered == 9
    assert (figures.answered, figures.answered_within_threshold) == (4, 3)  # A B C D; A B D
    assert (figures.abandoned, figures.short_abandons, figures.long_abandons) == (3, 1, 2)  # E F G; E; F G
    assert figures.service_level == pytest.approx(3 / (4 + 2))  # 0.5
    # Out of the calls with an outcome, short abandons aside: A B C D answered, F G long abandons.
    assert figures.abandonment_rate == pytest.approx(2 / (4 + 2))  # H and I still wait: in no rate
    assert figures.average_speed_of_answer == timedelta(seconds=(10 + 20 + 45 + 5) / 4)  # 20 s
    assert figures.average_handle_time == timedelta(seconds=(300 + 600 + 120) / 3)  # 340 s; D not ended
    assert (figures.waiting_now, figures.longest_wait, figures.on_call_now) == (2, timedelta(seconds=90), 1)
    assert figures.meets_target is False


def test_callers_still_waiting_move_neither_rate_and_a_line_of_only_waiting_callers_has_none():
    now = local(15)
    settled = [call(local(9), answered_after=10, talk=60), call(local(10), abandoned_after=60)]
    before = line_figures(settled, SETTINGS, now)
    queued = settled + [call(now - timedelta(seconds=s)) for s in (30, 60, 90, 120, 150)]
    after = line_figures(queued, SETTINGS, now)
    assert (before.abandonment_rate, before.service_level) == (0.5, 0.5)
    assert (after.abandonment_rate, after.service_level) == (0.5, 0.5)  # five more waiting: no change
    assert after.offered == 7 and after.waiting_now == 5
    only_waiting = line_figures([call(now - timedelta(seconds=40))], SETTINGS, now)
    assert (only_waiting.service_level, only_waiting.abandonment_rate) == (None, None)  # "—", not "0 %"


def test_service_level_target_and_threshold_come_from_the_settings():
    calls = [call(local(9), answered_after=25, talk=60), call(local(10), answered_after=35, talk=60)]
    assert line_figures(calls, SETTINGS, local(15)).service_level == 0.0
    relaxed = LineSettings(service_level_seconds=30, service_level_target=0.5)
    figures = line_figures(calls, relaxed, local(15))
    assert figures.service_level == 0.5 and figures.meets_target is True


def test_settings_read_from_a_line_spec():
    assert LineSettings.of(LINES[0]) == LineSettings(20, 0.80, 5, "America/New_York")


def test_a_waiting_callers_longest_wait_is_measured_at_now():
    calls = [call(local(14, 50)), call(local(14, 58, 30)), call(local(14, 40), answered_after=30)]
    figures = line_figures(calls, SETTINGS, now=local(15, 0, 5))
    # 14:50:00 -> 15:00:05 is the longest of the two still waiting: 10:05
    assert figures.waiting_now == 2
    assert figures.longest_wait == timedelta(minutes=10, seconds=5)
    assert figures.on_call_now == 1


def test_events_after_now_have_not_happened_yet():
    calls = [call(local(15, 0, 0), answered_after=30, talk=60), call(local(15, 0, 20))]
    figures = line_figures(calls, SETTINGS, now=local(15, 0, 10))
    # At 15:00:10 the first caller is still waiting 10 s and the second has not rung yet.
    assert (figures.offered, figures.answered, figures.waiting_now) == (1, 0, 1)
    assert figures.longest_wait == timedelta(seconds=10)


def test_a_call_across_midnight_counts_for_the_day_it_arrived():
    next_day = DAY + timedelta(days=1)
    straddler = call(local(23, 59, 50), answered_after=25, talk=300)  # answered 00:00:15, ended 00:05:15
    # Just before midnight it is one of today's callers, waiting 9 s.
    before = line_figures([straddler], SETTINGS, now=local(23, 59, 59))
    assert (before.day, before.offered, before.waiting_now) == (DAY, 1, 1)
    assert before.longest_wait == timedelta(seconds=9)
    # Just after it was answered the new day's totals are empty, but the call is live on the board.
    after = line_figures([straddler], SETTINGS, now=local(0, 0, 20, day=next_day))
    assert (after.day, after.offered, after.answered, after.on_call_now) == (next_day, 0, 0, 1)
    # Next day at noon: yesterday's settled figures hold it (wait 25 s > 20 s: missed the threshold).
    settled = line_figures([straddler], SETTINGS, now=local(12, day=next_day), day=DAY)
    assert (settled.offered, settled.answered, settled.answered_within_threshold) == (1, 1, 0)
    assert settled.service_level == 0.0
    assert settled.average_speed_of_answer == timedelta(seconds=25)
    assert settled.average_handle_time == timedelta(seconds=300)
    assert line_figures([straddler], SETTINGS, now=local(12, day=next_day)).offered == 0


def test_a_caller_waiting_since_yesterday_is_still_waiting_now():
    holding = call(local(23, 59, 30))
    figures = line_figures([holding], SETTINGS, now=local(0, 0, 10, day=DAY + timedelta(days=1)))
    assert (figures.offered, figures.waiting_now, figures.longest_wait) == (0, 1, timedelta(seconds=40))


def test_timestamps_out_of_order_by_a_moment_never_give_negative_waits():
    skewed = CallFacts("877", local(9), answered_at=local(9) - timedelta(milliseconds=300), ended_at=local(9, 5))
    figures = line_figures([skewed], SETTINGS, now=local(15))
    assert figures.average_speed_of_answer == timedelta(0)
    assert figures.answered_within_threshold == 1


def test_a_call_is_abandoned_when_it_ended_unanswered():
    assert call(local(9), abandoned_after=12).abandoned
    assert not call(local(9), answered_after=12, talk=30).abandoned
    assert not call(local(9)).abandoned


@pytest.mark.parametrize(
    "build",
    [
        lambda: CallFacts("877", datetime(2026, 11, 18, 9, 0)),
        lambda: CallFacts("877", local(9), answered_at=datetime(2026, 11, 18, 9, 1)),
        lambda: LineSettings(time_zone="Mars/Olympus_Mons"),
        lambda: LineSettings(service_level_target=80),
        lambda: LineSettings(service_level_target=0),
        lambda: LineSettings(service_level_seconds=-1),
        lambda: LineSettings(short_abandon_seconds=float("nan")),
        lambda: line_figures([], SETTINGS, now=datetime(2026, 11, 18, 15, 0)),
        lambda: weekday_average_per_hour([], DAY, weeks=0),
    ],
)
def test_bad_input_is_refused_with_a_value_error(build):
    with pytest.raises(ValueError):
        build()


# -- days and daylight saving ----------------------------------------------------------------


def test_day_bounds_run_midnight_to_midnight_local_time():
    assert day_bounds(DAY) == (datetime(2026, 11, 18, 5, tzinfo=UTC), datetime(2026, 11, 19, 5, tzinfo=UTC))


def test_daylight_saving_days_are_23_and_25_hours_long():
    spring_start, spring_end = day_bounds(date(2026, 3, 8), "America/New_York")
    assert (spring_start, spring_end) == (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC))
    fall_start, fall_end = day_bounds(date(2026, 11, 1), NEW_YORK)
    assert (fall_start, fall_end) == (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 2, 5, tzinfo=UTC))
    assert fall_end - fall_start == timedelta(hours=25)


def test_a_day_that_skips_midnight_starts_at_the_jump():
    # Cuba sprang forward at 00:00 on 2025-03-09 (clocks went to 01:00, UTC-4): no local midnight.
    start, end = day_bounds(date(2025, 3, 9), "America/Havana")
    assert start == datetime(2025, 3, 9, 5, tzinfo=UTC)
    assert end - start == timedelta(hours=23)


def test_calls_per_hour_on_the_spring_forward_day():
    day = date(2026, 3, 8)  # New York: 01:59:59 EST is followed by 03:00:00 EDT
    arrivals = [
        datetime(2026, 3, 8, 5, 10, tzinfo=UTC),  # 00:10 EST
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # 01:30 EST
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 03:30 EDT, one real hour later
        datetime(2026, 3, 9, 3, 59, tzinfo=UTC),  # 23:59 EDT
        datetime(2026, 3, 9, 4, 0, tzinfo=UTC),  # 00:00 on the 9th: another day
    ]
    buckets = calls_per_hour([call(at) for at in arrivals], day, NEW_YORK)
    assert len(buckets) == 24
    assert (buckets[0], buckets[1], buckets[2], buckets[3], buckets[23]) == (1, 1, 0, 1, 1)
    assert sum(buckets) == 4


def test_calls_per_hour_on_the_fall_back_day_puts_both_one_oclocks_together():
    day = date(2026, 11, 1)  # New York: 01:00-01:59 happens twice, first EDT then EST
    arrivals = [
        datetime(2026, 11, 1, 3, 59, tzinfo=UTC),  # 23:59 EDT on Oct 31: another day
        datetime(2026, 11, 1, 4, 10, tzinfo=UTC),  # 00:10 EDT
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT, first pass
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 01:30 EST, second pass
        datetime(2026, 11, 1, 7, 30, tzinfo=UTC),  # 02:30 EST
        datetime(2026, 11, 2, 4, 59, tzinfo=UTC),  # 23:59 EST
    ]
    buckets = calls_per_hour([call(at) for at in arrivals], day, "America/New_York")
    assert (buckets[0], buckets[1], buckets[2], buckets[23]) == (1, 2, 1, 1)
    assert sum(buckets) == 5


def test_weekday_average_uses_the_same_weekday_of_the_previous_weeks():
    def at(day: date, hh: int, count: int) -> list[CallFacts]:
        return [call(local(hh, minute, day=day)) for minute in range(count)]

    calls = [
        *at(date(2026, 11, 11), 9, 3),  # 1 week back
        *at(date(2026, 11, 4), 9, 1),  # 2 weeks back (standard time)
        # 3 weeks back, Oct 28, had no 9 o'clock calls (daylight time)
        *at(date(2026, 10, 28), 10, 1),
        *at(date(2026, 10, 21), 9, 4),  # 4 weeks back
        *at(date(2026, 10, 14), 9, 10),  # 5 weeks back: outside the default window
        *at(DAY, 9, 7),  # the day itself is what is being compared, not part of the average
        *at(date(2026, 11, 17), 9, 6),  # a Tuesday
    ]
    average = weekday_average_per_hour(calls, DAY, NEW_YORK)
    assert average[9] == (3 + 1 + 0 + 4) / 4  # 2.0
    assert average[10] == 1 / 4
    assert sum(average) == pytest.approx(2.25)
    assert weekday_average_per_hour(calls, DAY, NEW_YORK, weeks=2)[9] == (3 + 1) / 2
    assert weekday_average_per_hour(calls, DAY, NEW_YORK, weeks=5)[9] == (3 + 1 + 0 + 4 + 10) / 5


# -- agents ----------------------------------------------------------------------------------


def test_agent_figures():
    now = local(15)
    yesterday = DAY - timedelta(days=1)
    calls = [
        call(local(9), answered_after=10, talk=300, agent=7),  # 7: 5:00 of talk
        call(now - timedelta(seconds=150), answered_after=30, agent=7),  # 7: on this call for 2:00
        call(local(10), answered_after=20, talk=600, agent=8),  # 8: 10:00 of talk
        call(local(23, 59, 50, day=yesterday), answered_after=25, talk=300, agent=8),  # yesterday's call
        call(local(23, 50, day=yesterday), answered_after=300, agent=9),  # 9: on since 23:55 yesterday
        call(local(11), abandoned_after=40),  # nobody's
        call(local(12, 10), answered_after=2, talk=60),  # answered, agent unknown
    ]
    figures = agent_figures(calls, now, NEW_YORK)
    assert list(figures) == [7, 8, 9]
    assert figures[7] == AgentFigures(
        7, calls_handled=2, talk_time=timedelta(minutes=7), current_call=timedelta(minutes=2)
    )
    assert figures[8] == AgentFigures(8, calls_handled=1, talk_time=timedelta(minutes=10), current_call=None)
    assert figures[9] == AgentFigures(
        9, calls_handled=0, talk_time=timedelta(0), current_call=timedelta(hours=15, minutes=5)
    )
    # The agents' counts add up to the line's answered calls that have an agent.
    assert line_figures(calls, SETTINGS, now).answered == 2 + 1 + 1


def test_no_calls_no_agents():
    assert agent_figures([], local(15)) == {}


# -- invariants over random days -------------------------------------------------------------


@st.composite
def random_calls(draw) -> list[CallFacts]:
    start, end = day_bounds(DAY)
    span = int((end - start).total_seconds())
    made = []
    for _ in range(draw(st.integers(0, 30))):
        arrived = start + timedelta(seconds=draw(st.integers(0, span - 1)))
        outcome = draw(st.sampled_from(["answered", "talking", "abandoned", "waiting"]))
        wait = draw(st.integers(0, 120))
        agent = draw(st.sampled_from([None, 1, 2, 3]))
        if outcome == "answered":
            made.append(call(arrived, answered_after=wait, talk=draw(st.integers(0, 900)), agent=agent))
        elif outcome == "talking":
            made.append(call(arrived, answered_after=wait, agent=agent))
        elif outcome == "abandoned":
            made.append(call(arrived, abandoned_after=wait))
        else:
            made.append(call(arrived))
    return made


@PROPERTY
@given(random_calls(), st.integers(0, 36 * 3600))
def test_figures_always_add_up(calls, seconds_after_midnight):
    now = day_bounds(DAY)[0] + timedelta(seconds=seconds_after_midnight)
    figures = line_figures(calls, SETTINGS, now, day=DAY)
    still_waiting_from_today = figures.offered - figures.answered - figures.abandoned
    assert 0 <= still_waiting_from_today <= figures.waiting_now
    assert 0 <= figures.short_abandons <= figures.abandoned
    assert figures.answered_within_threshold <= figures.answered
    for rate in (figures.service_level, figures.abandonment_rate):
        assert rate is None or 0 <= rate <= 1
    if now >= day_bounds(DAY)[1]:
        assert figures.offered == len(calls) == sum(calls_per_hour(calls, DAY))
    by_agent = agent_figures(calls, now)
    answered_with_agent = sum(
        1
        for c in calls
        if c.agent_id is not None and (known := c.as_of(now)) is not None and known.answered_at is not None
    )
    handled = sum(agent.calls_handled for agent in by_agent.values())
    assert handled == (answered_with_agent if now < day_bounds(DAY)[1] else 0)  # every call arrived on DAY


def test_the_recent_service_level_counts_the_window_as_the_day_is_counted():
    from callcenter.domain.metrics import service_level_since

    now = local(15)
    since = now - timedelta(minutes=30)
    calls = [
        call(local(14, 20), answered_after=5, talk=60),  # before the window: left out
        call(local(14, 40), answered_after=10, talk=60),  # within 20 s
        call(local(14, 45), answered_after=50, talk=60),  # too slow
        call(local(14, 50), abandoned_after=2),  # a short abandon: in no rate
        call(local(14, 52), abandoned_after=40),  # a long abandon
        call(now - timedelta(seconds=30)),  # still waiting: no outcome yet
    ]
    assert service_level_since(calls, SETTINGS, now, since) == pytest.approx(1 / 3)
    assert service_level_since(calls[:1], SETTINGS, now, since) is None  # nothing settled in the window


def test_interval_figures_cut_the_day_by_the_line_clock_and_add_up_to_the_day():
    from callcenter.domain.metrics import interval_figures

    now = local(15)
    calls = [
        call(local(9, 10), answered_after=10, talk=60),
        call(local(9, 40), answered_after=50, talk=60),
        call(local(9, 45), abandoned_after=40),
        call(local(14, 59), answered_after=5, talk=600),  # still talking at 15:00
        call(now - timedelta(seconds=20)),  # arrived 14:59:40, waiting
    ]
    rows = interval_figures(calls, SETTINGS, now, local(9).date(), 30)
    assert len(rows) == 31  # 00:00 to 15:00 inclusive: the interval starting at 15:00 has begun
    by_start = {start.astimezone(SETTINGS.zone).strftime("%H:%M"): figures for start, figures in rows}
    nine, half_nine, late = by_start["09:00"], by_start["09:30"], by_start["14:30"]
    assert (nine.offered, nine.answered, nine.service_level) == (1, 1, 1.0)
    assert (half_nine.offered, half_nine.answered, half_nine.abandoned, half_nine.service_level) == (2, 1, 1, 0.0)
    assert (late.offered, late.answered) == (2, 1)  # the waiting caller counts as offered, no outcome
    day = line_figures(calls, SETTINGS, now)
    assert sum(f.offered for _, f in rows) == day.offered and sum(f.answered for _, f in rows) == day.answered


def test_intervals_on_the_day_the_clocks_go_back_and_forward():
    from datetime import date

    from callcenter.domain.metrics import interval_figures

    after = datetime(2027, 1, 1, tzinfo=UTC)
    assert len(interval_figures([], SETTINGS, after, date(2026, 11, 1), 30)) == 50  # 25 hours
    assert len(interval_figures([], SETTINGS, after, date(2026, 3, 8), 30)) == 46  # 23 hours
    starts = [
        s.astimezone(SETTINGS.zone).strftime("%H:%M")
        for s, _ in interval_figures([], SETTINGS, after, date(2026, 3, 8), 60)
    ]
    assert starts[:4] == ["00:00", "01:00", "03:00", "04:00"]  # 02:00 never happened
    with pytest.raises(ValueError, match="divide the day"):
        interval_figures([], SETTINGS, after, date(2026, 3, 8), 7)
