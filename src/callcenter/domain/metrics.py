"""A line's figures for the supervisor's board, worked out from its calls: pure arithmetic, no clock, no SQL.

Conventions, once for every figure below:

* "Today" is the calendar day of ``now`` in the line's time zone (unless another day is asked for);
  it starts at local midnight, so a daylight-saving day is 23 or 25 hours long (``day_bounds``).
* A call belongs to the day it ARRIVED in, whatever happens to it after midnight: a caller who rings
  at 23:59:50 and is answered at 00:00:15 is one of yesterday's offered and answered calls (the usual
  ACD convention; it keeps every call in exactly one day and the daily totals final once the day's
  last caller is answered or gone). Agents' daily figures follow the same rule, so they add up to the
  line's.
* Live figures (waiting now, longest wait, on call now, an agent's current call) describe the moment
  ``now`` and include every call given, whatever day it arrived: the caller who has been holding since
  before midnight is still holding.
* Everything is "as known at ``now``": a timestamp later than ``now`` has not happened yet, so the
  same calls give yesterday's board when given yesterday's ``now``.
* "Within N seconds" for answered calls includes N itself (a wait of exactly 20 s meets a 20 s
  threshold); a short abandon is one that hung up in LESS than the limit, so a limit of 0 turns short
  abandons off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callcenter.domain.timefmt import DEFAULT_LINE_ZONE, line_zone

HOURS_IN_A_DAY = 24

TimeZone = str | tzinfo


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What the figures need to know about one call; timestamps are timezone-aware."""

    line_code: str
    arrived_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    agent_id: int | None = None

    def __post_init__(self) -> None:
        for name in ("arrived_at", "answered_at", "ended_at"):
            moment = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"CallFacts.{name} must be timezone-aware (got {moment!r}).")

    @property
    def abandoned(self) -> bool:
        """The caller hung up (or was dropped) before anyone answered."""
        return self.ended_at is not None and self.answered_at is None

    @property
    def waiting(self) -> bool:
        return self.answered_at is None and self.ended_at is None

    @property
    def on_call(self) -> bool:
        return self.answered_at is not None and self.ended_at is None

    @property
    def wait(self) -> timedelta | None:
        """Time in the queue until answered or abandoned; None while the caller is still waiting."""
        left_queue_at = self.answered_at or self.ended_at
        return None if left_queue_at is None else _elapsed(self.arrived_at, left_queue_at)

    @property
    def handle_time(self) -> timedelta | None:
        """Answered to ended; None unless the call was answered and has ended."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return _elapsed(self.answered_at, self.ended_at)

    def as_of(self, now: datetime) -> CallFacts | None:
        """The call as it stood at ``now``: None if it had not arrived, later events not yet happened."""
        if self.arrived_at > now:
            return None
        answered_at = self.answered_at if self.answered_at is not None and self.answered_at <= now else None
        ended_at = self.ended_at if self.ended_at is not None and self.ended_at <= now else None
        if (answered_at, ended_at) == (self.answered_at, self.ended_at):
            return self
        return replace(self, answered_at=answered_at, ended_at=ended_at)


@dataclass(frozen=True, slots=True)
class LineSettings:
    """The per-line targets the figures are measured against (the ``line`` table's columns)."""

    service_level_seconds: float = 20
    service_level_target: float = 0.80
    short_abandon_seconds: float = 5
    time_zone: str = field(default_factory=lambda: line_zone().key)

    def __post_init__(self) -> None:
        if not self.service_level_seconds >= 0:
            raise ValueError(f"Service-level threshold must be 0 seconds or more (got {self.service_level_seconds}).")
        if not 0 < self.service_level_target <= 1:
            raise ValueError(
                f"Service-level target must be a fraction above 0 and at most 1 "
                f"(got {self.service_level_target}; 80 % is 0.80)."
            )
        if not self.short_abandon_seconds >= 0:
            raise ValueError(f"Short-abandon limit must be 0 seconds or more (got {self.short_abandon_seconds}).")
        _zone(self.time_zone)

    @classmethod
    def of(cls, line: object) -> LineSettings:
        """From anything carrying the three targets by name: a ``LineSpec`` or a ``line`` row. Every
        line counts its days in the line's one time zone (the setting), whatever an old row says."""
        return cls(
            service_level_seconds=line.service_level_seconds,  # type: ignore[attr-defined]
            service_level_target=line.service_level_target,  # type: ignore[attr-defined]
            short_abandon_seconds=line.short_abandon_seconds,  # type: ignore[attr-defined]
        )

    @property
    def zone(self) -> tzinfo:
        return _zone(self.time_zone)


@dataclass(frozen=True, slots=True)
class LineFigures:
    """One line's board for one day; None where there is nothing yet to measure."""

    day: date
    offered: int
    answered: int
    answered_within_threshold: int
    abandoned: int
    short_abandons: int
    service_level: float | None
    average_speed_of_answer: timedelta | None
    abandonment_rate: float | None
    average_handle_time: timedelta | None
    waiting_now: int
    longest_wait: timedelta | None
    on_call_now: int
    service_level_target: float

    @property
    def long_abandons(self) -> int:
        return self.abandoned - self.short_abandons

    @property
    def meets_target(self) -> bool | None:
        return None if self.service_level is None else self.service_level >= self.service_level_target


@dataclass(frozen=True, slots=True)
class AgentFigures:
    agent_id: int
    calls_handled: int  # calls of the day this agent answered, the one in progress included
    talk_time: timedelta  # answered to ended (or to now, for the call in progress) over those calls
    current_call: timedelta | None  # how long the call in progress has lasted; None when not on a call


def day_bounds(day: date, time_zone: TimeZone | None = None) -> tuple[datetime, datetime]:
    """The UTC instants where ``day`` starts and the next day starts, midnight to midnight local time.

    The span is 23 or 25 hours on daylight-saving days. Where a zone skips midnight itself (clocks
    jump 00:00 -> 01:00), the day starts at the jump, which is what ``fold=0`` resolves the missing
    midnight to.
    """
    zone = _zone(time_zone)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def local_day(moment: datetime, time_zone: TimeZone | None = None) -> date:
    return moment.astimezone(_zone(time_zone)).date()


def line_figures(
    calls: Iterable[CallFacts], settings: LineSettings, now: datetime, day: date | None = None
) -> LineFigures:
    """The board for one day from the calls of ONE line (or of lines sharing ``settings``).

    ``day`` defaults to today, the local day of ``now``; pass an earlier day with a later ``now``
    for that day's settled figures (e.g. yesterday's, once the calls that straddled midnight ended).

    Over the calls that arrived on that day, as they stood at ``now``:

    * offered = every call that arrived, still waiting or not.
    * answered; answered within threshold = answered with wait <= ``service_level_seconds``.
    * abandoned = ended without being answered (all of them); short abandons = abandoned with
      wait < ``short_abandon_seconds``; long abandons = abandoned - short abandons.
    * service level = answered within threshold / (answered + long abandons). Short abandons are
      left out (the caller misdialled or changed their mind before anyone could answer) and so are
      callers still waiting (their outcome is not known yet). None when the denominator is 0.
    * abandonment rate = long abandons / (answered + long abandons): the same calls the service level
      is out of, those whose outcome is known; callers still waiting are in neither rate until they
      are answered or hang up. None when that is 0 (a line with only callers waiting shows no rate).
    * average speed of answer = mean wait of answered calls; None if none answered.
    * average handle time = mean (ended - answered) of answered calls that have ended: talk time
      only, as wrap-up is not recorded per call. None if none ended.

    Live, over every call given: waiting now, longest wait = now - arrival of the longest-waiting
    caller (None when nobody waits), on call now.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware.")
    if day is None:
        day = local_day(now, settings.zone)
    start, end = day_bounds(day, settings.zone)
    return figures_between(calls, settings, now, start, end, day)


def figures_between(
    calls: Iterable[CallFacts], settings: LineSettings, now: datetime, start: datetime, end: datetime, day: date
) -> LineFigures:
    """``line_figures`` over the calls that arrived from ``start`` (included) to ``end`` (not): a
    day, or one interval of it for the interval report; the live figures still cover every call."""
    threshold = timedelta(seconds=settings.service_level_seconds)
    short_limit = timedelta(seconds=settings.short_abandon_seconds)

    offered = within_threshold = short_abandons = waiting_now = on_call_now = 0
    answer_waits: list[timedelta] = []
    abandon_waits: list[timedelta] = []
    handle_times: list[timedelta] = []
    longest_wait: timedelta | None = None
    for original in calls:
        call = original.as_of(now)
        if call is None:
            continue
        if call.waiting:
            waiting_now += 1
            longest_wait = max(longest_wait or timedelta(0), _elapsed(call.arrived_at, now))
        elif call.on_call:
            on_call_now += 1
        if not start <= call.arrived_at < end:
            continue
        offered += 1
        wait = call.wait
        if wait is None:  # still waiting: no outcome yet
            continue
        if call.answered_at is not None:
            answer_waits.append(wait)
            within_threshold += wait <= threshold
            if (handle := call.handle_time) is not None:
                handle_times.append(handle)
        else:
            abandon_waits.append(wait)
            short_abandons += wait < short_limit

    answered, abandoned = len(answer_waits), len(abandon_waits)
    long_abandons = abandoned - short_abandons
    return LineFigures(
        day=day,
        offered=offered,
        answered=answered,
        answered_within_threshold=within_threshold,
        abandoned=abandoned,
        short_abandons=short_abandons,
        service_level=_ratio(within_threshold, answered + long_abandons),
        average_speed_of_answer=_mean(answer_waits),
        abandonment_rate=_ratio(long_abandons, answered + long_abandons),
        average_handle_time=_mean(handle_times),
        waiting_now=waiting_now,
        longest_wait=longest_wait,
        on_call_now=on_call_now,
        service_level_target=settings.service_level_target,
    )


def interval_figures(
    calls: Iterable[CallFacts], settings: LineSettings, now: datetime, day: date, minutes: int
) -> list[tuple[datetime, LineFigures]]:
    """The day cut into intervals of ``minutes`` from local midnight (a 30-minute report has 48, or 46
    and 50 on the days the clocks change), each with the figures of the calls that arrived in it;
    intervals still to come at ``now`` are left out."""
    if minutes <= 0 or (24 * 60) % minutes:
        raise ValueError(f"An interval must divide the day evenly (15, 30 or 60 minutes; got {minutes}).")
    day_start, day_end = day_bounds(day, settings.zone)
    every = list(calls)
    step = timedelta(minutes=minutes)
    found = []
    # Stepped in real time from local midnight: the clocks change by whole hours, so every interval
    # still starts on the local hour or half hour, and the change day simply has two fewer or more.
    start = day_start
    while start < day_end and start <= now:
        end = min(start + step, day_end)
        found.append((start, figures_between(every, settings, now, start, end, day)))
        start = end
    return found


def service_level_since(
    calls: Iterable[CallFacts], settings: LineSettings, now: datetime, since: datetime
) -> float | None:
    """The service level of the calls that arrived from ``since`` to ``now`` (the last half hour, say),
    counted as ``line_figures`` counts the day's: within threshold out of answered and long abandons."""
    threshold = timedelta(seconds=settings.service_level_seconds)
    short_limit = timedelta(seconds=settings.short_abandon_seconds)
    within = settled = 0
    for original in calls:
        call = original.as_of(now)
        if call is None or call.arrived_at < since or (wait := call.wait) is None:
            continue
        if call.answered_at is not None:
            settled += 1
            within += wait <= threshold
        elif wait >= short_limit:
            settled += 1
    return _ratio(within, settled)


def agent_figures(
    calls: Iterable[CallFacts], now: datetime, time_zone: TimeZone | None = None, day: date | None = None
) -> dict[int, AgentFigures]:
    """Per agent, by agent id: the day's answered calls and talk time, and the call in progress.

    The day's calls are those that arrived on ``day`` (default: the local day of ``now``), so the
    counts add up to the line's answered calls; the current call is shown whatever day it arrived.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware.")
    start, end = day_bounds(day or local_day(now, time_zone), time_zone)
    handled: Counter[int] = Counter()
    talk: dict[int, timedelta] = {}
    current: dict[int, timedelta] = {}
    for original in calls:
        call = original.as_of(now)
        if call is None or call.agent_id is None or call.answered_at is None:
            continue
        agent = call.agent_id
        talked = _elapsed(call.answered_at, call.ended_at or now)
        if call.on_call:
            # Two open calls for one agent means stale data; show the one that started last.
            current[agent] = min(current.get(agent, talked), talked)
        if start <= call.arrived_at < end:
            handled[agent] += 1
            talk[agent] = talk.get(agent, timedelta(0)) + talked
    return {
        agent: AgentFigures(agent, handled[agent], talk.get(agent, timedelta(0)), current.get(agent))
        for agent in sorted(handled.keys() | current.keys())
    }


def calls_per_hour(calls: Iterable[CallFacts], day: date, time_zone: TimeZone | None = None) -> list[int]:
    """Calls that arrived on ``day``, in 24 buckets by the LOCAL clock hour of arrival (0 = 00:00-00:59).

    Buckets follow the wall clock so days line up with each other. On the spring-forward day the
    skipped hour's bucket (02 in New York) is always 0; on the fall-back day the repeated hour's
    bucket (01 in New York) holds both passes of that hour, two real hours of calls.
    """
    return _hour_buckets(calls, {day}, _zone(time_zone))


def weekday_average_per_hour(
    calls: Iterable[CallFacts], day: date, time_zone: TimeZone | None = None, weeks: int = 4
) -> list[float]:
    """Per local hour, the mean count over the same weekday in the ``weeks`` weeks before ``day``.

    ``day`` itself is left out (it is the one being compared). Each of those days counts even if it
    had no calls, so give calls covering the whole span; DST days are bucketed as ``calls_per_hour``.
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a whole number of at least 1 (got {weeks!r}).")
    earlier = {day - timedelta(weeks=back) for back in range(1, weeks + 1)}
    return [count / weeks for count in _hour_buckets(calls, earlier, _zone(time_zone))]


def _hour_buckets(calls: Iterable[CallFacts], days: set[date], zone: tzinfo) -> list[int]:
    buckets = [0] * HOURS_IN_A_DAY
    for call in calls:
        local = call.arrived_at.astimezone(zone)
        if local.date() in days:
            buckets[local.hour] += 1
    return buckets


def _zone(time_zone: TimeZone | None) -> tzinfo:
    """A zone by name or as given; None is the line's zone (the one setting, see ``timefmt.line_zone``)."""
    if time_zone is None:
        return line_zone()
    if isinstance(time_zone, tzinfo):
        return time_zone
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Unknown time zone {time_zone!r}: use an IANA name such as {DEFAULT_LINE_ZONE}.") from None


def _elapsed(start: datetime, end: datetime) -> timedelta:
    # Timestamps written by different terminals can disagree by a moment; never show a negative wait.
    return max(end - start, timedelta(0))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def _mean(durations: list[timedelta]) -> timedelta | None:
    return sum(durations, timedelta(0)) / len(durations) if durations else None
