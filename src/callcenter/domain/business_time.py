"""Deadlines in business time: "a psychiatrist calls the pediatrician back within 1 business day".

Business time is the real (elapsed) time during which the line is open: open weekdays, between
the opening and closing times in the line's own time zone, minus state holidays. Aware datetimes
go in; aware UTC datetimes come out.

Conventions, so every screen tells the same story:

* A day is open from ``opens`` up to ``closes``. ``is_open`` is half-open (the line is closed at
  19:00 sharp), but a *deadline* may land exactly on the closing time and stays there: 5 minutes
  added at 18:55 is due at 19:00 that day, not at 09:00 the next morning.
* "1 business day" is the open hours of one day (10 hours for 09:00-19:00). A request at Monday
  14:00 is due Tuesday 14:00; one received after hours starts counting at the next opening and is
  due at that day's close.
* Business time is elapsed time, so a 24x7 line gets 23 hours on the spring-forward day and
  25 on the fall-back day, and its business time equals wall time.

Speed: a UI tick asks for thousands of promises a second, so nothing here walks minute by minute,
or even day by day. Each year is turned once (per ``BusinessHours``) into a table of every day's
opening and its running total of open time; a position is then one lookup and a difference of two
running totals, and adding time is a binary search in the table. Holidays are looked up once per
year and cached.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from callcenter.domain.errors import ValidationError

DEFAULT_TIME_ZONE = "America/New_York"
DEFAULT_OPENS = time(9, 0)
DEFAULT_CLOSES = time(19, 0)
MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))  # date.weekday(): Monday is 0
#: Connecticut state holidays, from the ``holidays`` package.
DEFAULT_HOLIDAY_COUNTRY = "US"
DEFAULT_HOLIDAY_SUBDIVISION = "CT"

#: A promise turns "due soon" this much business time before it is due (or sooner, see due_soon_from).
DUE_SOON_LEAD = timedelta(hours=2)
DUE_SOON_SHARE = 0.25

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MINUTE_US = 60_000_000
_ONE_DAY = timedelta(days=1)
# How many years in a row may have no open hour at all before we call the settings hopeless.
_MAX_EMPTY_YEARS = 5


def _micros(moment: datetime) -> int:
    """Microseconds since the epoch: exact integers, so sums of business time never drift."""
    return (moment - _EPOCH) // _MICROSECOND


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None:  # only the cheap check: this guards the hot path of every countdown
        raise ValueError(f"{what} needs a timezone-aware time, e.g. datetime(..., tzinfo=UTC)")


def _clock_span(opens: time, closes: time) -> timedelta:
    """Wall-clock length of an open day; a closing time of 00:00 means midnight at the end of the day."""
    end = (
        timedelta(hours=24)
        if closes == time(0)
        else timedelta(hours=closes.hour, minutes=closes.minute, seconds=closes.second)
    )
    return end - timedelta(hours=opens.hour, minutes=opens.minute, seconds=opens.second)


#: What "1 business day" is worth on the default 09:00-19:00 line.
DEFAULT_BUSINESS_DAY = _clock_span(DEFAULT_OPENS, DEFAULT_CLOSES)


@lru_cache(maxsize=512)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    # The package may carry a neighbouring year's observed day; each year keeps only its own.
    return frozenset(day for day in calendar if day.year == year)


@lru_cache(maxsize=1)
def _supported_calendars() -> dict[str, list[str]]:
    return holidays.list_supported_countries()


@dataclass(frozen=True, slots=True)
class _Year:
    """One year of a line's hours: per day of the year, when it opens and how long it stays open."""

    first_ordinal: int
    midnights: tuple[int, ...]  # µs since the epoch of each local day's start
    next_year: int  # µs since the epoch of the next 1 January's local start
    opens: tuple[int, ...]  # µs since the epoch; 0 on closed days
    lengths: tuple[int, ...]  # µs open that day; 0 on closed days
    through: tuple[int, ...]  # µs open from 1 January up to this day's close
    total: int


# ---------------------------------------------------------------------------------------------
# Business hours


