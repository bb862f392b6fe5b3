"""The audit trail as a supervisor reads it: the filter as typed, each entry in words, the CSV export."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from callcenter.domain.days import day_range, parse_day
from callcenter.domain.errors import ValidationError
from callcenter.domain.spreadsheet import csv_document
from callcenter.domain.timefmt import line_zone

DEFAULT_LIMIT = 500
MAX_LIMIT = 100_000
MAX_RECORD_ID = 2**31 - 1  # the integer columns' range on PostgreSQL
SYSTEM = "system"  # who an entry names when no agent did it: the promise sweep, the phone system, the shell
_USERNAME = re.compile(r"^[a-z0-9._-]{1,40}$")
_ACTION = re.compile(r"^[a-z][a-z_]{0,39}$")
_SCREEN = re.compile(r"^[a-z][a-z _]{0,39}$")

# The trail is append-only, so entries keep the words they were written with. Where a word was
# later changed, a filter for either word finds both (new word first).
EARLIER_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "screen": {"promises": ("promises", "callbacks", "timers")},
    "entity": {"promise": ("promise", "task")},
}


def same_meaning(kind: str, word: str) -> tuple[str, ...]:
    """Every word an entry may carry for `word`: itself, and its earlier or later name."""
    for names in EARLIER_NAMES.get(kind, {}).values():
        if word in names:
            return names
    return (word,)


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One entry of the trail, with the agent's name resolved and the detail decoded."""

    id: int
    at: datetime
    agent_username: str | None  # None: nobody signed in did it (see SYSTEM)
    agent_name: str | None
    action: str
    entity: str
    entity_id: int | None
    child_id: int | None
    screen: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    agent_names: dict[int, str] = field(default_factory=dict)  # the agents the detail names by id

    @property
    def who(self) -> str:
        return self.agent_username or SYSTEM

    @property
    def record(self) -> str:
        """'intake#12': the record the entry is about."""
        return self.entity if self.entity_id is None else f"{self.entity}#{self.entity_id}"


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the audit screen and `callcenter audit` ask for; every part is optional."""

    child_id: int | None = None
    agent_username: str | None = None
    since: date | None = None  # inclusive, in the line's time zone
    until: date | None = None  # inclusive
    action: str | None = None
    limit: int = DEFAULT_LIMIT
    zone: tzinfo = field(default_factory=line_zone)
    screen: str | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The UTC moments the days cover: from midnight of `since` to midnight after `until`."""
        return day_range(self.since, self.until, self.zone)


def _child_id(text: str) -> int | None:
    raw = (text or "").strip().removeprefix("#")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) == 0 or int(raw) > MAX_RECORD_ID:
        raise ValidationError(
            f"Child: {raw[:20]!r} is not a child's record number; type it in digits, e.g. 42.", "child_id"
        )
    return int(raw)


def _username(text: str) -> str | None:
    raw = (text or "").strip().lower()
    if not raw:
        return None
    if not _USERNAME.match(raw):
        raise ValidationError(
            f"Agent: {raw[:40]!r} is not a username; type one like alex (letters, digits, "
            ". _ -), or leave it blank for everyone.",
            "agent",
        )
    return raw


def _action(text: str) -> str | None:
    raw = "_".join((text or "").strip().lower().split())  # "link child" finds link_child
    if not raw:
        return None
    if not _ACTION.match(raw):
        raise ValidationError(
            f"Action: {raw[:40]!r} is not an action; type one word such as create, update, submit or link_child.",
            "action",
        )
    return raw


def _screen(text: str) -> str | None:
    raw = " ".join((text or "").strip().lower().split())
    if not raw:
        return None
    if not _SCREEN.match(raw):
        raise ValidationError(
            f"Screen: {raw[:40]!r} is not a screen's name; type one such as intake, promises, monitor or contact log.",
            "screen",
        )
    return raw


def _limit(text: str) -> int:
    raw = (text or "").strip().replace(",", "")
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationError(
            f"Limit: {raw[:20]!r} is not a number of entries; type one from 1 to {MAX_LIMIT:,}.", "limit"
        )
    return int(raw)


def build_filter(
    fields: Mapping[str, str], today: date, zone: tzinfo | None = None
) -> tuple[AuditFilter | None, dict[str, str]]:
    """The filter as typed (child_id, agent, since, until, action, screen, limit); every problem at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for key, parse in (
        ("child_id", _child_id),
        ("agent", _username),
        ("action", _action),
        ("screen", _screen),
        ("limit", _limit),
        ("since", lambda raw: parse_day(raw, "since", today)),
        ("until", lambda raw: parse_day(raw, "until", today)),
    ):
        try:
            values[key] = parse(fields.get(key) or "")
        except ValidationError as error:
            errors[key] = error.message
    since, until = values.get("since"), values.get("until")
    if since and until and until < since:
        errors["until"] = f"Until: {until:%b %d} is before Since ({since:%b %d}); swap them."
    if errors:
        return None, errors
    return AuditFilter(
        values["child_id"],
        values["agent"],
        since,
        until,
        values["action"],
        values["limit"],
        zone or line_zone(),
        values["screen"],
    ), {}


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ",".join(_plain(item) for item in value) or "-"
    return str(value)


# Details that name an agent do so by id under these keys ("to": the rep a promise went to); a text
# or a time under the same key (a state, a due time) is left as it is.
AGENT_ID_KEYS = frozenset({"from", "to"})


def agent_ids(detail: Mapping[str, Any]) -> set[int]:
    return {
        value
        for key, value in detail.items()
        if key in AGENT_ID_KEYS and isinstance(value, int) and not isinstance(value, bool)
    }


def detail_value(row: AuditRow, key: str) -> Any:
    """A detail as a person reads it: an agent's id becomes their name, with the id beside it."""
    value = row.detail[key]
    if agent_ids({key: value}) and value in row.agent_names:
        return f"{row.agent_names[value]} (#{value})"
    return value


def describe_detail(row: AuditRow) -> str:
    """'to=Jordan Chen (#2) urgency=routine': the detail on one line, keys in order."""
    return " ".join(f"{key}={_plain(detail_value(row, key))}" for key in sorted(row.detail))


def local_time(moment: datetime, zone: tzinfo | None = None) -> str:
    return moment.astimezone(zone or line_zone()).strftime("%Y-%m-%d %H:%M:%S")


TEXT_HEADER = ("When", "Agent", "Action", "Record", "Child", "Screen", "Detail")


def text_lines(rows: Iterable[AuditRow], zone: tzinfo | None = None) -> list[str]:
    """A header and one line per entry, aligned for reading in a terminal."""
    widths = (19, 12, 16, 18, 7, 10)
    table = [TEXT_HEADER] + [
        (
            local_time(row.at, zone),
            row.who,
            row.action,
            row.record,
            "" if row.child_id is None else str(row.child_id),
            row.screen or "",
            describe_detail(row),
        )
        for row in rows
    ]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)) + "  " + line[-1]
        for line in table
    ]


CSV_COLUMNS = ("id", "when", "agent", "agent_name", "action", "entity", "entity_id", "child_id", "screen", "detail")


def csv_text(rows: Iterable[AuditRow], zone: tzinfo | None = None) -> str:
    """Every cell defused: a detail typed by a rep never runs as a formula."""
    return csv_document(
        CSV_COLUMNS,
        (
            (
                row.id,
                local_time(row.at, zone),
                row.who,
                row.agent_name,
                row.action,
                row.entity,
                row.entity_id,
                row.child_id,
                row.screen,
                json.dumps(row.detail, sort_keys=True, default=str) if row.detail else None,
            )
            for row in rows
        ),
    )
