"""Referral outcomes: an appointment is a real future date and time; a decline says why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callcenter.domain.errors import ValidationError
from callcenter.domain.referrals import ReferralOutcome, check_choice, linkage_summary, parse_appointment

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("12/3 2:30pm", datetime(2026, 12, 3, 19, 30, tzinfo=UTC)),
        ("12/03/2026 14:30", datetime(2026, 12, 3, 19, 30, tzinfo=UTC)),
        ("Dec 3 2:30 p.m.", datetime(2026, 12, 3, 19, 30, tzinfo=UTC)),
        ("1/5 9am", datetime(2027, 1, 5, 14, 0, tzinfo=UTC)),  # no year, already past this year: next January
        ("11/23 4pm", datetime(2026, 11, 23, 21, 0, tzinfo=UTC)),  # later today
        ("3/16/2027 9:00", datetime(2027, 3, 16, 13, 0, tzinfo=UTC)),  # after the 14 March change: EDT
    ],
)
def test_appointments_read_in_the_line_time_zone(typed, expected):
    assert parse_appointment(typed, NOW) == expected


@pytest.mark.parametrize(
    "typed, says",
    [
        ("", "type a date and time"),
        ("12/3", "add the time"),
        ("next tuesday-ish 3pm", "is not a date and time"),
        ("11/20/2026 3pm", "already passed"),
        ("11/20 3pm", "already passed"),  # three days ago, no year: a slip, not next November
        ("12/3/2028 3pm", "more than a year away"),
        ("13/45 3pm", "is not a date and time"),
    ],
)
def test_bad_appointments_say_what_to_type(typed, says):
    with pytest.raises(ValidationError) as caught:
        parse_appointment(typed, NOW)
    assert says in caught.value.message and caught.value.field == "appointment"


def test_scheduled_needs_an_appointment_and_others_must_not_have_one():
    choice = check_choice("scheduled", "12/3 2:30pm", "  ask for Dr. Ames ", NOW)
    assert choice.outcome is ReferralOutcome.SCHEDULED and choice.note == "ask for Dr. Ames"
    with pytest.raises(ValidationError, match="add the time|type a date"):
        check_choice("scheduled", "", "", NOW)
    with pytest.raises(ValidationError, match="only for an appointment"):
        check_choice("offered", "12/3 2pm", "", NOW)
    assert check_choice("offered", "", "", NOW).appointment_at is None


def test_a_decline_needs_a_reason_and_unknown_outcomes_are_refused():
    with pytest.raises(ValidationError, match="why the family declined"):
        check_choice("declined", "", " ", NOW)
    assert check_choice("declined", "", "too far to drive", NOW).note == "too far to drive"
    with pytest.raises(ValidationError, match="Outcome"):
        check_choice("maybe", "", "", NOW)
    with pytest.raises(ValidationError, match="keep it under"):
        check_choice("offered", "", "x" * 500, NOW)


def test_linkage_summary_lists_each_provider_and_its_outcome():
    text = linkage_summary(
        [
            ("Elm Street Clinic", "scheduled", datetime(2026, 12, 3, 19, 30, tzinfo=UTC)),
            ("River Family Center", "declined", None),
        ]
    )
    assert text.splitlines() == ["Elm Street Clinic — appointment Thu Dec 03 14:30", "River Family Center — declined"]
