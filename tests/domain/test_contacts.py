"""Checking fax, TTY and outbound entries, the log filter and the CSV export, without a database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from callcenter.domain.contacts import (
    MAX_FAX_PAGES,
    ContactOutcome,
    FaxDocument,
    FollowUpStatus,
    LogRow,
    build_filter,
    check_fax,
    check_outbound,
    check_transcript,
    check_tty_start,
    csv_text,
    number_digits,
    parse_contact_time,
    parse_pages,
    search_terms,
)
from callcenter.domain.errors import ValidationError
from callcenter.domain.model import Channel, Direction
from callcenter.domain.timefmt import line_zone

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in Connecticut
TODAY = date(2026, 11, 23)

GOOD_FAX = {
    "direction": "inbound",
    "number": "860.555.0199",
    "party": "Elm Street Pediatrics",
    "pages": "4",
    "at": "",
    "document_type": "referral",
    "next_step": "Call the family to schedule",
}


def test_a_good_inbound_fax_is_checked_whole():
    entry, errors = check_fax(GOOD_FAX, NOW)
    assert errors == {}
    assert entry.number == "+18605550199" and entry.pages == 4 and entry.at == NOW
    assert entry.direction is Direction.INBOUND and entry.document_type is FaxDocument.REFERRAL
    assert entry.next_step == "Call the family to schedule" and entry.child_id is None


@pytest.mark.parametrize(
    ("pages", "phrase"),
    [
        ("0", "at least one page"),
        ("5000", "count the pages again"),
        ("four", "not a number"),
        ("", "how many pages"),
        ("-3", "not a number"),
    ],
)
def test_page_counts_that_cannot_be_right_are_refused(pages, phrase):
    entry, errors = check_fax({**GOOD_FAX, "pages": pages}, NOW)
    assert entry is None and phrase in errors["pages"]


def test_page_count_limits():
    assert parse_pages("1") == 1 and parse_pages(str(MAX_FAX_PAGES)) == MAX_FAX_PAGES
    with pytest.raises(ValidationError):
        parse_pages(str(MAX_FAX_PAGES + 1))


def test_every_problem_is_reported_at_once_and_nothing_is_returned():
    entry, errors = check_fax(
        {
            "direction": "inbound",
            "number": "not a number",
            "party": "",
            "pages": "0",
            "at": "tomorrow 9am",
            "document_type": "",
            "next_step": "",
        },
        NOW,
    )
    assert entry is None
    assert set(errors) == {"number", "party", "pages", "at", "document_type", "next_step"}
    assert errors["number"].startswith("Fax number:") and "(203) 555-0143" in errors["number"]
    assert "future" in errors["at"]


def test_an_outbound_fax_needs_no_next_step_and_names_the_recipient():
    entry, errors = check_fax({**GOOD_FAX, "direction": "outbound", "next_step": ""}, NOW)
    assert errors == {} and entry.direction is Direction.OUTBOUND and entry.next_step is None
    _, errors = check_fax({**GOOD_FAX, "direction": "outbound", "party": ""}, NOW)
    assert errors["party"].startswith("Recipient:")


def test_received_time_is_read_in_the_line_zone():
    moment = parse_contact_time("11/23 8:15am", NOW)
    assert moment.astimezone(line_zone()).hour == 8 and moment.astimezone(line_zone()).minute == 15
    assert parse_contact_time("", NOW) == NOW and parse_contact_time("now", NOW) == NOW
    overnight = parse_contact_time("yesterday 4:30pm", NOW).astimezone(line_zone())
    assert (overnight.day, overnight.hour, overnight.minute) == (22, 16, 30)


@pytest.mark.parametrize(
    ("text", "phrase"), [("11/23 11:30am", "future"), ("9/1/2026 9am", "30 days"), ("the other day", "not a date")]
)
def test_received_times_that_cannot_be_right(text, phrase):
    with pytest.raises(ValidationError) as caught:
        parse_contact_time(text, NOW)
    assert phrase in caught.value.message


def test_a_minute_of_clock_drift_is_not_the_future():
    assert parse_contact_time((NOW + timedelta(minutes=1)).astimezone(line_zone()).strftime("%m/%d %H:%M"), NOW)


def test_tty_start_number_is_optional_but_checked_when_given():
    start, errors = check_tty_start({"party": "Dana", "number": "", "relay": "yes"})
    assert errors == {} and start.number is None and start.relay
    start, errors = check_tty_start({"party": "Dana", "number": "203 555 0143"})
    assert start.number == "+12035550143" and not start.relay
    start, errors = check_tty_start({"party": "", "number": "12"})
    assert start is None and "Caller" in errors["party"] and "blank" in errors["number"]


def test_transcript_keeps_lines_and_refuses_a_novel():
    assert check_transcript("GA hello\r\nI need help SK") == "GA hello\nI need help SK"
    with pytest.raises(ValidationError):
        check_transcript("x" * 60_000)


def test_outbound_outcomes_and_which_close_a_follow_up():
    entry, errors = check_outbound(
        {"channel": "fax", "number": "8605550199", "outcome": "fax_sent", "summary": "Sent the referral packet"}
    )
    assert errors == {} and entry.outcome.completes and entry.channel is Channel.FAX
    assert ContactOutcome.REACHED.completes and not ContactOutcome.NO_ANSWER.completes
    assert not ContactOutcome.LEFT_MESSAGE.completes
    _, errors = check_outbound({"channel": "voice", "number": "8605550199", "outcome": "fax_sent"})
    assert "for a fax" in errors["outcome"]
    _, errors = check_outbound({"channel": "web", "number": "8605550199", "outcome": ""})
    assert "channel" in errors and "outcome" in errors


@pytest.mark.parametrize("typed", ["(860) 555-0199", "860.555.0199", "+1 860 555 0199", "8605550199", "1-860-555-0199"])
def test_a_whole_number_in_any_format_searches_by_its_e164_form(typed):
    assert search_terms(typed) == ("+18605550199", None, None)


def test_a_few_digits_search_by_digits_and_words_search_text():
    assert search_terms("555-0199") == (None, "5550199", None)
    assert search_terms("0199") == (None, "0199", None)
    assert search_terms("01") == (None, None, "01")  # too few digits to mean a number
    assert search_terms("Lopez") == (None, None, "Lopez")
    assert search_terms("  ") == (None, None, None)


def test_stored_numbers_give_the_digits_people_type():
    assert number_digits("+18605550199") == "8605550199"
    assert number_digits("+18605550199;ext=12") == "8605550199"
    assert number_digits("+442071838750") == "442071838750"
    assert number_digits(None) == ""


def test_the_filter_reads_every_part_and_covers_whole_local_days():
    query, errors = build_filter(
        {
            "channel": "fax",
            "direction": "inbound",
            "since": "11/1",
            "until": "today",
            "status": "open",
            "agent_id": "7",
            "search": "(860) 555-0199",
        },
        TODAY,
    )
    assert errors == {}
    assert (query.channel, query.direction, query.status, query.agent_id) == (
        Channel.FAX,
        Direction.INBOUND,
        FollowUpStatus.OPEN,
        7,
    )
    assert query.since == date(2026, 11, 1) and query.until == TODAY and query.number_e164 == "+18605550199"
    start, end = query.bounds()
    assert start == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # midnight EDT
    assert end == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # the next midnight EST


def test_bad_filters_say_what_to_fix():
    _, errors = build_filter({"since": "11/20", "until": "11/2"}, TODAY)
    assert "swap" in errors["until"]
    _, errors = build_filter({"since": "someday"}, TODAY)
    assert "not a date" in errors["since"]
    _, errors = build_filter({"until": "12/25"}, TODAY)
    assert "future" in errors["until"]


def _row(**changes) -> LogRow:
    base = {
        "id": 1,
        "at": NOW,
        "direction": "inbound",
        "channel": "fax",
        "party": "Elm Street Pediatrics",
        "number": "+18605550199",
        "agent": "Alex Rivera",
        "child": "C.L. 2019",
        "summary": None,
        "outcome": None,
        "follow_up": "open",
        "follow_up_due": NOW + timedelta(days=1),
        "relay": False,
        "pages": 4,
        "document_type": "referral",
        "intake_id": None,
        "consult_id": None,
    }
    base.update(changes)
    return LogRow(**base)


def test_csv_export_has_a_header_formatted_numbers_and_local_times():
    text = csv_text([_row(), _row(id=2, channel="tty", relay=True, pages=None, document_type=None)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["id", "when", "direction", "channel"] and len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["number"] == "(860) 555-0199" and first["when"] == "2026-11-23 10:00"
    assert first["pages"] == "4" and first["relay"] == "no"
    assert dict(zip(rows[0], rows[2], strict=True))["relay"] == "yes"


def test_csv_export_defuses_spreadsheet_formulas_typed_into_notes():
    text = csv_text([_row(summary='=HYPERLINK("http://x")', party="+1 trick")])
    record = dict(zip(*list(csv.reader(io.StringIO(text))), strict=True))
    assert record["summary"].startswith("'=") and record["party"] == "'+1 trick"


def test_an_hour_typed_without_minutes_is_on_the_hour_not_the_minutes_of_now():
    late = datetime(2026, 12, 6, 3, 22, tzinfo=UTC)  # 22:22 on Dec 5 in New York
    assert parse_contact_time("yesterday 4pm", late).astimezone(line_zone()).strftime("%m/%d %H:%M") == "12/04 16:00"
    assert parse_contact_time("12/5 9am", late).astimezone(line_zone()).strftime("%m/%d %H:%M") == "12/05 09:00"
    assert parse_contact_time("9:40pm", late).astimezone(line_zone()).strftime("%m/%d %H:%M") == "12/05 21:40"
