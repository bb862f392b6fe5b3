"""The audit trail's filter as typed, its lines for a terminal and its CSV export."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from callcenter.domain.audit import (
    CSV_COLUMNS,
    DEFAULT_LIMIT,
    AuditRow,
    build_filter,
    csv_text,
    same_meaning,
    text_lines,
)

TODAY = date(2026, 11, 23)


def _row(**changes) -> AuditRow:
    values = {
        "id": 1,
        "at": datetime(2026, 11, 23, 15, 0, 5, tzinfo=UTC),
        "agent_username": "sam",
        "agent_name": "Sam Kim",
        "action": "link_child",
        "entity": "contact",
        "entity_id": 12,
        "child_id": 7,
        "screen": "log",
        "detail": {"child_id": 7, "was": None, "tasks": [3, 4]},
    }
    values.update(changes)
    return AuditRow(**values)


def test_an_empty_filter_is_everything_with_the_default_limit():
    query, errors = build_filter({}, TODAY)
    assert errors == {}
    assert (query.child_id, query.agent_username, query.since, query.until, query.action, query.limit) == (
        None,
        None,
        None,
        None,
        None,
        DEFAULT_LIMIT,
    )
    assert query.bounds() == (None, None)


def test_a_filter_as_typed():
    query, errors = build_filter(
        {
            "child_id": " #42 ",
            "agent": "Sam",
            "since": "11/1",
            "until": "today",
            "action": "Link child",
            "limit": "1,000",
        },
        TODAY,
    )
    assert errors == {}
    assert (query.child_id, query.agent_username, query.action, query.limit) == (42, "sam", "link_child", 1000)
    # Midnight to midnight in New York: EDT on Nov 1, EST after the clocks went back.
    assert query.bounds() == (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 24, 5, tzinfo=UTC))


def test_every_problem_is_reported_at_once_with_how_to_fix_it():
    query, errors = build_filter(
        {
            "child_id": "abc",
            "agent": "sam kim",
            "since": "someday",
            "until": "12/25",
            "action": "create;",
            "limit": "0",
        },
        TODAY,
    )
    assert query is None
    assert errors == {
        "child_id": "Child: 'abc' is not a child's record number; type it in digits, e.g. 42.",
        "agent": "Agent: 'sam kim' is not a username; type one like alex (letters, digits, . _ -), or leave it "
        "blank for everyone.",
        "since": "Since: 'someday' is not a date; type e.g. 11/1 or 11/1/2026.",
        "until": "Until: Dec 25 2026 is in the future; the log holds what already happened.",
        "action": "Action: 'create;' is not an action; type one word such as create, update, submit or link_child.",
        "limit": "Limit: '0' is not a number of entries; type one from 1 to 100,000.",
    }


def test_action_words_are_letters_and_underscores():
    assert build_filter({"action": "drop table"}, TODAY)[0].action == "drop_table"  # well formed, matches nothing
    for bad in ("1=1", "create;", "x" * 41, "créer"):
        query, errors = build_filter({"action": bad}, TODAY)
        assert query is None and errors["action"].startswith("Action: ")


def test_until_before_since_says_to_swap_them():
    query, errors = build_filter({"since": "11/20", "until": "11/3"}, TODAY)
    assert query is None
    assert errors == {"until": "Until: Nov 03 is before Since (Nov 20); swap them."}


def test_child_ids_beyond_the_column_are_refused():
    assert build_filter({"child_id": "0"}, TODAY)[1]["child_id"].startswith("Child: '0'")
    assert build_filter({"child_id": str(2**31)}, TODAY)[1]["child_id"].startswith("Child: ")
    assert build_filter({"child_id": str(2**31 - 1)}, TODAY)[0].child_id == 2**31 - 1


@given(st.dictionaries(st.sampled_from(["child_id", "agent", "since", "until", "action", "limit"]), st.text()))
def test_any_typing_is_a_filter_or_messages_never_a_crash(fields):
    query, errors = build_filter(fields, TODAY)
    assert (query is None) == bool(errors)
    assert all(isinstance(message, str) and message for message in errors.values())


def test_text_lines_read_in_the_line_zone():
    header, line = text_lines([_row()])
    assert header.split() == ["When", "Agent", "Action", "Record", "Child", "Screen", "Detail"]
    assert line.split() == [
        "2026-11-23",
        "10:00:05",
        "sam",
        "link_child",
        "contact#12",
        "7",
        "log",
        "child_id=7",
        "tasks=3,4",
        "was=-",
    ]
    system = text_lines(
        [_row(agent_username=None, agent_name=None, child_id=None, entity_id=None, screen=None, detail={})]
    )[1]
    assert system.split() == ["2026-11-23", "10:00:05", "system", "link_child", "contact"]


def test_csv_has_one_row_per_entry_and_defuses_formulas():
    rows = list(
        csv.reader(
            csv_text(
                [_row(), _row(id=2, agent_name='=HYPERLINK("x")', detail={}, agent_username=None, child_id=None)]
            ).splitlines()
        )
    )
    assert tuple(rows[0]) == CSV_COLUMNS
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert first == {
        "id": "1",
        "when": "2026-11-23 10:00:05",
        "agent": "sam",
        "agent_name": "Sam Kim",
        "action": "link_child",
        "entity": "contact",
        "entity_id": "12",
        "child_id": "7",
        "screen": "log",
        "detail": '{"child_id": 7, "tasks": [3, 4], "was": null}',
    }
    second = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert second["agent_name"] == '\'=HYPERLINK("x")' and second["agent"] == "system"
    assert second["detail"] == "" and second["child_id"] == ""


def test_a_screen_filter_is_one_name_and_knows_earlier_names():
    query, errors = build_filter({"screen": "  Contact   Log "}, date(2026, 11, 23))
    assert errors == {} and query.screen == "contact log"
    _, errors = build_filter({"screen": "promises; drop"}, date(2026, 11, 23))
    assert "is not a screen's name" in errors["screen"]
    assert (
        same_meaning("screen", "callbacks") == same_meaning("screen", "promises") == ("promises", "callbacks", "timers")
    )
    assert same_meaning("entity", "task") == ("promise", "task")
    assert same_meaning("screen", "intake") == ("intake",)
