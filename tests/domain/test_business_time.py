"""Deadlines in business time: CT holidays, after-hours arrivals, DST, countdowns, bad settings."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.domain.business_time import (
    DUE_SOON_LEAD,
    BusinessDuration,
    BusinessHours,
    PromiseCountdown,
    PromiseStatus,
    add_business_time,
    business_time_between,
    deadline,
    due_soon_from,
    format_countdown,
    is_open,
    next_opening,
    promise_countdown,
)

NEW_YORK = ZoneInfo("America/New_York")
HOURS = BusinessHours()  # 09:00-19:00 Mon-Fri, America/New_York, Connecticut state holidays
ALWAYS = BusinessHours.always_open()
ONE_DAY = BusinessDuration.parse("1 business day")
CT_2026 = holidays.country_holidays("US", subdiv="CT", years=2026)
PROPERTY = settings(max_examples=200, deadline=None)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def utc(moment: datetime) -> datetime:
    # Aware datetimes sharing a tzinfo subtract and compare by wall clock; UTC makes it elapsed time.
    return moment.astimezone(UTC)


def local(moment: datetime, hours: BusinessHours = HOURS) -> datetime:
    return moment.astimezone(hours.zone)


# -- settings ---------------------------------------------------------------------------------


def test_defaults_are_the_connecticut_line():
    assert HOURS.time_zone == "America/New_York"
    assert HOURS.weekdays == frozenset({0, 1, 2, 3, 4})
    assert (HOURS.opens, HOURS.closes) == (time(9), time(19))
    assert (HOURS.holiday_country, HOURS.holiday_subdivision) == ("US", "CT")
    assert HOURS.business_day == timedelta(hours=10)


def test_from_settings_reads_the_usual_text():
    assert BusinessHours.from_settings() == HOURS
    assert (
        BusinessHours.from_settings(
            time_zone="America/New_York",
            opens="09:00",
            closes="19:00",
            weekdays="Mon-Fri",
            holiday_country="US",
            holiday_subdivision="CT",
        )
        == HOURS
    )
    assert BusinessHours.from_settings(opens="9am", closes="7 pm", weekdays="monday-friday") == HOURS
    weekend = BusinessHours.from_settings(weekdays="Sat,Sun", opens="8:30", closes="12:00")
    assert weekend.weekdays == frozenset({5, 6}) and weekend.business_day == timedelta(hours=3, minutes=30)
    assert BusinessHours.from_settings(weekdays="Fri-Mon").weekdays == frozenset({4, 5, 6, 0})
    assert BusinessHours.from_settings(weekdays="Mon, Wed, Fri").weekdays == frozenset({0, 2, 4})
    assert BusinessHours.from_settings(holiday_country="").holiday_country is None
    around_the_clock = BusinessHours.from_settings(
        opens="00:00", closes="24:00", weekdays="daily", holiday_country="none"
    )
    assert around_the_clock == ALWAYS and ALWAYS.business_day == timedelta(hours=24)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "Unknown time zone 'Mars/Olympus_Mons'.*America/New_York"),
        ({"time_zone": ""}, "Unknown time zone"),
        ({"opens": "25:00"}, "opens '25:00' is not a clock time.*HH:MM"),
        ({"opens": "nine"}, "opens 'nine' is not a clock time"),
        ({"closes": "19:75"}, "closes '19:75' is not a clock time"),
        ({"opens": "24:00"}, "cannot open at '24:00'.*00:00"),
        ({"opens": "19:00", "closes": "09:00"}, r"closes \(09:00\) before it opens \(19:00\).*24:00"),
        ({"opens": "09:00", "closes": "09:00"}, "closes .* before it opens"),
        ({"weekdays": "Funday"}, "Unknown weekday 'funday'.*Mon-Fri"),
        ({"weekdays": ""}, "No open weekdays"),
        ({"weekdays": [7]}, "out of range.*0 for Monday"),
        ({"holiday_country": "ZZ"}, "Unknown holiday country 'ZZ'.*'US'"),
        ({"holiday_subdivision": "XX"}, "Unknown holiday subdivision 'XX' for US.*CT"),
        ({"extra_closed": ["2026-13-01"]}, "Extra closed date '2026-13-01' is not a date.*2026-12-24"),
    ],
)
def test_bad_settings_say_what_is_wrong_and_how_to_fix_it(overrides, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours.from_settings(**overrides)


def test_bad_constructor_values_are_refused_too():
    with pytest.raises(ValueError, match="No open weekdays"):
        BusinessHours(weekdays=frozenset())
    with pytest.raises(ValueError, match="without a holiday country"):
        BusinessHours(holiday_country=None, holiday_subdivision="CT")
    with pytest.raises(ValueError, match="before it opens"):
        BusinessHours(opens=time(19), closes=time(9))


# -- promises ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "extra"),
    [
        ("1 business day", 1, timedelta(0)),
        ("2 business days", 2, timedelta(0)),
        ("1d", 1, timedelta(0)),
        ("30 minutes", 0, timedelta(minutes=30)),
        ("2 hours", 0, timedelta(hours=2)),
        ("4h", 0, timedelta(hours=4)),
        ("90 min", 0, timedelta(minutes=90)),
        ("1 day 4 hours", 1, timedelta(hours=4)),
        ("1 working day and 30 minutes", 1, timedelta(minutes=30)),
        ("1d, 4h", 1, timedelta(hours=4)),
        ("  2 Business Hours ", 0, timedelta(hours=2)),
    ],
)
def test_promises_parse(text, days, extra):
    promise = BusinessDuration.parse(text)
    assert (promise.business_days, promise.business_time) == (days, extra)


def test_a_business_day_is_the_open_hours_of_a_day():
    assert ONE_DAY.amount(HOURS) == timedelta(hours=10)
    assert ONE_DAY.amount(ALWAYS) == timedelta(hours=24)
    assert BusinessDuration.parse("1d 4h").amount(HOURS) == timedelta(hours=14)
    assert str(ONE_DAY) == "1 business day"
    assert str(BusinessDuration.parse("2d 90m")) == "2 business days 1 hour 30 minutes"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Cannot read the promise ''.*'1 business day'"),
        ("soon", "Cannot read the promise 'soon'"),
        ("-1 day", "Cannot read the promise"),
        ("1.5 hours", "whole numbers.*'90 minutes'"),
        ("2 weeks", "Weeks are ambiguous.*'5 business days'"),
        ("3 parsecs", "Unknown unit 'parsecs'"),
        ("1 day!", "Cannot read the promise"),
        ("0 hours", "is zero"),
    ],
)
def test_bad_promises_say_how_to_write_one(text, message):
    with pytest.raises(ValueError, match=message):
        BusinessDuration.parse(text)


# -- deadlines by example (2026-11-23 is a Monday) --------------------------------------------


@pytest.mark.parametrize(
    ("received", "promise", "due"),
    [
        # Mid-day: the same clock time the next business day.
        (ny(2026, 11, 23, 14), "1 business day", ny(2026, 11, 24, 14)),
        # Friday just before close: 5 minutes Friday, the rest on Monday.
        (ny(2026, 11, 20, 18, 55), "1 business day", ny(2026, 11, 23, 18, 55)),
        # Weekend and after-hours arrivals start at the next opening and are due at that day's close.
        (ny(2026, 11, 21, 10), "1 business day", ny(2026, 11, 23, 19)),
        (ny(2026, 11, 23, 20, 30), "1 business day", ny(2026, 11, 24, 19)),
        (ny(2026, 11, 23, 7), "1 business day", ny(2026, 11, 23, 19)),
        # A short promise across the weekend.
        (ny(2026, 11, 20, 18, 50), "30 minutes", ny(2026, 11, 23, 9, 20)),
        (ny(2026, 11, 23, 10), "30 minutes", ny(2026, 11, 23, 10, 30)),
        (ny(2026, 11, 23, 10), "2 business days", ny(2026, 11, 25, 10)),
    ],
)
def test_deadlines(received, promise, due):
    assert deadline(received, BusinessDuration.parse(promise), HOURS) == due


def test_a_deadline_on_the_closing_time_stays_there():
    assert add_business_time(ny(2026, 11, 23, 18), timedelta(hours=1), HOURS) == ny(2026, 11, 23, 19)
    assert add_business_time(ny(2026, 11, 23, 18, 55), timedelta(minutes=5), HOURS) == ny(2026, 11, 23, 19)
    # One microsecond more does roll over to the next opening.
    assert add_business_time(ny(2026, 11, 23, 18, 55), timedelta(minutes=5, microseconds=1), HOURS) == (
        ny(2026, 11, 24, 9) + timedelta(microseconds=1)
    )
    # Adding nothing keeps a moment that is within hours, closing instant included.
    assert add_business_time(ny(2026, 11, 23, 19), timedelta(0), HOURS) == ny(2026, 11, 23, 19)
    assert add_business_time(ny(2026, 11, 23, 20), timedelta(0), HOURS) == ny(2026, 11, 24, 9)


def test_results_are_utc():
    due = deadline(ny(2026, 11, 23, 14), ONE_DAY, HOURS)
    assert due.tzinfo is UTC and due == datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    assert next_opening(ny(2026, 11, 21), HOURS).tzinfo is UTC


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2026, 11, 23, 14), timedelta(hours=1), HOURS)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(datetime(2026, 11, 23, 14), ny(2026, 11, 23, 15), HOURS)


# -- holidays: what the package says for Connecticut ------------------------------------------


def test_holidays_come_from_the_package_for_connecticut():
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert HOURS.is_business_day(day) == (day.weekday() < 5 and day not in CT_2026), day
        day += timedelta(days=1)


def test_what_the_package_says_about_2026():
    # Checked against holidays.country_holidays("US", subdiv="CT"), not guessed.
    for closed in [
        date(2026, 11, 26),
        date(2026, 12, 25),
        date(2026, 6, 19),
        date(2026, 4, 3),
        date(2026, 2, 12),
        date(2026, 7, 3),
    ]:
        assert closed in CT_2026 and not HOURS.is_business_day(closed), closed
    assert "Good Friday" in CT_2026.get_list(date(2026, 4, 3))
    assert "Juneteenth" in CT_2026.get(date(2026, 6, 19))
    # Neither the day before Thanksgiving nor the day after is a Connecticut state holiday.
    for open_day in [date(2026, 11, 25), date(2026, 11, 27), date(2026, 12, 24)]:
        assert open_day not in CT_2026 and HOURS.is_business_day(open_day), open_day


@pytest.mark.parametrize(
    ("received", "promise", "due"),
    [
        # Wednesday before Thanksgiving is open; Thanksgiving is not.
        (ny(2026, 11, 25, 14), "1 business day", ny(2026, 11, 27, 14)),
        (ny(2026, 11, 25, 18), "2 hours", ny(2026, 11, 27, 10)),
        (ny(2026, 11, 26, 12), "1 business day", ny(2026, 11, 27, 19)),
        # Christmas Eve is open, Christmas (a Friday in 2026) is not.
        (ny(2026, 12, 24, 14), "1 business day", ny(2026, 12, 28, 14)),
        # Good Friday 2026-04-03.
        (ny(2026, 4, 2, 18), "2 hours", ny(2026, 4, 6, 10)),
        # Juneteenth, Friday 2026-06-19.
        (ny(2026, 6, 18, 18, 55), "1 business day", ny(2026, 6, 22, 18, 55)),
        # Friday 18:55 before Columbus Day (Monday 2026-10-12): due Tuesday.
        (ny(2026, 10, 9, 18, 55), "1 business day", ny(2026, 10, 13, 18, 55)),
    ],
)
def test_holidays_do_not_count(received, promise, due):
    assert deadline(received, BusinessDuration.parse(promise), HOURS) == due


def test_extra_closed_dates_add_to_the_holidays():
    hours = BusinessHours.from_settings(extra_closed=["2026-11-27", date(2026, 11, 30)])
    assert deadline(ny(2026, 11, 25, 14), ONE_DAY, hours) == ny(2026, 12, 1, 14)
    assert not hours.is_business_day(date(2026, 11, 27))


def test_no_holiday_calendar_opens_on_holidays():
    hours = BusinessHours.from_settings(holiday_country=None)
    assert deadline(ny(2026, 11, 25, 14), ONE_DAY, hours) == ny(2026, 11, 26, 14)


# -- daylight-saving changes: 2026-03-08 and 2026-11-01 ---------------------------------------


def test_one_business_day_across_the_fall_back_weekend():
    due = deadline(ny(2026, 10, 30, 17), ONE_DAY, HOURS)  # Friday, EDT
    assert due == ny(2026, 11, 2, 17)  # Monday, EST
    assert due == datetime(2026, 11, 2, 22, 0, tzinfo=UTC)
    assert business_time_between(ny(2026, 10, 30, 17), due, HOURS) == timedelta(hours=10)


def test_one_business_day_across_the_spring_forward_weekend():
    due = deadline(ny(2026, 3, 6, 17), ONE_DAY, HOURS)  # Friday, EST
    assert due == ny(2026, 3, 9, 17) == datetime(2026, 3, 9, 21, 0, tzinfo=UTC)  # Monday, EDT


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (ny(2026, 3, 6, 18), ny(2026, 3, 9, 10)),
        (ny(2026, 10, 30, 18), ny(2026, 11, 2, 10)),
    ],
)
def test_two_hours_straddling_a_clock_change(received, due):
    assert deadline(received, BusinessDuration.parse("2 hours"), HOURS) == due


def test_a_24x7_line_counts_real_hours_through_the_clock_change():
    # 01:00 EST + 2 real hours is 04:00 EDT (02:00-03:00 does not exist that night).
    assert add_business_time(ny(2026, 3, 8, 1), timedelta(hours=2), ALWAYS) == ny(2026, 3, 8, 4)
    # 00:30 EDT + 2 real hours is the second 01:30, in EST.
    due = add_business_time(ny(2026, 11, 1, 0, 30), timedelta(hours=2), ALWAYS)
    assert due == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert local(due, ALWAYS).strftime("%H:%M %Z") == "01:30 EST"
    # One business day there is 24 elapsed hours, so the clock time moves on the change day.
    assert deadline(ny(2026, 3, 7, 12), ONE_DAY, ALWAYS) == ny(2026, 3, 8, 13)
    assert business_time_between(ny(2026, 3, 8), ny(2026, 3, 9), ALWAYS) == timedelta(hours=23)
    assert business_time_between(ny(2026, 11, 1), ny(2026, 11, 2), ALWAYS) == timedelta(hours=25)


def test_hours_that_contain_the_clock_change_count_real_time():
    night = BusinessHours.from_settings(opens="00:00", closes="03:00", weekdays="daily", holiday_country=None)
    assert business_time_between(ny(2026, 3, 8), ny(2026, 3, 9), night) == timedelta(hours=2)
    assert business_time_between(ny(2026, 11, 1), ny(2026, 11, 2), night) == timedelta(hours=4)
    assert business_time_between(ny(2026, 11, 2), ny(2026, 11, 3), night) == timedelta(hours=3)


# -- open, next opening, business time between ------------------------------------------------


def test_is_open_and_next_opening():
    assert is_open(ny(2026, 11, 23, 9), HOURS)
    assert is_open(ny(2026, 11, 23, 18, 59), HOURS)
    assert not is_open(ny(2026, 11, 23, 19), HOURS)  # closed at closing time (deadlines may land there)
    assert not is_open(ny(2026, 11, 23, 8, 59), HOURS)
    assert not is_open(ny(2026, 11, 26, 12), HOURS)  # Thanksgiving
    assert next_opening(ny(2026, 11, 23, 12), HOURS) == ny(2026, 11, 23, 12)
    assert next_opening(ny(2026, 11, 23, 7), HOURS) == ny(2026, 11, 23, 9)
    assert next_opening(ny(2026, 11, 23, 19), HOURS) == ny(2026, 11, 24, 9)
    assert next_opening(ny(2026, 11, 25, 20), HOURS) == ny(2026, 11, 27, 9)
    assert next_opening(ny(2026, 12, 31, 20), HOURS) == ny(2027, 1, 4, 9)  # New Year's Day is a Friday
    assert next_opening(ny(2026, 12, 31, 23, 59), ALWAYS) == ny(2026, 12, 31, 23, 59)


def test_business_time_between():
    assert business_time_between(ny(2026, 11, 20, 18), ny(2026, 11, 23, 10), HOURS) == timedelta(hours=2)
    assert business_time_between(ny(2026, 11, 23, 10), ny(2026, 11, 20, 18), HOURS) == -timedelta(hours=2)
    assert business_time_between(ny(2026, 11, 21, 10), ny(2026, 11, 22, 10), HOURS) == timedelta(0)
    assert business_time_between(ny(2026, 11, 25, 9), ny(2026, 11, 30, 9), HOURS) == timedelta(hours=20)
    # Across a year end: Dec 31 (Thu) and Jan 4 (Mon); New Year's Day 2027 is a holiday.
    assert business_time_between(ny(2026, 12, 31, 9), ny(2027, 1, 4, 19), HOURS) == timedelta(hours=20)


# -- due soon and promises ----------------------------------------------------------------------


def test_due_soon_begins_two_business_hours_before_a_day_long_promise():
    start = ny(2026, 11, 23, 14)
    due = deadline(start, ONE_DAY, HOURS)
    assert due_soon_from(start, due, HOURS) == ny(2026, 11, 24, 12)


def test_due_soon_of_a_short_promise_is_its_last_quarter():
    start = ny(2026, 11, 23, 10)
    due = deadline(start, BusinessDuration.parse("30 minutes"), HOURS)
    assert due_soon_from(start, due, HOURS) == ny(2026, 11, 23, 10, 22) + timedelta(seconds=30)
    assert due_soon_from(start, due, HOURS, window=timedelta(minutes=5)) == ny(2026, 11, 23, 10, 25)
    assert due_soon_from(start, due, HOURS, share=0.5) == ny(2026, 11, 23, 10, 15)


def test_due_soon_on_a_day_boundary_is_the_previous_close():
    # Due Tuesday 11:00: 2 business hours earlier is Monday 19:00 (the same business time as Tuesday 09:00).
    start = ny(2026, 11, 20, 11)
    due = ny(2026, 11, 24, 11)
    assert due_soon_from(start, due, HOURS) == ny(2026, 11, 23, 19)
    assert promise_countdown(ny(2026, 11, 23, 22), start, due, HOURS).status is PromiseStatus.DUE_SOON


def test_timer_states():
    start = ny(2026, 11, 23, 14)
    due = deadline(start, ONE_DAY, HOURS)  # Tuesday 14:00

    on_track = promise_countdown(ny(2026, 11, 23, 16), start, due, HOURS)
    assert on_track == PromiseCountdown(PromiseStatus.ON_TRACK, timedelta(hours=8))
    assert on_track.countdown == "8h left" and on_track.late == timedelta(0)

    evening = promise_countdown(ny(2026, 11, 23, 23), start, due, HOURS)
    assert evening.status is PromiseStatus.ON_TRACK and evening.left == timedelta(hours=5)

    almost = promise_countdown(ny(2026, 11, 24, 11, 46), start, due, HOURS)
    assert almost.status is PromiseStatus.ON_TRACK and almost.countdown == "2h 14m left"
    soon = promise_countdown(ny(2026, 11, 24, 12, 15), start, due, HOURS)
    assert soon.status is PromiseStatus.DUE_SOON and soon.countdown == "1h 45m left"
    assert promise_countdown(ny(2026, 11, 24, 12), start, due, HOURS).status is PromiseStatus.DUE_SOON
    assert promise_countdown(due, start, due, HOURS).status is PromiseStatus.DUE_SOON

    late = promise_countdown(ny(2026, 11, 24, 14, 35), start, due, HOURS)
    assert late.status is PromiseStatus.OVERDUE and late.late == timedelta(minutes=35)
    assert late.countdown == "overdue 35m"

    done = promise_countdown(ny(2026, 11, 24, 13), start, due, HOURS, done=True)
    assert done.status is PromiseStatus.DONE and done.left == timedelta(hours=1) and done.countdown == "done"


def test_a_deadline_missed_at_close_is_overdue_all_weekend():
    start = ny(2026, 11, 19, 19)
    due = deadline(start, ONE_DAY, HOURS)
    assert due == ny(2026, 11, 20, 19)
    saturday = promise_countdown(ny(2026, 11, 21, 12), start, due, HOURS)
    assert saturday.status is PromiseStatus.OVERDUE and saturday.late == timedelta(0)
    assert saturday.countdown == "overdue"
    monday = promise_countdown(ny(2026, 11, 23, 9, 5), start, due, HOURS)
    assert monday.countdown == "overdue 5m"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=2, minutes=14), "2h 14m left"),
        (-timedelta(minutes=35), "overdue 35m"),
        (timedelta(hours=13), "1d 3h left"),  # a day is 10 business hours on the default line
        (timedelta(hours=10), "1d left"),
        (timedelta(hours=2), "2h left"),
        (timedelta(seconds=59), "1m left"),  # never "0m" while time is left
        (-timedelta(seconds=1), "overdue 1m"),
        (timedelta(0), "due now"),
        (-timedelta(hours=25), "overdue 2d 5h"),
    ],
)
def test_format_countdown(delta, text):
    assert format_countdown(delta) == text


def test_format_countdown_with_another_lines_day():
    assert format_countdown(timedelta(hours=27), ALWAYS.business_day) == "1d 3h left"
    reading = promise_countdown(ny(2026, 11, 23), ny(2026, 11, 20), ny(2026, 11, 24, 3), ALWAYS)
    assert reading.countdown == "1d 3h left"
    with pytest.raises(ValueError, match="business_day must be positive"):
        format_countdown(timedelta(hours=1), timedelta(0))


def test_due_soon_settings_are_checked():
    with pytest.raises(ValueError, match="share must be a fraction"):
        due_soon_from(ny(2026, 11, 23, 10), ny(2026, 11, 23, 12), HOURS, share=2)
    with pytest.raises(ValueError, match="window must not be negative"):
        due_soon_from(ny(2026, 11, 23, 10), ny(2026, 11, 23, 12), HOURS, window=-DUE_SOON_LEAD)


def test_the_module_stays_pure():
    code = "import json, sys, callcenter.domain.business_time; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(out.stdout)}
    assert not loaded & {"textual", "sqlalchemy", "sqlmodel", "alembic"}


# -- properties -------------------------------------------------------------------------------

LINES = {
    "ct": HOURS,
    "24x7": ALWAYS,
    # Weekend mornings on the west coast, with a closed day of its own.
    "west": BusinessHours.from_settings(
        time_zone="America/Los_Angeles",
        opens="8:30",
        closes="12:00",
        weekdays="Sat,Sun",
        holiday_country="US",
        holiday_subdivision="CA",
        extra_closed=["2026-07-04"],
    ),
    # Open across the 02:00 clock change, every night.
    "night": BusinessHours.from_settings(opens="00:00", closes="03:00", weekdays="daily", holiday_country=None),
}
line_names = st.sampled_from(sorted(LINES))
moments = st.datetimes(
    min_value=datetime(2025, 10, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([UTC, NEW_YORK]),
)
amounts = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=300))


def inside_by_the_clock(moment: datetime, hours: BusinessHours) -> bool:
    """Within hours (closing instant included), checked on the local clock and the package's holidays."""

    def open_day(day: date) -> bool:
        closed = hours.holiday_country and day in holidays.country_holidays(
            hours.holiday_country, subdiv=hours.holiday_subdivision, years=day.year
        )
        return day.weekday() in hours.weekdays and not closed and day not in hours.extra_closed

    clock = moment.astimezone(hours.zone)
    day, at = clock.date(), clock.time().replace(fold=0)
    if hours.closes == time(0) and at == time(0) and open_day(day - timedelta(days=1)):
        return True  # the 24:00 close of the day before
    return open_day(day) and hours.opens <= at and (hours.closes == time(0) or at <= hours.closes)


