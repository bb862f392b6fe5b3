"""What the supervisors are alerted to: a line in trouble, a promise broken, work nobody has, an agent lost.

Pure rules: the monitor hands in the figures it already has and gets back the conditions that hold
now, each under a stable key, so a condition that lasts is one alert from the moment it is raised
until the moment it clears (the store keeps that history).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from callcenter.domain.errors import ValidationError
from callcenter.domain.timefmt import format_wait

DEFAULT_LONGEST_WAIT = timedelta(minutes=2)
DEFAULT_WAITING = 5
SERVICE_LEVEL_WINDOW = timedelta(minutes=30)
LONGEST_WAIT_SETTING = "CALLCENTER_ALERT_LONGEST_WAIT"
WAITING_SETTING = "CALLCENTER_ALERT_WAITING"
BELL_SETTING = "CALLCENTER_ALERT_BELL"
Value = TypeVar("Value")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Per-line thresholds (a line without its own takes the default) and whether alerts ring the bell."""

    longest_wait: timedelta = DEFAULT_LONGEST_WAIT
    waiting: int = DEFAULT_WAITING
    longest_wait_by_line: Mapping[str, timedelta] = field(default_factory=dict)
    waiting_by_line: Mapping[str, int] = field(default_factory=dict)
    bell: bool = False

    def longest_wait_for(self, line_code: str) -> timedelta:
        return self.longest_wait_by_line.get(line_code, self.longest_wait)

    def waiting_for(self, line_code: str) -> int:
        return self.waiting_by_line.get(line_code, self.waiting)

    @classmethod
    def from_settings(cls, longest_wait: str = "", waiting: str = "", bell: str = "") -> AlertSettings:
        """From settings text: ``"2m"`` for every line, or ``"877=90s, tty=5m, 2m"`` (a bare value is
        the default for the other lines); ``waiting`` the same with whole numbers; ``bell`` on or off."""
        default_wait, waits = _per_line(longest_wait, LONGEST_WAIT_SETTING, _duration)
        default_count, counts = _per_line(waiting, WAITING_SETTING, _count)
        return cls(
            longest_wait=default_wait if default_wait is not None else DEFAULT_LONGEST_WAIT,
            waiting=default_count if default_count is not None else DEFAULT_WAITING,
            longest_wait_by_line=waits,
            waiting_by_line=counts,
            bell=_on_off(bell, BELL_SETTING),
        )


@dataclass(frozen=True, slots=True)
class LineState:
    """What the monitor knows of a queued line now."""

    code: str
    recent_service_level: float | None  # over the last SERVICE_LEVEL_WINDOW; None: no settled call in it
    target: float
    longest_wait: timedelta | None
    waiting: int


@dataclass(frozen=True, slots=True)
class Condition:
    key: str  # stable while the condition lasts: "wait:877", "lost:12"
    what: str  # said as of now
    line_code: str | None = None


def conditions(
    lines: Iterable[LineState],
    settings: AlertSettings,
    *,
    breached_promises: int = 0,
    unassigned_consults: int = 0,
    waiting_for_team: Mapping[str, int] | None = None,
    lost_agents: Iterable[tuple[int, str, timedelta]] = (),
) -> list[Condition]:
    """Every condition that holds now, lines first, in a fixed order."""
    found: list[Condition] = []
    window = int(SERVICE_LEVEL_WINDOW.total_seconds() // 60)
    for line in lines:
        level = line.recent_service_level
        if level is not None and level < line.target:
            found.append(
                Condition(
                    f"sl:{line.code}",
                    f"{line.code}: service level {level:.0%} over the last {window} min (target {line.target:.0%})",
                    line.code,
                )
            )
        limit = settings.longest_wait_for(line.code)
        if line.longest_wait is not None and line.longest_wait > limit:
            found.append(
                Condition(
                    f"wait:{line.code}",
                    f"{line.code}: a caller has waited {format_wait(line.longest_wait)} (over {format_wait(limit)})",
                    line.code,
                )
            )
        most = settings.waiting_for(line.code)
        if line.waiting > most:
            found.append(
                Condition(f"queue:{line.code}", f"{line.code}: {line.waiting} callers waiting (over {most})", line.code)
            )
    if breached_promises:
        found.append(Condition("breached", f"{_count_of(breached_promises, 'promise')} broken and still open"))
    if unassigned_consults:
        found.append(
            Condition("consults", f"{_count_of(unassigned_consults, 'consult')} waiting with no psychiatrist on shift")
        )
    for team, count in sorted((waiting_for_team or {}).items()):
        if count:
            found.append(Condition(f"handoffs:{team}", f"{_count_of(count, 'family', 'families')} waiting for {team}"))
    for agent_id, name, silence in lost_agents:
        found.append(Condition(f"lost:{agent_id}", f"{name}'s console silent for {format_wait(silence)} (lost?)"))
    return found


def _count_of(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _per_line(text: str, setting: str, parse: Callable[[str, str], Value]) -> tuple[Value | None, dict[str, Value]]:
    default: Value | None = None
    by_line: dict[str, Value] = {}
    for piece in (part.strip() for part in (text or "").split(",")):
        if not piece:
            continue
        if "=" in piece:
            code, _, value = piece.partition("=")
            code = code.strip().lower()
            if not re.fullmatch(r"[a-z0-9]{2,8}", code):
                raise ValidationError(f"{setting}: '{code}' is not a line code (e.g. 877=90s).", setting)
            by_line[code] = parse(value.strip(), setting)
        else:
            default = parse(piece, setting)
    return default, by_line


def _duration(text: str, setting: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise ValidationError(f"{setting}: '{text[:20]}' is not a time; write e.g. 90s, 2m or 1h.", setting)
    amount, unit = float(match.group(1)), (match.group(2) or "s").lower()
    seconds = amount * (3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1)
    if not 0 < seconds <= 24 * 3600:
        raise ValidationError(f"{setting}: keep it between 1 second and 24 hours (got {text[:20]!r}).", setting)
    return timedelta(seconds=seconds)


def _count(text: str, setting: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 10_000:
        raise ValidationError(f"{setting}: '{text[:20]}' is not a number of callers; write e.g. 5.", setting)
    return int(text)


def _on_off(text: str, setting: str) -> bool:
    word = (text or "").strip().lower()
    if word in ("", "off", "no", "false", "0"):
        return False
    if word in ("on", "yes", "true", "1"):
        return True
    raise ValidationError(f"{setting} wants on or off (got {word[:20]!r}).", setting)