@dataclass(frozen=True)
class BusinessHours:
    """When a line counts time: open weekdays, opening and closing times, holidays, in one zone.

    ``closes`` of 00:00 means midnight at the end of the day ("24:00"), so ``opens=time(0),
    closes=time(0)`` with every weekday and ``holiday_country=None`` is a 24x7 line.
    ``extra_closed`` adds dates on top of the holiday calendar (a snow day, a staff retreat).
    """

    time_zone: str = DEFAULT_TIME_ZONE
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    opens: time = DEFAULT_OPENS
    closes: time = DEFAULT_CLOSES
    holiday_country: str | None = DEFAULT_HOLIDAY_COUNTRY
    holiday_subdivision: str | None = DEFAULT_HOLIDAY_SUBDIVISION
    extra_closed: frozenset[date] = frozenset()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    #: What "1 business day" is worth: the open hours of one ordinary day (10h for 09:00-19:00).
    business_day: timedelta = field(init=False, repr=False, compare=False)
    # Year tables, built on first use; a cache, so not part of equality or the hash.
    _years: dict[int, _Year] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", _zone(self.time_zone))
        object.__setattr__(self, "weekdays", _checked_weekdays(self.weekdays))
        object.__setattr__(self, "extra_closed", _checked_dates(self.extra_closed))
        _check_clock(self.opens, self.closes)
        object.__setattr__(self, "business_day", _clock_span(self.opens, self.closes))
        country, subdivision = _checked_calendar(self.holiday_country, self.holiday_subdivision)
        object.__setattr__(self, "holiday_country", country)
        object.__setattr__(self, "holiday_subdivision", subdivision)

    @classmethod
    def from_settings(
        cls,
        time_zone: str = DEFAULT_TIME_ZONE,
        opens: str | time = "09:00",
        closes: str | time = "19:00",
        weekdays: str | Iterable[int | str] = "Mon-Fri",
        holiday_country: str | None = DEFAULT_HOLIDAY_COUNTRY,
        holiday_subdivision: str | None = DEFAULT_HOLIDAY_SUBDIVISION,
        extra_closed: Iterable[date | str] = (),
    ) -> BusinessHours:
        """Build from settings text: ``opens="9:00"``, ``closes="24:00"``, ``weekdays="Mon-Fri, Sun"``.

        A blank or ``"none"`` holiday country means no holiday calendar. Raises ``ValidationError``
        (a ``ValueError``) saying which setting is wrong and what would work.
        """
        country = _blank_to_none(holiday_country)
        return cls(
            time_zone=(time_zone or "").strip(),
            weekdays=parse_weekdays(weekdays),
            opens=opens if isinstance(opens, time) else parse_clock(opens, "opens"),
            closes=closes if isinstance(closes, time) else parse_clock(closes, "closes"),
            holiday_country=country,
            holiday_subdivision=_blank_to_none(holiday_subdivision) if country else None,
            extra_closed=frozenset(_parse_date(day) for day in extra_closed),
        )

    @classmethod
    def always_open(cls, time_zone: str = DEFAULT_TIME_ZONE) -> BusinessHours:
        """24 hours a day, 7 days a week, no holidays: business time is wall time."""
        return cls(
            time_zone=time_zone,
            weekdays=frozenset(range(7)),
            opens=time(0),
            closes=time(0),
            holiday_country=None,
            holiday_subdivision=None,
        )

    def is_business_day(self, day: date) -> bool:
        table = self._year(day.year)
        return table.lengths[day.toordinal() - table.first_ordinal] > 0

    def closed_dates(self, year: int) -> frozenset[date]:
        """Holidays and extra closed dates in ``year`` (weekends not included)."""
        found = {day for day in self.extra_closed if day.year == year}
        if self.holiday_country:
            found |= _holiday_dates(self.holiday_country, self.holiday_subdivision, year)
        return frozenset(found)

    def _year(self, number: int) -> _Year:
        table = self._years.get(number)
        if table is None:
            table = self._years[number] = _year_table(self, number)
        return table