@PROPERTY
@given(line_names, moments, amounts)
def test_results_are_always_within_business_hours(line, start, amount):
    hours = LINES[line]
    due = add_business_time(start, amount, hours)
    assert due >= utc(start) and due.tzinfo is UTC
    assert inside_by_the_clock(due, hours)
    assert is_open(due, hours) or is_open(due - timedelta(microseconds=1), hours)


@PROPERTY
@given(line_names, moments, amounts)
def test_adding_then_measuring_gives_the_amount_back(line, start, amount):
    hours = LINES[line]
    due = add_business_time(start, amount, hours)
    assert business_time_between(start, due, hours) == amount
    assert business_time_between(due, start, hours) == -amount


@PROPERTY
@given(line_names, moments, amounts.filter(bool))
def test_counting_backwards_gives_the_amount_back(line, end, amount):
    hours = LINES[line]
    earlier = add_business_time(end, -amount, hours)
    assert earlier <= utc(end)
    assert business_time_between(earlier, end, hours) == amount


@PROPERTY
@given(line_names, moments, amounts, amounts)
def test_later_promises_are_never_due_earlier(line, start, first, second):
    hours = LINES[line]
    short, long = sorted([first, second])
    assert add_business_time(start, short, hours) <= add_business_time(start, long, hours)


