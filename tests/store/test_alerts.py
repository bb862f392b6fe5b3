"""Alerts on both engines: raised once when a condition starts (from any number of supervisors'
consoles), cleared when it stops, acknowledged into the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from callcenter.domain.alerts import AlertSettings
from callcenter.domain.errors import PermissionDenied
from callcenter.store import alerts, calls, monitor
from callcenter.store.errors import InvalidOperation
from callcenter.store.models import Alert, AuditEntry
from tests.store.test_monitor import NOW, acting, add_agent, add_call

SETTINGS = AlertSettings()


@pytest.fixture
def people(db):
    return {
        "sup": add_agent(db, "sam", "supervisor"),
        "dana": add_agent(db, "dana", "supervisor"),
        "rep": add_agent(db, "alex"),
    }


def _refresh(db, supervisor, at=NOW):
    return alerts.refresh(db, acting(db, supervisor), monitor.snapshot(db, supervisor, at), SETTINGS)


def test_a_long_wait_is_raised_once_then_cleared_when_the_caller_is_answered(db, people):
    long_waiter, _ = add_call(db, "877", NOW - timedelta(minutes=3))
    add_call(db, "877", NOW - timedelta(minutes=1))
    shown = _refresh(db, people["sup"])
    [alert] = [a for a in shown if a.key == "wait:877"]
    assert alert.open and alert.raised_at == NOW and alert.now == "877: a caller has waited 3:00 (over 2:00)"
    # Later, from the other supervisor's console too: still the one alert, its words kept up to date.
    later = NOW + timedelta(seconds=5)
    _refresh(db, people["dana"], later)
    shown = _refresh(db, people["sup"], later)
    assert [a.id for a in shown if a.key == "wait:877"] == [alert.id]
    assert next(a for a in shown if a.key == "wait:877").now == "877: a caller has waited 3:05 (over 2:00)"
    calls.abandon(db, long_waiter, later)  # the caller hung up: the wait alert stops holding
    cleared_at = later + timedelta(seconds=1)
    shown = _refresh(db, people["sup"], cleared_at)
    [cleared] = [a for a in shown if a.key == "wait:877"]
    assert (cleared.open, cleared.cleared_at, cleared.now) == (False, cleared_at, None)
    # A second long wait later is a new alert, not the old one reopened.
    add_call(db, "877", cleared_at - timedelta(minutes=4))
    shown = _refresh(db, people["sup"], cleared_at + timedelta(seconds=1))
    assert [a.open for a in shown if a.key == "wait:877"] == [True, False]


def test_two_consoles_raising_the_same_alert_at_once_make_one(db, people):
    add_call(db, "877", NOW - timedelta(minutes=3))
    snapshot = monitor.snapshot(db, people["sup"], NOW)
    conditions = alerts.conditions_of(snapshot, 0, SETTINGS)
    alerts._record(db, conditions, set(), NOW)
    alerts._record(db, conditions, set(), NOW)  # the other console, with the same news
    with db.read() as session:
        keys = session.scalars(select(Alert.key).where(Alert.cleared_at.is_(None))).all()
    assert sorted(keys) == sorted(c.key for c in conditions) and len(keys) == len(set(keys))


def test_acknowledging_is_a_supervisors_and_goes_to_the_trail(db, people):
    add_call(db, "877", NOW - timedelta(minutes=3))
    [alert] = [a for a in _refresh(db, people["sup"]) if a.key == "wait:877"]
    with pytest.raises(PermissionDenied):
        alerts.acknowledge(db, acting(db, people["rep"]), alert.id, NOW)
    alerts.acknowledge(db, acting(db, people["dana"]), alert.id, NOW)
    with pytest.raises(InvalidOperation, match="already"):
        alerts.acknowledge(db, acting(db, people["sup"]), alert.id, NOW)
    [shown] = [a for a in alerts.listing(db, NOW) if a.id == alert.id]
    assert (shown.acknowledged_by, shown.acknowledged_at) == ("Dana", NOW)
    with db.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "alert")).one()
    assert (entry.action, entry.agent_id, entry.entity_id) == ("acknowledge", people["dana"], alert.id)
    with pytest.raises(PermissionDenied):
        _refresh(db, people["rep"])
