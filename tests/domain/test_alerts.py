"""The alert rules: which conditions hold, under stable keys, and the settings that set them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter.domain.alerts import AlertSettings, LineState, conditions
from callcenter.domain.errors import ValidationError

SETTINGS = AlertSettings()  # waits over 2:00, more than 5 waiting


def test_a_quiet_line_raises_nothing():
    calm = LineState("877", recent_service_level=0.9, target=0.8, longest_wait=timedelta(seconds=40), waiting=2)
    assert conditions([calm], SETTINGS) == []
    unknown = LineState("866", recent_service_level=None, target=0.8, longest_wait=None, waiting=0)
    assert conditions([unknown], SETTINGS) == []  # no settled call in the window: no level to judge


def test_a_line_in_trouble_raises_each_condition_once_under_its_own_key():
    trouble = LineState(
        "877", recent_service_level=0.12, target=0.8, longest_wait=timedelta(minutes=12, seconds=19), waiting=6
    )
    found = conditions([trouble], SETTINGS)
    assert [c.key for c in found] == ["sl:877", "wait:877", "queue:877"]
    assert found[0].what == "877: service level 12% over the last 30 min (target 80%)"
    assert found[1].what == "877: a caller has waited 12:19 (over 2:00)"
    assert found[2].what == "877: 6 callers waiting (over 5)"
    assert {c.line_code for c in found} == {"877"}


def test_thresholds_are_inclusive_limits_and_per_line():
    at_limit = LineState("877", recent_service_level=0.8, target=0.8, longest_wait=timedelta(minutes=2), waiting=5)
    assert conditions([at_limit], SETTINGS) == []  # exactly at each limit: not over it
    tty = LineState("tty", recent_service_level=None, target=0.8, longest_wait=timedelta(minutes=4), waiting=1)
    relaxed = AlertSettings.from_settings(longest_wait="tty=5m, 90s", waiting="877=10")
    assert conditions([tty], relaxed) == []  # the TTY line's own five minutes
    assert relaxed.longest_wait_for("877") == timedelta(seconds=90) and relaxed.waiting_for("877") == 10
    assert relaxed.waiting_for("866") == 5


def test_work_nobody_has_and_lost_consoles():
    found = conditions(
        [],
        SETTINGS,
        breached_promises=2,
        unassigned_consults=1,
        waiting_for_team={"peer support": 3, "case management": 0},
        lost_agents=[(7, "Jordan Chen", timedelta(minutes=3, seconds=5))],
    )
    assert [(c.key, c.what) for c in found] == [
        ("breached", "2 promises broken and still open"),
        ("consults", "1 consult waiting with no psychiatrist on shift"),
        ("handoffs:peer support", "3 families waiting for peer support"),
        ("lost:7", "Jordan Chen's console silent for 3:05 (lost?)"),
    ]


@pytest.mark.parametrize(
    ("longest_wait", "waiting", "bell", "says"),
    [
        ("2 parsecs", "", "", "is not a time"),
        ("0s", "", "", "between 1 second and 24 hours"),
        ("8 77=2m", "", "", "not a line code"),
        ("", "many", "", "not a number of callers"),
        ("", "", "loud", "wants on or off"),
    ],
)
def test_bad_settings_say_what_would_work(longest_wait, waiting, bell, says):
    with pytest.raises(ValidationError, match=says):
        AlertSettings.from_settings(longest_wait, waiting, bell)


def test_the_bell_is_off_unless_asked_for():
    assert not AlertSettings.from_settings().bell
    assert AlertSettings.from_settings(bell="on").bell