@PROPERTY
@given(line_names, moments, moments, moments)
def test_business_time_adds_up_and_never_exceeds_wall_time(line, a, b, c):
    hours = LINES[line]
    ab, bc = business_time_between(a, b, hours), business_time_between(b, c, hours)
    assert ab + bc == business_time_between(a, c, hours)
    if utc(a) <= utc(b):
        assert timedelta(0) <= ab <= utc(b) - utc(a)


@PROPERTY
@given(moments, moments, amounts)
def test_on_a_24x7_line_business_time_is_wall_time(a, b, amount):
    assert business_time_between(a, b, ALWAYS) == utc(b) - utc(a)
    assert add_business_time(a, amount, ALWAYS) == utc(a) + amount


@PROPERTY
@given(line_names, moments, amounts, st.floats(min_value=0, max_value=1))
def test_a_timer_turns_due_soon_at_due_soon_from(line, start, amount, share):
    hours = LINES[line]
    due = add_business_time(start, amount, hours)
    turns = due_soon_from(start, due, hours, share=share)
    assert turns <= due
    assert promise_countdown(turns, start, due, hours, share=share).status is PromiseStatus.DUE_SOON
    # One business microsecond earlier it was still on track.
    before = add_business_time(turns, -timedelta(microseconds=1), hours)
    assert promise_countdown(before, start, due, hours, share=share).status is PromiseStatus.ON_TRACK


@PROPERTY
@given(st.timedeltas(min_value=-timedelta(days=30), max_value=timedelta(days=30)))
def test_countdowns_read_left_or_overdue(delta):
    text = format_countdown(delta)
    if delta > timedelta(0):
        assert text.endswith(" left") and not text.startswith("0")
    elif delta < timedelta(0):
        assert text.startswith("overdue ") and text != "overdue 0m"
    else:
        assert text == "due now"
