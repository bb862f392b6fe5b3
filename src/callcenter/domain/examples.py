"""What an empty field shows as an example. Each starts with "e.g." so it never reads as data, dates are
counted from today so an example is never already past, and names resemble nobody in the demo data or
the directory (a rep must not mistake an example for a real doctor or family)."""

from __future__ import annotations

from datetime import date, timedelta

PERSON = "e.g. Jane Doe"
DOCTOR = "e.g. Dr. John Roe"
PRACTICE = "e.g. Hilltop Pediatrics"
CHILD_FIRST_NAME = "e.g. Mia or M."
PHONE = "e.g. (860) 555-0199"
DATE_OF_BIRTH = "e.g. 3/4/2019"
MINUTES = "e.g. 15"
MEDICAID_NUMBER = "e.g. 012345678 (from the HUSKY card)"
NPI = "e.g. 1234567893 (ten digits)"
CONTACT_NOTE = "e.g. spoke with mom; first appointment Wed 3:30pm"
CLOSE_REASON = "e.g. linked to an outpatient clinic"
HAND_OFF_REASON = "e.g. three providers turned them away; mom is overwhelmed"
BOOKING_REF = "e.g. RX-20417"
PLAN_STEP = "e.g. first appointment at Bridgeport Child Guidance"
PAST_MOMENT = "e.g. yesterday 4pm or today 9:40am"


def _day(day: date) -> str:
    return f"{day.month}/{day.day}"


def a_later_moment(today: date) -> str:
    """An appointment or a new deadline: a weekday a week from today, in the afternoon."""
    day = today + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return f"e.g. tomorrow 10am or {_day(day)} 2:30pm"


def a_start_this_month(today: date, word: str) -> str:
    """The first day of a search over what already happened: the first of this month."""
    return f"{word}, e.g. {_day(today.replace(day=1))}"