@lru_cache(maxsize=64)
def _year_table(hours: BusinessHours, number: int) -> _Year:
    """Build one year's table (a few ms); equal hours built from the same settings share it."""
    first = date(number, 1, 1)
    closed = hours.closed_dates(number)
    end_day_offset = _ONE_DAY if hours.closes == time(0) else timedelta(0)
    midnights: list[int] = []
    opens: list[int] = []
    lengths: list[int] = []
    through: list[int] = []
    running = 0
    day = first
    while day.year == number:
        start = end = 0
        if day.weekday() in hours.weekdays and day not in closed:
            # Local wall times converted through the zone: a DST change moves the UTC instant,
            # and a time that falls in the spring-forward gap counts from the first real minute.
            start = _micros(datetime.combine(day, hours.opens, tzinfo=hours.zone))
            end = _micros(datetime.combine(day + end_day_offset, hours.closes, tzinfo=hours.zone))
            if end <= start:
                start = end = 0
        midnights.append(_micros(datetime.combine(day, time(0), tzinfo=hours.zone)))
        opens.append(start)
        lengths.append(end - start)
        running += end - start
        through.append(running)
        if day == date.max:
            break
        day += _ONE_DAY
    if number < date.max.year:
        next_year = _micros(datetime.combine(date(number + 1, 1, 1), time(0), tzinfo=hours.zone))
    else:
        next_year = _micros(datetime.max.replace(tzinfo=UTC))
    return _Year(first.toordinal(), tuple(midnights), next_year, tuple(opens), tuple(lengths), tuple(through), running)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            f"Unknown time zone {name!r}: use an IANA name such as 'America/New_York'.", field="time_zone"
        ) from None


def _checked_weekdays(days: Iterable[int]) -> frozenset[int]:
    try:
        found = frozenset(int(day) for day in days)
    except (TypeError, ValueError):
        raise ValidationError(
            f"Open weekdays {days!r} are not day numbers: use 0 for Monday up to 6 for Sunday, "
            "or from_settings(weekdays='Mon-Fri').",
            field="weekdays",
        ) from None
    if not found:
        raise ValidationError(
            "No open weekdays: the line must open at least one day, e.g. 'Mon-Fri'.", field="weekdays"
        )
    if not found <= set(range(7)):
        raise ValidationError(
            f"Open weekdays {sorted(found)} are out of range: use 0 for Monday up to 6 for Sunday.",
            field="weekdays",
        )
    return found


def _checked_dates(days: Iterable[date]) -> frozenset[date]:
    found = frozenset(days)
    for day in found:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValidationError(
                f"Extra closed date {day!r} is not a date: pass date(2026, 12, 24).", field="extra_closed"
            )
    return found


def _check_clock(opens: time, closes: time) -> None:
    for name, value in (("opens", opens), ("closes", closes)):
        if not isinstance(value, time) or value.tzinfo is not None:
            raise ValidationError(f"{name} must be a local clock time such as time(9, 0), not {value!r}.", field=name)
    if closes != time(0) and closes <= opens:
        raise ValidationError(
            f"The line closes ({closes:%H:%M}) before it opens ({opens:%H:%M}): closing must be later "
            "the same day; use 24:00 for midnight. Overnight hours are not supported.",
            field="closes",
        )


def _checked_calendar(country: str | None, subdivision: str | None) -> tuple[str | None, str | None]:
    if country is None:
        if subdivision is not None:
            raise ValidationError(
                f"Holiday subdivision {subdivision!r} given without a holiday country: set holiday_country "
                "too, e.g. 'US' with 'CT'.",
                field="holiday_subdivision",
            )
        return None, None
    supported = _supported_calendars()
    code = str(country).strip().upper()
    if code not in supported:
        raise ValidationError(
            f"Unknown holiday country {country!r}: use an ISO country code such as 'US', or none for a line "
            "that never closes for holidays.",
            field="holiday_country",
        )
    if subdivision is None:
        return code, None
    subdivisions = supported[code]
    sub = str(subdivision).strip().upper()
    if sub not in subdivisions:
        shown = ", ".join(subdivisions[:60]) + (", ..." if len(subdivisions) > 60 else "")
        raise ValidationError(
            f"Unknown holiday subdivision {subdivision!r} for {code}: use one of {shown}.",
            field="holiday_subdivision",
        )
    return code, sub


