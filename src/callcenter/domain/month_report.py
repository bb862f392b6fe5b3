"""What the program answers for each month: calls by line and day, service level by day, callbacks
returned within their promise, children linked to care within the access standard, referrals by town.

Pure arithmetic over what the store hands in; every count says what it counts in its name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from callcenter.domain.metrics import CallFacts, LineSettings, day_bounds, figures_between

URGENCIES = ("emergency", "urgent", "routine")  # the access standard: 2 hours, 2 days, 2 weeks


@dataclass(frozen=True, slots=True)
class DayOfLine:
    day: date
    line_code: str
    offered: int
    answered: int
    abandoned: int
    service_level: float | None


@dataclass(frozen=True, slots=True)
class PromiseFacts:
    kind: str  # callback_request, consult_callback
    due_at: datetime
    state: str  # open, done, cancelled
    late_minutes: int | None


@dataclass(frozen=True, slots=True)
class KeptCount:
    """Promises due in the month: kept on time, kept late, still open past their time."""

    kind: str
    due: int
    on_time: int
    late: int
    still_open: int

    @property
    def share_on_time(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True, slots=True)
class IntakeFacts:
    urgency: str
    access_deadline: datetime | None
    first_appointment: datetime | None  # the earliest scheduled appointment, if any
    town: str | None


@dataclass(frozen=True, slots=True)
class LinkageCount:
    urgency: str
    intakes: int
    within_standard: int  # an appointment on or before the access deadline
    later: int  # an appointment after it
    not_yet: int  # no appointment scheduled

    @property
    def share_within(self) -> float | None:
        return self.within_standard / self.intakes if self.intakes else None


@dataclass(frozen=True, slots=True)
class MonthReport:
    month: date  # its first day
    days: tuple[date, ...]
    lines: tuple[str, ...]
    by_day: tuple[DayOfLine, ...]
    callbacks: tuple[KeptCount, ...]
    linkage: tuple[LinkageCount, ...]
    referrals_by_town: tuple[tuple[str, int], ...]  # most first

    def of(self, line_code: str) -> list[DayOfLine]:
        return [row for row in self.by_day if row.line_code == line_code]


def month_days(month: date) -> list[date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


def month_report(
    month: date,
    calls: Iterable[CallFacts],
    settings: dict[str, LineSettings],
    promises: Iterable[PromiseFacts],
    intakes: Iterable[IntakeFacts],
    now: datetime,
) -> MonthReport:
    """The month's figures, each call on the day it arrived with its outcome as known at ``now``;
    days still to come are left out."""
    days = [day for day in month_days(month) if day_bounds(day)[0] <= now]
    intake_list = list(intakes)
    by_line: dict[str, list[CallFacts]] = {code: [] for code in settings}
    for call in calls:
        by_line.setdefault(call.line_code, []).append(call)
    rows = []
    for code, line_calls in by_line.items():
        line_settings = settings.get(code) or LineSettings()
        for day in days:
            start, end = day_bounds(day, line_settings.zone)
            figures = figures_between(line_calls, line_settings, now, start, end, day)
            rows.append(
                DayOfLine(day, code, figures.offered, figures.answered, figures.abandoned, figures.service_level)
            )
    return MonthReport(
        month=month.replace(day=1),
        days=tuple(days),
        lines=tuple(by_line),
        by_day=tuple(rows),
        callbacks=tuple(_kept(promises, now)),
        linkage=tuple(_linkage(intake_list)),
        referrals_by_town=tuple(_towns(intake_list)),
    )


def _kept(promises: Iterable[PromiseFacts], now: datetime) -> list[KeptCount]:
    counts: dict[str, Counter[str]] = {}
    for promise in promises:
        if promise.state == "cancelled":
            continue
        count = counts.setdefault(promise.kind, Counter())
        count["due"] += 1
        if promise.state == "done":
            count["late" if (promise.late_minutes or 0) > 0 else "on_time"] += 1
        elif promise.due_at < now:
            count["still_open"] += 1
    return [KeptCount(kind, c["due"], c["on_time"], c["late"], c["still_open"]) for kind, c in sorted(counts.items())]


def _linkage(intakes: list[IntakeFacts]) -> list[LinkageCount]:
    found = []
    for urgency in URGENCIES:
        mine = [intake for intake in intakes if (intake.urgency or "routine") == urgency]
        within = sum(1 for intake in mine if _within_standard(intake))
        scheduled = sum(1 for i in mine if i.first_appointment is not None)
        found.append(LinkageCount(urgency, len(mine), within, scheduled - within, len(mine) - scheduled))
    return found


def _within_standard(intake: IntakeFacts) -> bool:
    seen, deadline = intake.first_appointment, intake.access_deadline
    return seen is not None and deadline is not None and seen <= deadline


def _towns(intakes: list[IntakeFacts]) -> list[tuple[str, int]]:
    counted = Counter((intake.town or "town not given").strip() or "town not given" for intake in intakes)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))
