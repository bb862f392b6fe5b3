"""Consult requests: the NPI check digit, every field checked at once, closing minutes and codes."""

from __future__ import annotations

from datetime import date

import pytest

from callcenter.domain.consults import check_closing, interprofessional_codes, parse_npi, validate
from callcenter.domain.errors import ValidationError

TODAY = date(2026, 11, 23)
GOOD = {
    "pcp_name": "Dr. Ada Okoro",
    "practice": "Elm Pediatrics",
    "callback_number": "860 555 0182",
    "npi": "1234567893",
    "child_first_name": "Sam",
    "child_last_name": "",
    "child_dob": "4/5/2015",
    "question_type": "dose",
    "question": "Max dose of guanfacine ER for a 40 kg 11-year-old?",
    "urgency": "routine",
}


def test_npi_check_digit():
    assert parse_npi("1234567893") == "1234567893"  # the CMS example NPI
    assert parse_npi("1234-567-893") == "1234567893"
    assert parse_npi("  ") is None
    for bad, says in (
        ("1234567890", "check digit"),
        ("123456789", "ten digits"),
        ("3234567893", "starts with"),
        ("12345678a3", "ten digits"),
    ):
        with pytest.raises(ValidationError, match=says):
            parse_npi(bad)


def test_a_good_request_is_cleaned():
    form, errors = validate(GOOD, TODAY)
    assert errors == {}
    assert form.callback_number == "+18605550182" and form.child_dob == date(2015, 4, 5)
    assert form.child_last_name is None and form.npi == "1234567893"


def test_every_problem_is_reported_together_and_nothing_is_returned():
    form, errors = validate(
        {
            **GOOD,
            "pcp_name": "",
            "callback_number": "555",
            "npi": "1234567890",
            "question": "  ",
            "question_type": "gossip",
            "child_dob": "2/30/2015",
        },
        TODAY,
    )
    assert form is None
    assert set(errors) == {"pcp_name", "callback_number", "npi", "question", "question_type", "child_dob"}


def test_the_child_must_be_identified_somehow():
    bare = {**GOOD, "child_first_name": "", "child_dob": ""}
    assert "child_first_name" in validate(bare, TODAY)[1]
    assert validate({**bare, "reuse_child_id": "12"}, TODAY)[1] == {}


@pytest.mark.parametrize("typed, ok", [("15", 15), ("1", 1), ("480", 480)])
def test_closing_minutes(typed, ok):
    assert check_closing(typed, True) == ok


@pytest.mark.parametrize("typed", ["", "0", "481", "ten", "-5", "1.5"])
def test_bad_closing_minutes(typed):
    with pytest.raises(ValidationError, match="Minutes"):
        check_closing(typed, False)


@pytest.mark.parametrize(
    "minutes, written, codes",
    [
        (4, True, ()),
        (5, False, ()),
        (5, True, ("99446", "99451")),
        (10, True, ("99446", "99451")),
        (11, True, ("99447", "99451")),
        (30, True, ("99448", "99451")),
        (31, True, ("99449", "99451")),
    ],
)
def test_codes_follow_minutes_and_the_written_report(minutes, written, codes):
    assert interprofessional_codes(minutes, written) == codes


def test_a_returned_call_lies_between_the_request_and_now_and_each_wrong_time_says_which():
    from datetime import UTC, datetime

    from callcenter.domain.consults import parse_returned_at

    now = datetime(2026, 12, 6, 3, 22, tzinfo=UTC)  # Sat Dec 5, 22:22 in New York
    received = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # Fri Dec 4, 15:00
    assert parse_returned_at("", received, now) == now
    assert parse_returned_at("yesterday 4pm", received, now) == datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    for typed, words in (
        ("12/1 2pm", r"before the request came in \(Fri Dec 04 15:00\)"),
        ("12/4 3pm", None),
        ("12/4 2pm", "before the request came in"),
        ("12/5 11pm", "is still to come"),
        ("soon-ish", "is not a date and time"),
    ):
        if words is None:
            assert parse_returned_at(typed, received, now) == received
            continue
        with pytest.raises(ValidationError, match=words):
            parse_returned_at(typed, received, now)