def _blank_to_none(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = str(text).strip()
    return None if cleaned.lower() in ("", "none", "no", "-") else cleaned


def _parse_date(value: date | str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"Extra closed date {value!r} is not a date: write it as 2026-12-24.", field="extra_closed"
        ) from None


_CLOCK = re.compile(r"(\d{1,2})(?::?(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")


def parse_clock(text: str, setting: str = "opens") -> time:
    """'9:00', '09:00', '9', '7pm', '24:00' (closing only: midnight at the end of the day) -> time."""
    cleaned = str(text).strip().lower()
    match = _CLOCK.fullmatch(cleaned)
    hint = f"{setting} {text!r} is not a clock time: write it as HH:MM, e.g. '09:00' or '19:00'"
    if not match:
        raise ValidationError(hint + ".", field=setting)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValidationError(hint + " (with am/pm the hour is 1-12).", field=setting)
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if (hour, minute) == (24, 0):
        if setting != "closes":
            raise ValidationError(f"The line cannot open at {text!r}: use 00:00 for midnight.", field=setting)
        return time(0)
    if hour > 23 or minute > 59:
        raise ValidationError(hint + " (hours 0-23, minutes 0-59; 24:00 for a midnight close).", field=setting)
    return time(hour, minute)


_DAY_NUMBERS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_DAY_GROUPS = {"daily": range(7), "every day": range(7), "weekdays": range(5), "weekends": (5, 6)}


def parse_weekdays(text: str | Iterable[int | str]) -> frozenset[int]:
    """'Mon-Fri', 'Mon,Wed,Fri', 'Sat-Sun', 'Fri-Mon' (wraps), 'daily' -> weekday numbers (Monday 0)."""
    if not isinstance(text, str):
        return frozenset(day if isinstance(day, int) else _day_number(str(day)) for day in text)
    hint = "Write open weekdays like 'Mon-Fri', 'Mon,Wed,Fri' or 'daily'."
    cleaned = text.strip().lower().replace("–", "-").replace("—", "-")
    if cleaned in _DAY_GROUPS:
        return frozenset(_DAY_GROUPS[cleaned])
    found: set[int] = set()
    for part in filter(None, (piece.strip() for piece in re.split(r"[,;/ ]+", cleaned))):
        if part in _DAY_GROUPS:
            found.update(_DAY_GROUPS[part])
            continue
        first, dash, last = part.partition("-")
        if not dash:
            found.add(_day_number(first, hint))
            continue
        start, stop = _day_number(first, hint), _day_number(last, hint)
        found.update((start + step) % 7 for step in range((stop - start) % 7 + 1))
    if not found:
        raise ValidationError(f"No open weekdays in {text!r}. {hint}", field="weekdays")
    return frozenset(found)


def _day_number(name: str, hint: str = "Use Mon, Tue, Wed, Thu, Fri, Sat or Sun.") -> int:
    number = _DAY_NUMBERS.get(name.strip().lower().rstrip("."))
    if number is None:
        raise ValidationError(f"Unknown weekday {name!r}. {hint}", field="weekdays")
    return number


# ---------------------------------------------------------------------------------------------
# Promises


_PROMISE_TERM = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
# What may sit between the terms of "1 day, 4 hours" or "1 day and 30 minutes".
_PROMISE_GLUE = re.compile(r"\band\b|[\s,+]")
_DAY_UNITS = {"d", "day", "days", "bd", "bds"}
_HOUR_UNITS = {"h", "hr", "hrs", "hour", "hours"}
_MINUTE_UNITS = {"m", "min", "mins", "minute", "minutes"}


@dataclass(frozen=True)
class BusinessDuration:
    """An amount of business time: whole business days plus hours and minutes.

    Days stay days until a line's hours say how long one is (see ``BusinessHours.business_day``),
    so "1 business day" means 10 hours on a 09-19 line and 24 hours on a 24x7 line.
    """

    business_days: int = 0
    business_time: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.business_days < 0 or self.business_time < timedelta(0):
            raise ValidationError("A promise cannot be negative.", field="promise")

    @classmethod
    def parse(cls, text: str) -> BusinessDuration:
        """'1 business day', '2 business days', '30 minutes', '2 hours', '4h', '1d', '1 day 4 hours'."""
        example = "write business time such as '1 business day', '2 hours', '30 minutes', '4h' or '1d'"
        cleaned = re.sub(r"\b(business|working|work)\b", " ", str(text).strip().lower())
        terms = _PROMISE_TERM.findall(cleaned)
        if not terms or _PROMISE_GLUE.sub("", _PROMISE_TERM.sub(" ", cleaned)):
            raise ValidationError(f"Cannot read the promise {text!r}: {example}.", field="promise")
        days, minutes = 0, 0
        for number, unit in terms:
            if "." in number:
                raise ValidationError(
                    f"Use whole numbers in the promise {text!r}: write '90 minutes' rather than '1.5 hours'.",
                    field="promise",
                )
            if unit in _DAY_UNITS:
                days += int(number)
            elif unit in _HOUR_UNITS:
                minutes += 60 * int(number)
            elif unit in _MINUTE_UNITS:
                minutes += int(number)
            elif unit.startswith("w"):
                raise ValidationError(
                    f"Weeks are ambiguous in the promise {text!r}: write business days, e.g. '5 business days'.",
                    field="promise",
                )
            else:
                raise ValidationError(f"Unknown unit {unit!r} in the promise {text!r}: {example}.", field="promise")
        if days == 0 and minutes == 0:
            raise ValidationError(f"The promise {text!r} is zero: {example}.", field="promise")
        return cls(days, timedelta(minutes=minutes))

    def amount(self, hours: BusinessHours) -> timedelta:
        return hours.business_day * self.business_days + self.business_time

    def __str__(self) -> str:
        parts = []
        if self.business_days:
            parts.append(f"{self.business_days} business day{'s' if self.business_days != 1 else ''}")
        hours, rest = divmod(self.business_time, timedelta(hours=1))
        minutes = rest // timedelta(minutes=1)
        if hours:
            parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
        if minutes or not parts:
            parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Arithmetic in business time


def _locate(moment: datetime, hours: BusinessHours) -> tuple[int, _Year, int, int]:
    """(local year, its table, day of year, µs since the epoch) for ``moment``.

    The local day comes from a binary search over the year's local midnights rather than a time
    zone conversion: this is the hot path of every countdown on screen.
    """
    at = _micros(moment)
    year = moment.year  # the year in the moment's own zone: the local one or a neighbour
    table = hours._years.get(year) or hours._year(year)
    if at < table.midnights[0]:
        year -= 1
        table = hours._year(year)
    elif at >= table.next_year:
        year += 1
        table = hours._year(year)
    return year, table, bisect_right(table.midnights, at) - 1, at


def _position(moment: datetime, hours: BusinessHours) -> tuple[int, int, int]:
    """(local year, µs of business time from that year's start up to ``moment``, µs since the epoch)."""
    year, table, index, at = _locate(moment, hours)
    length = table.lengths[index]
    into = at - table.opens[index]
    into = 0 if into < 0 else length if into > length else into
    return year, table.through[index] - length + into, at


def _distance(start: tuple[int, int, int], end: tuple[int, int, int], hours: BusinessHours) -> int:
    start_year, start_in, _ = start
    end_year, end_in, _ = end
    if start_year == end_year:
        return end_in - start_in
    if start_year < end_year:
        return end_in - start_in + sum(hours._year(year).total for year in range(start_year, end_year))
    return end_in - start_in - sum(hours._year(year).total for year in range(end_year, start_year))


def _earliest_at(year: int, elapsed: int, hours: BusinessHours) -> int:
    """The earliest instant (µs) with ``elapsed`` business time since 1 January of ``year``.

    "Earliest" is what makes a deadline on the closing time stay there instead of rolling over to
    the next opening: Friday 19:00 and Monday 09:00 hold the same business time; Friday wins.
    """
    empty_years = 0
    while True:
        table = hours._year(year)
        if elapsed <= 0:
            year -= 1
            elapsed += hours._year(year).total
        elif elapsed > table.total:
            elapsed -= table.total
            year += 1
        else:
            index = bisect_left(table.through, elapsed)
            return table.opens[index] + elapsed - (table.through[index] - table.lengths[index])
        empty_years = empty_years + 1 if table.total == 0 else 0
        if empty_years > _MAX_EMPTY_YEARS:
            raise ValidationError(
                f"The line is never open in {_MAX_EMPTY_YEARS} years around {year}: "
                "check its weekdays and closed dates.",
                field="weekdays",
            )


def _within_hours(moment: datetime, hours: BusinessHours) -> bool:
    """Open at ``moment``, counting the closing instant as inside (where deadlines may land)."""
    _, table, index, at = _locate(moment, hours)
    length = table.lengths[index]
    return length > 0 and 0 <= at - table.opens[index] <= length


def is_open(moment: datetime, hours: BusinessHours) -> bool:
    """Whether the line is open at ``moment``: from opening up to, not including, closing."""
    _require_aware(moment, "is_open")
    _, table, index, at = _locate(moment, hours)
    return 0 <= at - table.opens[index] < table.lengths[index]


def next_opening(moment: datetime, hours: BusinessHours) -> datetime:
    """When business time next runs: ``moment`` itself if the line is open, else the next opening (UTC)."""
    _require_aware(moment, "next_opening")
    year, table, index, at = _locate(moment, hours)
    if table.lengths[index]:
        if at < table.opens[index]:
            return _from_micros(table.opens[index])
        if at < table.opens[index] + table.lengths[index]:
            return moment.astimezone(UTC)
    # The next day with open hours is the first whose running total grows past today's.
    reached = table.through[index]
    for _ in range(_MAX_EMPTY_YEARS + 1):
        following = bisect_right(table.through, reached)
        if following < len(table.through):
            return _from_micros(table.opens[following])
        year, reached = year + 1, 0
        table = hours._year(year)
    raise ValidationError(
        f"The line never opens in the {_MAX_EMPTY_YEARS} years after {moment:%Y-%m-%d}: "
        "check its weekdays and closed dates.",
        field="weekdays",
    )


def add_business_time(start: datetime, amount: timedelta, hours: BusinessHours) -> datetime:
    """``start`` plus ``amount`` of business time, as an aware UTC datetime inside business hours.

    Time before the next opening does not count; a result exactly on a closing time stays there.
    A zero amount gives ``start`` if it is within hours (closing instant included), else the next
    opening. A negative amount counts backwards and gives the earliest instant with that much
    business time left before ``start``.
    """
    _require_aware(start, "add_business_time")
    if not amount:
        return start.astimezone(UTC) if _within_hours(start, hours) else next_opening(start, hours)
    year, elapsed, _ = _position(start, hours)
    return _from_micros(_earliest_at(year, elapsed + amount // _MICROSECOND, hours))


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """Business time from ``start`` to ``end``; negative when ``end`` is earlier."""
    _require_aware(start, "business_time_between")
    _require_aware(end, "business_time_between")
    return timedelta(microseconds=_distance(_position(start, hours), _position(end, hours), hours))


def deadline(received_at: datetime, promise: BusinessDuration | timedelta, hours: BusinessHours) -> datetime:
    """When a promise made at ``received_at`` falls due (aware UTC)."""
    amount = promise.amount(hours) if isinstance(promise, BusinessDuration) else promise
    return add_business_time(received_at, amount, hours)


# ---------------------------------------------------------------------------------------------
# Promise countdowns


class PromiseStatus(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class PromiseCountdown:
    """A promise at one moment: its status and the business time left (negative once late)."""

    status: PromiseStatus
    left: timedelta
    business_day: timedelta = field(default=DEFAULT_BUSINESS_DAY, repr=False)

    @property
    def late(self) -> timedelta:
        return max(-self.left, timedelta(0))

    @property
    def countdown(self) -> str:
        """'2h 14m left', 'overdue 35m'; 'overdue' alone when late only outside business hours."""
        if self.status is PromiseStatus.DONE:
            return "done"
        if self.status is PromiseStatus.OVERDUE and self.left >= timedelta(0):
            return "overdue"
        return format_countdown(self.left, self.business_day)


def _due_soon_lead(span: int, window: timedelta | None, share: float) -> int:
    """µs of business time before due when "due soon" begins: min(window, share of the span)."""
    if not 0 <= share <= 1:
        raise ValueError(f"share must be a fraction between 0 and 1, e.g. 0.25, not {share!r}")
    lead = DUE_SOON_LEAD if window is None else window
    if lead < timedelta(0):
        raise ValueError(f"window must not be negative, not {lead}")
    return min(lead // _MICROSECOND, int(max(span, 0) * share))


def due_soon_from(
    start: datetime,
    due: datetime,
    hours: BusinessHours,
    window: timedelta | None = None,
    share: float = DUE_SOON_SHARE,
) -> datetime:
    """When the promise running from ``start`` to ``due`` turns "due soon" (aware UTC).

    The rule: due soon begins at ``due`` minus the smaller of ``window`` (default: 2 business
    hours) and ``share`` (default 25 %) of the whole start-to-due business time; i.e. the later of
    "the last 2 business hours" and "the last quarter of the time given". A 1-business-day promise
    (10h) turns due soon 2 business hours before due; a 30-minute promise 7.5 minutes before.
    The instant returned is the earliest with that much business time left, so a due-soon start
    on a day boundary is the previous close, not the next opening.
    """
    _require_aware(start, "due_soon_from")
    _require_aware(due, "due_soon_from")
    due_at = _position(due, hours)
    lead = _due_soon_lead(_distance(_position(start, hours), due_at, hours), window, share)
    return _from_micros(_earliest_at(due_at[0], due_at[1] - lead, hours))


def promise_countdown(
    now: datetime,
    start: datetime,
    due: datetime,
    hours: BusinessHours,
    done: bool = False,
    window: timedelta | None = None,
    share: float = DUE_SOON_SHARE,
) -> PromiseCountdown:
    """Where a promise stands at ``now``, in business time.

    Overdue once ``now`` is past ``due`` (even if no business time has passed since, e.g. the
    weekend after a Friday-close deadline); due soon from ``due_soon_from`` on; on track before.
    ``done`` reports DONE, with ``left`` still measured at ``now``: pass the completion time as
    ``now`` to learn how early or late it was done.
    """
    _require_aware(now, "promise_countdown")
    _require_aware(start, "promise_countdown")
    _require_aware(due, "promise_countdown")
    due_at = _position(due, hours)
    now_at = _position(now, hours)
    left = _distance(now_at, due_at, hours)
    day = hours.business_day
    if done:
        return PromiseCountdown(PromiseStatus.DONE, timedelta(microseconds=left), day)
    if now_at[2] > due_at[2]:
        return PromiseCountdown(PromiseStatus.OVERDUE, timedelta(microseconds=min(left, 0)), day)
    lead = _due_soon_lead(_distance(_position(start, hours), due_at, hours), window, share)
    status = PromiseStatus.DUE_SOON if left <= lead else PromiseStatus.ON_TRACK
    return PromiseCountdown(status, timedelta(microseconds=left), day)


def format_countdown(delta: timedelta, business_day: timedelta = DEFAULT_BUSINESS_DAY) -> str:
    """'2h 14m left', 'overdue 35m', '1d 3h left', 'due now'.

    ``delta`` is business time left (negative when late). A day is one business day of open hours
    (default 10h, the 09:00-19:00 line; pass ``hours.business_day`` for another line). The two
    largest units are shown, and minutes round away from zero so a countdown never claims "0m"
    while time is left or lateness has begun.
    """
    if business_day <= timedelta(0):
        raise ValueError(f"business_day must be positive, not {business_day}")
    micros = delta // _MICROSECOND
    if micros == 0:
        return "due now"
    minutes = -(-abs(micros) // _MINUTE_US)  # integer ceiling: exact for any length
    day_minutes = max(1, business_day // timedelta(minutes=1))
    days, rest = divmod(minutes, day_minutes)
    hours_part, minutes_part = divmod(rest, 60)
    if days:
        text = f"{days}d" + (f" {hours_part}h" if hours_part else "")
    elif hours_part:
        text = f"{hours_part}h" + (f" {minutes_part}m" if minutes_part else "")
    else:
        text = f"{minutes_part}m"
    return f"{text} left" if micros > 0 else f"overdue {text}"
