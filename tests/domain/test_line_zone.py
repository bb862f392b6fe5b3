"""The line's time zone is one setting: every clock, day and business hour reads the same zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from callcenter.config import use_line_time_zone
from callcenter.domain import audit, contacts, metrics, timefmt
from callcenter.domain.errors import ValidationError
from callcenter.domain.promises import PromisePolicy
from callcenter.domain.referrals import parse_appointment

NOON_UTC = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def chicago():
    use_line_time_zone({"CALLCENTER_TIME_ZONE": "America/Chicago"})
    yield
    use_line_time_zone({})


def test_the_default_is_new_york():
    assert timefmt.line_zone().key == "America/New_York"
    assert timefmt.format_local(NOON_UTC, with_date=False) == "07:00:00"


def test_one_setting_moves_every_reading_of_the_line_zone(chicago):
    assert timefmt.format_local(NOON_UTC, with_date=False) == "06:00:00"
    assert PromisePolicy().hours.zone.key == "America/Chicago"
    assert metrics.LineSettings().zone.key == "America/Chicago"
    assert metrics.local_day(datetime(2026, 11, 24, 5, 30, tzinfo=UTC)) == date(2026, 11, 23)  # 23:30 in Chicago
    query, errors = contacts.build_filter({"since": "11/23"}, date(2026, 11, 23))
    assert errors == {} and query.bounds()[0] == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    trail, errors = audit.build_filter({"until": "11/23"}, date(2026, 11, 23))
    assert errors == {} and trail.bounds()[1] == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    assert parse_appointment("11/24 2pm", NOON_UTC) == datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert audit.local_time(NOON_UTC) == "2026-11-23 06:00:00"


def test_an_unknown_zone_is_refused_by_name():
    with pytest.raises(ValidationError, match="Unknown time zone 'Mars/Base'"):
        use_line_time_zone({"CALLCENTER_TIME_ZONE": "Mars/Base"})
    assert timefmt.line_zone().key == "America/New_York"
